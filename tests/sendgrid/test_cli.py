"""The issue's end-to-end check from the command line, on the lab (SendGrid emulator + real SMTP):
create, list, show, rotate with --push to a .env, delete; the new key passes SMTP AUTH as ``apikey``,
the old one fails and exactly one key of the name remains; and no key or password reaches output,
logs or journals without --reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.support import MemoryKeyring

SCOPES = ["mail.send", "sender_verification_eligible", "2fa_required"]


ISSUER = "sendgrid"


def test_create_list_show_rotate_push_delete_from_the_cli_without_leaking_a_secret(
        issuer_lab: Lab, issuer_env_file: Path, run_cli: Any, memory_keyring: MemoryKeyring,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level("DEBUG")
    outputs: list[str] = []

    def run(*args: str) -> Any:
        for mode in ([], ["--json"], ["-vv"]):
            r = run_cli(*mode, *args)
            outputs.append(f"$ {' '.join([*mode, *args])}\n{r.out}\n{r.err}")
            assert r.code == 0, r
        return run_cli("--json", *args)

    created = run_cli("--json", "creds", "create", "billing")
    assert created.code == 0, created
    outputs.append(created.out + created.err)
    ref = created.json()["id"]
    first = memory_keyring.secrets()
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert issuer_lab.smtp.accepts("apikey", old)

    assert ref in [c["id"] for c in run("creds", "list").json()]
    assert run("creds", "show", ref).json()["extra"] == {"scopes": SCOPES, "mail_send": True}
    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "app-env")
    outputs.append(rotated.out + rotated.err)
    assert rotated.code == 0, rotated
    [item] = rotated.json()["results"]
    assert item["ok"] and item["verified"] and item["pushed"] == ["app-env"]
    new_ref = item["new_credential"]
    assert new_ref != ref
    assert [c["id"] for c in run_cli("--json", "creds", "list").json() if c["name"] == "billing"] == [new_ref]
    login = run_cli("--json", "creds", "login", new_ref, "--reveal")
    assert login.code == 0, login
    new = login.json()["password"]
    assert new != old and len(new) == 69
    assert issuer_lab.smtp.accepts("apikey", new) and not issuer_lab.smtp.accepts("apikey", old)
    env = dotenv_values(issuer_env_file)
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"], env["APP_NAME"]) == ("apikey", new, "billing")

    secrets = first | memory_keyring.secrets() | {issuer_lab.profiles()["sendgrid"]["api_key"]}
    deleted = run_cli("--json", "creds", "delete", new_ref, "--yes")
    outputs.append(deleted.out + deleted.err)
    assert deleted.code == 0, deleted
    assert not issuer_lab.smtp.accepts("apikey", new)
    assert [c["name"] for c in run_cli("--json", "creds", "list").json()] == ["smtpcreds admin"]

    journals = "".join(p.read_text() for p in (tmp_path / "state").rglob("*.json"))
    assert journals, "the rotation wrote no journal"
    haystack = "\n".join(outputs) + caplog.text + journals
    assert {old, new} <= secrets
    assert [s[:4] + "…" for s in secrets if s in haystack] == []


def test_a_bad_key_exits_4_with_one_line(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__SENDGRID__API_KEY", "SG.wrong.wrong")
    r = run_cli("creds", "list")
    assert r.code == 4
    assert r.err.count("\n") == 1 and "authorization required" in r.err and "SG.wrong" not in r.err


def test_show_flags_a_key_without_mail_send_on_stderr(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any) -> None:
    from smtpcreds_sendgrid.emulator import ADMIN_KEY_ID

    r = run_cli("creds", "show", ADMIN_KEY_ID)
    assert r.code == 0, r
    assert "lacks the mail.send scope" in r.err


def test_the_same_round_trip_through_the_python_api(issuer_lab: Lab, issuer_env_file: Path) -> None:
    import smtpcreds

    with smtpcreds.connect("sendgrid") as sg:
        cred = sg.credentials.create("api-user")
        assert cred.password is not None
        old = cred.password.get_secret_value()
        assert cred.id in [c.id for c in sg.credentials.list()]
        assert sg.credentials.get(cred.id).password is None
        result = smtpcreds.rotate(sg, cred.id, push=["app-env"])
        assert (result.status, result.verified, result.pushed) == ("done", True, ["app-env"])
        assert [c.id for c in sg.credentials.list() if c.name == "api-user"] == [result.new_credential]
        new = smtpcreds.stored_login("sendgrid", result.name).password.get_secret_value()
        assert issuer_lab.smtp.accepts("apikey", new) and not issuer_lab.smtp.accepts("apikey", old)
        assert dotenv_values(issuer_env_file)["SMTP_PASSWORD"] == new
        sg.credentials.delete(result.new_credential)
        assert [c.name for c in sg.credentials.list()] == ["smtpcreds admin"]
