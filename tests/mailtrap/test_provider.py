"""Mailtrap tokens through the Python API: scoping, expiry, names, look-ups, errors, lost answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from smtpcreds_mailtrap.emulator import ACCOUNT_ID, ADMIN_TOKEN_ID, DOMAIN_ID, MailtrapEmulator, stamp

from smtpcreds.client import Connection, connect
from smtpcreds.emulator.http import Fault
from smtpcreds.errors import (
    AuthError,
    NotFound,
    RateLimited,
    RotationError,
    TransportError,
    UnsupportedOperation,
    ValidationError,
)
from smtpcreds.rotation.engine import Rotator, rotate

DOMAIN_ADMIN = [{"resource_type": "domain", "resource_id": DOMAIN_ID, "access_level": 100}]


def connection(profile_fields: dict[str, Any], **changes: Any) -> Connection:
    fields = {**profile_fields, **changes}
    return connect("mt", provider=fields.pop("provider"), **fields)


def in_days(days: float) -> str:
    return stamp(datetime.now(timezone.utc) + timedelta(days=days))


def test_create_makes_a_token_with_admin_on_the_profiles_domain_only(conn: Connection,
                                                                      emulator: MailtrapEmulator) -> None:
    cred = conn.credentials.create("billing")
    token = emulator.tokens[int(cred.id)]
    assert token["resources"] == DOMAIN_ADMIN and token["name"] == "billing"
    assert cred.password is not None
    secret = cred.password.get_secret_value()
    assert secret == token["token"] and len(secret) == 32
    assert (cred.username, cred.extra["resources"], cred.extra["last_4_digits"]) == ("api", DOMAIN_ADMIN, secret[-4:])
    stored = conn.store.get(cred.credential)
    assert stored is not None and stored.password.get_secret_value() == secret
    assert emulator.smtp is not None and emulator.smtp.accepts("api", secret)


def test_by_default_expires_at_is_sent_as_null_so_the_token_never_expires(conn: Connection,
                                                                           emulator: MailtrapEmulator) -> None:
    cred = conn.credentials.create("billing")
    [post] = [r for r in emulator.requests if r.method == "POST"]
    assert post.json() == {"name": "billing", "resources": DOMAIN_ADMIN, "expires_at": None}
    assert cred.extra["expires_at"] is None and emulator.tokens[int(cred.id)]["expires_at"] is None


def test_the_emulator_gives_a_token_without_expires_at_one_year(emulator: MailtrapEmulator) -> None:
    """What smtpcreds avoids by always sending expires_at (docs/reference/mailtrap.md §4)."""
    resp = requests.post(f"{emulator.base_url}/api/accounts/{ACCOUNT_ID}/api_tokens", timeout=5,
                         json={"name": "x", "resources": DOMAIN_ADMIN},
                         headers={"Authorization": f"Bearer {emulator.client_profile()['api_token']}"})
    assert resp.status_code == 200
    expires = datetime.fromisoformat(resp.json()["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=364) < expires - datetime.now(timezone.utc) <= timedelta(days=365)


def test_a_lifetime_in_days_sets_expires_at_and_show_displays_it(profile_fields: dict[str, Any],
                                                                 emulator: MailtrapEmulator) -> None:
    with connection(profile_fields, token_lifetime_days=400) as c:
        cred = c.credentials.create("billing")
        shown = c.credentials.get(cred.id)
    expires = datetime.fromisoformat(shown.extra["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=399) < expires - datetime.now(timezone.utc) <= timedelta(days=400)
    assert "expiry_warning" not in shown.extra  # 400 days is beyond the 90-day rotation age


def test_a_lifetime_shorter_than_the_rotation_age_is_warned_about_on_create(
        profile_fields: dict[str, Any], emulator: MailtrapEmulator, caplog: pytest.LogCaptureFixture) -> None:
    with connection(profile_fields, token_lifetime_days=30, rotation_age_days=60) as c:
        cred = c.credentials.create("billing")
    assert "tokens live 30 days (token_lifetime_days) but are rotated after 60" in caplog.text
    assert cred.extra["expiry_warning"] == "expires within the rotation age (60 days)"


def test_a_token_expiring_within_the_rotation_age_is_flagged_once_per_connection(
        conn: Connection, emulator: MailtrapEmulator, caplog: pytest.LogCaptureFixture) -> None:
    soon, _ = emulator.add_token("soon", DOMAIN_ADMIN, in_days(20))
    later, _ = emulator.add_token("later", DOMAIN_ADMIN, in_days(200))
    listed = {c.name: c for c in conn.credentials.list()}
    assert listed["soon"].extra["expiry_warning"] == "expires within the rotation age (90 days)"
    assert "expiry_warning" not in listed["later"].extra and "expiry_warning" not in listed["smtpcreds admin"].extra
    conn.credentials.get(str(soon))
    assert caplog.text.count(f"API token {soon} ('soon') expires within the rotation age") == 1
    assert str(later) not in caplog.text


def test_an_expired_token_is_still_listed_flagged_and_refused(conn: Connection, emulator: MailtrapEmulator,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    emulator.expire(int(cred.id))
    assert conn.credentials.get(cred.id).extra["expiry_warning"] == "expired"
    assert "no longer authenticates" in caplog.text
    assert emulator.smtp is not None and not emulator.smtp.accepts("api", cred.password.get_secret_value())


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_an_empty_or_over_long_name_is_refused_before_the_create(conn: Connection, emulator: MailtrapEmulator,
                                                                  name: str) -> None:
    with pytest.raises(ValidationError) as e:
        conn.credentials.create(name)
    assert "name" in e.value.fields and emulator.count("POST") == 0
    assert list(emulator.tokens) == [ADMIN_TOKEN_ID]


def test_a_password_cannot_be_chosen_and_options_are_refused(conn: Connection, emulator: MailtrapEmulator) -> None:
    with pytest.raises(UnsupportedOperation, match="Mailtrap generates it"):
        conn.provider.create_credential("billing", password=SecretStr("x" * 30))
    with pytest.raises(ValidationError) as e:
        conn.provider.create_credential("billing", options={"resources": "account"})
    assert "resources" in e.value.fields
    with pytest.raises(ValidationError):
        conn.provider.create_credential("billing", enabled=False)
    assert emulator.count() == 0


def test_the_list_is_one_request_and_limit_and_page_slice_it(conn: Connection, emulator: MailtrapEmulator) -> None:
    for i in range(4):
        emulator.add_token(f"t{i}", DOMAIN_ADMIN, None)
    emulator.requests.clear()
    assert [c.name for c in conn.credentials.list()] == ["smtpcreds admin", "t0", "t1", "t2", "t3"]
    assert [c.name for c in conn.credentials.list(limit=2, page=2)] == ["t1", "t2"]
    assert [(r.method, r.path, r.query) for r in emulator.requests] == [
        ("GET", f"/api/accounts/{ACCOUNT_ID}/api_tokens", {})] * 2


def test_show_reads_one_token_and_a_non_numeric_ref_names_none(conn: Connection, emulator: MailtrapEmulator) -> None:
    token_id, _ = emulator.add_token("billing", DOMAIN_ADMIN, None)
    cred = conn.credentials.get(str(token_id))
    assert (cred.id, cred.name, cred.password, cred.extra["resources"]) == (str(token_id), "billing", None,
                                                                             DOMAIN_ADMIN)
    emulator.requests.clear()
    with pytest.raises(NotFound, match="token ids are numbers"):  # no request for a non-numeric id ...
        conn.provider.get_credential("billing")
    assert emulator.count() == 0
    assert conn.credentials.get("billing").id == str(token_id)  # ... which names the credential instead
    with pytest.raises(NotFound, match="Not Found"):
        conn.credentials.get("99999999")


def test_rotation_leaves_one_token_of_the_name_equally_scoped_and_only_it_logs_in(
        conn: Connection, emulator: MailtrapEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    result = rotate(conn, cred.id)
    assert (result.strategy, result.status, result.verified) == ("replace", "done", True)
    assert emulator.named("billing") == [int(result.new_credential)]
    token = emulator.tokens[int(result.new_credential)]
    assert token["resources"] == DOMAIN_ADMIN and token["expires_at"] is None
    assert emulator.smtp is not None
    assert emulator.smtp.accepts("api", token["token"])
    assert not emulator.smtp.accepts("api", cred.password.get_secret_value())  # deleted: refused at once
    assert emulator.count("POST", r"/reset$") == 0


def test_a_create_whose_answer_is_lost_deletes_the_orphan_token(conn: Connection,
                                                               emulator: MailtrapEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", path=r"/api_tokens$", drop_after=True))
    with pytest.raises(TransportError):
        conn.credentials.create("billing")
    assert emulator.named("billing") == []
    assert emulator.count("POST") == 1  # never re-sent


def test_a_rotation_whose_create_answer_is_lost_resumes_to_exactly_one_token(
        conn: Connection, emulator: MailtrapEmulator) -> None:
    cred = conn.credentials.create("billing")
    emulator.faults.inject(Fault(method="POST", path=r"/api_tokens$", drop_after=True))
    with pytest.raises(RotationError) as e:
        rotate(conn, cred.id)
    assert emulator.named("billing") == [int(cred.id)]
    rotator = Rotator(conn)
    result = rotator.run(rotator.journals.load(e.value.rotation_id))
    assert result.status == "done"
    assert emulator.named("billing") == [int(result.new_credential)] != [int(cred.id)]


def test_a_wrong_token_is_a_401_auth_error_that_says_so(profile_fields: dict[str, Any]) -> None:
    with connection(profile_fields, api_token="0" * 32) as bad, pytest.raises(AuthError) as e:
        list(bad.credentials.list())
    assert e.value.status == 401 and "Incorrect API token" in e.value.message
    assert "api_token is wrong or expired" in e.value.message and "0" * 32 not in str(e.value)


def test_a_domain_only_managing_token_is_a_403_auth_error_that_says_so(
        profile_fields: dict[str, Any], emulator: MailtrapEmulator) -> None:
    _, weak = emulator.add_token("sender", DOMAIN_ADMIN, None)
    with connection(profile_fields, api_token=weak) as c, pytest.raises(AuthError) as e:
        c.credentials.create("billing")
    assert e.value.status == 403 and "Account access forbidden" in e.value.message
    assert "lacks admin access to the account" in e.value.message and weak not in str(e.value)
    assert emulator.named("billing") == []


def test_another_account_is_forbidden(profile_fields: dict[str, Any]) -> None:
    with connection(profile_fields, account_id=2222222) as c, pytest.raises(AuthError, match="forbidden"):
        list(c.credentials.list())


def test_field_errors_become_validation_fields(conn: Connection, emulator: MailtrapEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", status=422, body={"errors": {"name": ["is too long"],
                                                                             "base": ["Try again"]}}))
    with pytest.raises(ValidationError) as e:
        conn.provider.create_credential("billing")
    assert e.value.fields == {"name": ["is too long"], "base": ["Try again"]}
    assert "name: is too long; Try again" in e.value.message


def test_the_emulator_refuses_a_token_without_resources(emulator: MailtrapEmulator) -> None:
    resp = requests.post(f"{emulator.base_url}/api/accounts/{ACCOUNT_ID}/api_tokens", timeout=5,
                         json={"name": "x", "resources": []},
                         headers={"Api-Token": emulator.client_profile()["api_token"]})
    assert resp.status_code == 422
    assert resp.json() == {"errors": {"base": ["No permissions selected. Please choose at least one."]}}


def test_a_429_is_retried_with_backoff_then_succeeds(conn: Connection, emulator: MailtrapEmulator) -> None:
    emulator.faults.inject(Fault(method="GET", status=429, body={"errors": "Rate limit exceeded"}))
    assert len(list(conn.credentials.list())) == 1
    assert emulator.count("GET") == 2


def test_a_429_that_lasts_is_rate_limited(conn: Connection, emulator: MailtrapEmulator) -> None:
    emulator.faults.inject(Fault(method="GET", status=429, body={"errors": "Rate limit exceeded"}, times=None))
    with pytest.raises(RateLimited, match="Rate limit exceeded"):
        list(conn.credentials.list())
    assert emulator.count("GET") == 4  # the first try and three retries, with backoff


def test_a_429_on_create_is_not_resent_and_creates_nothing(conn: Connection, emulator: MailtrapEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", status=429, body={"errors": "Rate limit exceeded"}))
    with pytest.raises(RateLimited):
        conn.credentials.create("billing")
    assert emulator.count("POST") == 1 and emulator.named("billing") == []


def test_the_emulators_own_rate_limit_has_no_retry_after(emulator: MailtrapEmulator) -> None:
    emulator.rate_limit_per_minute = 1
    headers = {"Authorization": f"Bearer {emulator.client_profile()['api_token']}"}
    url = f"{emulator.base_url}/api/accounts/{ACCOUNT_ID}/api_tokens"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    resp = requests.get(url, headers=headers, timeout=5)
    assert resp.status_code == 429 and "retry-after" not in resp.headers
    assert resp.headers["X-Ratelimit-Limit"] == "150"


def test_an_expired_managing_token_no_longer_authenticates(profile_fields: dict[str, Any],
                                                           emulator: MailtrapEmulator) -> None:
    emulator.expire(ADMIN_TOKEN_ID)
    with connection(profile_fields) as c, pytest.raises(AuthError, match="Incorrect API token"):
        list(c.credentials.list())


def test_deleting_an_unknown_token_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound):
        conn.credentials.delete("99999999")


def test_a_create_answer_without_the_token_deletes_the_token_it_made(conn: Connection,
                                                                     emulator: MailtrapEmulator) -> None:
    import json

    from smtpcreds.errors import SmtpCredsError
    from smtpcreds.plugin import Response

    original = emulator.create_token

    def without_token(req: Any) -> Response:
        answer = json.loads(original(req).body)
        del answer["token"]
        return Response.json(answer, 200)

    emulator.create_token = without_token  # type: ignore[method-assign]
    with pytest.raises(SmtpCredsError, match="returned no password"):
        conn.credentials.create("billing")
    assert emulator.named("billing") == []


def test_the_smtp_endpoint_is_live_smtp_mailtrap_io_587_starttls() -> None:
    from smtpcreds.testing.support import provider_for

    p = provider_for({"provider": "mailtrap", "account_id": ACCOUNT_ID, "domain_id": DOMAIN_ID})
    assert p.smtp_endpoint() == ("live.smtp.mailtrap.io", 587, "starttls")
