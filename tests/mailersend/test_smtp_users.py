"""SMTP users as credentials: list, get, create, update, delete against the emulator."""

from __future__ import annotations

import itertools
import smtplib
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from smtpcreds_mailersend.emulator import DEFAULT_DOMAIN_ID as DOMAIN
from smtpcreds_mailersend.emulator import MailerSendEmulator
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.capabilities import METHODS, Capability
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.errors import ConfigError, NotFound, ProviderError, UnsupportedOperation
from smtpcreds.interfaces import implemented
from smtpcreds.redact import redact

MakeProvider = Callable[..., MailerSendProvider]


def test_declared_capabilities_match_implemented_methods() -> None:
    declared = {c for c, m in METHODS.items() if m and implemented(MailerSendProvider, m)}
    assert declared == {c for c in MailerSendProvider.capabilities if METHODS[c]}
    assert Capability.MULTI_USER in MailerSendProvider.capabilities
    assert Capability.SET_PASSWORD not in MailerSendProvider.capabilities


def test_listing_250_users_takes_3_requests_of_100(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(250)
    creds = list(provider.list_credentials())
    assert len(creds) == 250
    assert len({c.id for c in creds}) == 250
    pages = [(r.query.get("page"), r.query.get("limit")) for r in emulator.requests]
    assert pages == [(["1"], ["100"]), (["2"], ["100"]), (["3"], ["100"])]


def test_listing_streams_one_page_at_a_time(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(150)
    stream = provider.list_credentials()
    assert emulator.count() == 1
    first_page = [next(stream) for _ in range(100)]
    assert first_page[0].name == "user-0"
    assert emulator.count() == 1
    assert next(stream).name == "user-100"
    assert emulator.count() == 2


def test_listing_fails_before_streaming_when_the_first_page_fails(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator, domain_id="nosuchdomain0000")
    with pytest.raises(NotFound):
        p.list_credentials()


def test_next_page_keeps_the_limit_although_links_omit_it(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    """reference: docs/reference/mailersend.md §6: links.next carries page= but not limit=."""
    emulator.seed_smtp_users(101)
    assert len(list(provider.list_credentials())) == 101
    assert [r.query["limit"] for r in emulator.requests] == [["100"], ["100"]]


def test_empty_domain_lists_nothing_with_one_request(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    assert list(provider.list_credentials()) == []
    assert emulator.count() == 1


def test_explicit_page_and_limit_fetch_exactly_that_page(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(35)
    creds = list(provider.list_credentials(page=2, limit=10))
    assert [c.name for c in creds] == [f"user-{i}" for i in range(10, 20)]
    assert emulator.count() == 1
    assert emulator.requests[0].query == {"page": ["2"], "limit": ["10"]}


def test_explicit_page_alone_uses_the_api_default_size(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(30)
    assert len(list(provider.list_credentials(page=1))) == 25
    assert emulator.requests[0].query == {"page": ["1"]}


def test_scope_argument_overrides_the_profile_domain(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    other = emulator.add_domain("otherdomain00001", "other.example")
    emulator.seed_smtp_users(2, other)
    p = make_provider(emulator)
    assert [c.scope for c in p.list_credentials(other)] == [other, other]


def test_no_domain_at_all_is_a_config_error(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator, domain_id=None)
    with pytest.raises(ConfigError, match="no domain"):
        list(p.list_credentials())
    assert emulator.count() == 0


def test_credential_fields_map_from_the_smtp_user(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    (sid,) = emulator.seed_smtp_users(1, prefix="billing")
    emulator.mark_accessed(sid, datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc))
    cred = provider.get_credential(sid)
    rec = emulator.smtp_user(sid)
    assert rec is not None
    assert (cred.id, cred.name, cred.username, cred.scope) == (sid, "billing-0", rec.username, DOMAIN)
    assert (cred.host, cred.port, cred.enabled) == ("smtp.mailersend.net", 587, True)
    assert cred.last_used_at == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert cred.password is None, "the password in GET responses is never kept"


def test_usernames_look_like_mailersend_ones(provider: MailerSendProvider) -> None:
    cred = provider.create_credential("app")
    assert cred.username.startswith("MS_") and cred.username.endswith("@example.com")


def test_create_returns_the_password_once_and_masks_it(provider: MailerSendProvider) -> None:
    cred = provider.create_credential("billing-app")
    assert cred.password is not None
    secret = cred.password.get_secret_value()
    assert len(secret) >= 16
    assert secret not in repr(cred)
    assert redact(f"oops {secret}") == "oops ***"


def test_create_sends_name_and_enabled(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    cred = provider.create_credential("  Support SMTP ", enabled=False)
    assert emulator.requests[-1].json() == {"name": "Support SMTP", "enabled": False}
    assert cred.enabled is False


def test_create_refuses_a_chosen_password(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    from pydantic import SecretStr

    with pytest.raises(UnsupportedOperation, match="generates one on create"):
        provider.create_credential("app", password=SecretStr("Fake-Passw0rd-For-Tests"))
    assert emulator.count() == 0


def test_rename_sends_only_the_name(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    cred = provider.create_credential("old")
    renamed = provider.update_credential(cred.id, name="new")
    assert renamed.name == "new"
    assert emulator.requests[-1].method == "PUT"
    assert emulator.requests[-1].json() == {"name": "new"}


def test_enable_only_update_reads_and_resends_the_current_name(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    cred = provider.create_credential("keep-me")
    emulator.requests.clear()
    updated = provider.update_credential(cred.id, enabled=False)
    assert updated.enabled is False and updated.name == "keep-me"
    assert [r.method for r in emulator.requests] == ["GET", "PUT"]
    assert emulator.requests[-1].json() == {"name": "keep-me", "enabled": False}


def test_update_with_nothing_to_change_only_reads(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    cred = provider.create_credential("same")
    emulator.requests.clear()
    assert provider.update_credential(cred.id).name == "same"
    assert [r.method for r in emulator.requests] == ["GET"]


def test_delete_removes_the_smtp_user(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    cred = provider.create_credential("gone")
    provider.delete_credential(cred.id)
    with pytest.raises(NotFound):
        provider.get_credential(cred.id)


def test_delete_accepts_200(provider: MailerSendProvider, emulator: MailerSendEmulator) -> None:
    cred = provider.create_credential("gone")
    emulator.faults.inject(method="DELETE", status=200, body={})
    provider.delete_credential(cred.id)


def test_unknown_smtp_user_is_not_found(provider: MailerSendProvider) -> None:
    with pytest.raises(NotFound, match="Resource not found"):
        provider.get_credential("nosuchuser000000")


def test_smtp_endpoint_defaults_to_mailersend(provider: MailerSendProvider) -> None:
    assert provider.smtp_endpoint() == ("smtp.mailersend.net", 587, "starttls")


def test_smtp_endpoint_uses_profile_overrides(
    emulator: MailerSendEmulator, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator, smtp_host="127.0.0.1", smtp_port=2525, smtp_security="none")
    assert p.smtp_endpoint() == ("127.0.0.1", 2525, "none")
    assert make_provider(emulator, smtp_port=465).smtp_endpoint() == ("smtp.mailersend.net", 465, "ssl")


def _can_login(server: SmtpServer, username: str, password: str) -> bool:
    with smtplib.SMTP(server.host, server.port, timeout=10) as client:
        try:
            client.login(username, password)
        except smtplib.SMTPAuthenticationError:
            return False
    return True


def test_created_login_works_on_the_smtp_server_until_disabled_or_deleted(
    emulator_smtp: MailerSendEmulator, smtp_server: SmtpServer, make_provider: MakeProvider
) -> None:
    p = make_provider(emulator_smtp)
    cred = p.create_credential("real-login")
    assert cred.password is not None
    password = cred.password.get_secret_value()
    assert (cred.host, cred.port) == (smtp_server.host, smtp_server.port)
    assert _can_login(smtp_server, cred.username, password)
    p.update_credential(cred.id, enabled=False)
    assert not _can_login(smtp_server, cred.username, password)
    p.update_credential(cred.id, enabled=True)
    assert _can_login(smtp_server, cred.username, password)
    p.delete_credential(cred.id)
    assert not _can_login(smtp_server, cred.username, password)


def _ignored_page(emulator: MailerSendEmulator, meta: dict[str, int] | None) -> None:
    """Every answer is "page 1, more follow": a server that ignores page= (reference §12)."""
    body: dict[str, object] = {
        "data": [{"id": "0wkg2zj19ovx5py7", "name": "a", "username": "MS_a@example.com"}],
        "links": {"next": f"{emulator.base_url}/domains/{DOMAIN}/smtp-users?page=2"},
    }
    if meta is not None:
        body["meta"] = meta
    emulator.faults.inject(method="GET", status=200, body=body, times=None)


@pytest.mark.parametrize("meta", [{"current_page": 1}, None], ids=["with-meta", "without-meta"])
def test_a_server_ignoring_page_stops_the_listing_with_an_error(
    provider: MailerSendProvider, emulator: MailerSendEmulator, meta: dict[str, int] | None
) -> None:
    _ignored_page(emulator, meta)
    stream = provider.list_credentials()
    with pytest.raises(ProviderError, match=r"asked for page 2 but got (page 1|the previous page again)"):
        list(itertools.islice(stream, 500))
    assert emulator.count() == 2


def test_an_explicit_page_answered_with_another_is_an_error(
    provider: MailerSendProvider, emulator: MailerSendEmulator
) -> None:
    _ignored_page(emulator, {"current_page": 1})
    with pytest.raises(ProviderError, match="asked for page 3 but got page 1"):
        list(provider.list_credentials(page=3, limit=10))
