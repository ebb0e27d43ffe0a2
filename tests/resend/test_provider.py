"""Resend keys through the Python API: scoping, names, paging, look-ups by listing, errors, lost answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from smtpcreds_resend.emulator import ADMIN_KEY_ID, DOMAIN_ID, ResendEmulator
from smtpcreds_resend.provider import _timestamp

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


def bad_connection(profile_fields: dict[str, Any], api_key: str) -> Connection:
    fields = {**profile_fields, "api_key": api_key}
    return connect("rs", provider=fields.pop("provider"), **fields)


def test_create_makes_a_sending_access_key_for_the_profiles_domain(conn: Connection,
                                                                   emulator: ResendEmulator) -> None:
    cred = conn.credentials.create("billing")
    key = emulator.keys[cred.id]
    assert (key["permission"], key["domain_id"], key["name"]) == ("sending_access", DOMAIN_ID, "billing")
    assert cred.password is not None
    token = cred.password.get_secret_value()
    assert token == key["token"] and token.startswith("re_") and len(token) == 36
    assert (cred.username, cred.extra) == ("resend", {"permission": "sending_access", "domain_id": DOMAIN_ID})
    stored = conn.store.get(cred.credential)
    assert stored is not None and stored.password.get_secret_value() == token
    assert emulator.smtp is not None and emulator.smtp.accepts("resend", token)


def test_without_a_domain_the_key_is_still_sending_only(profile_fields: dict[str, Any],
                                                        emulator: ResendEmulator) -> None:
    fields = {k: v for k, v in profile_fields.items() if k not in ("provider", "domain_id")}
    with connect("rs", provider="resend", **fields) as c:
        cred = c.credentials.create("billing")
    assert emulator.keys[cred.id]["permission"] == "sending_access"
    assert emulator.keys[cred.id]["domain_id"] is None
    [post] = [r for r in emulator.requests if r.method == "POST"]
    assert post.json() == {"name": "billing", "permission": "sending_access"}


def test_the_emulator_makes_a_full_access_key_when_permission_is_missing(emulator: ResendEmulator) -> None:
    """What smtpcreds avoids by always sending the permission (docs/reference/resend.md §3)."""
    resp = requests.post(f"{emulator.base_url}/api-keys", json={"name": "x", "domain_id": DOMAIN_ID}, timeout=5,
                         headers={"Authorization": f"Bearer {emulator.client_profile()['api_key']}"})
    assert resp.status_code == 201
    assert emulator.keys[resp.json()["id"]]["permission"] == "full_access"
    assert emulator.keys[resp.json()["id"]]["domain_id"] is None  # only kept with sending_access


@pytest.mark.parametrize("name", ["", "   ", "x" * 51])
def test_an_empty_or_over_long_name_is_refused_before_the_create(conn: Connection, emulator: ResendEmulator,
                                                                  name: str) -> None:
    with pytest.raises(ValidationError) as e:
        conn.credentials.create(name)
    assert "name" in e.value.fields and emulator.count("POST") == 0
    assert list(emulator.keys) == [ADMIN_KEY_ID]


def test_a_name_of_50_characters_is_accepted(conn: Connection, emulator: ResendEmulator) -> None:
    assert conn.credentials.create("x" * 50).name == "x" * 50


def test_a_password_cannot_be_chosen_and_options_are_refused(conn: Connection, emulator: ResendEmulator) -> None:
    with pytest.raises(UnsupportedOperation, match="Resend generates it"):
        conn.provider.create_credential("billing", password=SecretStr("x" * 30))
    with pytest.raises(ValidationError) as e:
        conn.provider.create_credential("billing", options={"permission": "full_access"})
    assert "permission" in e.value.fields
    with pytest.raises(ValidationError):
        conn.provider.create_credential("billing", enabled=False)
    assert emulator.count() == 0


def test_listing_follows_the_after_cursor_100_at_a_time(conn: Connection, emulator: ResendEmulator) -> None:
    for i in range(150):
        emulator.add_key(f"k{i}")
    emulator.requests.clear()
    ids = [c.id for c in conn.credentials.list()]
    assert len(ids) == 151 == len(set(ids)) and set(ids) == set(emulator.keys)
    first, second = list(emulator.requests)
    assert (first.query, second.query) == ({"limit": ["100"]}, {"limit": ["100"], "after": [ids[99]]})


def test_one_page_by_limit_and_page_walks_the_cursor(conn: Connection, emulator: ResendEmulator) -> None:
    for i in range(4):
        emulator.add_key(f"k{i}")
    names = [c.name for c in conn.credentials.list(limit=2, page=2)]
    assert names == ["k1", "k0"]  # newest first: k3 k2 | k1 k0 | admin
    assert list(conn.credentials.list(limit=2, page=9)) == []
    with pytest.raises(ValidationError):
        list(conn.credentials.list(limit=101))


def test_show_finds_a_key_by_listing_there_being_no_single_key_get(conn: Connection,
                                                                   emulator: ResendEmulator) -> None:
    key_id, _ = emulator.add_key("billing")
    emulator.requests.clear()
    cred = conn.credentials.get(key_id)
    assert (cred.id, cred.name, cred.username, cred.password) == (key_id, "billing", "resend", None)
    assert [(r.method, r.path) for r in emulator.requests] == [("GET", "/api-keys")]
    with pytest.raises(NotFound, match="no API key"):
        conn.credentials.get("5e2a0c83-0000-4000-8000-000000000000")


def test_last_used_at_is_read_from_resends_timestamp_shape(conn: Connection, emulator: ResendEmulator) -> None:
    key_id, _ = emulator.add_key("billing")
    emulator.keys[key_id]["last_used_at"] = "2023-10-06 23:47:56.678+00"
    cred = conn.credentials.get(key_id)
    assert cred.last_used_at is not None and cred.last_used_at.isoformat() == "2023-10-06T23:47:56.678000+00:00"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2023-10-06 23:47:56+00", "2023-10-06T23:47:56+00:00"),
    ("2023-10-06T23:47:56.678Z", "2023-10-06T23:47:56.678000+00:00"),
    ("2023-10-06 23:47:56.6+05:30", "2023-10-06T23:47:56.600000+05:30"),
    ("not a time", None), (None, None), ("", None),
])
def test_timestamps_of_other_shapes_are_read_or_left_out(raw: Any, expected: str | None) -> None:
    at = _timestamp(raw)
    assert (at.isoformat() if at else None) == expected


def test_rotation_leaves_one_key_of_the_name_equally_scoped_and_only_it_logs_in(
        conn: Connection, emulator: ResendEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    result = rotate(conn, cred.id)
    assert (result.strategy, result.status, result.verified) == ("replace", "done", True)
    assert emulator.named("billing") == [result.new_credential]
    key = emulator.keys[result.new_credential]
    assert (key["permission"], key["domain_id"]) == ("sending_access", DOMAIN_ID)
    assert emulator.smtp is not None
    assert emulator.smtp.accepts("resend", key["token"])
    assert not emulator.smtp.accepts("resend", cred.password.get_secret_value())
    assert conn.store.record("billing").id == result.new_credential  # the one record follows the new key


def test_a_create_whose_answer_is_lost_deletes_the_orphan_key(conn: Connection, emulator: ResendEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", path=r"^/api-keys$", drop_after=True))
    with pytest.raises(TransportError):
        conn.credentials.create("billing")
    assert emulator.named("billing") == []
    assert emulator.count("POST") == 1  # never re-sent


def test_a_rotation_whose_create_answer_is_lost_resumes_to_exactly_one_key(
        conn: Connection, emulator: ResendEmulator) -> None:
    cred = conn.credentials.create("billing")
    emulator.faults.inject(Fault(method="POST", path=r"^/api-keys$", drop_after=True))
    with pytest.raises(RotationError) as e:
        rotate(conn, cred.id)
    assert emulator.named("billing") == [cred.id]
    rotator = Rotator(conn)
    result = rotator.run(rotator.journals.load(e.value.rotation_id))
    assert result.status == "done"
    assert emulator.named("billing") == [result.new_credential] != [cred.id]


def test_a_wrong_key_is_a_403_auth_error_that_says_so(profile_fields: dict[str, Any]) -> None:
    with bad_connection(profile_fields, "re_wrong_wrong_wrong") as bad, pytest.raises(AuthError) as e:
        list(bad.credentials.list())
    assert e.value.status == 403 and e.value.code == "invalid_api_key"
    assert "managing API key is wrong" in e.value.message and "re_wrong" not in str(e.value)


def test_a_sending_only_managing_key_is_a_401_auth_error_asking_for_full_access(
        profile_fields: dict[str, Any], emulator: ResendEmulator) -> None:
    _, weak = emulator.add_key("mail only")
    with bad_connection(profile_fields, weak) as c, pytest.raises(AuthError) as e:
        c.credentials.create("billing")
    assert e.value.status == 401 and e.value.code == "restricted_api_key"
    assert "needs a full_access key" in e.value.message and weak not in str(e.value)
    assert emulator.named("billing") == []


def test_every_request_carries_a_user_agent_which_resend_requires(conn: Connection,
                                                                  emulator: ResendEmulator) -> None:
    import http.client
    from urllib.parse import urlsplit

    list(conn.credentials.list())
    assert emulator.requests and all(r.headers.get("user-agent", "").startswith("smtpcreds/")
                                     for r in emulator.requests)
    origin = urlsplit(emulator.origin)
    plain = http.client.HTTPConnection(origin.hostname or "", origin.port, timeout=5)  # adds no User-Agent
    plain.request("GET", "/api-keys", headers={"Authorization": f"Bearer {emulator.client_profile()['api_key']}"})
    resp = plain.getresponse()
    assert (resp.status, resp.read()) == (403, b"error code: 1010")
    plain.close()


def test_a_429_waits_for_retry_after_then_succeeds(conn: Connection, emulator: ResendEmulator) -> None:
    emulator.faults.inject(Fault(method="GET", status=429, headers={"retry-after": "1"}))
    started = time.monotonic()
    assert len(list(conn.credentials.list())) == 1
    assert time.monotonic() - started >= 0.9  # it waited as told
    assert emulator.count("GET") == 2


def test_a_429_asking_for_a_long_wait_is_rate_limited(conn: Connection, emulator: ResendEmulator) -> None:
    emulator.faults.inject(Fault(method="GET", status=429, headers={"retry-after": "3600"}))
    with pytest.raises(RateLimited) as e:
        list(conn.credentials.list())
    assert e.value.retry_after == 3600 and emulator.count("GET") == 1


def test_a_429_on_create_is_not_resent_and_creates_nothing(conn: Connection, emulator: ResendEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", status=429, headers={"retry-after": "1"}))
    with pytest.raises(RateLimited):
        conn.credentials.create("billing")
    assert emulator.count("POST") == 1 and emulator.named("billing") == []


def test_a_spent_daily_quota_is_rate_limited(conn: Connection, emulator: ResendEmulator) -> None:
    body = {"statusCode": 429, "name": "daily_quota_exceeded", "message": "You have reached your daily quota."}
    emulator.faults.inject(Fault(method="GET", status=429, body=body, headers={"retry-after": "40000"}))
    with pytest.raises(RateLimited, match="daily_quota_exceeded"):
        list(conn.credentials.list())


def test_the_emulators_own_rate_limit_answers_with_retry_after(emulator: ResendEmulator) -> None:
    emulator.rate_limit_per_minute = 1
    headers = {"Authorization": f"Bearer {emulator.client_profile()['api_key']}"}
    assert requests.get(f"{emulator.base_url}/api-keys", headers=headers, timeout=5).status_code == 200
    resp = requests.get(f"{emulator.base_url}/api-keys", headers=headers, timeout=5)
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
    assert resp.json()["name"] == "rate_limit_exceeded" and resp.headers["ratelimit-remaining"] == "0"


def test_deleting_an_unknown_key_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound, match="no API key with id '5e2a0c83-0000-4000-8000-000000000000'"):
        conn.credentials.delete("5e2a0c83-0000-4000-8000-000000000000")


def test_a_create_answer_without_the_token_deletes_the_key_it_made(conn: Connection,
                                                                   emulator: ResendEmulator) -> None:
    import json

    from smtpcreds.errors import SmtpCredsError
    from smtpcreds.plugin import Response

    original = emulator.create_key

    def without_token(req: Any) -> Response:
        answer = json.loads(original(req).body)
        del answer["token"]
        return Response.json(answer, 201)

    emulator.create_key = without_token  # type: ignore[method-assign]
    with pytest.raises(SmtpCredsError, match="returned no password"):
        conn.credentials.create("billing")
    assert emulator.named("billing") == []


def test_the_smtp_endpoint_is_smtp_resend_com_465_with_implicit_tls() -> None:
    from smtpcreds.testing.support import provider_for

    assert provider_for({"provider": "resend"}).smtp_endpoint() == ("smtp.resend.com", 465, "ssl")
    assert provider_for({"provider": "resend", "smtp_port": 587}).smtp_endpoint() == \
        ("smtp.resend.com", 587, "starttls")
