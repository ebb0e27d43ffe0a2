"""Neutral email settings ⇄ the engine's settings document (no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_webitel.mapping import coerce_options, merge, to_settings

from smtpcreds.errors import ValidationError
from smtpcreds.models import EmailSettings


def doc(**options: Any) -> dict[str, Any]:
    return {"_id": "574d241a821e7655f78a40f4", "provider": "smtp", "from": "pbx@example.com",
            "domain": "example.com", "options": options}


@pytest.mark.parametrize(("security", "secure"), [("ssl", True), ("starttls", False), ("none", False)])
def test_security_is_written_as_the_secure_boolean(security: Any, secure: bool) -> None:
    new = merge(None, EmailSettings(security=security), {})
    assert new["options"]["secure"] is secure


@pytest.mark.parametrize(("secure", "security"), [(True, "ssl"), (False, "starttls")])
def test_secure_reads_back_as_ssl_or_starttls(secure: bool, security: str) -> None:
    assert to_settings(doc(secure=secure), "example.com").security == security


def test_verify_tls_maps_to_tls_reject_unauthorized() -> None:
    new = merge(None, EmailSettings(verify_tls=False), {})
    assert new["options"]["tls"] == {"rejectUnauthorized": False}
    assert to_settings(doc(tls={"rejectUnauthorized": True}), None).verify_tls is True


def test_login_fields_map_to_options_auth_and_from() -> None:
    new = merge(None, EmailSettings(username="pbx@example.com", password=SecretStr("fake-smtp-pass"),
                                    from_address="noreply@example.com", description="PBX"), {})
    assert new == {"provider": "smtp", "from": "noreply@example.com", "description": "PBX",
                   "options": {"auth": {"user": "pbx@example.com", "pass": "fake-smtp-pass"}}}


def test_reading_a_document_gives_neutral_fields_and_a_secret_password() -> None:
    settings = to_settings(doc(host="smtp.example.com", port=587, secure=False,
                               auth={"user": "pbx@example.com", "pass": "fake-smtp-pass"}), None)
    assert (settings.host, settings.port, settings.username) == ("smtp.example.com", 587, "pbx@example.com")
    assert settings.password is not None and settings.password.get_secret_value() == "fake-smtp-pass"
    assert settings.from_address == "pbx@example.com" and settings.scope == "example.com"
    assert "fake-smtp-pass" not in repr(settings)


def test_unknown_fields_go_to_extra_but_never_a_secret() -> None:
    stored = doc(host="h", debug=True, pool=True,
                 auth={"user": "u", "pass": "fake-smtp-pass", "xoauth2": "fake-oauth-token"})
    stored["priority"] = 5
    extra = to_settings(stored, None).extra
    assert extra["options.debug"] is True and extra["options.pool"] is True and extra["priority"] == 5
    assert extra["_id"] == "574d241a821e7655f78a40f4" and extra["provider"] == "smtp"
    assert "fake-smtp-pass" not in repr(extra) and "fake-oauth-token" not in repr(extra)
    assert "options.auth.xoauth2" in extra


def test_a_port_stored_as_a_string_reads_as_a_number() -> None:
    assert to_settings(doc(port="465"), None).port == 465


def test_merge_keeps_what_was_not_changed_and_drops_server_fields() -> None:
    stored = doc(host="old.example.com", port=465, secure=True, debug=False, pool=True)
    stored["priority"] = 5
    new = merge(stored, EmailSettings(host="new.example.com"), {})
    assert "_id" not in new and "domain" not in new
    assert new["priority"] == 5
    assert new["options"] == {"host": "new.example.com", "port": 465, "secure": True, "debug": False,
                              "pool": True}


def test_command_line_strings_become_json_types() -> None:
    assert coerce_options({"tls.rejectUnauthorized": "false", "port": "2525", "debug": "true",
                           "name": "pbx"}) == {"tls.rejectUnauthorized": False, "port": 2525,
                                               "debug": True, "name": "pbx"}


def test_option_keys_may_carry_the_options_prefix_shown_in_extra() -> None:
    assert coerce_options({"options.debug": "true"}) == {"debug": True}


def test_dotted_options_merge_into_nested_objects() -> None:
    stored = doc(tls={"rejectUnauthorized": True, "ciphers": "HIGH"})
    new = merge(stored, EmailSettings(), coerce_options({"tls.rejectUnauthorized": "false"}))
    assert new["options"]["tls"] == {"rejectUnauthorized": False, "ciphers": "HIGH"}


def test_a_null_option_removes_the_key() -> None:
    new = merge(doc(debug=True, host="h"), EmailSettings(), coerce_options({"debug": "null"}))
    assert new["options"] == {"host": "h"}


@pytest.mark.parametrize(("options", "field"), [
    ({"port": "0"}, "options.port"),
    ({"port": "smtp"}, "options.port"),
    ({"secure": "yes"}, "options.secure"),
    ({"tls.rejectUnauthorized": 1}, "options.tls.rejectUnauthorized"),
    ({"tls..x": 1}, "options.tls..x"),
])
def test_badly_typed_options_are_refused_by_name(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        coerce_options(options)
    assert field in info.value.fields


def test_an_option_path_through_a_scalar_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"options\.tls holds a bool"):
        merge(doc(tls=False), EmailSettings(), coerce_options({"tls.rejectUnauthorized": "false"}))


def test_credentials_stored_in_the_document_are_masked_and_never_sent_back() -> None:
    stored = {**doc(host="h"), "access_token": "stale-fake-token", "x_key": "stale-fake-key"}
    extra = to_settings(stored, None).extra
    assert extra["access_token"] == extra["x_key"] == "**********"
    new = merge(stored, EmailSettings(port=587), {})
    assert "access_token" not in new and "x_key" not in new
