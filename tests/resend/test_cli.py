"""The issue's end-to-end check from the command line, on the lab (Resend emulator + real SMTP): create,
list, show, rotate with --push to a .env, login --reveal, delete; the new key is sending-only for the
profile's domain, passes SMTP AUTH as ``resend`` before the old key is deleted, the old one fails and
exactly one key of the name remains; errors exit with their codes in one line; and no secret reaches
output, logs, journals or state files without --reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from smtpcreds_resend.emulator import DOMAIN_ID, ResendEmulator

from smtpcreds.emulator.http import Fault
from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.support import MemoryKeyring

ISSUER = "resend"


def emulator_of(lab: Lab) -> ResendEmulator:
    emu = lab.emulators[ISSUER]
    assert isinstance(emu, ResendEmulator)
    return emu


def state_text(tmp_path: Path) -> str:
    """Everything the runs wrote under the state directory (journals, locks, records)."""
    return "".join(p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*") if p.is_file())


def test_create_list_show_rotate_push_login_delete_from_the_cli_without_leaking_a_secret(
        issuer_lab: Lab, issuer_env_file: Path, run_cli: Any, memory_keyring: MemoryKeyring,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level("DEBUG")
    emu = emulator_of(issuer_lab)
    outputs: list[str] = []
    auths: list[int] = []  # how many API requests had arrived when each SMTP login succeeded
    issuer_lab.smtp.on_login = lambda user: auths.append(len(emu.requests))

    def run(*args: str) -> Any:
        for mode in ([], ["--json"], ["-vv"]):
            r = run_cli(*mode, *args)
            outputs.append(f"$ {' '.join([*mode, *args])}\n{r.out}\n{r.err}")
            assert r.code == 0, r
        return run_cli("--json", *args)

    created = run_cli("--json", "creds", "create", "billing")
    assert created.code == 0, created
    outputs.append(created.out + created.err)
    old_id = created.json()["id"]
    ref = "billing"
    assert (emu.keys[old_id]["permission"], emu.keys[old_id]["domain_id"]) == ("sending_access", DOMAIN_ID)
    first = memory_keyring.secrets()
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert old == emu.keys[old_id]["token"] and issuer_lab.smtp.accepts("resend", old)

    assert old_id in [c["id"] for c in run("creds", "list").json()]
    assert run("creds", "show", ref).json()["name"] == "billing"
    assert run("creds", "login", ref).json()["password"] == "**********"

    emu.requests.clear()
    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "app-env")
    outputs.append(rotated.out + rotated.err)
    assert rotated.code == 0, rotated
    [item] = rotated.json()["results"]
    assert item["ok"] and item["verified"] and item["pushed"] == ["app-env"]
    new_id = item["new_credential"]
    assert new_id != old_id and emu.named("billing") == [new_id]
    assert (emu.keys[new_id]["permission"], emu.keys[new_id]["domain_id"]) == ("sending_access", DOMAIN_ID)
    [delete_at] = [i for i, r in enumerate(emu.requests) if r.method == "DELETE"]
    assert emu.requests[delete_at].path == f"/api-keys/{old_id}"
    assert auths and auths[0] <= delete_at  # SMTP AUTH with the new key came before the old key's DELETE

    ref = "billing"
    login = run_cli("--json", "creds", "login", ref, "--reveal")
    assert login.code == 0, login
    new = login.json()["password"]
    assert new == emu.keys[new_id]["token"] != old
    assert issuer_lab.smtp.accepts("resend", new) and not issuer_lab.smtp.accepts("resend", old)
    env = dotenv_values(issuer_env_file)
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"], env["APP_NAME"]) == ("resend", new, "billing")

    secrets = first | memory_keyring.secrets() | {issuer_lab.profiles()[ISSUER]["api_key"]}
    deleted = run_cli("--json", "creds", "delete", ref, "--yes")
    outputs.append(deleted.out + deleted.err)
    assert deleted.code == 0, deleted
    assert not issuer_lab.smtp.accepts("resend", new)
    assert [c["name"] for c in run_cli("--json", "creds", "list").json()] == ["smtpcreds admin"]

    state = state_text(tmp_path)
    assert "billing" in state, "the rotation wrote no journal"
    haystack = "\n".join(outputs) + caplog.text + state
    assert {old, new} <= secrets
    assert [s[:4] + "…" for s in secrets if s in haystack] == []


def test_a_wrong_managing_key_exits_4_in_one_line_saying_so(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__RESEND__API_KEY", "re_wrong_wrong_wrong")
    r = run_cli("creds", "list")
    assert r.code == 4 and r.err.count("\n") == 1
    assert "invalid_api_key" in r.err and "managing API key is wrong" in r.err and "re_wrong" not in r.err


def test_a_sending_only_managing_key_exits_4_in_one_line_saying_so(
        issuer_lab: Lab, issuer_env_file: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator_of(issuer_lab)
    _, weak = emu.add_key("mail only")
    monkeypatch.setenv("SMTPCREDS_PROFILES__RESEND__API_KEY", weak)
    r = run_cli("creds", "create", "billing")
    assert r.code == 4 and r.err.count("\n") == 1
    assert "restricted_api_key" in r.err and "full_access" in r.err and weak not in r.err
    assert emu.named("billing") == []


@pytest.mark.parametrize("name", ["", "x" * 51])
def test_an_empty_or_over_long_name_exits_5_with_nothing_created(issuer_lab: Lab, issuer_env_file: Path,
                                                                 run_cli: Any, name: str) -> None:
    emu = emulator_of(issuer_lab)
    r = run_cli("creds", "create", name)
    assert r.code == 5 and r.err.count("\n") == 1 and "name" in r.err
    assert emu.count("POST") == 0 and len(emu.keys) == 1


def test_a_429_is_waited_out_or_exits_6(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any) -> None:
    emu = emulator_of(issuer_lab)
    emu.faults.inject(Fault(method="GET", status=429, headers={"retry-after": "1"}))
    assert run_cli("creds", "list").code == 0 and emu.count("GET") == 2
    emu.faults.inject(Fault(method="POST", status=429, headers={"retry-after": "1"}))
    r = run_cli("creds", "create", "billing")
    assert r.code == 6 and r.err.count("\n") == 1 and "retry after 1s" in r.err
    assert emu.named("billing") == []


def test_the_same_round_trip_through_the_python_api(issuer_lab: Lab, issuer_env_file: Path) -> None:
    import smtpcreds

    emu = emulator_of(issuer_lab)
    with smtpcreds.connect(ISSUER) as rs:
        cred = rs.credentials.create("api-user")
        assert cred.password is not None
        old = cred.password.get_secret_value()
        assert cred.id in [c.id for c in rs.credentials.list()]
        assert rs.credentials.get("api-user").password is None
        result = smtpcreds.rotate(rs, "api-user", push=["app-env"])
        assert (result.status, result.verified, result.pushed) == ("done", True, ["app-env"])
        assert emu.named("api-user") == [result.new_credential]
        ref = "api-user"
        new = smtpcreds.stored_login(ISSUER, ref).password.get_secret_value()
        assert issuer_lab.smtp.accepts("resend", new) and not issuer_lab.smtp.accepts("resend", old)
        assert dotenv_values(issuer_env_file)["SMTP_PASSWORD"] == new
        rs.credentials.delete(ref)
        assert [c.name for c in rs.credentials.list()] == ["smtpcreds admin"]
