"""SMTP2GO error answers become the smtpcreds exception tree."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds.errors import AuthError, NotFound, ProviderError, RateLimited, ValidationError
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
    # reference: smtp2go-smtp-users.md "Errors": docs/response-codes puts error/error_code on top
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
