"""SMTP2GO SMTP users through the provider interface, against the emulator over HTTP."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds import redact
from smtpcreds.capabilities import METHODS, Capability
from smtpcreds.errors import NotFound, ValidationError
from smtpcreds.interfaces import implemented
from smtpcreds.plugins import plugins

from .conftest import STRONG, USER, make_connection, make_provider, sent


def test_plugin_registers_the_provider_by_entry_point() -> None:
    assert plugins().provider("smtp2go") is Smtp2goProvider


def test_declared_capabilities_are_exactly_the_implemented_methods() -> None:
    for cap, method in METHODS.items():
        if method is not None:
            assert (cap in Smtp2goProvider.capabilities) == implemented(Smtp2goProvider, method), cap
    assert Capability.MULTI_USER in Smtp2goProvider.capabilities


def test_list_returns_every_user_with_username_as_id(provider: Smtp2goProvider,
                                                    emulator: Smtp2goEmulator) -> None:
    emulator.add_user("first-user")
    emulator.add_user("second-user", status="blocked")
    creds = list(provider.list_credentials())
    assert [(c.id, c.username, c.name, c.enabled) for c in creds] == [
        ("first-user", "first-user", "first-user", True),
        ("second-user", "second-user", "second-user", False),
    ]
    assert sent(emulator, "POST", "/users/smtp/view") == [{}]


def test_list_slices_locally_by_limit_and_page(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    for n in range(5):
        emulator.add_user(f"user-{n}")
    assert [c.id for c in provider.list_credentials(limit=2, page=2)] == ["user-2", "user-3"]


def test_get_views_one_username(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    cred = provider.get_credential(USER)
    assert cred.id == USER
    assert sent(seeded, "POST", "/users/smtp/view") == [{"username": USER}]


def test_get_unknown_username_is_not_found(provider: Smtp2goProvider) -> None:
    with pytest.raises(NotFound, match="no-such-user"):
        provider.get_credential("no-such-user")


def test_credential_extra_holds_settings_but_never_the_password(provider: Smtp2goProvider,
                                                                seeded: Smtp2goEmulator) -> None:
    cred = provider.get_credential(USER)
    assert "email_password" not in cred.extra
    assert STRONG not in repr(cred) and STRONG not in str(cred.public_dict())
    assert cred.password is None
    assert cred.extra["bounce_notifications"] == "from"
    assert cred.extra["status"] == "allowed"
    assert cred.extra["default_ratelimit_period"] == "unlimited"


def test_passwords_seen_in_responses_are_registered_for_redaction(provider: Smtp2goProvider,
                                                                  emulator: Smtp2goEmulator) -> None:
    secret = emulator.add_user("other-user")
    provider.get_credential("other-user")
    assert redact.redact(f"x {secret} y") == "x *** y"


def test_credential_host_and_port_come_from_the_smtp_endpoint(emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER)
    p = make_provider(emulator, smtp_host="relay.example.test", smtp_port=2525)
    cred = p.get_credential(USER)
    assert (cred.host, cred.port) == ("relay.example.test", 2525)


def test_create_sends_name_as_username_and_the_core_password(provider: Smtp2goProvider,
                                                             emulator: Smtp2goEmulator) -> None:
    cred = provider.create_credential(USER, password=SecretStr(STRONG))
    assert sent(emulator, "POST", "/users/smtp/add") == [{"username": USER, "email_password": STRONG}]
    assert cred.id == USER and cred.password is not None
    assert cred.password.get_secret_value() == STRONG
    assert emulator.user(USER)["email_password"] == STRONG


def test_create_never_leaves_the_password_to_smtp2go(emulator: Smtp2goEmulator) -> None:
    with make_connection(emulator) as core:
        cred = core.credentials.create(USER)
    [body] = sent(emulator, "POST", "/users/smtp/add")
    assert set(body) == {"username", "email_password"}
    assert cred.password is not None and cred.password.get_secret_value() == body["email_password"]
    assert redact.redact(body["email_password"]) == "***"


def test_create_disabled_sends_status_blocked(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    cred = provider.create_credential(USER, enabled=False, password=SecretStr(STRONG))
    assert sent(emulator, "POST", "/users/smtp/add")[0]["status"] == "blocked"
    assert cred.enabled is False


@pytest.mark.parametrize("name", ["abcd", "x" * 101])
def test_create_rejects_usernames_outside_5_to_100_characters(provider: Smtp2goProvider,
                                                              emulator: Smtp2goEmulator, name: str) -> None:
    with pytest.raises(ValidationError, match="5 to 100") as exc:
        provider.create_credential(name, password=SecretStr(STRONG))
    assert "name" in exc.value.fields
    assert emulator.count() == 0


def test_create_rejects_a_weak_password_with_the_reason(provider: Smtp2goProvider,
                                                        emulator: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="entropy") as exc:
        provider.create_credential(USER, password=SecretStr("password"))
    assert "password" in exc.value.fields
    assert emulator.count() == 0


def test_create_of_an_existing_username_is_refused_by_smtp2go(provider: Smtp2goProvider,
                                                              seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="already in use") as exc:
        provider.create_credential(USER, password=SecretStr(STRONG))
    assert exc.value.status == 400
    assert "username" in exc.value.fields


def test_update_status_sandbox_sends_a_patch_with_only_username_and_status(
        provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    cred = provider.update_credential(USER, options={"status": "sandbox"})
    assert [(r.method, r.path, r.json()) for r in seeded.requests] == [
        ("PATCH", "/users/smtp/edit", {"username": USER, "status": "sandbox"})
    ]
    assert cred.extra["status"] == "sandbox" and cred.enabled is True


def test_update_disable_sends_status_blocked(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    cred = provider.update_credential(USER, enabled=False)
    assert sent(seeded, "PATCH") == [{"username": USER, "status": "blocked"}]
    assert cred.enabled is False


def test_update_enable_sends_status_allowed(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER, status="blocked")
    assert provider.update_credential(USER, enabled=True).enabled is True
    assert sent(emulator, "PATCH") == [{"username": USER, "status": "allowed"}]


def test_update_disabled_with_status_allowed_is_a_contradiction(provider: Smtp2goProvider,
                                                                seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="contradicts"):
        provider.update_credential(USER, enabled=False, options={"status": "allowed"})
    assert seeded.count() == 0


def test_update_keeps_settings_not_given(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER, description="billing", archive_enabled=True)
    provider.update_credential(USER, options={"open_tracking_enabled": True})
    user = emulator.user(USER)
    assert (user["description"], user["archive_enabled"], user["open_tracking_enabled"]) == (
        "billing", True, True)


def test_update_cannot_rename(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="cannot rename") as exc:
        provider.update_credential(USER, name="new-name")
    assert "name" in exc.value.fields
    assert seeded.count() == 0


def test_update_with_the_same_name_is_not_a_rename(provider: Smtp2goProvider,
                                                   seeded: Smtp2goEmulator) -> None:
    assert provider.update_credential(USER, name=USER, options={"description": "x"}).id == USER


def test_update_without_changes_only_reads(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    assert provider.update_credential(USER).id == USER
    assert seeded.count("PATCH") == 0 and seeded.count("POST", "/users/smtp/edit") == 0


def test_update_with_replace_all_posts_a_full_edit_and_warns(
        provider: Smtp2goProvider, emulator: Smtp2goEmulator, caplog: pytest.LogCaptureFixture) -> None:
    emulator.add_user(USER, description="billing", archive_enabled=True)
    with caplog.at_level(logging.WARNING, logger="smtpcreds.smtp2go"):
        provider.update_credential(USER, options={"replace_all": True, "archive_enabled": True})
    assert sent(emulator, "POST", "/users/smtp/edit") == [{"username": USER, "archive_enabled": True}]
    assert emulator.count("PATCH") == 0
    assert "reset to their defaults" in caplog.text
    assert emulator.user(USER)["description"] == ""  # omitted: reset


def test_replace_all_false_from_the_command_line_still_patches(provider: Smtp2goProvider,
                                                              seeded: Smtp2goEmulator) -> None:
    provider.update_credential(USER, options={"replace_all": "false", "description": "x"})
    assert sent(seeded, "PATCH") == [{"username": USER, "description": "x"}]
    assert seeded.count("POST", "/users/smtp/edit") == 0


def test_update_of_an_unknown_username_is_not_found(provider: Smtp2goProvider) -> None:
    with pytest.raises(NotFound):
        provider.update_credential("no-such-user", options={"status": "blocked"})


def test_set_password_patches_email_password(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    new = "Another-Fake-Passw0rd-42"
    provider.set_password(USER, SecretStr(new))
    assert sent(seeded) == [{"username": USER, "email_password": new}]
    assert seeded.requests[0].method == "PATCH"
    assert seeded.user(USER)["email_password"] == new


def test_set_password_rejects_low_entropy(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="64"):
        provider.set_password(USER, SecretStr("aaaaaaaaaaaaaaaaaaaaaaaaa"))
    assert seeded.count() == 0


def test_delete_removes_the_user(provider: Smtp2goProvider, seeded: Smtp2goEmulator) -> None:
    provider.delete_credential(USER)
    assert sent(seeded, "POST", "/users/smtp/remove") == [{"username": USER}]
    assert USER not in seeded.users


def test_delete_of_an_unknown_username_is_not_found(provider: Smtp2goProvider) -> None:
    with pytest.raises(NotFound):
        provider.delete_credential("no-such-user")


def test_predict_id_is_the_name(provider: Smtp2goProvider) -> None:
    assert provider.predict_id("billing-app") == "billing-app"


def test_scope_is_the_subaccount_sent_as_subaccount_id(emulator: Smtp2goEmulator) -> None:
    emulator.add_subaccount("sub-1")
    emulator.add_user("sub-user", subaccount_id="sub-1")
    emulator.add_user("main-user")
    p = make_provider(emulator, subaccount_id="sub-1")
    creds = list(p.list_credentials())
    assert [(c.id, c.scope) for c in creds] == [("sub-user", "sub-1")]
    assert sent(emulator) == [{"subaccount_id": "sub-1"}]


def test_subaccount_option_contradicting_the_scope_is_rejected(provider: Smtp2goProvider,
                                                               seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="subaccount_id"):
        provider.update_credential(USER, "sub-1", options={"subaccount_id": "sub-2", "status": "allowed"})
    assert seeded.count() == 0


def test_smtp_endpoint_defaults_to_smtp2go_submission(provider: Smtp2goProvider) -> None:
    assert provider.smtp_endpoint() == ("mail.smtp2go.com", 587, "starttls")


def test_smtp_endpoint_uses_profile_overrides(emulator: Smtp2goEmulator) -> None:
    p = make_provider(emulator, smtp_host="127.0.0.1", smtp_port=465)
    assert p.smtp_endpoint() == ("127.0.0.1", 465, "ssl")
    p = make_provider(emulator, smtp_host="127.0.0.1", smtp_port=2525, smtp_security="none")
    assert p.smtp_endpoint() == ("127.0.0.1", 2525, "none")


def test_replacement_names_alternate_between_name_and_its_clone(provider: Smtp2goProvider,
                                                                emulator: Smtp2goEmulator) -> None:
    emulator.add_user(USER)
    emulator.add_user(USER + "_clone")
    assert provider.replacement_name(provider.get_credential(USER)) == USER + "_clone"
    assert provider.replacement_name(provider.get_credential(USER + "_clone")) == USER


def test_clone_options_recreate_every_setting(provider: Smtp2goProvider, emulator: Smtp2goEmulator) -> None:
    settings: dict[str, Any] = {
                "description": "billing", "custom_ratelimit": True, "custom_ratelimit_value": 100,
                "custom_ratelimit_period": "1 day", "feedback_enabled": True, "feedback_html": "<p>x</p>",
                "feedback_text": "x", "open_tracking_enabled": True, "click_tracking_enabled": True,
                "archive_enabled": True, "audit_email": "audit@example.com",
                "bounce_notifications": "drop", "status": "sandbox"}
    emulator.add_user(USER, **settings, ippool=1234)
    options = provider.clone_options(provider.get_credential(USER))
    assert options == {**settings, "ip_pool": 1234}
    provider.create_credential(USER + "_clone", password=SecretStr(STRONG), options=options)
    clone, original = emulator.user(USER + "_clone"), emulator.user(USER)
    assert {k: clone[k] for k in settings} == {k: original[k] for k in settings}


def test_clone_options_leave_out_an_unused_rate_limit(provider: Smtp2goProvider,
                                                      seeded: Smtp2goEmulator) -> None:
    options = provider.clone_options(provider.get_credential(USER))
    assert not {"custom_ratelimit", "custom_ratelimit_value", "custom_ratelimit_period"} & set(options)
