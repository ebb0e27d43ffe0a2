"""The SES provider against moto's IAM: paths, tags, partial creates, lost answers, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_ses.emulator import SesEmulator

import smtpcreds
from smtpcreds.client import Connection
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.errors import NotFound, ProviderError, RateLimited, TransportError, ValidationError

from .conftest import keys_of


@pytest.fixture
def conn(profile_fields: dict[str, Any]) -> Iterator[Connection]:
    fields = dict(profile_fields)
    with smtpcreds.connect("ses", provider=fields.pop("provider"), **fields) as c:
        yield c


def tags(emu: SesEmulator, user: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in emu.backend.list_user_tags(user)}


def test_a_create_whose_key_failed_leaves_a_user_that_the_next_create_adopts(
    emulator: SesEmulator, conn: Connection, smtp_server: SmtpServer
) -> None:
    emulator.faults.inject(path="CreateAccessKey", status=500, times=1)  # (sent once: never re-sent)
    with pytest.raises(ProviderError):
        conn.credentials.create("app")
    assert keys_of(emulator, "app") == [] and tags(emulator, "app")["smtpcreds-state"] == "creating"

    created = conn.credentials.create("app")

    assert [u for u in emulator.backend.users if u != "smtpcreds-admin"] == ["app"]
    [key] = keys_of(emulator, "app")
    assert created.username == key.access_key_id and tags(emulator, "app")["smtpcreds-state"] == "ready"
    assert created.password is not None
    assert smtp_server.accepts(created.username, created.password.get_secret_value())


def test_an_unanswered_key_creation_leaves_no_key_whose_secret_nobody_has(
    emulator: SesEmulator, conn: Connection
) -> None:
    emulator.faults.inject(path="CreateAccessKey", drop_after=True)
    with pytest.raises(TransportError):
        conn.credentials.create("app")
    assert "app" not in emulator.backend.users or keys_of(emulator, "app") == []

    created = conn.credentials.create("app")
    assert [k.access_key_id for k in keys_of(emulator, "app")] == [created.username]


def test_an_existing_user_not_made_by_smtpcreds_is_refused(emulator: SesEmulator, conn: Connection) -> None:
    emulator.backend.create_user("eu-west-1", "app", path="/smtpcreds/", tags=[])
    with pytest.raises(ValidationError, match="already exists"):
        conn.credentials.create("app")
    assert keys_of(emulator, "app") == []


def test_a_second_create_of_a_finished_login_is_refused_and_changes_nothing(
    emulator: SesEmulator, conn: Connection
) -> None:
    created = conn.credentials.create("app")
    with pytest.raises(ValidationError, match="already exists"):
        conn.credentials.create("app")
    assert [k.access_key_id for k in keys_of(emulator, "app")] == [created.username]


def test_users_outside_the_path_are_neither_listed_nor_managed(emulator: SesEmulator, conn: Connection) -> None:
    emulator.backend.create_user("eu-west-1", "someone", path="/people/", tags=[])
    conn.credentials.create("app")
    assert [c.id for c in conn.credentials.list()] == ["app"]
    with pytest.raises(NotFound):
        conn.credentials.get("someone")
    with pytest.raises(NotFound):
        conn.credentials.delete("someone")
    assert "someone" in emulator.backend.users


def test_delete_removes_keys_policies_and_the_user(emulator: SesEmulator, conn: Connection,
                                                   smtp_server: SmtpServer) -> None:
    created = conn.credentials.create("app")
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ses:*", "Resource": "*"}]}'
    policy = emulator.backend.create_policy("", "/", document, "extra", [])
    emulator.backend.attach_user_policy(policy.arn, "app")

    conn.credentials.delete("app")

    assert "app" not in emulator.backend.users
    assert not smtp_server.accepts(created.username, created.password.get_secret_value())  # type: ignore[union-attr]


def test_disabling_a_login_deactivates_its_key_and_smtp_rejects_it(
    emulator: SesEmulator, conn: Connection, smtp_server: SmtpServer
) -> None:
    created = conn.credentials.create("app")
    assert created.password is not None

    updated = conn.credentials.update("app", enabled=False)

    assert updated.enabled is False and keys_of(emulator, "app")[0].status == "Inactive"
    assert not smtp_server.accepts(created.username, created.password.get_secret_value())
    conn.credentials.update("app", enabled=True)
    assert smtp_server.accepts(created.username, created.password.get_secret_value())


def test_regenerate_after_a_lost_answer_replaces_the_orphan_key(emulator: SesEmulator, conn: Connection) -> None:
    created = conn.credentials.create("app")
    orphan = emulator.backend.create_access_key("app").access_key_id  # as if its answer was lost

    new = conn.provider.regenerate_password("app", keep=created.username, replace_orphans=True)

    ids = {k.access_key_id for k in keys_of(emulator, "app")}
    assert ids == {created.username, new.username} and orphan not in ids


def test_a_lost_answer_during_a_rotation_leaves_only_the_old_key_and_resume_finishes(
    emulator: SesEmulator, configured: Path, run_cli: Any
) -> None:
    old = run_cli("--json", "creds", "create", "app").json()["username"]
    emulator.faults.inject(path="CreateAccessKey", drop_after=True)

    stopped = run_cli("--json", "creds", "rotate", "app")

    assert stopped.code == 8, stopped
    assert [k.access_key_id for k in keys_of(emulator, "app")] == [old]
    [rotation_id] = stopped.json()["incomplete_rotations"]
    assert run_cli("rotations", "resume", rotation_id).code == 0
    [key] = keys_of(emulator, "app")
    assert key.access_key_id != old


def test_throttling_is_rate_limited(emulator: SesEmulator, conn: Connection) -> None:
    emulator.faults.inject(path="ListUsers", status=429, times=10)
    with pytest.raises(RateLimited):
        list(conn.credentials.list())


def test_the_documented_permissions_are_enough_and_checked(emulator: SesEmulator, conn: Connection) -> None:
    """moto enforces the emulator's admin policy (the documented list): an action beyond it fails."""
    from smtpcreds_ses.iam import call

    from smtpcreds.errors import AuthError

    iam = conn.provider._iam()  # type: ignore[attr-defined]
    with pytest.raises(AuthError, match="not authorized"):
        call("ListRoles", iam.list_roles)


def test_the_cli_start_up_does_not_import_boto3() -> None:
    script = (
        "import sys\n"
        "from smtpcreds.cli import main\n"
        "try:\n    main(['providers'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SMTPCREDS_CONFIG": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "[]"
    assert "ses" in proc.stdout


def test_the_managing_secret_key_can_live_in_the_keyring(
    emulator: SesEmulator, profile_fields: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    run_cli: Any,
) -> None:
    from smtpcreds.emulator.lab import _toml_value

    fields = {k: v for k, v in profile_fields.items() if k != "aws_secret_access_key"}
    config = tmp_path / "keyring-config.toml"
    config.write_text("[profiles.ses]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in fields.items()))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    missing = run_cli("--profile", "ses", "creds", "list")
    assert missing.code == 2 and "auth set ses" in missing.err, missing

    assert run_cli("auth", "set", "ses", stdin=profile_fields["aws_secret_access_key"] + "\n").code == 0
    created = run_cli("--profile", "ses", "--json", "creds", "create", "app")

    assert created.code == 0, created
    assert profile_fields["aws_secret_access_key"] not in created.out + created.err


def test_a_create_does_not_list_every_login(emulator: SesEmulator, conn: Connection) -> None:
    for i in range(3):
        conn.credentials.create(f"app{i}")
    before = len(emulator.requests)

    conn.credentials.create("one-more")

    actions = [r.body.split(b"Action=")[1].split(b"&")[0] for r in list(emulator.requests)[before:]]
    assert b"ListUsers" not in actions and len(actions) == 8, actions
