"""A credential is its name (docs/concepts.md): the issue's nights of replace rotations on SMTP2GO,
MailerSend addressed by name, and a name two logins bear refused before any change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from smtpcreds.emulator.lab import Lab
from smtpcreds.models import SmtpLogin

from .conftest import connect, holds

Bind = Callable[..., dict[str, Path]]


def login_of(run_cli: Any, profile: str, name: str) -> SmtpLogin:
    r = run_cli("--json", "--profile", profile, "creds", "login", name, "--reveal")
    assert r.code == 0, r
    return SmtpLogin.model_validate(r.json())


def logins_of(run_cli: Any, profile: str, name: str) -> list[dict[str, Any]]:
    r = run_cli("--json", "--profile", profile, "creds", "list")
    assert r.code == 0, r
    return [c for c in r.json() if c["credential"] == name]  # type: ignore[union-attr]


def test_the_cron_line_rotates_by_replacement_night_after_night(lab: Lab, bind: Bind, run_cli: Any) -> None:
    """SMTP2GO alternates billing-app / billing-app_clone; the binding, the login by name and the
    audit follow the credential every night."""
    bind(app_env="relay/billing-app")
    assert run_cli("creds", "create", "billing-app").code == 0
    assert run_cli("settings", "sync").code == 0
    first = login_of(run_cli, "relay", "billing-app")
    seen = [first]
    for night, expected_id in ((1, "billing-app_clone"), (2, "billing-app")):
        r = run_cli("--json", "creds", "rotate", "--all", "--strategy", "replace")
        assert r.code == 0, (night, r)
        [result] = r.json()["results"]  # type: ignore[index]
        assert (result["name"], result["new_credential"], result["retired"]) == ("billing-app", expected_id, True)
        [only] = logins_of(run_cli, "relay", "billing-app")  # the provider's only login of the credential
        assert only["id"] == expected_id
        current = login_of(run_cli, "relay", "billing-app")
        assert current.username == only["username"]
        assert holds("app-env", current), f"night {night}: the .env does not hold the current login"
        assert lab.smtp.accepts(current.username, current.password.get_secret_value())
        assert not lab.smtp.accepts(seen[-1].username, seen[-1].password.get_secret_value())
        seen.append(current)
        audit = run_cli("--json", "creds", "audit", "--profile", "relay")
        assert audit.code == 0 and audit.err == "", audit
        [row] = [c for c in audit.json() if c["credential"] == "billing-app"]  # type: ignore[union-attr]
        assert row["id"] == expected_id and row["current"]
        assert [(c["consumer"], c["state"]) for c in row["consumers"]] == [("app-env", "in sync")]
        assert row["unbound_pushes"] == []


def test_a_mailersend_credential_is_rotated_shown_and_read_by_its_name(lab: Lab, bind: Bind, run_cli: Any) -> None:
    files = bind(shop_env="ms/shop-app")
    made = run_cli("--json", "--profile", "ms", "creds", "create", "shop-app")
    assert made.code == 0, made
    old_id = made.json()["id"]  # type: ignore[index]
    assert old_id != "shop-app" and made.json()["credential"] == "shop-app"  # type: ignore[index]
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", "shop-app")
    assert r.code == 0, r
    [result] = r.json()["results"]  # type: ignore[index]
    new_id = result["new_credential"]
    assert new_id != old_id and result["name"] == "shop-app"
    shown = run_cli("--json", "--profile", "ms", "creds", "show", "shop-app")
    assert shown.code == 0 and shown.json()["id"] == new_id and shown.json()["secret_stored"], shown  # type: ignore[index]
    current = login_of(run_cli, "ms", "shop-app")
    assert holds("shop-env", current) and current.password.get_secret_value() in files["shop-env"].read_text()
    assert lab.smtp.accepts(current.username, current.password.get_secret_value())
    assert login_of(run_cli, "ms", new_id) == current  # the current id works too


def test_a_name_two_logins_bear_is_refused_naming_both_and_nothing_changes(lab: Lab, bind: Bind,
                                                                           run_cli: Any) -> None:
    bind()
    emulator: Any = lab.emulators["mailersend"]
    twins = emulator.seed_smtp_users(2, prefix="twin")
    with emulator.lock:
        for users in emulator.smtp_users.values():
            for twin in twins:
                if twin in users:
                    users[twin].name = "twin"
    before = [(r.method, r.path) for r in emulator.requests]
    r = run_cli("--profile", "ms", "creds", "rotate", "twin")
    assert r.code == 2, r
    assert all(twin in r.err for twin in twins) and len(r.err.strip().splitlines()) == 1
    sent = [(r.method, r.path) for r in emulator.requests][len(before):]
    assert all(method == "GET" for method, _ in sent), f"a refused rotation changed something: {sent}"
    with connect("ms") as ms:
        assert sorted(c.id for c in ms.credentials.list()) == sorted(twins)
    assert run_cli("--json", "rotations", "list").json() == []


def test_a_binding_by_id_works_while_the_id_is_current_and_the_audit_says_when_it_went_stale(
        lab: Lab, bind: Bind, run_cli: Any) -> None:
    bind()
    old_id = run_cli("--json", "--profile", "ms", "creds", "create", "shop").json()["id"]  # type: ignore[index]
    bind(shop_env=f"ms/{old_id}")
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", "shop", "--keep-old")
    assert r.code == 0 and r.json()["results"][0]["pushed"] == ["shop-env"], r  # type: ignore[index]
    rotation = r.json()["results"][0]["rotation_id"]  # type: ignore[index]
    audit = run_cli("--json", "creds", "audit", "--profile", "ms")
    assert audit.code == 0
    assert f"names login {old_id}, which is no longer the current login of credential 'shop'" in audit.err
    assert 'login = "ms/shop"' in audit.err
    assert run_cli("rotations", "retire", rotation).code == 0  # the old login is deleted: the binding dangles
    audit = run_cli("--json", "creds", "audit", "--profile", "ms")
    assert f"has no credential {old_id!r}" in audit.err and "bind the credential's name" in audit.err
