"""Fidelity and parity with the official MailerSend Python SDK (2.2.0).

1. The SDK, pointed at the emulator, succeeds on every endpoint we implement and its own models
   parse what the emulator answers.
2. Our client and the SDK, asked for the same operation, send the same method, path, query
   meaning (defaults filled in) and JSON body. Deliberate differences, with the reason:

   * listing every SMTP user: we send ``limit=100`` and ``page=1..n`` and follow ``links.next``;
     the SDK sends one request with its default size and no ``page``. Fewer requests for large
     domains, and every page reachable.
   * an explicit SMTP user page: we send ``page``; the SDK drops ``.page()`` (recorded:
     docs/reference/mailersend.md §8), so it can only ever see page 1.
   * enable-only SMTP user update: the API requires ``name`` on PUT; the SDK makes the caller
     pass it, we read the SMTP user first and resend its current name (an extra GET).
   * user update with fields omitted: we read the user and resend its current values; the SDK
     sends ``[]`` for omitted lists, which may clear them (reference: docs/reference/mailersend.md §12).
   * creating an SMTP user without saying ``enabled``: we send ``"enabled": true`` (our
     default), the SDK leaves the key out; the result no longer rests on the server's default.
   * validation before sending: we refuse an unknown role, a Custom User without permissions
     and ``limit`` outside 10..100 for users/invites; the SDK sends those (recorded: "accepted").

The emulator's rate limit is off here: the SDK retries 429s with urllib3 on every method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mailersend import MailerSendClient, SmtpUsersBuilder, UsersBuilder
from mailersend.models.users import User as SdkUser
from mailersend.models.users import UserInvite as SdkInvite
from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_TEMPLATE_ID, MailerSendEmulator
from smtpcreds_mailersend.emulator import DEFAULT_DOMAIN_ID as DOMAIN
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.emulator.http import RecordedRequest

#: Query defaults per endpoint, so "no query" and "page=1&limit=25" compare equal.
DEFAULTS = {"page": "1", "limit": "25"}
SMTP_USER_KEYS = {
    "id",
    "name",
    "username",
    "password",
    "enabled",
    "accessed_at",
    "server",
    "port",
    "domain_id",
}


@pytest.fixture
def sdk(emulator: MailerSendEmulator) -> Iterator[MailerSendClient]:
    client = MailerSendClient(api_key=API_TOKEN, base_url=emulator.base_url + "/")
    yield client
    client.session.close()


def sent(emu: MailerSendEmulator, call: Callable[[], Any]) -> list[RecordedRequest]:
    emu.requests.clear()
    call()
    return list(emu.requests)


def shape(r: RecordedRequest) -> tuple[str, str, dict[str, str], Any]:
    """Method, path, query with defaults filled in, JSON body."""
    query = {**DEFAULTS, **{k: v[-1] for k, v in r.query.items()}}
    return r.method, r.path, query, r.json()


def same(emu: MailerSendEmulator, ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
    mine, sdks = sent(emu, ours), sent(emu, theirs)
    assert [shape(r) for r in mine] == [shape(r) for r in sdks]


# -- 1. the SDK works against the emulator ---------------------------------------------------
def test_sdk_smtp_user_round_trip(sdk: MailerSendClient, emulator: MailerSendEmulator) -> None:
    created = sdk.smtp_users.create_smtp_user(
        SmtpUsersBuilder().domain_id(DOMAIN).name("Support SMTP").enabled(True).build_smtp_user_create()
    )
    assert created.status_code == 201
    user = created.data["data"]
    assert set(user) == SMTP_USER_KEYS
    sid = user["id"]
    listed = sdk.smtp_users.list_smtp_users(SmtpUsersBuilder().domain_id(DOMAIN).build_smtp_users_list())
    assert [u["id"] for u in listed.data["data"]] == [sid]
    got = sdk.smtp_users.get_smtp_user(
        SmtpUsersBuilder().domain_id(DOMAIN).smtp_user_id(sid).build_smtp_user_get()
    )
    assert got.data["data"]["name"] == "Support SMTP"
    updated = sdk.smtp_users.update_smtp_user(
        SmtpUsersBuilder()
        .domain_id(DOMAIN)
        .smtp_user_id(sid)
        .name("Renamed SMTP")
        .enabled(False)
        .build_smtp_user_update()
    )
    assert updated.data["data"]["enabled"] is False
    deleted = sdk.smtp_users.delete_smtp_user(
        SmtpUsersBuilder().domain_id(DOMAIN).smtp_user_id(sid).build_smtp_user_delete()
    )
    assert deleted.status_code == 204


def test_sdk_users_round_trip_parses_with_sdk_models(
    sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    invited = sdk.users.invite_user(
        UsersBuilder()
        .email("new@example.com")
        .role("Custom User")
        .add_permission("read-own-templates")
        .add_template(DEFAULT_TEMPLATE_ID)
        .add_domain(DOMAIN)
        .requires_periodic_password_change(True)
        .build_user_invite()
    )
    assert invited.status_code == 201
    invite = SdkInvite(**invited.data["data"])
    uid = emulator.accept_invite(invite.id)
    listed = sdk.users.list_users(UsersBuilder().build_users_list())
    users = [SdkUser(**u) for u in listed.data["data"]]
    assert uid in {u.id for u in users}
    user = SdkUser(**sdk.users.get_user(UsersBuilder().user_id(uid).build_user_get()).data["data"])
    assert user.templates[0].id == DEFAULT_TEMPLATE_ID and user.domains[0].id == DOMAIN
    updated = sdk.users.update_user(UsersBuilder().user_id(uid).manager_role().build_user_update())
    assert SdkUser(**updated.data["data"]).role == "Manager"
    assert sdk.users.delete_user(UsersBuilder().user_id(uid).build_user_delete()).status_code == 204


def test_sdk_invites_round_trip_parses_with_sdk_models(
    sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    iid = sdk.users.invite_user(UsersBuilder().email("a@example.com").admin_role().build_user_invite()).data[
        "data"
    ]["id"]
    listed = sdk.users.list_invites(UsersBuilder().build_invites_list())
    assert [SdkInvite(**i).id for i in listed.data["data"]] == [iid]
    assert listed.data["meta"]["total"] == 1
    got = sdk.users.get_invite(UsersBuilder().invite_id(iid).build_invite_get())
    assert SdkInvite(**got.data["data"]).email == "a@example.com"
    resent = sdk.users.resend_invite(UsersBuilder().invite_id(iid).build_invite_resend())
    assert SdkInvite(**resent.data["data"]).id == iid
    cancelled = sdk.users.cancel_invite(UsersBuilder().invite_id(iid).build_invite_cancel())
    assert cancelled.status_code == 204


# -- 2. the same operation sends the same request --------------------------------------------
def test_parity_list_smtp_users_one_page(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    same(
        emulator,
        lambda: list(provider.list_credentials(limit=50)),
        lambda: sdk.smtp_users.list_smtp_users(
            SmtpUsersBuilder().domain_id(DOMAIN).limit(50).build_smtp_users_list()
        ),
    )


def test_difference_list_all_smtp_users_pages_by_100(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(30)
    mine = sent(emulator, lambda: list(provider.list_credentials()))
    theirs = sent(
        emulator,
        lambda: sdk.smtp_users.list_smtp_users(SmtpUsersBuilder().domain_id(DOMAIN).build_smtp_users_list()),
    )
    assert [shape(r)[2] for r in mine] == [{"page": "1", "limit": "100"}]
    assert [shape(r)[2] for r in theirs] == [{"page": "1", "limit": "25"}]
    assert mine[0].path == theirs[0].path


def test_difference_explicit_smtp_page_is_sent(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    mine = sent(emulator, lambda: list(provider.list_credentials(page=2, limit=50)))
    theirs = sent(
        emulator,
        lambda: sdk.smtp_users.list_smtp_users(
            SmtpUsersBuilder().domain_id(DOMAIN).page(2).limit(50).build_smtp_users_list()
        ),
    )
    assert shape(mine[0])[2] == {"page": "2", "limit": "50"}
    assert shape(theirs[0])[2] == {"page": "1", "limit": "50"}  # the SDK drops page


def test_parity_get_smtp_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    (sid,) = emulator.seed_smtp_users(1)
    same(
        emulator,
        lambda: provider.get_credential(sid),
        lambda: sdk.smtp_users.get_smtp_user(
            SmtpUsersBuilder().domain_id(DOMAIN).smtp_user_id(sid).build_smtp_user_get()
        ),
    )


def test_parity_create_smtp_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    same(
        emulator,
        lambda: provider.create_credential("Support SMTP", enabled=True),
        lambda: sdk.smtp_users.create_smtp_user(
            SmtpUsersBuilder().domain_id(DOMAIN).name("Support SMTP").enabled(True).build_smtp_user_create()
        ),
    )


def test_parity_update_smtp_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    (sid,) = emulator.seed_smtp_users(1)
    same(
        emulator,
        lambda: provider.update_credential(sid, name="Renamed SMTP", enabled=False),
        lambda: sdk.smtp_users.update_smtp_user(
            SmtpUsersBuilder()
            .domain_id(DOMAIN)
            .smtp_user_id(sid)
            .name("Renamed SMTP")
            .enabled(False)
            .build_smtp_user_update()
        ),
    )


def test_difference_enable_only_update_reads_the_name_first(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    (sid,) = emulator.seed_smtp_users(1, prefix="kept")
    mine = sent(emulator, lambda: provider.update_credential(sid, enabled=False))
    theirs = sent(
        emulator,
        lambda: sdk.smtp_users.update_smtp_user(
            SmtpUsersBuilder()
            .domain_id(DOMAIN)
            .smtp_user_id(sid)
            .name("kept-0")
            .enabled(False)
            .build_smtp_user_update()
        ),
    )
    assert [r.method for r in mine] == ["GET", "PUT"]
    assert shape(mine[1]) == shape(theirs[0])


def test_parity_delete_smtp_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    a, b = emulator.seed_smtp_users(2)
    mine = sent(emulator, lambda: provider.delete_credential(a))
    theirs = sent(
        emulator,
        lambda: sdk.smtp_users.delete_smtp_user(
            SmtpUsersBuilder().domain_id(DOMAIN).smtp_user_id(b).build_smtp_user_delete()
        ),
    )
    assert [(r.method, r.path.replace(a, "ID"), r.body) for r in mine] == [
        (r.method, r.path.replace(b, "ID"), r.body) for r in theirs
    ]


@pytest.mark.parametrize(("page", "limit"), [(None, None), (2, 50)])
def test_parity_list_users(
    provider: MailerSendProvider,
    sdk: MailerSendClient,
    emulator: MailerSendEmulator,
    page: int | None,
    limit: int | None,
) -> None:
    builder = UsersBuilder()
    if page:
        builder = builder.page(page).limit(limit or 25)
    same(
        emulator,
        lambda: provider.users.list(page=page, limit=limit),
        lambda: sdk.users.list_users(builder.build_users_list()),
    )


def test_parity_get_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    uid = emulator.add_user("u@example.com", "Manager")
    same(
        emulator,
        lambda: provider.users.get(uid),
        lambda: sdk.users.get_user(UsersBuilder().user_id(uid).build_user_get()),
    )


def test_parity_invite_custom_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    perms = ["read-own-templates", "manage-template", "view-smtp-users"]

    def ours() -> None:
        provider.users.invite(
            "new@example.com",
            "Custom User",
            permissions=perms,
            templates=[DEFAULT_TEMPLATE_ID],
            domains=[DOMAIN],
            requires_periodic_password_change=True,
        )
        emulator.invites.clear()

    same(
        emulator,
        ours,
        lambda: sdk.users.invite_user(
            UsersBuilder()
            .email("new@example.com")
            .role("Custom User")
            .permissions(perms)
            .templates([DEFAULT_TEMPLATE_ID])
            .domains([DOMAIN])
            .requires_periodic_password_change(True)
            .build_user_invite()
        ),
    )


def test_parity_invite_admin(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    def ours() -> None:
        provider.users.invite("admin@example.com", "Admin")
        emulator.invites.clear()

    same(
        emulator,
        ours,
        lambda: sdk.users.invite_user(
            UsersBuilder().email("admin@example.com").admin_role().build_user_invite()
        ),
    )


def test_parity_update_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    uid = emulator.add_user("u@example.com", "Admin")
    same(
        emulator,
        lambda: provider.users.update(
            uid,
            role="Manager",
            permissions=[],
            templates=[],
            domains=[],
            requires_periodic_password_change=False,
        ),
        lambda: sdk.users.update_user(
            UsersBuilder()
            .user_id(uid)
            .manager_role()
            .requires_periodic_password_change(False)
            .build_user_update()
        ),
    )


def test_parity_delete_user(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    a, b = emulator.add_user("a@example.com"), emulator.add_user("b@example.com")
    mine = sent(emulator, lambda: provider.users.delete(a))
    theirs = sent(emulator, lambda: sdk.users.delete_user(UsersBuilder().user_id(b).build_user_delete()))
    assert [(r.method, r.path.replace(a, "ID"), r.body) for r in mine] == [
        (r.method, r.path.replace(b, "ID"), r.body) for r in theirs
    ]


def test_parity_invites_list_get_resend(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    iid = provider.users.invite("i@example.com", "Manager").id
    same(
        emulator,
        lambda: provider.invites.list(),
        lambda: sdk.users.list_invites(UsersBuilder().build_invites_list()),
    )
    same(
        emulator,
        lambda: provider.invites.list(page=2, limit=10),
        lambda: sdk.users.list_invites(UsersBuilder().page(2).limit(10).build_invites_list()),
    )
    same(
        emulator,
        lambda: provider.invites.get(iid),
        lambda: sdk.users.get_invite(UsersBuilder().invite_id(iid).build_invite_get()),
    )
    same(
        emulator,
        lambda: provider.invites.resend(iid),
        lambda: sdk.users.resend_invite(UsersBuilder().invite_id(iid).build_invite_resend()),
    )


def test_parity_cancel_invite(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    a = provider.users.invite("a@example.com", "Manager").id
    b = provider.users.invite("b@example.com", "Manager").id
    mine = sent(emulator, lambda: provider.invites.cancel(a))
    theirs = sent(
        emulator, lambda: sdk.users.cancel_invite(UsersBuilder().invite_id(b).build_invite_cancel())
    )
    assert [(r.method, r.path.replace(a, "ID"), r.body) for r in mine] == [
        (r.method, r.path.replace(b, "ID"), r.body) for r in theirs
    ]


def test_difference_we_validate_what_the_sdk_sends(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    from mailersend.exceptions import BadRequestError

    from smtpcreds.errors import ValidationError

    def ours() -> None:
        with pytest.raises(ValidationError):
            provider.users.list(limit=5)

    def theirs() -> None:
        with pytest.raises(BadRequestError, match="The limit must be at least 10"):
            sdk.users.list_users(UsersBuilder().limit(5).build_users_list())

    assert sent(emulator, ours) == []
    assert [shape(r)[2] for r in sent(emulator, theirs)] == [{"page": "1", "limit": "5"}]


def test_difference_we_refuse_a_bad_role_or_a_custom_user_without_permissions(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    from mailersend.exceptions import BadRequestError

    from smtpcreds.errors import ValidationError

    for role in ("Wizard", "Custom User"):

        def ours(role: str = role) -> None:
            with pytest.raises(ValidationError):
                provider.users.invite("new@example.com", role)

        def theirs(role: str = role) -> None:
            with pytest.raises(BadRequestError):
                sdk.users.invite_user(UsersBuilder().email("new@example.com").role(role).build_user_invite())

        assert sent(emulator, ours) == []
        assert [r.json()["role"] for r in sent(emulator, theirs)] == [role]


def test_difference_create_without_enabled_sends_enabled_true(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    mine = sent(emulator, lambda: provider.create_credential("Name Only"))
    theirs = sent(
        emulator,
        lambda: sdk.smtp_users.create_smtp_user(
            SmtpUsersBuilder().domain_id(DOMAIN).name("Name Only").build_smtp_user_create()
        ),
    )
    assert mine[0].json() == {"name": "Name Only", "enabled": True}
    assert theirs[0].json() == {"name": "Name Only"}
    assert (mine[0].method, mine[0].path) == (theirs[0].method, theirs[0].path)


def test_difference_partial_user_update_resends_current_values(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    """The SDK's omitted lists go out as ``[]`` and may clear them (reference §8, §12)."""
    uid = emulator.add_user("u@example.com", "Manager", domains=[DOMAIN])
    mine = sent(emulator, lambda: provider.users.update(uid, role="Admin"))
    theirs = sent(emulator, lambda: sdk.users.update_user(UsersBuilder().user_id(uid).admin_role().build_user_update()))
    assert [r.method for r in mine] == ["GET", "PUT"]
    assert mine[1].json() == {"role": "Admin", "permissions": [], "templates": [], "domains": [DOMAIN]}
    assert [(r.method, r.json()) for r in theirs] == [
        ("PUT", {"role": "Admin", "permissions": [], "templates": [], "domains": []})
    ]


def test_headers_match_the_sdk_but_the_user_agent(
    provider: MailerSendProvider, sdk: MailerSendClient, emulator: MailerSendEmulator
) -> None:
    mine = sent(emulator, lambda: provider.users.list())[0].headers
    theirs = sent(emulator, lambda: sdk.users.list_users(UsersBuilder().build_users_list()))[0].headers
    for name in ("authorization", "accept", "content-type"):
        assert mine[name] == theirs[name]
    assert mine["user-agent"].startswith("smtpcreds/")
