"""SendGrid keys through the Python API: the key as password, scopes, lost answers, errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from smtpcreds_sendgrid.emulator import SendGridEmulator

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


def named(emulator: SendGridEmulator, name: str) -> list[str]:
    return [key_id for key_id, k in emulator.keys.items() if k["name"] == name]


def test_create_returns_the_69_character_key_as_the_password_of_apikey(
        conn: Connection, emulator: SendGridEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    key = cred.password.get_secret_value()
    assert key.startswith("SG.") and len(key) == 69 and key.split(".")[1] == cred.id
    assert (cred.username, cred.name) == ("apikey", "billing")
    stored = conn.store.get(cred.credential)
    assert stored is not None and stored.password.get_secret_value() == key
    assert emulator.keys[cred.id]["scopes"] == ["mail.send", "sender_verification_eligible", "2fa_required"]


def test_show_flags_a_key_without_mail_send(conn: Connection, emulator: SendGridEmulator,
                                            caplog: pytest.LogCaptureFixture) -> None:
    key_id, _ = emulator.add_key("reports", ["stats.read"])
    cred = conn.credentials.get(key_id)
    assert cred.extra == {"scopes": ["stats.read"], "mail_send": False}
    assert "lacks the mail.send scope" in caplog.text


@pytest.mark.parametrize("flat", [False, True])
def test_show_reads_a_result_array_and_a_flat_object(conn: Connection, emulator: SendGridEmulator,
                                                     flat: bool) -> None:
    emulator.flat_single_get = flat
    key_id, _ = emulator.add_key("billing", ["mail.send"])
    cred = conn.credentials.get(key_id)
    assert (cred.id, cred.name, cred.extra["mail_send"]) == (key_id, "billing", True)


def test_the_list_carries_names_and_ids_without_scopes(conn: Connection, emulator: SendGridEmulator) -> None:
    key_id, _ = emulator.add_key("billing", ["mail.send"])
    listed = {c.id: c for c in conn.credentials.list()}
    assert listed[key_id].name == "billing" and listed[key_id].extra == {}


def test_rotation_leaves_exactly_one_key_of_the_name_and_only_the_new_one_logs_in(
        conn: Connection, emulator: SendGridEmulator) -> None:
    cred = conn.credentials.create("billing")
    assert cred.password is not None
    result = rotate(conn, cred.id)
    assert (result.strategy, result.status, result.verified) == ("replace", "done", True)
    assert named(emulator, "billing") == [result.new_credential]
    new = conn.store.get(result.name)
    assert new is not None and emulator.smtp is not None
    assert emulator.smtp.accepts("apikey", new.password.get_secret_value())
    assert not emulator.smtp.accepts("apikey", cred.password.get_secret_value())
    assert conn.store.record("billing").id == result.new_credential  # one record, now of the new key


def test_a_create_whose_answer_is_lost_deletes_the_orphan_key(conn: Connection,
                                                             emulator: SendGridEmulator) -> None:
    emulator.faults.inject(Fault(method="POST", path=r"^/api_keys$", drop_after=True))
    with pytest.raises(TransportError):
        conn.credentials.create("billing")
    assert named(emulator, "billing") == []
    assert emulator.count("POST") == 1  # never re-sent


def test_a_rotation_whose_create_answer_is_lost_resumes_to_exactly_one_key(
        conn: Connection, emulator: SendGridEmulator) -> None:
    cred = conn.credentials.create("billing")
    emulator.faults.inject(Fault(method="POST", path=r"^/api_keys$", drop_after=True))
    with pytest.raises(RotationError) as e:
        rotate(conn, cred.id)
    assert named(emulator, "billing") == [cred.id]  # the orphan is gone, the old key kept
    rotator = Rotator(conn)
    result = rotator.run(rotator.journals.load(e.value.rotation_id))
    assert result.status == "done"
    assert named(emulator, "billing") == [result.new_credential] != [cred.id]


def test_the_smtp_endpoint_is_smtp_sendgrid_net_587_starttls() -> None:
    from smtpcreds.testing.support import provider_for

    for region in ("global", "eu"):
        p = provider_for({"provider": "sendgrid", "region": region})
        assert p.smtp_endpoint() == ("smtp.sendgrid.net", 587, "starttls")


def test_a_password_cannot_be_chosen(conn: Connection, emulator: SendGridEmulator) -> None:
    from pydantic import SecretStr

    with pytest.raises(UnsupportedOperation, match="SendGrid generates it"):
        conn.provider.create_credential("billing", password=SecretStr("x" * 30))
    assert emulator.count() == 0


@pytest.mark.parametrize(("kw", "field"), [({"colour": "blue"}, "colour"), ({"enabled": False}, "enabled")])
def test_options_and_disabled_keys_are_refused_before_any_request(
        conn: Connection, emulator: SendGridEmulator, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        conn.provider.create_credential("billing", **({"options": kw} if field == "colour" else kw))
    assert field in e.value.fields and emulator.count() == 0


def test_a_bad_key_is_an_auth_error_with_sendgrids_message(profile_fields: dict[str, Any]) -> None:
    fields = {**profile_fields, "api_key": "SG.wrong.wrong"}
    fields.pop("provider")
    with connect("sg", provider="sendgrid", **fields) as bad, pytest.raises(AuthError) as e:
        list(bad.credentials.list())
    assert e.value.status == 401 and "authorization required" in e.value.message
    assert "SG.wrong.wrong" not in str(e.value)


def test_a_key_that_cannot_manage_keys_is_forbidden(profile_fields: dict[str, Any],
                                                   emulator: SendGridEmulator) -> None:
    _, weak = emulator.add_key("mail only", ["mail.send"])
    fields = {**profile_fields, "api_key": weak}
    fields.pop("provider")
    with connect("sg", provider="sendgrid", **fields) as c, pytest.raises(AuthError, match="access forbidden"):
        list(c.credentials.list())


def test_field_errors_become_validation_fields(conn: Connection, emulator: SendGridEmulator) -> None:
    emulator.faults.inject(Fault(status=400, body={"errors": [{"field": "name", "message": "too long"}]}))
    with pytest.raises(ValidationError) as e:
        conn.provider.create_credential("billing")
    assert e.value.fields == {"name": ["too long"]} and "name: too long" in e.value.message


def test_an_unknown_key_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound, match="unable to find API key"):
        conn.credentials.get("NoSuchKey0000000000000")


def test_a_429_waits_until_x_ratelimit_reset_then_succeeds(conn: Connection, emulator: SendGridEmulator) -> None:
    emulator.faults.inject(Fault(status=429, headers={"X-RateLimit-Reset": str(int(time.time()))}))
    assert len(list(conn.credentials.list())) == 1
    assert emulator.count("GET") == 2


def test_a_429_resetting_far_ahead_is_rate_limited(conn: Connection, emulator: SendGridEmulator) -> None:
    emulator.faults.inject(Fault(status=429, headers={"X-RateLimit-Reset": str(int(time.time()) + 3600)}))
    with pytest.raises(RateLimited) as e:
        list(conn.credentials.list())
    assert e.value.retry_after is not None and e.value.retry_after > 3000


def test_the_emulator_makes_a_full_access_key_when_scopes_are_missing(emulator: SendGridEmulator) -> None:
    import requests

    resp = requests.post(f"{emulator.base_url}/api_keys", json={"name": "full"}, timeout=5,
                         headers={"Authorization": f"Bearer {emulator.client_profile()['api_key']}"})
    assert resp.status_code == 201
    assert {"mail.send", "api_keys.create", "2fa_required"} <= set(resp.json()["scopes"])


def test_a_create_answer_without_the_key_deletes_the_key_it_made(conn: Connection,
                                                                 emulator: SendGridEmulator) -> None:
    from smtpcreds.errors import SmtpCredsError
    from smtpcreds.plugin import Response

    original = emulator.create_key

    def without_secret(req: Any) -> Response:
        import json

        answer = json.loads(original(req).body)
        del answer["api_key"]
        return Response.json(answer, 201)

    emulator.create_key = without_secret  # type: ignore[method-assign]
    with pytest.raises(SmtpCredsError, match="returned no password"):
        conn.credentials.create("billing")
    assert named(emulator, "billing") == []
