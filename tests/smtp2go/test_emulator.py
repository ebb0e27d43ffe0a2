"""The SMTP2GO emulator itself, spoken to with plain HTTP as any client would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from smtpcreds_smtp2go.emulator import API_KEY, Smtp2goEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.passwords import entropy_bits

from .conftest import STRONG, USER

HEADERS = {"X-Smtp2go-Api-Key": API_KEY}


def call(emu: Smtp2goEmulator, method: str, path: str, body: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    return requests.request(method, emu.base_url + path, json=body if body is not None else {},
                            headers=HEADERS if headers is None else headers, timeout=5)


def test_add_answers_the_envelope_with_a_uuid_request_id(emulator: Smtp2goEmulator) -> None:
    reply = call(emulator, "POST", "/users/smtp/add", {"username": USER, "email_password": STRONG}).json()
    uuid.UUID(reply["request_id"])
    [user] = reply["data"]["results"]
    assert user["username"] == USER and user["sending_allowed"] is True and user["status"] == "allowed"


def test_add_with_blank_password_generates_at_least_128_bits(emulator: Smtp2goEmulator) -> None:
    [user] = call(emulator, "POST", "/users/smtp/add", {"username": USER, "email_password": ""}).json()[
        "data"]["results"]
    assert entropy_bits(user["email_password"]) >= 128


def test_add_refuses_a_password_under_64_bits(emulator: Smtp2goEmulator) -> None:
    resp = call(emulator, "POST", "/users/smtp/add", {"username": USER, "email_password": "password"})
    assert resp.status_code == 400
    assert resp.json()["data"]["field_validation_errors"]["fieldname"] == "email_password"
    assert USER not in emulator.users


def test_add_refuses_a_duplicate_username(seeded: Smtp2goEmulator) -> None:
    resp = call(seeded, "POST", "/users/smtp/add", {"username": USER})
    assert (resp.status_code, resp.json()["data"]["error_code"]) == (
        400, "E_ApiResponseCodes.USERNAME_ALREADY_EXISTS")


def test_edit_of_an_unknown_username_is_404(emulator: Smtp2goEmulator) -> None:
    resp = call(emulator, "PATCH", "/users/smtp/edit", {"username": "no-such-user", "status": "blocked"})
    assert resp.status_code == 404
    assert resp.json()["data"]["error_code"] == "E_ApiResponseCodes.SMTP_USER_NOT_FOUND"


def test_patch_returns_a_bare_list_and_keeps_what_it_is_not_given(emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER, description="billing", archive_enabled=True)
    data = call(emulator, "PATCH", "/users/smtp/edit", {"username": USER, "status": "sandbox"}).json()["data"]
    assert isinstance(data, list) and data[0]["status"] == "sandbox"
    assert "email_password" not in data[0]
    user = emulator.user(USER)
    assert (user["description"], user["archive_enabled"]) == ("billing", True)


def test_post_edit_resets_what_it_is_not_given(emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER, STRONG, description="billing", archive_enabled=True, status="sandbox")
    reply = call(emulator, "POST", "/users/smtp/edit", {"username": USER, "open_tracking_enabled": True})
    [user] = reply.json()["data"]["results"]
    assert (user["description"], user["archive_enabled"], user["open_tracking_enabled"]) == ("", False, True)
    assert (user["status"], user["email_password"]) == ("sandbox", STRONG)  # kept (unconfirmed choice)


def test_patch_refuses_feedback_domain(seeded: Smtp2goEmulator) -> None:
    resp = call(seeded, "PATCH", "/users/smtp/edit", {"username": USER, "feedback_domain": "default"})
    assert resp.status_code == 400


def test_rate_limit_is_stored_only_with_custom_ratelimit(emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER)
    call(emulator, "PATCH", "/users/smtp/edit", {"username": USER, "custom_ratelimit_value": 5})
    assert emulator.user(USER)["custom_ratelimit_value"] is None
    call(emulator, "PATCH", "/users/smtp/edit",
         {"username": USER, "custom_ratelimit": True, "custom_ratelimit_value": 5,
          "custom_ratelimit_period": "1 day"})
    user = emulator.user(USER)
    assert (user["custom_ratelimit_value"], user["custom_ratelimit_period"]) == (5, "1 day")


def test_view_lists_users_and_the_account_defaults(seeded: Smtp2goEmulator) -> None:
    data = call(seeded, "POST", "/users/smtp/view").json()["data"]
    assert [u["username"] for u in data["results"]] == [USER]
    assert (data["default_ratelimit_value"], data["default_ratelimit_period"]) == (0, "unlimited")


def test_view_of_an_unknown_username_is_an_empty_list(emulator: Smtp2goEmulator) -> None:
    reply = call(emulator, "POST", "/users/smtp/view", {"username": "nobody-here"})
    assert reply.json()["data"]["results"] == []


def test_remove_returns_the_removed_user(seeded: Smtp2goEmulator) -> None:
    [user] = call(seeded, "POST", "/users/smtp/remove", {"username": USER}).json()["data"]["results"]
    assert user["username"] == USER and USER not in seeded.users


@pytest.mark.parametrize("headers", [{}, {"X-Smtp2go-Api-Key": "api-WRONG"}])
def test_a_missing_or_bad_key_is_401_in_the_error_envelope(emulator: Smtp2goEmulator,
                                                           headers: dict[str, str]) -> None:
    resp = call(emulator, "POST", "/users/smtp/view", headers=headers)
    assert resp.status_code == 401
    assert set(resp.json()["data"]) == {"error", "error_code"}


def test_the_key_may_also_come_in_the_body_or_as_bearer(emulator: Smtp2goEmulator) -> None:
    assert call(emulator, "POST", "/users/smtp/view", {"api_key": API_KEY}, headers={}).status_code == 200
    assert call(emulator, "POST", "/users/smtp/view",
                headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200


def test_a_key_without_permission_gets_the_spec_400(emulator: Smtp2goEmulator) -> None:
    key = emulator.add_api_key("api-NOPERMS00000000000000000000000", [])
    resp = call(emulator, "POST", "/users/smtp/view", headers={"X-Smtp2go-Api-Key": key})
    assert resp.status_code == 400
    assert resp.json()["data"] == {"error": "You do not have permission to access this API endpoint",
                                   "error_code": "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"}


def test_rate_limit_answers_429_without_rate_limit_headers(emulator: Smtp2goEmulator) -> None:
    emulator.rate_limit_per_minute = 1
    call(emulator, "POST", "/users/smtp/view")
    resp = call(emulator, "POST", "/users/smtp/view")
    assert resp.status_code == 429
    assert not [h for h in resp.headers if "retry" in h.lower() or "ratelimit" in h.lower()]


def test_unknown_fields_are_refused(emulator: Smtp2goEmulator) -> None:
    reply = call(emulator, "POST", "/users/smtp/add", {"username": USER, "sending_allowed": True})
    assert reply.status_code == 400


def test_unknown_subaccount_is_refused(emulator: Smtp2goEmulator) -> None:
    resp = call(emulator, "POST", "/users/smtp/view", {"subaccount_id": "nope"})
    assert resp.status_code == 400


def test_logins_follow_add_password_status_and_remove(emulator_smtp: Smtp2goEmulator,
                                                      smtp_server: SmtpServer) -> None:
    emu = emulator_smtp
    call(emu, "POST", "/users/smtp/add", {"username": USER, "email_password": STRONG})
    assert smtp_server.accepts(USER, STRONG)
    new = "Second-Fake-Passw0rd-77"
    call(emu, "PATCH", "/users/smtp/edit", {"username": USER, "email_password": new})
    assert smtp_server.accepts(USER, new) and not smtp_server.accepts(USER, STRONG)
    call(emu, "PATCH", "/users/smtp/edit", {"username": USER, "status": "blocked"})
    assert USER not in smtp_server.logins()
    call(emu, "PATCH", "/users/smtp/edit", {"username": USER, "status": "allowed"})
    assert smtp_server.accepts(USER, new)
    call(emu, "POST", "/users/smtp/remove", {"username": USER})
    assert USER not in smtp_server.logins()


def test_a_rate_limited_client_stays_timed_out_until_lifted(emulator: Smtp2goEmulator) -> None:
    emulator.rate_limit_per_minute = 1
    assert call(emulator, "POST", "/users/smtp/view").status_code == 200
    assert call(emulator, "POST", "/users/smtp/view").status_code == 429
    emulator.rate_limit_per_minute = None  # the request budget is back, the time-out is not
    resp = call(emulator, "POST", "/users/smtp/view")
    assert resp.status_code == 429 and resp.json()["data"]["error_code"] == "E_ApiResponseCodes.TOO_MANY_REQUESTS"
    emulator.lift_timeout()
    assert call(emulator, "POST", "/users/smtp/view").status_code == 200


def test_too_many_error_answers_time_the_client_out(emulator: Smtp2goEmulator) -> None:
    emulator.error_limit_per_minute = 2
    for _ in range(2):
        assert call(emulator, "POST", "/users/smtp/remove", {"username": "no-such-user"}).status_code == 404
    assert call(emulator, "POST", "/users/smtp/view").status_code == 429


def test_error_answers_below_the_limit_do_not_time_out(emulator: Smtp2goEmulator) -> None:
    emulator.error_limit_per_minute = 3
    for _ in range(2):
        call(emulator, "POST", "/users/smtp/remove", {"username": "no-such-user"})
    assert call(emulator, "POST", "/users/smtp/view").status_code == 200


def test_an_injected_429_does_not_start_a_time_out(emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=429)
    assert call(emulator, "POST", "/users/smtp/view").status_code == 429
    assert call(emulator, "POST", "/users/smtp/view").status_code == 200
