"""Signing in: login, the session cached in the keyring, renewal, two-factor login, key/token."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from smtpcreds_webitel.emulator import ROOT_PASSWORD, WebitelEmulator
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds.errors import AuthError, NotFound, ValidationError
from smtpcreds.redact import redact
from smtpcreds.testing.support import MemoryKeyring

MakeProvider = Callable[..., WebitelProvider]
SETTINGS = "/api/v2/email/settings"


def cached_session(keyring: MemoryKeyring, profile: str = "pbx") -> dict[str, object] | None:
    raw = keyring.entries(f"smtpcreds/{profile}").get("~session")
    return None if raw is None else dict(json.loads(raw))


def test_the_first_request_logs_in_with_username_and_password(pbx: WebitelProvider,
                                                              emulator: WebitelEmulator) -> None:
    pbx.delete_settings()
    login = emulator.requests[0]
    assert (login.method, login.path) == ("POST", "/login")
    assert login.json() == {"username": "root", "password": ROOT_PASSWORD}
    assert login.headers["content-type"] == "application/json"
    api = emulator.requests[1]
    assert api.headers["x-key"] and api.headers["x-access-token"]


def test_the_session_is_cached_in_the_keyring_without_the_password(
        pbx: WebitelProvider, memory_keyring: MemoryKeyring) -> None:
    pbx.delete_settings()
    cached = cached_session(memory_keyring)
    assert cached is not None
    assert {"key", "token", "expires"} <= cached.keys() and isinstance(cached["expires"], int)
    assert ROOT_PASSWORD not in json.dumps(cached)


def test_a_cached_session_avoids_a_login_on_a_second_provider(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    make_provider().delete_settings()
    make_provider().delete_settings()
    assert emulator.login_count == 1 and emulator.count("POST", "^/login$") == 1


def test_a_session_near_its_expiry_is_replaced_before_use(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    emulator.token_lifetime = 30  # inside the one-minute safety margin
    make_provider().delete_settings()
    make_provider().delete_settings()
    assert emulator.login_count == 2 and emulator.count("DELETE") == 2


def test_a_cached_session_of_another_engine_is_not_used(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring) -> None:
    make_provider().delete_settings()
    with WebitelEmulator() as other:
        make_provider(base_url=other.base_url).delete_settings()
        assert other.login_count == 1


def test_an_expired_token_triggers_exactly_one_new_login(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    make_provider().delete_settings()
    emulator.expire_tokens()
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 2 and emulator.count("DELETE") == 3  # refused once, retried once


def test_an_old_engines_400_token_expired_also_renews_the_session(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    emulator.legacy_token_errors = True
    make_provider().delete_settings()
    emulator.expire_tokens()
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 2


def test_a_session_refused_again_after_a_new_login_is_an_auth_error(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring) -> None:
    emulator.token_lifetime = -1  # every token is born expired
    with pytest.raises(AuthError, match="refused a fresh session too"):
        make_provider().delete_settings()
    assert emulator.login_count == 2 and emulator.count("DELETE") == 2
    assert cached_session(memory_keyring) is None


def test_a_renewed_session_replaces_the_cached_one(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring) -> None:
    make_provider().delete_settings()
    before = cached_session(memory_keyring)
    emulator.expire_tokens()
    make_provider().delete_settings()
    after = cached_session(memory_keyring)
    assert before is not None and after is not None and before["key"] != after["key"]


def test_a_wrong_password_is_an_auth_error_without_retries(make_provider: MakeProvider,
                                                           emulator: WebitelEmulator) -> None:
    provider = make_provider(password="wrong-fake-password")
    with pytest.raises(AuthError, match="login as 'root' refused: secret incorrect") as info:
        provider.get_settings()
    assert info.value.status == 401
    assert emulator.count("POST", "^/login$") == 1 and emulator.count(path="^/api/") == 0
    assert "wrong-fake-password" not in str(info.value)


def test_an_unknown_user_is_an_auth_error(make_provider: MakeProvider) -> None:
    with pytest.raises(AuthError, match=r"login as 'nobody@example\.com' refused"):
        make_provider(username="nobody@example.com").get_settings()


def test_two_factor_root_without_a_code_asks_for_one(make_provider: MakeProvider,
                                                     emulator: WebitelEmulator) -> None:
    emulator.enable_totp("123456")
    with pytest.raises(AuthError, match="--code NNNNNN") as info:
        make_provider().get_settings()
    assert info.value.status == 301
    assert emulator.count(path="^/api/") == 0


def test_two_factor_root_logs_in_with_the_code_given_to_login(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    emulator.enable_totp("123456")
    assert make_provider(totp_code="123456").delete_settings() == 0
    assert emulator.requests[0].query == {"code": ["123456"]}


def test_two_factor_root_with_a_wrong_code_is_told_so(make_provider: MakeProvider,
                                                      emulator: WebitelEmulator) -> None:
    emulator.enable_totp("123456")
    with pytest.raises(AuthError, match=r"code incorrect.*security code was wrong"):
        make_provider(totp_code="654321").get_settings()


def test_a_two_factor_session_is_reused_without_a_code(make_provider: MakeProvider,
                                                       emulator: WebitelEmulator) -> None:
    emulator.enable_totp("123456")
    make_provider(totp_code="123456").delete_settings()
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 1


def test_a_configured_key_and_token_are_sent_without_a_login(make_provider: MakeProvider,
                                                             emulator: WebitelEmulator) -> None:
    headers = emulator.issue_session("root")
    provider = make_provider(key=headers["X-Key"], token=headers["X-Access-Token"], domain="example.com")
    assert provider.delete_settings() == 0
    sent = emulator.requests[-1].headers
    assert (sent["x-key"], sent["x-access-token"]) == (headers["X-Key"], headers["X-Access-Token"])
    assert emulator.count("POST", "^/login$") == 0


def test_a_refused_configured_pair_is_an_auth_error_without_a_login(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    headers = emulator.issue_session("root")
    provider = make_provider(key=headers["X-Key"], token=headers["X-Access-Token"], domain="example.com")
    emulator.expire_tokens()
    with pytest.raises(AuthError, match="configured key and token were refused"):
        provider.delete_settings()
    assert emulator.count("POST", "^/login$") == 0


def test_session_secrets_are_redacted(pbx: WebitelProvider, memory_keyring: MemoryKeyring) -> None:
    pbx.delete_settings()
    cached = cached_session(memory_keyring)
    assert cached is not None
    text = f"key={cached['key']} token={cached['token']}"
    assert redact(text) == "key=*** token=***"
    assert str(cached["token"]) not in repr(pbx.auth.session())


def test_logout_ends_the_session_and_forgets_it(pbx: WebitelProvider, emulator: WebitelEmulator,
                                                memory_keyring: MemoryKeyring) -> None:
    pbx.delete_settings()
    pbx.logout()
    assert emulator.keys == {} and cached_session(memory_keyring) is None
    pbx.delete_settings()
    assert emulator.login_count == 2


def test_an_engine_behind_a_proxy_prefix_works(make_provider: MakeProvider) -> None:
    with WebitelEmulator(root_path="/engine") as proxied:
        provider = make_provider(base_url=proxied.base_url)
        assert proxied.base_url.endswith("/engine")
        assert provider.delete_settings() == 0
        assert proxied.login_count == 1


@pytest.mark.parametrize("blob", ["not json", "[1, 2]", '{"key": "k"}'])
def test_an_unreadable_cached_session_means_a_new_login(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring,
        blob: str) -> None:
    memory_keyring.set_password("smtpcreds/pbx", "~session", blob)
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 1
    cached = cached_session(memory_keyring)
    assert cached is not None and isinstance(cached["expires"], int)


@pytest.mark.parametrize(("field", "value"), [
    ("expires", "soon"), ("expires", True), ("key", 1), ("token", None), ("domain", 5),
    ("knows_domain", "yes"), ("spare", 1),
])
def test_a_cached_session_with_a_mistyped_field_means_a_new_login(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring,
        field: str, value: object) -> None:
    make_provider().delete_settings()
    cached = cached_session(memory_keyring)
    assert cached is not None
    memory_keyring.set_password("smtpcreds/pbx", "~session", json.dumps({**cached, field: value}))
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 2


def test_a_bad_request_other_than_token_expired_does_not_log_in_again(
        pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="DELETE", path="/api/", status=400,
                           body={"status": "error", "info": "Bad parameters."})
    with pytest.raises(ValidationError, match="Bad parameters"):
        pbx.delete_settings()
    assert emulator.login_count == 1 and emulator.count("DELETE") == 1


@pytest.mark.parametrize(("status", "hint"), [(400, "check username and password"),
                                              (404, "base_url is not the engine root")])
def test_a_login_refused_with_the_documented_400_or_404_is_an_auth_error(
        make_provider: MakeProvider, emulator: WebitelEmulator, status: int, hint: str) -> None:
    # The published docs give 400/404 for login errors where the code has 401 (docs/reference/webitel.md §7).
    emulator.faults.inject(path="^/login$", status=status, body={"status": "error", "info": "User not found"})
    with pytest.raises(AuthError, match=f"login as 'root' refused: User not found .*{hint}") as info:
        make_provider().get_settings()
    assert info.value.status == status and emulator.count(path="^/api/") == 0


def test_a_login_404_from_a_proxy_page_stays_a_not_found(make_provider: MakeProvider,
                                                          emulator: WebitelEmulator) -> None:
    emulator.faults.inject(path="^/login$", status=404, body="<html>Not Found</html>")
    with pytest.raises(NotFound, match="unexpected HTML response"):
        make_provider().get_settings()


def test_a_key_the_engine_forgot_makes_one_new_login(make_provider: MakeProvider,
                                                     emulator: WebitelEmulator) -> None:
    make_provider().delete_settings()
    emulator.keys.clear()  # e.g. another client logged out: the engine drops the key (§2 "Logout")
    assert make_provider().delete_settings() == 0
    assert emulator.login_count == 2 and emulator.count("DELETE") == 3


def test_the_python_api_logs_in_with_the_two_factor_code(emulator: WebitelEmulator) -> None:
    import smtpcreds

    emulator.enable_totp("123456")
    with smtpcreds.connect("pbx", provider="webitel", base_url=emulator.base_url, username="root",
                           password=ROOT_PASSWORD, domain="example.com") as conn:
        assert isinstance(conn.provider, WebitelProvider)
        conn.provider.login(code="123456")
        assert conn.settings.delete() == 0
    assert emulator.requests[0].query == {"code": ["123456"]}


def test_a_code_that_is_not_digits_is_refused_before_any_request(make_provider: MakeProvider,
                                                                 emulator: WebitelEmulator) -> None:
    with pytest.raises(ValidationError, match="digits"):
        make_provider().login("12 34 56")
    assert emulator.count() == 0


def test_connections_starting_together_log_in_once_between_them(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    # As in a bulk rotation pushing to the PBX from several threads, or cron jobs started together.
    providers = [make_provider() for _ in range(4)]
    assert _delete_together(providers) == [0, 0, 0, 0]
    assert emulator.login_count == 1


def test_connections_refused_together_log_in_again_once_between_them(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    providers = [make_provider() for _ in range(4)]
    for provider in providers:
        provider.auth.session()  # all hold the first session
    emulator.expire_tokens()
    assert _delete_together(providers) == [0, 0, 0, 0]
    assert emulator.login_count == 2


def _delete_together(providers: list[WebitelProvider]) -> list[int]:
    """Each provider deletes the settings, all starting at the same moment, one thread each."""
    start = threading.Barrier(len(providers))

    def run(provider: WebitelProvider) -> int:
        start.wait()
        return provider.delete_settings()

    with ThreadPoolExecutor(len(providers)) as pool:
        return list(pool.map(run, providers))


def test_a_refused_session_is_dropped_from_the_keyring_even_when_the_new_login_fails(
        make_provider: MakeProvider, emulator: WebitelEmulator, memory_keyring: MemoryKeyring) -> None:
    make_provider().delete_settings()
    emulator.expire_tokens()
    emulator.users["root"].password = "changed-fake-root-password"
    with pytest.raises(AuthError, match="secret incorrect"):
        make_provider().delete_settings()
    assert cached_session(memory_keyring) is None
