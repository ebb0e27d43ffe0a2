"""The SMTP2GO profile: regions, base_url, the API key as a secret, the default subaccount."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.profile import Smtp2goProfile
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds.testing.support import provider_for

from .conftest import USER, make_provider, sent


@pytest.mark.parametrize(("region", "url"), [
    ("global", "https://api.smtp2go.com/v3"),
    ("us", "https://us-api.smtp2go.com/v3"),
    ("eu", "https://eu-api.smtp2go.com/v3"),
    ("au", "https://au-api.smtp2go.com/v3"),
])
def test_region_chooses_the_api_root(region: str, url: str) -> None:
    assert Smtp2goProfile(region=region).api_root == url


@pytest.mark.parametrize(("region", "url"), [
    ("global", "https://api.smtp2go.com/v3"),
    ("us", "https://us-api.smtp2go.com/v3"),
    ("eu", "https://eu-api.smtp2go.com/v3"),
    ("au", "https://au-api.smtp2go.com/v3"),
])
def test_the_provider_sends_to_its_regions_api_root(region: str, url: str) -> None:
    p = provider_for({"provider": "smtp2go", "region": region, "api_key": "api-FAKE0000000000000000000000000"})
    assert isinstance(p, Smtp2goProvider)
    assert p.api.http.url("/users/smtp/view") == f"{url}/users/smtp/view"  # built, nothing sent
    p.close()


def test_region_defaults_to_global() -> None:
    assert Smtp2goProfile().api_root == "https://api.smtp2go.com/v3"


def test_unknown_region_is_rejected() -> None:
    with pytest.raises(PydanticValidationError, match="global"):
        Smtp2goProfile(region="asia")


def test_base_url_wins_over_region() -> None:
    p = Smtp2goProfile(region="eu", base_url="https://smtp2go-proxy.example.com/v3")
    assert p.api_root == "https://smtp2go-proxy.example.com/v3"


def test_base_url_on_the_same_regions_host_is_fine() -> None:
    assert Smtp2goProfile(region="eu", base_url="https://eu-api.smtp2go.com/v3").api_root.startswith(
        "https://eu-api")


def test_base_url_on_another_regions_host_contradicts_region() -> None:
    with pytest.raises(PydanticValidationError, match="contradicts"):
        Smtp2goProfile(region="eu", base_url="https://us-api.smtp2go.com/v3")


def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(PydanticValidationError, match="plain http"):
        Smtp2goProfile(base_url="http://api.smtp2go.com/v3")


def test_api_key_is_a_masked_secret_resolvable_from_the_keyring() -> None:
    p = Smtp2goProfile(api_key="api-FAKE0000000000000000000000000")
    assert "api-FAKE" not in repr(p) and "api-FAKE" not in str(p)
    assert Smtp2goProfile.secret_fields == ("api_key",)


def test_subaccount_is_the_default_scope() -> None:
    assert Smtp2goProfile(subaccount_id="sub-1").default_scope == "sub-1"
    assert Smtp2goProfile().default_scope is None


def test_every_field_is_documented() -> None:
    for name, field in Smtp2goProfile.model_fields.items():
        assert name == "provider" or field.description, name


def test_api_key_goes_in_the_smtp2go_header(emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER)
    make_provider(emulator).get_credential(USER)
    [request] = emulator.requests
    assert request.headers["x-smtp2go-api-key"] == "api-EMULATOR00000000000000000000000"
    assert request.headers["content-type"] == "application/json"
    assert sent(emulator) == [{"username": USER}]
