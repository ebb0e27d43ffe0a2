"""The Mailgun profile: regions, the bare base_url (the exception to "version included") and the key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from smtpcreds_mailgun.profile import REGION_ROOTS, SMTP_HOSTS, MailgunProfile
from smtpcreds_mailgun.provider import MailgunProvider

from smtpcreds.testing.support import provider_for


@pytest.mark.parametrize("region", ["us", "eu"])
def test_region_picks_api_root_with_v3_and_smtp_host(region: str) -> None:
    p = MailgunProfile(region=region)
    assert p.api_root == f"{REGION_ROOTS[region]}/v3"
    provider = provider_for(p)
    assert isinstance(provider, MailgunProvider)
    assert provider.smtp_endpoint() == (SMTP_HOSTS[region], 587, "starttls")


def test_base_url_is_the_bare_root_and_v3_is_added() -> None:
    assert MailgunProfile(base_url="https://proxy.example.com/mailgun/").api_root == \
        "https://proxy.example.com/mailgun/v3"


@pytest.mark.parametrize("url", ["https://api.mailgun.net/v3", "https://api.mailgun.net/v4/", "https://p.example/x/v1"])
def test_a_versioned_base_url_is_refused_with_the_reason(url: str) -> None:
    with pytest.raises(ValidationError, match="bare API root"):
        MailgunProfile(base_url=url)


def test_a_region_contradicting_a_mailgun_base_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="contradicts"):
        MailgunProfile(region="us", base_url="https://api.eu.mailgun.net")


def test_api_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import smtpcreds

    monkeypatch.setenv("SMTPCREDS_PROFILES__MG__PROVIDER", "mailgun")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MG__DOMAIN", "mg.example.com")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MG__API_KEY", "key-from-env")
    with smtpcreds.connect("mg") as conn:
        assert conn.provider.ctx.resolve_secret("api_key") == "key-from-env"
        assert "key-from-env" not in repr(conn.profile)
