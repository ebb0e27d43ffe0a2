"""Email settings over HTTP: show, merge-set, delete, and the domain rules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_webitel.emulator import WebitelEmulator
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds.errors import NotFound, ProviderError, ValidationError
from smtpcreds.models import EmailSettings, SmtpLogin

SETTINGS = "/api/v2/email/settings"
Doc = Callable[..., dict[str, Any]]
MakeProvider = Callable[..., WebitelProvider]


def configured_pair(make_provider: MakeProvider, emulator: WebitelEmulator, user: str,
                    domain: str | None = None) -> WebitelProvider:
    """A provider with a configured key/token pair (no login) of ``user``'s engine session."""
    headers = emulator.issue_session(user)
    extra = {"domain": domain} if domain is not None else {}
    return make_provider(key=headers["X-Key"], token=headers["X-Access-Token"], **extra)


def writes(emulator: WebitelEmulator) -> int:
    return emulator.count("POST", SETTINGS + "$") + emulator.count("PUT", SETTINGS)


def last_write(emulator: WebitelEmulator) -> dict[str, Any]:
    body = [r for r in emulator.requests if r.method == "POST" and r.path == SETTINGS][-1].json()
    assert isinstance(body, dict)
    return body


def test_show_maps_the_stored_document(pbx: WebitelProvider, emulator: WebitelEmulator,
                                       stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    settings = pbx.get_settings()
    assert (settings.host, settings.port, settings.security) == ("smtp.example.com", 465, "ssl")
    assert settings.verify_tls is False and settings.scope == "example.com"
    assert settings.password == SecretStr("stored-fake-password")


def test_show_without_stored_settings_is_not_found(pbx: WebitelProvider) -> None:
    with pytest.raises(NotFound, match=r"no email settings stored for domain 'example\.com'"):
        pbx.get_settings()


def test_every_request_names_the_domain(pbx: WebitelProvider, emulator: WebitelEmulator,
                                        stored_doc: Doc) -> None:
    emulator.seed_settings("other.example", stored_doc())
    pbx.get_settings("other.example")
    pbx.set_settings(EmailSettings(port=587), "other.example")
    pbx.delete_settings("other.example")
    api = [r for r in emulator.requests if r.path.startswith("/api/")]
    assert len(api) == 4 and all(r.query["domain"] == ["other.example"] for r in api)


def test_set_keeps_unknown_fields_and_never_sends_server_fields(
        pbx: WebitelProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    stored = stored_doc(pool=True, maxConnections=3)
    stored["priority"] = 5
    emulator.seed_settings("example.com", stored)
    result = pbx.set_settings(EmailSettings(password=SecretStr("new-fake-password")))
    sent = last_write(emulator)
    assert "_id" not in sent and "domain" not in sent
    assert sent["priority"] == 5 and sent["description"] == "PBX mail" and sent["from"] == "pbx@example.com"
    assert sent["options"]["pool"] is True and sent["options"]["maxConnections"] == 3
    assert sent["options"]["tls"] == {"rejectUnauthorized": False} and sent["options"]["debug"] is False
    assert sent["options"]["auth"] == {"user": "pbx@example.com", "pass": "new-fake-password"}
    assert result.changed and result.detail == "updated"


def test_set_writes_with_post_never_put(pbx: WebitelProvider, emulator: WebitelEmulator,
                                        stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    pbx.set_settings(EmailSettings(port=587))
    assert emulator.count("PUT") == 0 and emulator.count("POST", SETTINGS + "$") == 1


def test_set_keeps_the_stored_document_id(pbx: WebitelProvider, emulator: WebitelEmulator,
                                          stored_doc: Doc) -> None:
    before = emulator.seed_settings("example.com", stored_doc())["_id"]
    pbx.set_settings(EmailSettings(port=587))
    assert emulator.settings["example.com"]["_id"] == before


def test_an_unchanged_set_sends_no_write(pbx: WebitelProvider, emulator: WebitelEmulator,
                                         stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    result = pbx.set_settings(EmailSettings(host="smtp.example.com", port=465, security="ssl",
                                            password=SecretStr("stored-fake-password")),
                              options={"debug": "false"})
    assert result.changed is False and result.detail == "unchanged"
    assert writes(emulator) == 0


def test_an_empty_set_with_nothing_stored_sends_no_write(pbx: WebitelProvider,
                                                         emulator: WebitelEmulator) -> None:
    result = pbx.set_settings(EmailSettings())
    assert result.changed is False and writes(emulator) == 0


def test_set_with_nothing_stored_creates_smtp_settings(pbx: WebitelProvider,
                                                       emulator: WebitelEmulator) -> None:
    result = pbx.set_settings(EmailSettings(host="smtp.example.com", port=587, security="starttls"))
    assert result.changed and result.detail == "created"
    assert last_write(emulator) == {"provider": "smtp",
                                    "options": {"host": "smtp.example.com", "port": 587, "secure": False}}
    assert emulator.settings["example.com"]["domain"] == "example.com"


def test_port_and_secure_reach_the_wire_as_number_and_boolean(
        pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.set_settings(EmailSettings(port=465, security="ssl"), options={"port": "2465", "secure": "true"})
    opts = last_write(emulator)["options"]
    assert type(opts["port"]) is int and opts["port"] == 2465
    assert opts["secure"] is True


def test_raw_options_merge_with_dotted_keys(pbx: WebitelProvider, emulator: WebitelEmulator,
                                            stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc(tls={"rejectUnauthorized": True, "ciphers": "HIGH"}))
    pbx.set_settings(EmailSettings(), options={"tls.rejectUnauthorized": "false", "pool": "true"})
    opts = last_write(emulator)["options"]
    assert opts["tls"] == {"rejectUnauthorized": False, "ciphers": "HIGH"} and opts["pool"] is True


@pytest.mark.parametrize(("changes", "options"), [
    (EmailSettings(port=0), None),
    (EmailSettings(host="smtp example.com"), None),
    (EmailSettings(from_address="not-an-address"), None),
    (EmailSettings(), {"port": "not-a-port"}),
])
def test_invalid_input_sends_no_request(make_provider: MakeProvider, emulator: WebitelEmulator,
                                        changes: EmailSettings, options: dict[str, Any] | None) -> None:
    with pytest.raises(ValidationError):
        make_provider().set_settings(changes, options=options)
    assert emulator.count() == 0


def test_push_login_writes_the_rotated_login(pbx: WebitelProvider, emulator: WebitelEmulator,
                                             stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    login = SmtpLogin(host="smtp.relay.example", port=587, security="starttls",
                      username="relay-user", password=SecretStr("rotated-fake-password"))
    result = pbx.push_login(login)
    opts = emulator.settings["example.com"]["options"]
    assert result.changed
    assert (opts["host"], opts["port"], opts["secure"]) == ("smtp.relay.example", 587, False)
    assert opts["auth"] == {"user": "relay-user", "pass": "rotated-fake-password"}
    assert emulator.settings["example.com"]["from"] == "pbx@example.com"


def test_delete_returns_the_removed_count(pbx: WebitelProvider, emulator: WebitelEmulator,
                                          stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    assert pbx.delete_settings() == 1
    assert pbx.delete_settings() == 0


def test_a_delete_answer_without_a_count_is_a_provider_error(pbx: WebitelProvider,
                                                             emulator: WebitelEmulator) -> None:
    emulator.faults.inject(method="DELETE", status=200, body={"status": "OK", "info": "Removed 1 record."})
    with pytest.raises(ProviderError, match="Removed N record"):
        pbx.delete_settings()


def test_a_stored_provider_other_than_smtp_is_kept_with_a_warning(
        pbx: WebitelProvider, emulator: WebitelEmulator, stored_doc: Doc,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator.seed_settings("example.com", {**stored_doc(), "provider": "sendgrid"})
    with caplog.at_level(logging.WARNING, logger="smtpcreds.webitel"):
        pbx.set_settings(EmailSettings(port=587))
    assert last_write(emulator)["provider"] == "sendgrid"
    assert "sends only with 'smtp'" in caplog.text


# -- domain rules ---------------------------------------------------------------------------
def test_settings_read_from_one_domain_are_written_back_to_it(
        pbx: WebitelProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("other.example", stored_doc())
    settings = pbx.get_settings("other.example")
    settings.port = 587
    pbx.set_settings(settings)
    assert emulator.settings["other.example"]["options"]["port"] == 587
    assert "example.com" not in emulator.settings


def test_a_domain_admin_acts_on_its_own_domain(make_provider: MakeProvider, emulator: WebitelEmulator,
                                               stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    admin = make_provider(username="admin@example.com", password="admin-emulator-password", domain=None)
    assert admin.get_settings().scope == "example.com"
    assert emulator.requests[-1].query["domain"] == ["example.com"]


def test_a_domain_admin_cannot_name_another_domain(make_provider: MakeProvider,
                                                   emulator: WebitelEmulator) -> None:
    admin = make_provider(username="admin@example.com", password="admin-emulator-password", domain=None)
    with pytest.raises(ValidationError, match=r"silently use 'example\.com' instead of 'other\.example'"):
        admin.set_settings(EmailSettings(port=587), "other.example")
    assert emulator.count(path="^/api/") == 0


def test_root_must_name_a_domain(make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    root = make_provider(domain=None)
    with pytest.raises(ValidationError, match="no domain of its own"):
        root.get_settings()
    assert emulator.count(path="^/api/") == 0


def test_an_answer_for_another_domain_stops_the_set(make_provider: MakeProvider,
                                                    emulator: WebitelEmulator, stored_doc: Doc) -> None:
    # A configured key/token pair does not tell whose domain it is; the engine's answer does.
    emulator.seed_settings("example.com", stored_doc())
    admin = configured_pair(make_provider, emulator, "admin@example.com", "other.example")
    with pytest.raises(ProviderError, match=r"answered for 'example\.com'"):
        admin.set_settings(EmailSettings(port=587))
    assert writes(emulator) == 0


def test_a_set_is_resent_after_a_dropped_connection(pbx: WebitelProvider, emulator: WebitelEmulator,
                                                    stored_doc: Doc) -> None:
    # POST replaces the whole document, so sending it twice is harmless.
    emulator.seed_settings("example.com", stored_doc())
    emulator.faults.inject(method="POST", path=SETTINGS + "$", drop_after=True)
    assert pbx.set_settings(EmailSettings(port=587)).changed
    assert emulator.settings["example.com"]["options"]["port"] == 587
    assert emulator.count("POST", SETTINGS + "$") == 2


def test_a_configured_pair_without_a_domain_sends_nothing(make_provider: MakeProvider,
                                                          emulator: WebitelEmulator) -> None:
    # ?domain= is always sent, and a key/token pair does not say whose domain it is.
    pair = configured_pair(make_provider, emulator, "admin@example.com")
    for call in (pair.get_settings, pair.delete_settings, lambda: pair.test_settings(to="ops@example.net"),
                 lambda: pair.set_settings(EmailSettings(port=587))):
        with pytest.raises(ValidationError, match="do not tell whose domain"):
            call()
    assert emulator.count() == 0


def test_a_configured_pair_cannot_delete_another_domains_settings(
        make_provider: MakeProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    admin = configured_pair(make_provider, emulator, "admin@example.com", "other.example")
    with pytest.raises(ProviderError, match=r"answered for 'example\.com'"):
        admin.delete_settings()
    assert "example.com" in emulator.settings and emulator.count("DELETE") == 0


def test_a_configured_pair_deletes_in_the_domain_it_names(
        make_provider: MakeProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("other.example", stored_doc())
    root = configured_pair(make_provider, emulator, "root", "other.example")
    assert root.delete_settings() == 1 and root.delete_settings() == 0


def test_a_create_landing_in_the_pairs_own_domain_is_removed_again(
        make_provider: MakeProvider, emulator: WebitelEmulator) -> None:
    admin = configured_pair(make_provider, emulator, "admin@example.com", "other.example")
    with pytest.raises(ProviderError, match=r"stored the settings under 'example\.com'.*removed again"):
        admin.set_settings(EmailSettings(host="smtp.example.com"))
    assert emulator.settings == {} and emulator.count("DELETE") == 1


def test_a_configured_pair_cannot_test_another_domains_settings(
        make_provider: MakeProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    admin = configured_pair(make_provider, emulator, "admin@example.com", "other.example")
    with pytest.raises(ProviderError, match=r"answered for 'example\.com'"):
        admin.test_settings(to="ops@example.net")
    assert emulator.count(path="/test/") == 0


def test_a_token_some_client_stored_in_the_document_does_not_replace_ours(
        pbx: WebitelProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    # The engine reads access_token/x_key from the body before the headers (docs/reference/webitel.md §2).
    stale = emulator.issue_session("root")
    emulator.seed_settings("example.com", {**stored_doc(), "x_key": stale["X-Key"],
                                           "access_token": stale["X-Access-Token"]})
    emulator.expire_tokens()
    pbx.set_settings(EmailSettings(port=587))
    sent = last_write(emulator)
    assert "x_key" not in sent and "access_token" not in sent
    assert emulator.settings["example.com"]["options"]["port"] == 587
