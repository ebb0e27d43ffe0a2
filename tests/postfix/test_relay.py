"""A real Postfix relaying to the lab SMTP server with SASL, before and after a rotation pushed to it.

The issuer is the SMTP2GO emulator, whose logins the lab SMTP server accepts; Postfix is a
private instance (see instance.py) whose map holds the relay login and another entry that must
survive byte for byte. Each message is submitted to Postfix's smtpd, as a host's cron or app would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab

from .conftest import mode
from .instance import POSTMAP, PostfixInstance

OTHER_ENTRY = "[backup.example.test]:2525 backup-user:backup-Passw0rd\n"


@pytest.fixture
def configured(lab: Lab, instance: PostfixInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Profiles relay (the SMTP2GO emulator) and mta (the private Postfix); the map has another entry."""
    instance.map_source.write_text("# relay logins\n" + OTHER_ENTRY)
    os.chmod(instance.map_source, 0o600)
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"mta": {"provider": "postfix", "postconf_dir": str(instance.config_dir),
                                        "smtpd": f"127.0.0.1:{instance.port}"}}, default="relay"))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return config


def indexed(instance: PostfixInstance, key: str) -> str:
    done = subprocess.run([POSTMAP, "-c", str(instance.config_dir), "-q", key, f"hash:{instance.map_source}"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def relayed_as(lab: Lab, instance: PostfixInstance, subject: str) -> str | None:
    """Send ``subject`` through Postfix; return the login the lab SMTP server saw it relayed with."""
    queue_id = instance.send(subject)
    line = instance.wait_for(queue_id)
    assert "status=sent" in line, line
    [delivered] = [d for d in lab.smtp.delivered if f"Subject: {subject}".encode() in d.data]
    return delivered.username


def test_a_rotation_pushed_to_postfix_is_relayed_with_the_new_login_and_the_old_one_is_refused(
    lab: Lab, instance: PostfixInstance, configured: Path, run_cli: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "cron-relay").json()["id"]
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()
    relayhost = f"[{lab.smtp.host}]:{lab.smtp.port}"
    seeded = run_cli("--profile", "mta", "settings", "set", "--login-from", f"relay:{ref}")
    assert seeded.code == 0, seeded
    assert relayed_as(lab, instance, "before the rotation") == old["username"]
    reloads = instance.log().count("reload -- version")

    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "mta")

    assert rotated.code == 0, rotated
    assert rotated.json()["results"][0]["pushed"] == ["mta"]
    new = run_cli("--json", "creds", "login", ref, "--reveal").json()
    assert new["password"] != old["password"]
    assert indexed(instance, relayhost) == f"{new['username']}:{new['password']}"
    entry = f"{relayhost} {new['username']}:{new['password']}\n"
    assert instance.map_source.read_text() == f"# relay logins\n{OTHER_ENTRY}{entry}"
    assert mode(instance.map_source) == 0o600
    assert instance.log().count("reload -- version") == reloads + 1  # a changed hash map is re-read anyway
    assert relayed_as(lab, instance, "after the rotation") == new["username"]
    assert not lab.smtp.accepts(old["username"], old["password"])
    assert lab.smtp.accepts(new["username"], new["password"])


def test_settings_test_reports_a_relay_that_refuses_the_login_and_one_that_takes_it(
    lab: Lab, instance: PostfixInstance, configured: Path, run_cli: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "cron-relay").json()["id"]
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()
    assert run_cli("creds", "rotate", ref).code == 0
    stale = run_cli("--profile", "mta", "settings", "set", "--username", old["username"], "--password-stdin",
                    stdin=old["password"] + "\n")
    assert stale.code == 0, stale
    attempts = lab.smtp.auth_attempts

    refused = run_cli("--json", "--profile", "mta", "settings", "test", "--to", "ops@example.com")

    assert refused.code == 7, refused
    message = json.loads(refused.err)["error"]["message"]
    assert "deferred" in message and "SASL authentication failed" in message and "5.7.8" in message
    assert lab.smtp.auth_attempts > attempts and not lab.smtp.delivered
    assert run_cli("--profile", "mta", "settings", "set", "--login-from", f"relay:{ref}").code == 0

    accepted = run_cli("--json", "--profile", "mta", "settings", "test", "--to", "ops@example.com")

    assert accepted.code == 0, accepted
    assert "relayed" in accepted.json()["info"] and "status=sent" in accepted.json()["info"]
    assert [d.rcpt_tos for d in lab.smtp.delivered] == [["ops@example.com"]]


def test_settings_show_masks_the_password_and_reads_the_relay_settings(
    lab: Lab, instance: PostfixInstance, configured: Path, run_cli: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "cron-relay").json()["id"]
    login = run_cli("--json", "creds", "login", ref, "--reveal").json()
    assert run_cli("--profile", "mta", "settings", "set", "--login-from", f"relay:{ref}").code == 0

    shown = run_cli("--json", "--profile", "mta", "settings", "show")
    revealed = run_cli("--json", "--profile", "mta", "settings", "show", "--reveal").json()

    assert shown.code == 0, shown
    data = shown.json()
    assert (data["host"], data["port"], data["username"]) == (lab.smtp.host, lab.smtp.port, login["username"])
    assert data["password"] == "**********" and login["password"] not in shown.out + shown.err
    assert revealed["password"] == login["password"]
    assert data["extra"]["postconf"]["smtp_sasl_auth_enable"] == "yes"
    assert data["extra"]["warnings"] == []  # loopback relay: no TLS warning


def test_no_password_reaches_output_journals_or_the_mail_log(
    lab: Lab, instance: PostfixInstance, configured: Path, run_cli: Any, memory_keyring: Any
) -> None:
    ref = run_cli("--json", "creds", "create", "cron-relay").json()["id"]
    outputs = [run_cli("--profile", "mta", "settings", "set", "--login-from", f"relay:{ref}")]
    for extra in ([], ["--json"], ["-vv"]):  # -vv: every log line of the rotation and the push
        outputs.append(run_cli(*extra, "creds", "rotate", ref, "--push", "mta"))
    outputs.append(run_cli("--profile", "mta", "settings", "show"))
    outputs.append(run_cli("--profile", "mta", "settings", "test", "--to", "ops@example.com"))
    assert all(o.code == 0 for o in outputs), outputs
    assert "DEBUG" in outputs[3].err  # the -vv run did log

    from smtpcreds.store.record import logins_in

    passwords = {doc["password"] for v in memory_keyring.store.values() if v.startswith("{")
                 for doc in logins_in(v).values()}
    state = Path(os.environ["SMTPCREDS_STATE_DIR"])
    written = [p.read_text(errors="replace") for p in state.rglob("*") if p.is_file()] + [instance.log()]
    assert len(passwords) == 2  # current and previous
    for password in passwords:
        assert [o for o in outputs if password in o.out + o.err] == []
        assert [w for w in written if password in w] == []
