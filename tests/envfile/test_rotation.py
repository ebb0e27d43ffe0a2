"""One rotation pushed to a PBX, an app's .env and a hook at once, on the emulators with real SMTP.

The .env is the sample Compose file of conftest.py: every line but the owned keys' must come
out byte for byte, with the file's mode; the hook gets the login on stdin only.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from smtpcreds.emulator.lab import Lab

from .conftest import APP_ENV

HOOK = """\
import json, os, sys
received = {"stdin": sys.stdin.read(), "argv": sys.argv, "environ": dict(os.environ)}
with open(sys.argv[1], "w") as out:
    json.dump(received, out)
print("app reloaded")
"""
OWNED = ("SMTP_HOST=", "SMTP_PORT=", "SMTP_USER=", "SMTP_PASSWORD=")


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["smtp2go", "webitel"]) as running:
        yield running


@pytest.fixture
def received(tmp_path: Path) -> Path:
    """Where the hook records its stdin, argv and environment."""
    return tmp_path / "hook-received.json"


@pytest.fixture
def configured(
    lab: Lab, app_env: Path, received: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Profiles relay and pbx (the lab), app-env (the sample .env, mode 0640) and hook."""
    os.chmod(app_env, 0o640)
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    config = tmp_path / "config.toml"
    config.write_text(
        lab.toml(
            {
                "app-env": {"provider": "envfile", "path": str(app_env)},
                "hook": {"provider": "exec", "command": [sys.executable, str(script), str(received)]},
            },
            default="relay",
        )
    )
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return app_env


def others(text: str) -> list[str]:
    """The lines smtpcreds must not touch, with their line endings."""
    return [line for line in text.splitlines(keepends=True) if not line.startswith(OWNED)]


def test_one_rotation_leaves_the_pbx_the_env_file_and_the_hook_holding_the_new_login(
    lab: Lab, configured: Path, received: Path, run_cli: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "billing-app").json()["id"]

    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "pbx", "--push", "app-env", "--push", "hook")

    assert rotated.code == 0, rotated
    assert rotated.json()["results"][0]["pushed"] == ["pbx", "app-env", "hook"]
    login = run_cli("--json", "creds", "login", ref, "--reveal").json()
    secret = login["password"]
    assert lab.smtp.accepts(login["username"], secret)
    pbx = run_cli("--json", "--profile", "pbx", "settings", "show", "--reveal").json()
    assert (pbx["username"], pbx["password"]) == (login["username"], secret)
    env = dotenv_values(configured)
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == (login["host"], str(login["port"]))
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"]) == (login["username"], secret)
    text = configured.read_text()
    assert others(text) == others(APP_ENV)
    assert f"SMTP_PASSWORD={secret}  # rotated by smtpcreds\n" in text
    assert stat.S_IMODE(os.stat(configured).st_mode) == 0o640
    hook = json.loads(received.read_text())
    assert json.loads(hook["stdin"]) == {
        "host": login["host"],
        "port": login["port"],
        "security": login["security"],
        "username": login["username"],
        "password": secret,
        "issuer": "relay",
        "credential": ref,
    }
    assert secret not in json.dumps(hook["argv"]) + json.dumps(hook["environ"])


def test_no_password_of_the_rotations_is_in_their_output_or_any_state_file(
    lab: Lab, configured: Path, run_cli: Any, memory_keyring: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "billing-app").json()["id"]
    outputs = []
    for mode in ([], ["--json"]):
        run = run_cli(*mode, "creds", "rotate", ref, "--push", "pbx", "--push", "app-env", "--push", "hook")
        assert run.code == 0, run
        outputs.append(run.out + run.err)
    for command in (("creds", "login", ref), ("--profile", "app-env", "settings", "show")):
        outputs.append(run_cli(*command).out)

    from smtpcreds.store.record import logins_in

    logins = [d for v in memory_keyring.store.values() for d in logins_in(v).values()]
    passwords = {login["password"] for login in logins if "password" in login}  # not the PBX session
    state = Path(os.environ["SMTPCREDS_STATE_DIR"])
    files = [p.read_text(errors="replace") for p in state.rglob("*") if p.is_file()]
    assert len(passwords) == 2 and files  # current and previous; journals written
    for password in passwords:
        assert [o for o in outputs if password in o] == []
        assert [f for f in files if password in f] == []


def test_audit_lists_consumers_of_every_kind(lab: Lab, configured: Path, run_cli: Any) -> None:
    ref = run_cli("--json", "creds", "create", "billing-app").json()["id"]
    assert run_cli("creds", "rotate", ref, "--push", "pbx", "--push", "app-env", "--push", "hook").code == 0

    rows = run_cli("--json", "creds", "audit", "--profile", "relay").json()

    # pushed with --push, not bound: listed apart from the bound consumers
    assert [row["unbound_pushes"] for row in rows if row["id"] == ref] == [["app-env", "hook", "pbx"]]


def test_a_world_writable_env_stops_a_replace_rotation_before_retire_and_resume_pushes_only_to_it(
    lab: Lab, configured: Path, received: Path, run_cli: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "billing-app").json()["id"]
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()
    os.chmod(configured, 0o646)

    stopped = run_cli(
        "--json", "creds", "rotate", ref, "--strategy", "replace", "--push", "hook", "--push", "app-env"
    )

    assert stopped.code == 8
    message = stopped.json()["results"][0]["error"]["message"]
    assert "group- or world-writable" in message and "still holding the old login: app-env" in message
    assert lab.smtp.accepts(old["username"], old["password"])
    assert configured.read_text() == APP_ENV
    rotation_id = stopped.json()["incomplete_rotations"][0]
    received.unlink()
    os.chmod(configured, 0o640)

    resumed = run_cli("--json", "rotations", "resume", rotation_id)

    assert resumed.code == 0, resumed
    assert resumed.json()["retired"] is True
    assert not received.exists()  # the hook already had the new login
    new = run_cli("--json", "creds", "login", resumed.json()["new_credential"], "--reveal").json()
    assert dotenv_values(configured)["SMTP_PASSWORD"] == new["password"]
    assert lab.smtp.accepts(new["username"], new["password"])
    assert not lab.smtp.accepts(old["username"], old["password"])
