"""Fixtures for bindings: the lab (SMTP2GO + Webitel emulators, real SMTP), two apps' .env files,
a multi-login exec hook, and a config.toml whose consumers are bound to SMTP2GO logins."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine

#: The hook: appends each JSON it receives to a log file, one per line; fails while a flag exists.
HOOK = """\
import os, sys
data = sys.stdin.read()
if os.path.exists(sys.argv[2]):
    print("hook: secret store unavailable", file=sys.stderr)
    sys.exit(3)
with open(sys.argv[1], "a") as out:
    out.write(data.strip() + "\\n")
print("stored")
"""

Configure = Callable[..., Path]


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["smtp2go", "webitel"]) as running:
        yield running


@pytest.fixture
def env_files(tmp_path: Path) -> dict[str, Path]:
    """Two applications' .env files: billing and shop."""
    out = {}
    for app in ("billing", "shop"):
        path = tmp_path / app / ".env"
        path.parent.mkdir()
        path.write_text(f"APP_NAME={app}\nSMTP_HOST=old.example.test\n")
        path.chmod(0o600)
        out[app] = path
    return out


@pytest.fixture
def hook_log(tmp_path: Path) -> Path:
    return tmp_path / "hook-received.jsonl"


@pytest.fixture
def hook_flag(tmp_path: Path) -> Path:
    """While this file exists the hook fails."""
    return tmp_path / "hook-fail"


@pytest.fixture
def configure(lab: Lab, env_files: dict[str, Path], hook_log: Path, hook_flag: Path, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Write config.toml: relay (SMTP2GO), pbx (Webitel), billing-env, shop-env and hook, with the
    given ``login`` per consumer (None: unbound)."""
    script = tmp_path / "hook.py"
    script.write_text(HOOK)

    def write(**logins: Any) -> Path:
        consumers: dict[str, dict[str, Any]] = {
            "billing-env": {"provider": "envfile", "path": str(env_files["billing"])},
            "shop-env": {"provider": "envfile", "path": str(env_files["shop"])},
            "hook": {"provider": "exec", "command": [sys.executable, str(script), str(hook_log), str(hook_flag)]},
        }
        consumers["pbx"] = lab.profile("webitel")
        for name, login in logins.items():
            consumers[name.replace("_", "-")]["login"] = login
        text = lab.toml(consumers, default="relay")
        config = tmp_path / "config.toml"
        config.write_text(text)
        config.chmod(0o600)
        monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
        return config

    return write


def hook_received(hook_log: Path) -> list[dict[str, Any]]:
    if not hook_log.exists():
        return []
    return [json.loads(line) for line in hook_log.read_text().splitlines()]


def stored(run_cli: Any, ref: str) -> dict[str, Any]:
    login: dict[str, Any] = run_cli("--json", "creds", "login", ref, "--reveal").json()
    return login

