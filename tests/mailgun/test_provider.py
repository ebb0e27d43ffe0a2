"""Mailgun credentials through the Python API: ids, paging, local validation, errors, rotation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_mailgun.emulator import API_KEY, DOMAIN, MailgunEmulator

from smtpcreds.client import Connection, connect
from smtpcreds.emulator.http import Fault
from smtpcreds.errors import AuthError, ConfigError, NotFound, ProviderError, RateLimited, ValidationError
from smtpcreds.rotation.engine import rotate

LOGIN = f"billing@{DOMAIN}"


def test_create_stores_a_32_character_password_that_logs_in(conn: Connection, emulator: MailgunEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert (cred.id, cred.username, cred.scope) == (LOGIN, LOGIN, DOMAIN)
    assert cred.password is not None and len(cred.password.get_secret_value()) == 32
    stored = conn.store.get("billing")
    assert stored is not None and stored.password.get_secret_value() == cred.password.get_secret_value()
    assert emulator.smtp is not None and emulator.smtp.accepts(LOGIN, cred.password.get_secret_value())


def test_rotation_is_in_place_the_new_password_logs_in_and_the_old_one_fails(
        conn: Connection, emulator: MailgunEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    result = rotate(conn, LOGIN)
    assert (result.strategy, result.status, result.verified, result.new_credential) == (
        "in-place", "done", True, LOGIN)
    new = conn.store.get("billing")
    assert new is not None and emulator.smtp is not None
    assert emulator.smtp.accepts(LOGIN, new.password.get_secret_value())
    assert not emulator.smtp.accepts(LOGIN, cred.password.get_secret_value())
    assert emulator.count("PUT", r"/credentials/billing\Z") == 1


def test_listing_follows_skip_until_a_short_page(conn: Connection, emulator: MailgunEmulator,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds_mailgun import provider

    monkeypatch.setattr(provider, "PAGE_SIZE", 2)
    for name in ("a", "b", "c", "d", "e"):
        emulator.add_credential(f"{name}@{DOMAIN}", "Seeded-Password-1")
    emulator.requests.clear()
    assert [c.name for c in conn.credentials.list()] == [f"{n}@{DOMAIN}" for n in "abcde"]
    assert [r.query["skip"] for r in emulator.requests] == [["0"], ["2"], ["4"]]


def test_a_full_last_page_costs_one_more_request_that_comes_back_empty(
        conn: Connection, emulator: MailgunEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds_mailgun import provider

    monkeypatch.setattr(provider, "PAGE_SIZE", 2)
    for name in ("a", "b", "c", "d"):
        emulator.add_credential(f"{name}@{DOMAIN}", "Seeded-Password-1")
    emulator.requests.clear()
    assert len(list(conn.credentials.list())) == 4
    assert [r.query["skip"] for r in emulator.requests] == [["0"], ["2"], ["4"]]


def test_show_of_an_unknown_login_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound, match=r"no SMTP credential 'nobody@mg\.example\.com'"):
        conn.credentials.get("nobody")


@pytest.mark.parametrize(("name", "rule"), [
    ("bad name", "use letters"), ("x@other.example.com", "not on the domain"), ("a" * 65, "at most 64"),
    ("a..b", "no '..'"), (".a", "not first"), ("", "is empty")])
def test_bad_logins_are_refused_before_any_request(conn: Connection, emulator: MailgunEmulator, name: str,
                                                   rule: str) -> None:
    emulator.requests.clear()
    with pytest.raises(ValidationError, match=rule):
        conn.credentials.create(name)
    assert emulator.count() == 0


@pytest.mark.parametrize("password", ["abcd", "a" * 33, "with space 123"])
def test_passwords_outside_mailguns_rules_are_refused_before_any_request(
        conn: Connection, emulator: MailgunEmulator, password: str) -> None:
    emulator.add_credential(LOGIN, "Seeded-Password-1")
    emulator.requests.clear()
    with pytest.raises(ValidationError, match="password"):
        conn.provider.set_password(LOGIN, SecretStr(password))
    assert emulator.count() == 0


def test_mailgun_is_never_asked_to_generate_a_password(conn: Connection, emulator: MailgunEmulator) -> None:
    with pytest.raises(ValidationError, match="never lets Mailgun generate"):
        conn.provider.create_credential("billing")
    assert emulator.count() == 0


def test_a_disabled_create_and_unknown_options_are_refused(conn: Connection, emulator: MailgunEmulator) -> None:
    with pytest.raises(ValidationError, match="cannot be disabled"):
        conn.credentials.create("billing", enabled=False)
    with pytest.raises(ValidationError, match="colour"):
        conn.credentials.create("billing", colour="blue")
    assert emulator.count() == 0


def test_forbidden_names_both_causes(profile_fields: dict[str, Any]) -> None:
    fields = {**profile_fields, "api_key": "key-wrong"}
    fields.pop("provider")
    with connect("mg", provider="mailgun", **fields) as bad, pytest.raises(AuthError) as e:
        list(bad.credentials.list())
    assert e.value.status == 401
    assert "API key is wrong" in e.value.message and "other region" in e.value.message
    assert "region = 'eu'" in e.value.message
    assert "key-wrong" not in str(e.value)


def test_a_domain_of_the_other_region_is_forbidden_too(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.domains["eu.example.com"] = "eu"
    with pytest.raises(AuthError, match="other region"):
        list(conn.credentials.list("eu.example.com"))


def test_a_json_message_becomes_the_error_text(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.add_credential(LOGIN, "Seeded-Password-1")
    with pytest.raises(ValidationError, match="Credentials already exist"):
        conn.provider.create_credential("billing", password=SecretStr("B" * 32))
    with pytest.raises(NotFound, match="Domain not found"):
        list(conn.credentials.list("unknown.example.com"))


def test_an_html_error_page_is_a_provider_error(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.faults.inject(Fault(status=502, body="<html>bad gateway</html>", times=10))
    with pytest.raises(ProviderError, match="HTML"):
        list(conn.credentials.list())


def test_a_429_waits_for_x_ratelimit_reset_then_succeeds(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.faults.inject(Fault(status=429, headers={"X-RateLimit-Reset": "0"}, times=1))
    assert list(conn.credentials.list()) == []
    assert emulator.count("GET") == 2


def test_a_429_asking_for_a_long_wait_is_rate_limited(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.faults.inject(Fault(status=429, headers={"X-RateLimit-Reset": "3600"}, times=1))
    with pytest.raises(RateLimited) as e:
        list(conn.credentials.list())
    assert e.value.retry_after == 3600


def test_no_domain_is_a_config_error(profile_fields: dict[str, Any]) -> None:
    fields = {k: v for k, v in profile_fields.items() if k not in ("provider", "domain")}
    with connect("mg", provider="mailgun", **fields) as c, pytest.raises(ConfigError, match="no domain"):
        list(c.credentials.list())


def test_the_emulator_accepts_multipart_forms_as_the_docs_show(emulator: MailgunEmulator) -> None:
    import requests

    resp = requests.post(f"{emulator.base_url}/v3/domains/{DOMAIN}/credentials", auth=("api", API_KEY),
                         files={"login": (None, "multi"), "password": (None, "Multipart-Pass-1")}, timeout=5)
    assert resp.status_code == 200, resp.text
    assert emulator.smtp is not None and emulator.smtp.accepts(f"multi@{DOMAIN}", "Multipart-Pass-1")


def test_the_emulator_shows_a_generated_password_once_when_none_is_sent(emulator: MailgunEmulator) -> None:
    import requests

    resp = requests.post(f"{emulator.base_url}/v3/domains/{DOMAIN}/credentials", auth=("api", API_KEY),
                         data={"login": "gen"}, timeout=5)
    assert resp.status_code == 200 and f"gen@{DOMAIN}" in resp.json()["credentials"]


def test_a_create_whose_answer_is_lost_is_found_by_listing_and_kept(conn: Connection,
                                                                   emulator: MailgunEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", drop_after=True))
    cred = conn.credentials.create("billing")
    assert cred.id == LOGIN and cred.password is not None
    assert emulator.count("POST") == 1  # never re-sent
    stored = conn.store.get("billing")
    assert stored is not None and stored.password.get_secret_value() == cred.password.get_secret_value()
    assert emulator.smtp is not None and emulator.smtp.accepts(LOGIN, cred.password.get_secret_value())


def test_a_rotation_whose_put_answer_is_lost_resumes_with_the_same_password(
        conn: Connection, emulator: MailgunEmulator) -> None:
    from smtpcreds.errors import RotationError
    from smtpcreds.rotation.engine import Rotator

    conn.credentials.create("billing")
    emulator.faults.inject(Fault(method="PUT", drop_after=True, times=5))
    with pytest.raises(RotationError) as e:
        rotate(conn, LOGIN)
    pending = conn.store.get("billing", "pending")
    assert pending is not None
    assert emulator.smtp is not None and emulator.smtp.accepts(LOGIN, pending.password.get_secret_value())
    emulator.faults.clear()
    rotator = Rotator(conn)
    assert rotator.run(rotator.journals.load(e.value.rotation_id)).status == "done"
    current = conn.store.get("billing")
    assert current is not None and current.password.get_secret_value() == pending.password.get_secret_value()


def test_a_refused_password_leaves_no_pending_secret_for_the_next_rotation(
        conn: Connection, emulator: MailgunEmulator) -> None:
    conn.credentials.create("billing")
    with pytest.raises(ValidationError, match="5 to 32"):
        conn.credentials.set_password(LOGIN, "abcd")
    assert conn.store.get("billing", "pending") is None
    assert rotate(conn, LOGIN).status == "done"
