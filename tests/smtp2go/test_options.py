"""Every per-user setting: a valid value reaches the wire exactly as SMTP2GO names it, an
invalid one is refused locally, naming the field and the rule, with no request sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.options import PERIOD_HELP, Smtp2goOptions, check_period
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds.errors import ValidationError

from .conftest import STRONG, USER, make_connection, make_provider, sent

HTML = '<p><a href="%%UNSUBSCRIBE%%">Unsubscribe</a> %%EMAIL%%</p>'

VALID: list[tuple[str, dict[str, Any]]] = [
    ("description", {"description": "billing app"}),
    ("custom_ratelimit", {"custom_ratelimit": True}),
    ("custom_ratelimit_value", {"custom_ratelimit": True, "custom_ratelimit_value": 500}),
    ("custom_ratelimit_value min", {"custom_ratelimit": True, "custom_ratelimit_value": 1}),
    ("custom_ratelimit_value max", {"custom_ratelimit": True, "custom_ratelimit_value": 2147483647}),
    ("custom_ratelimit_period", {"custom_ratelimit": True, "custom_ratelimit_period": "2 days"}),
    ("period add/PATCH syntax", {"custom_ratelimit": True, "custom_ratelimit_period": "4 months 5:00:00"}),
    ("period POST-edit syntax", {"custom_ratelimit": True, "custom_ratelimit_period": "1 week,12:00:00"}),
    ("period bare time", {"custom_ratelimit": True, "custom_ratelimit_period": "0:30:00"}),
    ("ip_pool", {"ip_pool": 1234}),
    ("feedback_enabled", {"feedback_enabled": True}),
    ("feedback_html", {"feedback_html": HTML}),
    ("feedback_text", {"feedback_text": "Unsubscribe: %%UNSUBSCRIBE%% (%%EMAIL%%)"}),
    ("open_tracking_enabled", {"open_tracking_enabled": True}),
    ("click_tracking_enabled", {"click_tracking_enabled": False}),
    ("archive_enabled", {"archive_enabled": True}),
    ("audit_email", {"audit_email": "audit@example.com"}),
    ("bounce_notifications from", {"bounce_notifications": "from"}),
    ("bounce_notifications drop", {"bounce_notifications": "drop"}),
    ("bounce_notifications email", {"bounce_notifications": "bounces@example.com"}),
    ("status allowed", {"status": "allowed"}),
    ("status blocked", {"status": "blocked"}),
    ("status sandbox", {"status": "sandbox"}),
    ("email_password", {"email_password": STRONG}),
]


#: The settings the plugin takes as options (a password is the core's to set, see test_passwords.py).
SETTINGS = [(case, options) for case, options in VALID if "email_password" not in options]


@pytest.mark.parametrize(("case", "options"), VALID, ids=[c for c, _ in VALID])
def test_valid_setting_reaches_the_patch_exactly(seeded: Smtp2goEmulator, case: str,
                                                 options: dict[str, Any]) -> None:
    with make_connection(seeded) as core:  # (email_password goes through the core's set_password)
        core.credentials.update(USER, **options)
    assert sent(seeded, "PATCH", "/users/smtp/edit") == [{"username": USER, **options}]


@pytest.mark.parametrize(("case", "options"), VALID, ids=[c for c, _ in VALID])
def test_valid_setting_reaches_the_add_exactly(emulator: Smtp2goEmulator, case: str,
                                               options: dict[str, Any]) -> None:
    with make_connection(emulator) as core:
        core.credentials.create(USER, **options)
    [body] = sent(emulator, "POST", "/users/smtp/add")
    generated = {} if "email_password" in options else {"email_password": body.get("email_password")}
    assert body == {"username": USER, **options, **generated}


@pytest.mark.parametrize(("case", "options"), SETTINGS, ids=[c for c, _ in SETTINGS])
def test_valid_setting_reaches_the_full_post_edit_exactly(provider: Smtp2goProvider, seeded: Smtp2goEmulator,
                                                          case: str, options: dict[str, Any]) -> None:
    provider.update_credential(USER, options={"replace_all": True, **options})
    assert sent(seeded, "POST", "/users/smtp/edit") == [{"username": USER, **options}]
    assert seeded.count("PATCH") == 0


def test_subaccount_id_reaches_the_wire(emulator: Smtp2goEmulator) -> None:
    emulator.add_subaccount("sub-1")
    emulator.add_user(USER, subaccount_id="sub-1")
    make_provider(emulator).update_credential(USER, options={"subaccount_id": "sub-1", "description": "x"})
    assert sent(emulator, "PATCH") == [{"username": USER, "description": "x", "subaccount_id": "sub-1"}]


def test_string_values_from_the_command_line_are_sent_typed(provider: Smtp2goProvider,
                                                            seeded: Smtp2goEmulator) -> None:
    provider.update_credential(USER, options={"custom_ratelimit": "true", "custom_ratelimit_value": "500",
                                              "ip_pool": "7", "archive_enabled": "false"})
    assert sent(seeded, "PATCH") == [{"username": USER, "custom_ratelimit": True,
                                      "custom_ratelimit_value": 500, "ip_pool": 7, "archive_enabled": False}]


def test_email_password_option_is_a_secret_in_reprs() -> None:
    assert STRONG not in repr(Smtp2goOptions(email_password=SecretStr(STRONG)))


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("description not text", {"description": 5}, "description", "string"),
    ("custom_ratelimit not bool", {"custom_ratelimit": "maybe"}, "custom_ratelimit", "boolean"),
    ("ratelimit value 0", {"custom_ratelimit": True, "custom_ratelimit_value": 0},
     "custom_ratelimit_value", "greater than or equal to 1"),
    ("ratelimit value too big", {"custom_ratelimit": True, "custom_ratelimit_value": 2147483648},
     "custom_ratelimit_value", "less than or equal to 2147483647"),
    ("ratelimit value bool", {"custom_ratelimit": True, "custom_ratelimit_value": True},
     "custom_ratelimit_value", "not a boolean"),
    ("ratelimit value text", {"custom_ratelimit": True, "custom_ratelimit_value": "ten"},
     "custom_ratelimit_value", "integer"),
    ("period unit", {"custom_ratelimit": True, "custom_ratelimit_period": "1 fortnight"},
     "custom_ratelimit_period", "is not a period"),
    ("ip_pool text", {"ip_pool": "pool-a"}, "ip_pool", "integer"),
    ("ip_pool bool", {"ip_pool": True}, "ip_pool", "not a boolean"),
    ("ip_pool negative", {"ip_pool": -1}, "ip_pool", "greater than or equal to 0"),
    ("feedback_enabled", {"feedback_enabled": "perhaps"}, "feedback_enabled", "boolean"),
    ("feedback_html", {"feedback_html": 42}, "feedback_html", "string"),
    ("feedback_text", {"feedback_text": ["x"]}, "feedback_text", "string"),
    ("open_tracking_enabled", {"open_tracking_enabled": "sometimes"}, "open_tracking_enabled", "boolean"),
    ("click_tracking_enabled", {"click_tracking_enabled": "often"}, "click_tracking_enabled", "boolean"),
    ("archive_enabled", {"archive_enabled": "later"}, "archive_enabled", "boolean"),
    ("audit_email", {"audit_email": "not-an-email"}, "audit_email", "must be an email address"),
    ("bounce_notifications", {"bounce_notifications": "bounce"}, "bounce_notifications",
     "'from', 'drop' or an email address"),
    ("status", {"status": "disabled"}, "status", "'allowed', 'blocked' or 'sandbox'"),
    ("email_password", {"email_password": "password1"}, "email_password", "entropy"),
    ("subaccount_id empty", {"subaccount_id": ""}, "subaccount_id", "at least 1 character"),
    ("feedback_domain not a domain", {"feedback_domain": "not a domain"}, "feedback_domain",
     "must be 'default' or a domain name"),
    ("feedback_domain empty", {"feedback_domain": ""}, "feedback_domain", "must be 'default' or a domain name"),
    ("feedback_domain not text", {"feedback_domain": 7}, "feedback_domain", "string"),
    ("period time only minutes", {"custom_ratelimit": True, "custom_ratelimit_period": "30 minutes"},
     "custom_ratelimit_period", "'4 months 5:00:00'"),
    ("audit_email two addresses", {"audit_email": "a@example.com,b@example.com"}, "audit_email",
     "must be an email address"),
    ("unknown option", {"colour": "blue"}, "colour", "unknown option"),
    ("ratelimit value alone", {"custom_ratelimit_value": 5}, "custom_ratelimit_value",
     "needs custom_ratelimit=true"),
    ("ratelimit period alone", {"custom_ratelimit_period": "1 day"}, "custom_ratelimit_period",
     "needs custom_ratelimit=true"),
    ("ratelimit off with value", {"custom_ratelimit": False, "custom_ratelimit_value": 5},
     "custom_ratelimit_value", "needs custom_ratelimit=true"),
]


@pytest.mark.parametrize(("case", "options", "field", "rule"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_setting_is_refused_before_sending(provider: Smtp2goProvider, seeded: Smtp2goEmulator,
                                                   case: str, options: dict[str, Any], field: str,
                                                   rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        provider.update_credential(USER, options=options)
    assert field in exc.value.fields
    assert rule in " ".join(exc.value.fields[field])
    assert field in exc.value.message
    assert seeded.count() == 0


@pytest.mark.parametrize(("case", "options", "field", "rule"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_setting_is_refused_before_creating(provider: Smtp2goProvider, emulator: Smtp2goEmulator,
                                                    case: str, options: dict[str, Any], field: str,
                                                    rule: str) -> None:
    with pytest.raises(ValidationError) as exc, make_connection(emulator) as core:
        core.credentials.create(USER, **options)
    assert field in exc.value.fields
    assert emulator.count() == 0


def test_weak_password_message_gives_the_reason_without_the_password(provider: Smtp2goProvider,
                                                                     seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError) as exc, make_connection(seeded) as core:
        core.credentials.update(USER, email_password="Summer2024")
    assert "at least 64" in exc.value.message
    assert "Summer2024" not in exc.value.message


@pytest.mark.parametrize("period", [
    "1 hour", "2 hours", "1 day", "2 days", "1 week", "3 weeks", "1 month", "3 months",
    "4 months 5:00:00", "2 months,3:00:00", "1 day 00:30:00", "0:30:00", "12:00:00",
])
def test_both_documented_period_syntaxes_are_accepted(period: str) -> None:
    assert check_period(period) == period


@pytest.mark.parametrize("period", [
    "day", "1day", "1 fortnight", "1 days;3:00:00", "0 days", "0:00:00", "2 days 25:00:00", "1:5:00",
    "1 day 3:00", "-1 day", " 1 day", "1 day ",
])
def test_other_periods_are_rejected_with_an_example_of_each_syntax(period: str) -> None:
    with pytest.raises(ValueError) as exc:
        check_period(period)
    assert PERIOD_HELP in str(exc.value)
    assert "'4 months 5:00:00'" in PERIOD_HELP and "'1 week,12:00:00'" in PERIOD_HELP
    assert "'0:30:00'" in PERIOD_HELP


def test_feedback_domain_is_sent_on_add_with_a_deprecation_warning(
        provider: Smtp2goProvider, emulator: Smtp2goEmulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="smtpcreds.smtp2go"):
        provider.create_credential(USER, password=SecretStr(STRONG), options={"feedback_domain": "default"})
    assert sent(emulator, "POST", "/users/smtp/add") == [
        {"username": USER, "feedback_domain": "default", "email_password": STRONG}]
    assert "deprecated" in caplog.text


def test_feedback_domain_may_name_a_domain(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    provider.update_credential(USER, options={"replace_all": True, "feedback_domain": "fb.example.com"})
    assert sent(seeded, "POST", "/users/smtp/edit") == [{"username": USER, "feedback_domain": "fb.example.com"}]


def test_feedback_domain_is_sent_on_a_full_edit_with_a_deprecation_warning(
        provider: Smtp2goProvider, seeded: Smtp2goEmulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="smtpcreds.smtp2go"):
        provider.update_credential(USER, options={"replace_all": True, "feedback_domain": "default"})
    assert sent(seeded, "POST", "/users/smtp/edit") == [{"username": USER, "feedback_domain": "default"}]
    assert "feedback_domain is deprecated" in caplog.text


def test_feedback_domain_is_refused_for_a_patch(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="replace_all=true") as exc:
        provider.update_credential(USER, options={"feedback_domain": "default"})
    assert "PATCH" in exc.value.fields["feedback_domain"][0]
    assert seeded.count() == 0


def test_replace_all_is_refused_on_create(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="replace_all"):
        provider.create_credential(USER, password=SecretStr(STRONG), options={"replace_all": True})
    assert emulator.count() == 0


def test_password_option_given_to_the_plugin_directly_is_refused(provider: Smtp2goProvider,
                                                                 emulator: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="through the core") as exc:
        provider.create_credential(USER, password=SecretStr(STRONG), options={"email_password": STRONG})
    assert "store" in exc.value.fields["email_password"][0]
    assert emulator.count() == 0
