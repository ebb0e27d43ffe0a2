"""Secret hygiene: run every CLI command (plain, --json, -vv) with known secrets and scan
everything written — stdout, stderr, log output, journal files — for them. Only ``--reveal``
may show a password. Also reprs and str() of every model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from smtpcreds.emulator.lab import Lab
from smtpcreds.models import EmailSettings, SmtpCredential, SmtpLogin


@pytest.fixture
def lab() -> Any:
    with Lab(["mailersend", "smtp2go", "webitel"]) as running:
        yield running


@pytest.fixture
def cli_env(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    env_file = tmp_path / ".env"
    env_file.write_text("APP=1\n")
    env_file.chmod(0o600)
    hook = tmp_path / "hook.py"
    hook.write_text("import sys; sys.stdin.read()\n")
    path = tmp_path / "config.toml"
    path.write_text(lab.toml({"app-env": {"provider": "envfile", "path": str(env_file)},
                              "hook": {"provider": "exec", "command": [sys.executable, str(hook)]}},
                             default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    profiles = lab.profiles()
    api_secrets = [profiles["ms"]["api_token"], profiles["relay"]["api_key"], profiles["pbx"]["password"]]
    return {"config": path, "env_file": env_file, "api_secrets": api_secrets}


def _passwords(memory_keyring: Any) -> set[str]:

    from smtpcreds.store.record import logins_in

    found = set()
    for (_service, _user), value in memory_keyring.store.items():
        logins = logins_in(value)
        found.update(d["password"] for d in logins.values()) if logins else found.add(value)
    return {p for p in found if len(p) >= 8}


def test_no_cli_command_prints_a_secret_unless_revealed(lab: Lab, cli_env: dict[str, Any], run_cli: Any,
                                                       memory_keyring: Any, caplog: pytest.LogCaptureFixture,
                                                       tmp_path: Path) -> None:
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None, reveal: bool = False) -> Any:
        for mode in ([], ["--json"], ["-vv"], ["--json", "-vv"]):
            r = run_cli(*mode, *args, stdin=stdin)
            if not reveal:
                outputs.append(f"$ {' '.join(mode + list(args))}\n{r.out}\n{r.err}")
        return r

    relay_ref = run_cli("--json", "creds", "create", "hygiene-relay").json()["id"]
    ms_ref = run_cli("--json", "--profile", "ms", "creds", "create", "hygiene-ms").json()["id"]
    commands = [
        ("providers",), ("profiles",), ("creds", "list"), ("creds", "show", relay_ref),
        ("--profile", "ms", "creds", "list"), ("--profile", "ms", "creds", "show", ms_ref),
        ("creds", "login", relay_ref), ("creds", "update", relay_ref, "--option", "description=x"),
        ("creds", "update", relay_ref, "--new-password"),
        ("creds", "rotate", relay_ref, "--push", "pbx", "--push", "app-env", "--push", "hook"),
        ("--profile", "ms", "creds", "rotate", "--all", "--push", "pbx"),
        ("creds", "rotate", relay_ref, "--dry-run"),
        ("creds", "audit"), ("rotations", "list"), ("metrics",), ("metrics", "--with-provider"),
        ("--profile", "pbx", "settings", "show"),
        ("--profile", "pbx", "settings", "test", "--to", "a@b.example"),
        ("--profile", "app-env", "settings", "show"),
        ("--profile", "pbx", "settings", "set", "--description", "hygiene"),
        ("creds", "show", "no-such-user"), ("--profile", "ms", "creds", "create", "x" * 60),
        ("mailersend", "roles"),
    ]
    for args in commands:
        run(*args)
    run("--profile", "pbx", "settings", "set", "--password-stdin", stdin="Pbx-Stdin-Secret-123456\n")
    run("auth", "set", "ms", stdin="mlsn.hygiene-cli-token-0001\n")
    caplog.set_level("DEBUG")
    secrets_known = _passwords(memory_keyring) | set(cli_env["api_secrets"]) | {
        "Pbx-Stdin-Secret-123456", "mlsn.hygiene-cli-token-0001"}
    assert len(secrets_known) >= 8
    journals = "".join(p.read_text() for p in (Path(tmp_path) / "state").rglob("*.json"))
    haystack = "\n".join(outputs) + caplog.text + journals
    leaked = [s[:4] + "…" for s in secrets_known if s in haystack]
    assert leaked == [], f"secrets leaked: {leaked}"
    revealed = run_cli("--json", "creds", "login", relay_ref, "--reveal").json()["password"]
    assert revealed in secrets_known


def test_models_mask_secrets_in_repr_and_str() -> None:
    secret = "Model-Secret-Value-123"
    objects = [
        SmtpLogin(host="h", port=1, username="u", password=SecretStr(secret)),
        SmtpCredential(provider="p", id="i", name="n", username="u", password=SecretStr(secret)),
        EmailSettings(host="h", password=SecretStr(secret)),
    ]
    for obj in objects:
        assert secret not in repr(obj) and secret not in str(obj)
        assert secret not in str(obj.public_dict())  # type: ignore[attr-defined]
        assert secret in str(obj.public_dict(reveal=True))  # type: ignore[attr-defined]


def test_exception_text_is_redacted() -> None:
    from smtpcreds.errors import ProviderError
    from smtpcreds.redact import register

    register("Exception-Secret-999")
    err = ProviderError("server echoed Exception-Secret-999 back", fields={"x": ["Exception-Secret-999"]})
    assert "Exception-Secret-999" not in str(err) and "Exception-Secret-999" not in str(err.to_dict())
