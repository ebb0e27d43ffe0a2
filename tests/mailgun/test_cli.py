"""The issue's end-to-end check from the command line, on the lab (Mailgun emulator + real SMTP):
create, list, show, rotate with --push to a .env, delete; the new login passes SMTP AUTH and the
old one fails; and no key or password reaches output, logs or journals without --reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.support import MemoryKeyring

ISSUER = "mailgun"


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
    assert ref == "billing@mg.example.com"
    first = memory_keyring.secrets()
    old = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert issuer_lab.smtp.accepts(ref, old)

    assert [c["id"] for c in run("creds", "list").json()] == [ref]
    assert run("creds", "show", ref).json()["username"] == ref
    rotated = run_cli("--json", "creds", "rotate", ref, "--push", "app-env")
    outputs.append(rotated.out + rotated.err)
    assert rotated.code == 0, rotated
    [item] = rotated.json()["results"]
    assert item["ok"] and item["verified"] and item["pushed"] == ["app-env"]
    new = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert new != old and len(new) == 32
    assert issuer_lab.smtp.accepts(ref, new) and not issuer_lab.smtp.accepts(ref, old)
    env = dotenv_values(issuer_env_file)
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"], env["APP_NAME"]) == (ref, new, "billing")

    secrets = first | memory_keyring.secrets() | {issuer_lab.profiles()["mailgun"]["api_key"]}
    deleted = run_cli("--json", "creds", "delete", ref, "--yes")
    outputs.append(deleted.out + deleted.err)
    assert deleted.code == 0, deleted
    assert not issuer_lab.smtp.accepts(ref, new)
    assert run_cli("--json", "creds", "list").json() == []

    journals = "".join(p.read_text() for p in (tmp_path / "state").rglob("*.json"))
    assert journals, "the rotation wrote no journal"
    haystack = "\n".join(outputs) + caplog.text + journals
    assert {old, new} <= secrets
    assert [s[:4] + "…" for s in secrets if s in haystack] == []


def test_a_bad_key_exits_4_with_one_line_naming_both_causes(issuer_lab: Lab, issuer_env_file: Path, run_cli: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MAILGUN__API_KEY", "key-wrong-wrong")
    r = run_cli("creds", "list")
    assert r.code == 4
    assert r.err.count("\n") == 1 and "API key is wrong" in r.err and "other region" in r.err


def test_the_same_round_trip_through_the_python_api(issuer_lab: Lab, issuer_env_file: Path) -> None:
    import smtpcreds

    with smtpcreds.connect("mailgun") as mg:
        cred = mg.credentials.create("api-user")
        assert cred.password is not None
        old = cred.password.get_secret_value()
        assert [c.id for c in mg.credentials.list()] == [cred.id]
        assert mg.credentials.get(cred.id).password is None
        result = smtpcreds.rotate(mg, cred.id, push=["app-env"])
        assert (result.status, result.verified, result.pushed) == ("done", True, ["app-env"])
        new = smtpcreds.stored_login("mailgun", cred.credential).password.get_secret_value()
        assert issuer_lab.smtp.accepts(cred.id, new) and not issuer_lab.smtp.accepts(cred.id, old)
        assert dotenv_values(issuer_env_file)["SMTP_PASSWORD"] == new
        mg.credentials.delete(cred.id)
        assert list(mg.credentials.list()) == []


def test_update_new_password_and_password_stdin_set_it_in_place(issuer_lab: Lab, issuer_env_file: Path,
                                                                run_cli: Any) -> None:
    ref = run_cli("--json", "creds", "create", "billing").json()["id"]
    r = run_cli("--json", "creds", "update", ref, "--new-password")
    assert r.code == 0, r
    generated = run_cli("--json", "creds", "login", ref, "--reveal").json()["password"]
    assert len(generated) == 32 and issuer_lab.smtp.accepts(ref, generated) and generated not in r.out + r.err
    short = run_cli("creds", "update", ref, "--password-stdin", stdin="abcd\n")
    assert short.code == 5 and "5 to 32 characters" in short.err
    assert issuer_lab.smtp.accepts(ref, generated)  # nothing was sent
    chosen = "Chosen-Stdin-Password-123"
    assert run_cli("creds", "update", ref, "--password-stdin", stdin=chosen + "\n").code == 0
    assert issuer_lab.smtp.accepts(ref, chosen) and not issuer_lab.smtp.accepts(ref, generated)
