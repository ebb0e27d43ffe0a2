"""MailerSend error responses become the right smtpcreds errors, with retries only where safe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from smtpcreds_mailersend.emulator import READ_ONLY_TOKEN, MailerSendEmulator
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.errors import AuthError, NotFound, ProviderError, RateLimited, ValidationError

MakeProvider = Callable[..., MailerSendProvider]


def test_bad_token_is_an_auth_error_saying_so(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator, api_token="mlsn.not-a-real-token")
    with pytest.raises(AuthError, match=r"the API token was refused \(Unauthenticated\.\)") as info:
        list(p.list_credentials())
    assert info.value.status == 401
    assert "not-a-real-token" not in info.value.message


def test_token_lacking_the_scope_is_an_auth_error_naming_it(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator, api_token=READ_ONLY_TOKEN)
    assert list(p.list_credentials()) == []  # reading is in scope
    with pytest.raises(
        AuthError, match="lacks the scope for this endpoint \\(needs smtp_users_full\\)"
    ) as info:
        p.create_credential("app")
    assert info.value.status == 403
    with pytest.raises(AuthError, match="needs users_full"):
        p.users.invite("new@example.com", "Admin")


def test_token_without_any_scope_names_the_read_scope_on_get(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    emulator.add_token("mlsn.emulator-no-scope", set())
    p = make_provider(emulator, api_token="mlsn.emulator-no-scope")
    with pytest.raises(AuthError, match="needs users_read or users_full"):
        p.users.list()


def test_unknown_domain_is_not_found_even_on_create(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    """reference: docs/reference/mailersend.md §2: 404, not 422, for an unknown domain on POST."""
    p = make_provider(emulator, domain_id="nosuchdomain0000")
    with pytest.raises(NotFound, match="Resource not found") as info:
        p.create_credential("app")
    assert info.value.status == 404


def test_server_validation_lists_every_field(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    body = {
        "message": "The selected role is invalid. (and 2 more errors)",
        "errors": {
            "role": ["The selected role is invalid."],
            "templates": ["Templates require a read own templates permission. #MS42224"],
            "permissions.0": ["The selected permissions.0 is invalid."],
        },
    }
    emulator.faults.inject(method="POST", status=422, body=body)
    with pytest.raises(ValidationError) as info:
        provider.users.invite("new@example.com", "Admin")
    err = info.value
    assert err.status == 422
    assert err.fields == body["errors"]
    for field in ("role", "templates", "permissions.0"):
        assert field in err.message
    assert "#MS42224" in err.message


def test_emulator_rejects_a_nameless_update_with_laravel_message(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    cred = provider.create_credential("app")
    resp = provider.http.session.put(
        f"{emulator.base_url}/domains/{cred.scope}/smtp-users/{cred.id}", json={"enabled": False}
    )
    assert resp.status_code == 422
    assert resp.json() == {
        "message": "The name field is required.",
        "errors": {"name": ["The name field is required."]},
    }


def test_429_with_retry_after_is_retried_for_reads(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(
        method="GET",
        status=429,
        headers={"Retry-After": "0"},
        body={"message": "Your account reached its rate limit of 60 requests/min. #MS42903"},
    )
    assert list(provider.list_credentials()) == []
    assert emulator.count("GET") == 2


def test_429_on_create_is_not_resent_and_carries_the_wait(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(
        method="POST",
        status=429,
        headers={"Retry-After": "7"},
        body={
            "message": "Your account reached its rate limit of 60 requests/min. "
            "Please wait before trying again. #MS42903"
        },
    )
    with pytest.raises(RateLimited, match="#MS42903") as info:
        provider.create_credential("app")
    assert info.value.retry_after == 7
    assert info.value.code == "MS42903"
    assert emulator.count("POST") == 1


def test_wait_is_read_from_x_ratelimit_reset_without_retry_after(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(
        method="POST", status=429, headers={"x-ratelimit-reset": "42"}, body={"message": "Too Many Attempts."}
    )
    with pytest.raises(RateLimited) as info:
        provider.create_credential("app")
    assert info.value.retry_after == 42


def test_long_wait_is_not_slept_but_reported(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="GET", status=429, headers={"Retry-After": "120"}, times=None)
    with pytest.raises(RateLimited) as info:
        list(provider.list_credentials())
    assert info.value.retry_after == 120
    assert emulator.count() == 1


def test_emulator_rate_limit_answers_429_with_ms42903(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    emulator.rate_limit_per_minute = 2
    p = make_provider(emulator)
    p.create_credential("one")
    p.create_credential("two")
    with pytest.raises(RateLimited, match=r"rate limit of 2 requests/min.*#MS42903") as info:
        p.create_credential("three")
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 60


def test_daily_quota_is_reported_as_such_and_not_retried(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    """The quota resets at 00:00 UTC; a retry could only add to the count.

    reference: docs/reference/mailersend.md §7"""
    start = datetime.now(timezone.utc)
    emulator.clock = lambda: start
    emulator.daily_quota = 1
    p = make_provider(emulator)
    assert list(p.list_credentials()) == []
    with pytest.raises(RateLimited, match="daily API quota is used up; it resets at 00:00 UTC") as info:
        list(p.list_credentials())
    assert info.value.code == "MS42901"
    assert emulator.count() == 2, "the quota 429 must not be retried"
    midnight = (start + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    until_reset = (midnight - start).total_seconds()
    assert info.value.retry_after is not None
    assert until_reset - 60 < info.value.retry_after <= until_reset, "the wait comes from x-apiquota-reset"


def test_daily_quota_is_not_retried_even_with_a_short_retry_after(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(
        method="GET",
        status=429,
        times=None,
        headers={"Retry-After": "0", "x-apiquota-remaining": "0"},
        body={"message": "Your account reached its API daily quota limit. #MS42901"},
    )
    with pytest.raises(RateLimited, match="daily API quota is used up") as info:
        provider.users.list()
    assert info.value.code == "MS42901"
    assert emulator.count() == 1


def test_per_minute_429_with_quota_left_is_still_retried(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(
        method="GET",
        status=429,
        headers={"Retry-After": "0", "x-apiquota-remaining": "99"},
        body={"message": "Your account reached its rate limit of 60 requests/min. #MS42903"},
    )
    assert provider.users.list().items
    assert emulator.count("GET") == 2


def test_html_502_is_a_provider_error_with_the_status(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="POST", status=502, body="<html><body>Bad Gateway</body></html>")
    with pytest.raises(ProviderError, match=r"unexpected HTML response.*HTTP 502") as info:
        provider.create_credential("app")
    assert info.value.status == 502
    assert emulator.count("POST") == 1


def test_transient_5xx_on_a_read_is_retried(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="GET", status=503)
    assert list(provider.list_credentials()) == []
    assert emulator.count("GET") == 2


def test_500_is_a_provider_error_with_the_message(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="GET", status=500, body={"message": "Server Error"})
    with pytest.raises(ProviderError, match=r"Server Error \(HTTP 500\)"):
        provider.users.list()


def test_wrong_shaped_success_is_a_provider_error(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="GET", status=200, body={"data": {"not": "a list"}})
    with pytest.raises(ProviderError, match="unexpected response"):
        list(provider.list_credentials())


def test_invite_missing_required_keys_is_a_provider_error(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.faults.inject(method="POST", status=201, body={"data": {"id": "x"}})
    with pytest.raises(ProviderError, match="unexpected invite"):
        provider.users.invite("new@example.com", "Admin")
