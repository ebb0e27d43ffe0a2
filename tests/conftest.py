"""Shared fixtures: every test gets an isolated keyring, state directory and configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.store import reset_backend_check
from smtpcreds.testing.openbao import OpenBao, openbao_dev
from smtpcreds.testing.support import MemoryKeyring
from tests.vaultstore import bao_unavailable


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test sees the user's config, state directory or environment overrides."""
    for key in list(os.environ):
        if key.startswith("SMTPCREDS_") and key != "SMTPCREDS_SECRET_SERVICE":
            monkeypatch.delenv(key)
    state = tmp_path / "state"
    monkeypatch.setenv("SMTPCREDS_STATE_DIR", str(state))
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("SMTPCREDS_CACHE_DIR", str(tmp_path / "cache"))  # the CLI's plugin-command cache
    yield tmp_path


@pytest.fixture(autouse=True)
def isolated_redaction() -> Iterator[None]:
    """Secrets registered by one test do not mask words in another's messages."""
    from smtpcreds import redact

    saved = redact.snapshot()
    yield
    redact.restore(saved)


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the test (tests marked secret_service use the real one)."""
    if request.node.get_closest_marker("secret_service"):
        if not os.environ.get("SMTPCREDS_SECRET_SERVICE"):
            message = "needs a real Secret Service: run under tests/run.sh (dbus + gnome-keyring)"
            if os.environ.get("CI") == "true":
                pytest.fail(f"{message}; CI must not skip it")
            pytest.skip(message)
        from keyring.backends import SecretService

        previous = keyring.get_keyring()
        keyring.set_keyring(SecretService.Keyring())
        reset_backend_check()
        yield MemoryKeyring()  # unused placeholder: the real backend is installed
        keyring.set_keyring(previous)
        reset_backend_check()
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    reset_backend_check()
    yield backend
    keyring.set_keyring(previous)
    reset_backend_check()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (plain, AUTH allowed) that accepts issued logins."""
    with SmtpServer("none") as server:
        yield server


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> object:
        import json

        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:500]!r}, err={self.err[:500]!r})"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> object:
    """Run ``smtpcreds ARGS...`` in-process through the real entry point; returns a CliResult."""
    import sys

    from smtpcreds.cli import main
    from smtpcreds.plugins import reset_plugin_manager

    def run(*args: str, stdin: str | None = None) -> CliResult:
        import io

        capsys.readouterr()
        old_stdin = sys.stdin
        old_config = os.environ.get("SMTPCREDS_CONFIG")  # (--config PATH sets it for the process)
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdin = old_stdin
            if old_config is None:
                os.environ.pop("SMTPCREDS_CONFIG", None)
            else:
                os.environ["SMTPCREDS_CONFIG"] = old_config
            reset_plugin_manager()
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def issuer_lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The lab with the emulator of the test module's ``ISSUER`` (and the real SMTP server)."""
    with Lab([request.module.ISSUER]) as running:
        yield running


@pytest.fixture
def issuer_env_file(issuer_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    request: pytest.FixtureRequest) -> Path:
    """Profiles ``<ISSUER>`` (the lab's emulator, the default) and ``app-env`` (a .env file)."""
    issuer = request.module.ISSUER
    env = tmp_path / "app.env"
    env.write_text("APP_NAME=billing\n")
    env.chmod(0o600)
    config = tmp_path / "config.toml"
    config.write_text(issuer_lab.toml({"app-env": {"provider": "envfile", "path": str(env)}}, default=issuer))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return env


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBao]:
    """One real OpenBao dev server for the session (each test uses a KV prefix of its own)."""
    try:
        with openbao_dev() as server:
            yield server
    except RuntimeError as e:
        bao_unavailable(e)
