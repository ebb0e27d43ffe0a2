"""Account users and invites: round trips against the emulator, both list shapes, status codes."""

from __future__ import annotations

import pytest
from smtpcreds_mailersend.emulator import DEFAULT_DOMAIN_ID as DOMAIN
from smtpcreds_mailersend.emulator import DEFAULT_TEMPLATE_ID, MailerSendEmulator
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.errors import NotFound


def test_invite_then_accept_then_list_users(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    invite = provider.users.invite(
        "designer@example.com",
        "custom user",
        permissions=["read-own-templates", "manage-template"],
        templates=[DEFAULT_TEMPLATE_ID],
        domains=[DOMAIN],
        requires_periodic_password_change=True,
    )
    assert (invite.email, invite.role) == ("designer@example.com", "Custom User")
    assert invite.data is not None and invite.data.templates == [DEFAULT_TEMPLATE_ID]
    assert invite.requires_periodic_password_change is True
    user_id = emulator.accept_invite(invite.id)
    user = provider.users.get(user_id)
    assert user.permissions == ["read-own-templates", "manage-template"]
    assert [d.id for d in user.domains] == [DOMAIN]
    assert [t.id for t in user.templates] == [DEFAULT_TEMPLATE_ID]
    assert user_id in {u.id for u in provider.users.list().items}


def test_invite_body_matches_the_documented_fields(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    provider.users.invite("admin@example.com", "ADMIN")
    assert emulator.requests[-1].json() == {
        "email": "admin@example.com",
        "role": "Admin",
        "permissions": [],
        "templates": [],
        "domains": [],
    }


@pytest.mark.parametrize("status", [200, 201])
def test_invite_accepts_200_or_201(
    emulator: MailerSendEmulator, provider: MailerSendProvider, status: int
) -> None:
    emulator.invite_status = status
    assert provider.users.invite("x@example.com", "Manager").email == "x@example.com"


def test_server_side_invite_rules_come_back_as_fields(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    from smtpcreds.errors import ValidationError

    provider.users.invite("dup@example.com", "Manager")
    with pytest.raises(ValidationError, match="The email has already been taken") as info:
        provider.users.invite("dup@example.com", "Manager")
    assert info.value.fields == {"email": ["The email has already been taken."]}


def test_users_list_parses_bare_data(provider: MailerSendProvider) -> None:
    page = provider.users.list()
    assert [u.email for u in page.items] == ["owner@example.com"]
    assert page.has_next is None and page.total is None


def test_users_list_parses_a_paginator_too(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.users_paginated = True
    for i in range(11):
        emulator.add_user(f"u{i}@example.com", "Manager")
    page = provider.users.list(page=1, limit=10)
    assert len(page.items) == 10
    assert (page.page, page.has_next, page.last_page, page.total) == (1, True, 2, 12)
    assert emulator.requests[-1].query == {"page": ["1"], "limit": ["10"]}


def test_users_list_sends_no_query_by_default(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    provider.users.list()
    assert emulator.requests[-1].query == {}


def test_twofa_key_is_read(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    user = provider.users.list().items[0]
    assert user.twofa is False
    assert "twofa" in user.model_dump()


def test_update_sends_every_field_given(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("m@example.com", "Admin")
    user = provider.users.update(
        uid,
        role="manager",
        permissions=[],
        templates=[],
        domains=[DOMAIN],
        requires_periodic_password_change=False,
    )
    assert user.role == "Manager"
    assert [r.method for r in emulator.requests] == ["PUT"]
    assert emulator.requests[-1].json() == {
        "role": "Manager",
        "permissions": [],
        "templates": [],
        "domains": [DOMAIN],
        "requires_periodic_password_change": False,
    }


def test_update_keeps_what_was_not_given(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user(
        "c@example.com",
        "Custom User",
        permissions=["read-own-templates"],
        templates=[DEFAULT_TEMPLATE_ID],
        domains=[DOMAIN],
    )
    user = provider.users.update(uid, permissions=["read-own-templates", "read-activity"])
    assert [r.method for r in emulator.requests] == ["GET", "PUT"]
    assert emulator.requests[-1].json() == {
        "role": "Custom User",
        "permissions": ["read-own-templates", "read-activity"],
        "templates": [DEFAULT_TEMPLATE_ID],
        "domains": [DOMAIN],
    }
    assert user.permissions == ["read-own-templates", "read-activity"]


def test_leaving_custom_user_drops_permissions_and_templates_not_given(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    uid = emulator.add_user(
        "c@example.com",
        "Custom User",
        permissions=["read-own-templates"],
        templates=[DEFAULT_TEMPLATE_ID],
        domains=[DOMAIN],
    )
    provider.users.update(uid, role="Designer")
    assert emulator.requests[-1].json() == {
        "role": "Designer",
        "permissions": [],
        "templates": [],
        "domains": [DOMAIN],
    }


@pytest.mark.parametrize("status", [200, 204])
def test_delete_user_accepts_200_or_204(
    provider: MailerSendProvider, emulator: MailerSendEmulator, status: int
) -> None:
    emulator.delete_user_status = status
    uid = emulator.add_user("gone@example.com", "Manager")
    provider.users.delete(uid)
    with pytest.raises(NotFound):
        provider.users.get(uid)


def test_invites_list_reads_the_length_aware_paginator(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    for i in range(12):
        provider.users.invite(f"i{i}@example.com", "Accountant")
    page = provider.invites.list(page=2, limit=10)
    assert [i.email for i in page.items] == ["i10@example.com", "i11@example.com"]
    assert (page.page, page.per_page, page.has_next, page.last_page, page.total) == (2, 10, False, 2, 12)


def test_invite_get_resend_cancel(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    invite = provider.users.invite("late@example.com", "Manager")
    assert provider.invites.get(invite.id).email == "late@example.com"
    assert provider.invites.resend(invite.id).id == invite.id
    assert emulator.invites_sent == ["late@example.com", "late@example.com"]
    assert emulator.requests[-1].body == b""
    provider.invites.cancel(invite.id)
    with pytest.raises(NotFound):
        provider.invites.get(invite.id)


def test_invite_without_domains_or_templates_has_null_data(provider: MailerSendProvider) -> None:
    assert provider.users.invite("plain@example.com", "Manager").data is None


def test_cancel_invite_accepts_200_too(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    """reference: docs/reference/mailersend.md §2 "cancel invite ... 204 (JAVA)"; a 200 with a body is accepted too."""
    invite = provider.users.invite("late@example.com", "Manager")
    emulator.faults.inject(method="DELETE", path="/invites/", status=200, body={"data": None})
    provider.invites.cancel(invite.id)
    assert emulator.requests[-1].method == "DELETE"
