"""The Mailtrap profile: bare root plus the account path, the required ids, the deliberate expiry."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError
from smtpcreds_mailtrap.profile import API_ROOT, MailtrapProfile

IDS: dict[str, Any] = {"account_id": 1111111, "domain_id": 4242}


def test_the_account_root_is_the_bare_root_plus_the_account_path() -> None:
    assert MailtrapProfile(**IDS).account_root == f"{API_ROOT}/api/accounts/1111111" == \
        "https://mailtrap.io/api/accounts/1111111"
    assert MailtrapProfile(**IDS, base_url="http://127.0.0.1:9/").account_root == \
        "http://127.0.0.1:9/api/accounts/1111111"


def test_a_base_url_ending_in_api_is_refused_with_the_bare_root_named() -> None:
    with pytest.raises(ValidationError, match="give the bare root"):
        MailtrapProfile(**IDS, base_url="https://mailtrap.io/api")


@pytest.mark.parametrize("missing", ["account_id", "domain_id"])
def test_the_account_and_the_domain_are_required(missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        MailtrapProfile(**{k: v for k, v in IDS.items() if k != missing})


def test_tokens_never_expire_unless_a_lifetime_is_chosen() -> None:
    assert MailtrapProfile(**IDS).expires_at() is None
    now = datetime(2026, 1, 31, 12, 0, 5, tzinfo=timezone.utc)
    assert MailtrapProfile(**IDS, token_lifetime_days=30).expires_at(now) == "2026-03-02T12:00:05Z"


@pytest.mark.parametrize("value", [0, 1826, "forever", -1])
def test_a_lifetime_outside_1_to_1825_days_or_never_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="token_lifetime_days"):
        MailtrapProfile(**IDS, token_lifetime_days=value)


def test_lifetime_and_ids_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtpcreds

    for field, value in {"PROVIDER": "mailtrap", "API_TOKEN": "a" * 32, "ACCOUNT_ID": "1111111",
                         "DOMAIN_ID": "4242", "TOKEN_LIFETIME_DAYS": "400"}.items():
        monkeypatch.setenv(f"SMTPCREDS_PROFILES__MT__{field}", value)
    with smtpcreds.connect("mt") as conn:
        assert isinstance(conn.profile, MailtrapProfile)
        assert (conn.profile.account_id, conn.profile.domain_id, conn.profile.token_lifetime_days) == \
            (1111111, 4242, 400)
        assert conn.provider.ctx.resolve_secret("api_token") == "a" * 32
        assert "a" * 32 not in repr(conn.profile)
    monkeypatch.setenv("SMTPCREDS_PROFILES__MT__TOKEN_LIFETIME_DAYS", "never")
    with smtpcreds.connect("mt") as conn:
        assert isinstance(conn.profile, MailtrapProfile) and conn.profile.token_lifetime_days == "never"
