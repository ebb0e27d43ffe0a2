"""Every local rule: a ValidationError naming the field and the rule, and nothing sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from smtpcreds_mailersend.emulator import MailerSendEmulator
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.errors import ValidationError


def rejected(emu: MailerSendEmulator, call: Callable[[], Any]) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        result = call()
        if hasattr(result, "__next__"):
            next(result)
    assert emu.count() == 0, "a request was sent despite invalid input"
    return info.value


def test_invite_role_must_be_one_of_the_five(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    err = rejected(emulator, lambda: provider.users.invite("new@example.com", "Wizard"))
    assert "role" in err.fields
    assert "must be one of Admin, Manager, Designer, Accountant, Custom User" in err.message


def test_invite_role_is_accepted_in_any_case_and_sent_exactly(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    provider.users.invite("new@example.com", "cUsToM uSeR", permissions=["read-activity"])
    assert emulator.requests[-1].json()["role"] == "Custom User"


def test_custom_user_requires_permissions(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    err = rejected(emulator, lambda: provider.users.invite("new@example.com", "Custom User"))
    assert err.fields == {"permissions": ["are required when the role is Custom User (at least one)"]}
    assert "permissions: are required when the role is Custom User" in err.message


def test_other_roles_need_no_permissions(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    invite = provider.users.invite("new@example.com", "Manager")
    assert invite.role == "Manager"


def test_permissions_must_be_known_slugs(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    err = rejected(
        emulator,
        lambda: provider.users.invite(
            "new@example.com", "Custom User", permissions=["read-activity", "fly-rockets"]
        ),
    )
    assert list(err.fields) == ["permissions.1"]
    assert "unknown permission 'fly-rockets'" in err.message


def test_templates_require_a_template_permission(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    err = rejected(
        emulator,
        lambda: provider.users.invite(
            "new@example.com", "Custom User", permissions=["read-activity"], templates=["n3k6d1jreo50x4ve"]
        ),
    )
    assert err.fields == {"templates": ["require the read-own-templates or read-all-templates permission"]}
    assert "templates: require the read-own-templates or read-all-templates permission" in err.message


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", ""])
def test_invite_email_must_be_valid(
    provider: MailerSendProvider, emulator: MailerSendEmulator, email: str
) -> None:
    err = rejected(emulator, lambda: provider.users.invite(email, "Admin"))
    expected = "is required" if not email else "is not a valid email address"
    assert err.fields["email"][0].startswith(expected)
    assert f"email: {expected}" in err.message


def test_invite_email_is_at_most_191_characters(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    email = "a" * 64 + "@" + "b" * 60 + "." + "c" * 54 + ".example.com"
    assert len(email) == 192
    err = rejected(emulator, lambda: provider.users.invite(email, "Admin"))
    assert err.fields == {"email": ["must be at most 191 characters (got 192)"]}
    assert "email: must be at most 191 characters (got 192)" in err.message


def test_invite_email_of_191_characters_is_sent(provider: MailerSendProvider) -> None:
    email = "a" * 64 + "@" + "b" * 60 + "." + "c" * 53 + ".example.com"
    assert provider.users.invite(email, "Admin").email == email


def test_every_broken_rule_is_reported_at_once(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    err = rejected(emulator, lambda: provider.users.invite("nope", "Wizard", permissions=["x"]))
    assert set(err.fields) == {"email", "role", "permissions.0"}
    for field in ("email:", "role:", "permissions.0:"):
        assert field in err.message


def test_update_checks_given_fields_before_reading_the_user(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    err = rejected(emulator, lambda: provider.users.update("83gwk2j7zqz1nxyd", permissions=["bogus"]))
    assert "permissions.0: unknown permission 'bogus'" in err.message
    err = rejected(emulator, lambda: provider.users.update("83gwk2j7zqz1nxyd", role="wizard"))
    assert "role: must be one of Admin, Manager, Designer, Accountant, Custom User" in err.message


def test_update_custom_user_with_empty_permissions_is_refused(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    err = rejected(
        emulator,
        lambda: provider.users.update(
            "83gwk2j7zqz1nxyd", role="custom user", permissions=[], templates=[], domains=[]
        ),
    )
    assert "permissions: are required when the role is Custom User" in err.message


@pytest.mark.parametrize("limit", [9, 101, 0])
def test_list_limit_is_10_to_100(
    provider: MailerSendProvider, emulator: MailerSendEmulator, limit: int
) -> None:
    message = f"limit: must be between 10 and 100 (got {limit})"
    for call in (
        lambda: provider.users.list(limit=limit),
        lambda: provider.invites.list(limit=limit),
        lambda: provider.list_credentials(limit=limit),
    ):
        err = rejected(emulator, call)
        assert err.fields == {"limit": [f"must be between 10 and 100 (got {limit})"]}
        assert message in err.message


def test_list_page_is_at_least_1(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    for call in (
        lambda: provider.invites.list(page=0),
        lambda: provider.users.list(page=0),
        lambda: provider.list_credentials(page=0),
    ):
        err = rejected(emulator, call)
        assert err.fields == {"page": ["must be at least 1 (got 0)"]}
        assert "page: must be at least 1 (got 0)" in err.message


def test_smtp_user_name_is_at_most_50_characters(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    for call in (
        lambda: provider.create_credential("x" * 51),
        lambda: provider.update_credential("0wkg2zj19ovx5py7", name="x" * 51),
    ):
        err = rejected(emulator, call)
        assert err.fields == {"name": ["must be at most 50 characters (got 51)"]}
        assert "name: must be at most 50 characters (got 51)" in err.message


@pytest.mark.parametrize("name", ["", "   "])
def test_smtp_user_name_is_required(
    provider: MailerSendProvider, emulator: MailerSendEmulator, name: str
) -> None:
    err = rejected(emulator, lambda: provider.create_credential(name))
    assert err.fields == {"name": ["is required (1 to 50 characters)"]}
    assert "name: is required (1 to 50 characters)" in err.message


def test_smtp_user_name_of_exactly_50_is_accepted(provider: MailerSendProvider) -> None:
    assert provider.create_credential("x" * 50).name == "x" * 50


def test_smtp_users_take_no_options(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    err = rejected(emulator, lambda: provider.create_credential("app", options={"colour": "red"}))
    assert err.fields == {"colour": ["is not a MailerSend SMTP user option"]}
    assert "unknown option(s) colour: SMTP users take only a name and enabled" in err.message


def test_empty_ids_are_refused(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    err = rejected(emulator, lambda: provider.users.get(" "))
    assert err.fields == {"user_id": ["is required"]}
    assert "user_id is required" in err.message
    err = rejected(emulator, lambda: provider.get_credential(""))
    assert "smtp_user_id is required" in err.message


def test_update_checks_templates_against_the_merged_permissions_before_writing(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    """Templates given, permissions kept: the rule needs the user's current permissions, so
    the user is read, and the update is refused before the PUT."""
    uid = emulator.add_user("c@example.com", "Custom User", permissions=["read-activity"])
    with pytest.raises(ValidationError) as info:
        provider.users.update(uid, templates=["n3k6d1jreo50x4ve"])
    assert "templates: require the read-own-templates or read-all-templates permission" in info.value.message
    assert [r.method for r in emulator.requests] == ["GET"]
