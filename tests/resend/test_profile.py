"""The Resend profile: the bare API root, the optional sending domain, the managing key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from smtpcreds_resend.profile import API_ROOT, ResendProfile


def test_the_default_api_root_is_the_bare_resend_root() -> None:
    assert ResendProfile().api_root == API_ROOT == "https://api.resend.com"


def test_base_url_is_used_as_given_without_a_prefix() -> None:
    assert ResendProfile(base_url="https://proxy.example.com/resend/").api_root == "https://proxy.example.com/resend"


def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(ValidationError, match="plain http"):
        ResendProfile(base_url="http://api.resend.com")
    assert ResendProfile(base_url="http://127.0.0.1:8080").api_root == "http://127.0.0.1:8080"


def test_domain_id_is_optional_but_not_empty() -> None:
    assert ResendProfile().domain_id is None
    with pytest.raises(ValidationError):
        ResendProfile(domain_id="")


def test_api_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtpcreds

    monkeypatch.setenv("SMTPCREDS_PROFILES__RS__PROVIDER", "resend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__RS__API_KEY", "re_from_env_0000000000000000000000")
    with smtpcreds.connect("rs") as conn:
        assert conn.provider.ctx.resolve_secret("api_key") == "re_from_env_0000000000000000000000"
        assert "re_from_env" not in repr(conn.profile)


def test_api_key_comes_from_the_store_when_not_configured(run_cli: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import smtpcreds

    monkeypatch.setenv("SMTPCREDS_PROFILES__RS__PROVIDER", "resend")
    r = run_cli("auth", "set", "rs", stdin="re_from_store_000000000000000000\n")  # type: ignore[operator]
    assert r.code == 0, r
    with smtpcreds.connect("rs") as conn:
        assert conn.provider.ctx.resolve_secret("api_key") == "re_from_store_000000000000000000"
