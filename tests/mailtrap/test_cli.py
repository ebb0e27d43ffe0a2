"""The issue's end-to-end check from the command line, on the lab (Mailtrap emulator + real SMTP): create,
list, show, rotate with --push to a .env, login --reveal, delete; the new token has admin on the
profile's domain only, passes SMTP AUTH as ``api`` before the old token is deleted, the old one fails
and exactly one token of the name remains; errors exit with their codes in one line; and no secret
reaches output, logs, journals or state files without --reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from smtpcreds_mailtrap.emulator import DOMAIN_ID, MailtrapEmulator

from smtpcreds.emulator.http import Fault
from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.support import MemoryKeyring

ISSUER = "mailtrap"
DOMAIN_ADMIN = [{"resource_type": "domain", "resource_id": DOMAIN_ID, "access_level": 100}]


def emulator_of(lab: Lab) -> MailtrapEmulator:
    emu = lab.emulators[ISSUER]
    assert isinstance(emu, MailtrapEmulator)
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
    assert emu.tokens[int(old_id)]["resources"] == DOMAIN_ADMIN
    first = memory_keyring.secrets()
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert old == emu.tokens[int(old_id)]["token"] and issuer_lab.smtp.accepts("api", old)

    assert old_id in [c["id"] for c in run("creds", "list").json()]
    shown = run("creds", "show", ref).json()
    assert (shown["name"], shown["extra"]["resources"], shown["extra"]["expires_at"]) == ("billing", DOMAIN_ADMIN,
                                                                                          None)
    assert run("creds", "login", ref).json()["password"] == "**********"

    emu.requests.clear()
    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "app-env")
    outputs.append(rotated.out + rotated.err)
    assert rotated.code == 0, rotated
    [item] = rotated.json()["results"]
    assert item["ok"] and item["verified"] and item["pushed"] == ["app-env"]
    new_id = item["new_credential"]
    assert new_id != old_id and emu.named("billing") == [int(new_id)]
    assert emu.tokens[int(new_id)]["resources"] == DOMAIN_ADMIN
    [delete_at] = [i for i, r in enumerate(emu.requests) if r.method == "DELETE"]
    assert emu.requests[delete_at].path.endswith(f"/api_tokens/{old_id}")
    assert auths and auths[0] <= delete_at  # SMTP AUTH with the new token came before the old token's DELETE

    ref = "billing"
    login = run_cli("--json", "creds", "login", ref, "--reveal")
    assert login.code == 0, login
    new = login.json()["password"]
    assert new == emu.tokens[int(new_id)]["token"] != old
    assert issuer_lab.smtp.accepts("api", new) and not issuer_lab.smtp.accepts("api", old)
    env = dotenv_values(issuer_env_file)
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"], env["APP_NAME"]) == ("api", new, "billing")

    secrets = first | memory_keyring.secrets() | {issuer_lab.profiles()[ISSUER]["api_token"]}
    deleted = run_cli("--json", "creds", "delete", ref, "--yes")
    outputs.append(deleted.out + deleted.err)
    assert deleted.code == 0, deleted
    assert not issuer_lab.smtp.accepts("api", new)
    assert [c["name"] for c in run_cli("--json", "creds", "list").json()] == ["smtpcreds admin"]

    state = state_text(tmp_path)
    assert "billing" in state, "the rotation wrote no journal"
    haystack = "\n".join(outputs) + caplog.text + state
    assert {old, new} <= secrets
    assert [s[:4] + "…" for s in secrets if s in haystack] == []


def test_a_token_expiring_before_the_rotation_age_is_flagged_by_the_audit(
        issuer_lab: Lab, issuer_env_file: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MAILTRAP__TOKEN_LIFETIME_DAYS", "30")
    created = run_cli("--json", "creds", "create", "billing")
    assert created.code == 0 and "are rotated after 90" in created.err
    ref = "billing"
    audit = run_cli("--json", "creds", "audit")
    assert audit.code == 0, audit
    assert f"API token {created.json()['id']} ('billing') expires within the rotation age (90 days)" in audit.err
    shown = run_cli("--json", "creds", "show", ref).json()
    assert shown["extra"]["expires_at"] and shown["extra"]["expiry_warning"].startswith("expires within")


@pytest.mark.parametrize(("token", "words"), [
    ("0" * 32, ["Incorrect API token", "wrong or expired"]),
    (None, ["Account access forbidden", "lacks admin access to the account"]),
])
def test_a_wrong_or_under_privileged_managing_token_exits_4_in_one_line_saying_which(
        issuer_lab: Lab, issuer_env_file: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch,
        token: str | None, words: list[str]) -> None:
    emu = emulator_of(issuer_lab)
    token = token or emu.add_token("sender", DOMAIN_ADMIN, None)[1]
    monkeypatch.setenv("SMTPCREDS_PROFILES__MAILTRAP__API_TOKEN", token)
    r = run_cli("creds", "create", "billing")
    assert r.code == 4 and r.err.count("\n") == 1 and token not in r.err
    assert all(w in r.err for w in words), r.err
    assert emu.named("billing") == []


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_an_empty_or_over_long_name_exits_5_with_nothing_created(issuer_lab: Lab, issuer_env_file: Path,
                                                                 run_cli: Any, name: str) -> None:
    emu = emulator_of(issuer_lab)
    r = run_cli("creds", "create", name)
    assert r.code == 5 and r.err.count("\n") == 1 and "name" in r.err
    assert emu.count("POST") == 0 and len(emu.tokens) == 1


def test_a_422_names_the_field_and_exits_5(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any) -> None:
    emulator_of(issuer_lab).faults.inject(Fault(method="POST", status=422,
                                                body={"errors": {"name": ["has already been taken"]}}))
    r = run_cli("creds", "create", "billing")
    assert r.code == 5 and r.err.count("\n") == 1 and "name: has already been taken" in r.err


def test_a_429_is_backed_off_or_exits_6(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any) -> None:
    emu = emulator_of(issuer_lab)
    emu.faults.inject(Fault(method="GET", status=429, body={"errors": "Rate limit exceeded"}))
    assert run_cli("creds", "list").code == 0 and emu.count("GET") == 2
    emu.faults.inject(Fault(method="POST", status=429, body={"errors": "Rate limit exceeded"}))
    r = run_cli("creds", "create", "billing")
    assert r.code == 6 and r.err.count("\n") == 1
    assert emu.named("billing") == []


def test_the_same_round_trip_through_the_python_api(issuer_lab: Lab, issuer_env_file: Path) -> None:
    import smtpcreds

    emu = emulator_of(issuer_lab)
    with smtpcreds.connect(ISSUER) as mt:
        cred = mt.credentials.create("api-user")
        assert cred.password is not None
        old = cred.password.get_secret_value()
        assert cred.id in [c.id for c in mt.credentials.list()]
        assert mt.credentials.get("api-user").password is None
        result = smtpcreds.rotate(mt, "api-user", push=["app-env"])
        assert (result.status, result.verified, result.pushed) == ("done", True, ["app-env"])
        assert emu.named("api-user") == [int(result.new_credential)]
        ref = "api-user"
        new = smtpcreds.stored_login(ISSUER, ref).password.get_secret_value()
        assert issuer_lab.smtp.accepts("api", new) and not issuer_lab.smtp.accepts("api", old)
        assert dotenv_values(issuer_env_file)["SMTP_PASSWORD"] == new
        mt.credentials.delete(ref)
        assert [c.name for c in mt.credentials.list()] == ["smtpcreds admin"]
