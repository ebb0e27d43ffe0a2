"""SMTP2GO error answers become the smtpcreds exception tree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds.errors import AuthError, NotFound, ProviderError, RateLimited, ValidationError
from smtpcreds.models import SmtpCredential
from smtpcreds.testing.support import provider_for

from .conftest import STRONG, USER

PERMISSION_ERROR = {"error": "You do not have permission to access this API endpoint",
                    "error_code": "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"}


def provider_with_key(emu: Smtp2goEmulator, key: str) -> Smtp2goProvider:
    p = provider_for({"provider": "smtp2go", "base_url": emu.base_url, "api_key": key})
    assert isinstance(p, Smtp2goProvider)
    return p


def test_bad_api_key_is_an_auth_error(emulator: Smtp2goEmulator) -> None:
    p = provider_with_key(emulator, "api-WRONG0000000000000000000000000")
    with pytest.raises(AuthError) as exc:
        list(p.list_credentials())
    assert exc.value.status == 401
    assert "api-WRONG" not in exc.value.message


def test_key_without_the_endpoint_permission_names_it(emulator: Smtp2goEmulator) -> None:
    key = emulator.add_api_key("api-VIEWONLY000000000000000000000", ["users/smtp/view"])
    p = provider_with_key(emulator, key)
    assert list(p.list_credentials()) == []
    with pytest.raises(AuthError) as exc:
        p.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.status == 400
    assert exc.value.code == "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"
    assert "lacks the permission for POST /users/smtp/add" in exc.value.message


def test_403_is_an_auth_error_naming_the_endpoint(provider: Smtp2goProvider,
                                                  emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=403, path="/users/smtp/remove")
    with pytest.raises(AuthError, match="POST /users/smtp/remove") as exc:
        provider.delete_credential(USER)
    assert exc.value.status == 403


def test_permission_denied_error_at_the_top_level_is_understood(provider: Smtp2goProvider,
                                                                emulator: Smtp2goEmulator) -> None:
    # reference: docs/reference/smtp2go.md §7: docs/response-codes puts error/error_code on top
    emulator.faults.inject(status=400, body=dict(PERMISSION_ERROR))
    with pytest.raises(AuthError, match="lacks the permission"):
        list(provider.list_credentials())


def test_429_on_view_is_retried_then_rate_limited(provider: Smtp2goProvider,
                                                  emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=429, times=None)
    with pytest.raises(RateLimited) as exc:
        list(provider.list_credentials())
    assert emulator.count("POST", "/users/smtp/view") == 4  # the first try and three retries
    assert exc.value.retry_after == 60  # documented IP time-out of at least a minute


def test_429_on_view_then_success_returns_the_users(provider: Smtp2goProvider,
                                                    seeded: Smtp2goEmulator) -> None:
    seeded.faults.inject(status=429, times=1)
    assert [c.id for c in provider.list_credentials()] == [USER]
    assert seeded.count() == 2


def test_429_on_add_is_not_retried(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=429, times=None)
    with pytest.raises(RateLimited):
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert emulator.count() == 1


def test_429_on_patch_is_retried(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    seeded.faults.inject(status=429, times=1)
    provider.update_credential(USER, options={"status": "sandbox"})
    assert seeded.count("PATCH") == 2
    assert seeded.user(USER)["status"] == "sandbox"


def test_emulator_rate_limit_reaches_the_client_as_rate_limited(provider: Smtp2goProvider,
                                                                emulator: Smtp2goEmulator) -> None:
    emulator.rate_limit_per_minute = 1
    provider.create_credential(USER, password=SecretStr(STRONG))
    with pytest.raises(RateLimited):
        provider.create_credential("second-user", password=SecretStr(STRONG))


def test_500_is_a_provider_error(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=500, path="/users/smtp/add")
    with pytest.raises(ProviderError) as exc:
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.status == 500
    assert emulator.count() == 1


def test_html_502_is_a_provider_error_with_the_status(provider: Smtp2goProvider,
                                                      emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=502, body="<html><body>Bad Gateway</body></html>", times=None)
    with pytest.raises(ProviderError, match="HTML") as exc:
        provider.delete_credential(USER)
    assert exc.value.status == 502


def test_server_side_validation_error_names_the_field(provider: Smtp2goProvider,
                                                      emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=400, body={"request_id": "r", "data": {
        "error": "An error occurred processing the json data",
        "error_code": "E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD",
        "field_validation_errors": {"fieldname": "username", "message": "bad username"}}})
    with pytest.raises(ValidationError) as exc:
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.fields == {"username": ["bad username"]}
    assert exc.value.code == "E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD"


def test_404_is_not_found(provider: Smtp2goProvider) -> None:
    with pytest.raises(NotFound):
        provider.set_password("no-such-user", SecretStr(STRONG))


@pytest.mark.parametrize("body", [[], {"request_id": "r"}, {"request_id": "r", "data": {"results": "x"}},
                                  {"request_id": "r", "data": {"results": [{"name": "x"}]}}])
def test_a_malformed_success_is_a_provider_error(provider: Smtp2goProvider, emulator: Smtp2goEmulator,
                                                 body: object) -> None:
    emulator.faults.inject(status=200, body=body)
    with pytest.raises(ProviderError, match="unexpected response"):
        list(provider.list_credentials())


def test_an_error_inside_a_200_envelope_is_a_provider_error(provider: Smtp2goProvider,
                                                            emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=200, body={"request_id": "r", "data": {"error": "Something broke"}})
    with pytest.raises(ProviderError, match="Something broke"):
        list(provider.list_credentials())


@pytest.mark.parametrize("body", ["", "<html><body>Forbidden</body></html>", {}])
def test_403_without_an_error_body_still_names_the_endpoint_permission(
        provider: Smtp2goProvider, seeded: Smtp2goEmulator, body: object) -> None:
    seeded.faults.inject(status=403, body=body, path="/users/smtp/edit")
    with pytest.raises(AuthError, match="lacks the permission for PATCH /users/smtp/edit") as exc:
        provider.update_credential(USER, options={"status": "sandbox"})
    assert exc.value.status == 403


@pytest.mark.parametrize("body", ["", "Too Many Requests", {}])
def test_429_without_an_error_body_still_waits_the_documented_minute(
        provider: Smtp2goProvider, emulator: Smtp2goEmulator, body: object) -> None:
    emulator.faults.inject(status=429, body=body)
    with pytest.raises(RateLimited) as exc:
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.retry_after == 60
    assert "retry after 60s" in exc.value.message


@pytest.mark.parametrize(("call", "path"), [
    (lambda p: p.update_credential(USER, options={"replace_all": True, "description": "x"}), "/users/smtp/edit"),
    (lambda p: p.delete_credential(USER), "/users/smtp/remove"),
])
def test_429_on_a_full_edit_or_a_remove_is_not_retried(provider: Smtp2goProvider, seeded: Smtp2goEmulator,
                                                       call: Callable[[Smtp2goProvider], object],
                                                       path: str) -> None:
    seeded.faults.inject(status=429, times=None)
    with pytest.raises(RateLimited):
        call(provider)
    assert [(r.method, r.path) for r in seeded.requests] == [("POST", path)]


def test_an_error_at_the_top_level_is_understood(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    # reference: docs/reference/smtp2go.md §7: docs/response-codes puts error/error_code on top
    emulator.faults.inject(status=400, body={"error": "Something about the payload",
                                             "error_code": "E_ApiResponseCodes.API_EXCEPTION"})
    with pytest.raises(ValidationError, match="POST /users/smtp/add: Something about the payload") as exc:
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.code == "E_ApiResponseCodes.API_EXCEPTION"


def test_an_error_in_data_is_understood(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(status=402, body={"request_id": "r", "data": {
        "error": "The request failed", "error_code": "E_ApiResponseCodes.API_EXCEPTION"}})
    with pytest.raises(ProviderError, match="POST /users/smtp/view: The request failed") as exc:
        list(provider.list_credentials())
    assert (exc.value.status, exc.value.code) == (402, "E_ApiResponseCodes.API_EXCEPTION")


ITEM = {"username": USER, "status": "sandbox", "ippool": 7}


@pytest.mark.parametrize("data", [{"results": [ITEM]}, [ITEM]], ids=["results", "bare list"])
@pytest.mark.parametrize("call", [
    lambda p: p.get_credential(USER),
    lambda p: p.create_credential(USER, password=SecretStr(STRONG)),
    lambda p: p.update_credential(USER, options={"status": "sandbox"}),
    lambda p: p.update_credential(USER, options={"replace_all": True, "status": "sandbox"}),
], ids=["view", "add", "patch", "post edit"])
def test_both_envelope_shapes_are_read_for_every_call(provider: Smtp2goProvider, emulator: Smtp2goEmulator,
                                                      data: object,
                                                      call: Callable[[Smtp2goProvider], SmtpCredential]) -> None:
    # reference: docs/reference/smtp2go.md §6
    emulator.faults.inject(status=200, body={"request_id": "r", "data": data})
    cred = call(provider)
    assert (cred.id, cred.extra["status"], cred.extra["ippool"]) == (USER, "sandbox", 7)


@pytest.mark.parametrize("data", [{"results": [ITEM]}, [ITEM]], ids=["results", "bare list"])
def test_both_envelope_shapes_are_read_for_remove(provider: Smtp2goProvider, emulator: Smtp2goEmulator,
                                                  data: object) -> None:
    emulator.faults.inject(status=200, body={"request_id": "r", "data": data})
    provider.delete_credential(USER)
    assert emulator.count("POST", "/users/smtp/remove") == 1
