"""The SendGrid profile: regions, base_url with /v3 (as every provider but Mailgun), the key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from smtpcreds_sendgrid.profile import REGION_URLS, SendGridProfile


@pytest.mark.parametrize(("region", "url"), sorted(REGION_URLS.items()))
def test_region_picks_the_api_root(region: str, url: str) -> None:
    assert SendGridProfile(region=region).api_root == url


def test_base_url_wins_and_keeps_its_version() -> None:
    assert SendGridProfile(base_url="https://proxy.example.com/sendgrid/v3/").api_root == \
        "https://proxy.example.com/sendgrid/v3"


def test_a_region_contradicting_a_sendgrid_base_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="contradicts"):
        SendGridProfile(region="global", base_url="https://api.eu.sendgrid.com/v3")


def test_an_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="'global' or 'eu'"):
        SendGridProfile(region="us")


def test_api_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtpcreds

    monkeypatch.setenv("SMTPCREDS_PROFILES__SG__PROVIDER", "sendgrid")
    monkeypatch.setenv("SMTPCREDS_PROFILES__SG__API_KEY", "SG.from.env")
    with smtpcreds.connect("sg") as conn:
        assert conn.provider.ctx.resolve_secret("api_key") == "SG.from.env"
        assert "SG.from.env" not in repr(conn.profile)
