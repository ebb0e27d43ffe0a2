"""The emulator behaves as the engine's source says (reference: docs/reference/webitel.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from smtpcreds_webitel.emulator import ROOT_PASSWORD, WebitelEmulator

Doc = Callable[..., dict[str, Any]]
SETTINGS = "/api/v2/email/settings"


def call(emu: WebitelEmulator, method: str, path: str, headers: dict[str, str] | None = None,
         **kw: Any) -> requests.Response:
    return requests.request(method, emu.base_url + path, headers=headers, timeout=10, **kw)


def root(emu: WebitelEmulator) -> dict[str, str]:
    return emu.issue_session("root")


# -- login and logout -------------------------------------------------------------------------
def test_login_answers_key_token_and_expiry_in_milliseconds(emulator: WebitelEmulator) -> None:
    body = call(emulator, "POST", "/login", json={"username": "admin@example.com",
                                                  "password": "admin-emulator-password"}).json()
    assert re.fullmatch(r"[0-9a-f-]{36}", body["key"]) and body["token"].count(".") == 2
    assert body["expires"] > 10**12
    assert (body["domain"], body["role"], body["roleName"]) == ("example.com", 1, "admin")


def test_root_login_has_no_domain(emulator: WebitelEmulator) -> None:
    body = call(emulator, "POST", "/login", json={"username": "root", "password": ROOT_PASSWORD}).json()
    assert "domain" not in body and body["role"] == 2


@pytest.mark.parametrize(("body", "answer"), [
    ({"username": "", "password": "x"}, {"status": 401, "message": "Invalid credentials"}),
    ({"username": "root", "password": "wrong"}, {"status": "error", "info": "secret incorrect"}),
])
def test_login_errors_are_401_with_the_engines_bodies(emulator: WebitelEmulator, body: dict[str, str],
                                                      answer: dict[str, Any]) -> None:
    resp = call(emulator, "POST", "/login", json=body)
    assert resp.status_code == 401 and resp.json() == answer


def test_login_without_a_json_content_type_sees_no_username(emulator: WebitelEmulator) -> None:
    resp = call(emulator, "POST", "/login", data=f"username=root&password={ROOT_PASSWORD}",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 401 and resp.json()["message"] == "Invalid credentials"


def test_totp_root_login_without_code_is_301_without_location(emulator: WebitelEmulator) -> None:
    emulator.enable_totp("123456")
    resp = call(emulator, "POST", "/login", json={"username": "root", "password": ROOT_PASSWORD},
                allow_redirects=False)
    assert resp.status_code == 301 and "Location" not in resp.headers
    assert resp.json() == {"status": "error", "info": "Set security code"}
    wrong = call(emulator, "POST", "/login?code=000000", json={"username": "root", "password": ROOT_PASSWORD})
    assert wrong.status_code == 401 and wrong.json()["info"] == "code incorrect"


def test_logout_deletes_the_key(emulator: WebitelEmulator) -> None:
    headers = root(emulator)
    resp = call(emulator, "POST", "/logout", headers=headers)
    assert resp.json() == {"status": "OK", "info": "Successful logout."}
    assert call(emulator, "GET", SETTINGS + "?domain=example.com", headers=headers).status_code == 401
    assert call(emulator, "POST", "/logout", headers=headers).json() == {
        "status": "error", "info": "Invalid credentials."}


# -- token checks -----------------------------------------------------------------------------
def test_token_errors_have_the_engines_texts(emulator: WebitelEmulator) -> None:
    headers = root(emulator)
    url = SETTINGS + "?domain=example.com"
    assert call(emulator, "GET", url).json()["info"] == "Invalid token"
    assert call(emulator, "GET", url, headers={"X-Access-Token": "a.b.c"}).json()["info"] == "Invalid token"
    no_key = call(emulator, "GET", url, headers={"X-Access-Token": headers["X-Access-Token"]})
    assert (no_key.status_code, no_key.json()["info"]) == (401, "Invalid Token or Key")
    other = {**headers, "X-Key": "00000000-0000-4000-8000-000000000000"}
    assert call(emulator, "GET", url, headers=other).json()["info"] == "Invalid User"


def test_expired_tokens_are_401_or_400_on_old_engines(emulator: WebitelEmulator) -> None:
    headers = root(emulator)
    emulator.expire_tokens()
    url = SETTINGS + "?domain=example.com"
    resp = call(emulator, "GET", url, headers=headers)
    assert (resp.status_code, resp.json()["info"]) == (401, "Token Expired")
    emulator.legacy_token_errors = True
    assert call(emulator, "GET", url, headers=headers).status_code == 400


def test_credentials_are_also_read_from_the_query(emulator: WebitelEmulator) -> None:
    headers = root(emulator)
    resp = call(emulator, "DELETE", SETTINGS, params={"domain": "example.com", "x_key": headers["X-Key"],
                                                      "access_token": headers["X-Access-Token"]})
    assert resp.status_code == 200


@pytest.mark.parametrize("path", [SETTINGS, "/login"])
def test_malformed_json_is_400_in_the_envelope_before_auth(emulator: WebitelEmulator, path: str) -> None:
    resp = call(emulator, "POST", path, data="{", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["status"] == "error" and resp.json()["info"]


def test_unknown_api_paths_are_401_unauthenticated_and_404_otherwise(emulator: WebitelEmulator) -> None:
    assert call(emulator, "GET", "/api/v2/nothing").status_code == 401
    resp = call(emulator, "GET", "/api/v2/nothing", headers=root(emulator))
    assert resp.status_code == 404
    assert resp.json() == {"status": "error", "info": "/api/v2/nothing not found."}


# -- settings ---------------------------------------------------------------------------------
def test_post_upserts_with_an_object_id_and_the_server_domain(emulator: WebitelEmulator,
                                                              stored_doc: Doc) -> None:
    headers = root(emulator)
    url = SETTINGS + "?domain=example.com"
    first = call(emulator, "POST", url, headers=headers, json=stored_doc()).json()
    assert re.fullmatch(r"[0-9a-f]{24}", first["_id"]) and first["domain"] == "example.com"
    second = call(emulator, "POST", SETTINGS + "?domain=example.com", headers=headers,
                  json={"provider": "smtp", "options": {"host": "h"}})
    assert second.status_code == 200
    assert second.json() == {"_id": first["_id"], "provider": "smtp", "options": {"host": "h"},
                             "domain": "example.com"}


def test_put_replaces_the_whole_document(emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    resp = call(emulator, "PUT", SETTINGS + "?domain=example.com", headers=root(emulator),
                json={"provider": "smtp", "options": {"host": "h"}})
    assert resp.status_code == 200 and "from" not in resp.json() and "description" not in resp.json()


def test_put_that_changes_nothing_or_finds_nothing_is_404(emulator: WebitelEmulator, stored_doc: Doc) -> None:
    headers = root(emulator)
    missing = call(emulator, "PUT", SETTINGS + "?domain=example.com", headers=headers, json=stored_doc())
    assert missing.status_code == 404 and missing.json() == {"status": "error", "info": "Not found."}
    emulator.seed_settings("example.com", stored_doc())
    same = call(emulator, "PUT", SETTINGS + "?domain=example.com", headers=headers, json=stored_doc())
    assert same.status_code == 404


@pytest.mark.parametrize("body", [{"options": {"host": "h"}}, {"provider": "smtp"}, {"provider": "",
                                                                                      "options": {}}])
def test_post_without_provider_or_options_is_bad_parameters(emulator: WebitelEmulator,
                                                            body: dict[str, Any]) -> None:
    resp = call(emulator, "POST", SETTINGS + "?domain=example.com", headers=root(emulator), json=body)
    assert resp.status_code == 400 and resp.json() == {"status": "error", "info": "Bad parameters."}


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_post_without_json_content_type_ignores_the_body(emulator: WebitelEmulator,
                                                         content_type: str | None) -> None:
    headers = root(emulator) if content_type is None else {**root(emulator), "Content-Type": content_type}
    resp = call(emulator, "POST", SETTINGS + "?domain=example.com", headers=headers,
                data='{"provider": "smtp", "options": {"host": "h"}}')
    assert "content-type" not in emulator.requests[-1].headers or content_type is not None
    assert resp.status_code == 400 and resp.json() == {"status": "error", "info": "Bad parameters."}
    assert emulator.settings == {}


def test_a_foreign_id_in_the_body_is_a_mongo_500(emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    resp = call(emulator, "POST", SETTINGS + "?domain=example.com", headers=root(emulator),
                json={**stored_doc(), "_id": "000000000000000000000000"})
    assert resp.status_code == 500 and resp.json()["code"] == 66


def test_a_domain_admins_query_domain_is_ignored(emulator: WebitelEmulator, stored_doc: Doc) -> None:
    headers = emulator.issue_session("admin@example.com")
    resp = call(emulator, "POST", SETTINGS + "?domain=other.example", headers=headers, json=stored_doc())
    assert resp.json()["domain"] == "example.com" and set(emulator.settings) == {"example.com"}


def test_root_get_without_domain_is_400(emulator: WebitelEmulator) -> None:
    resp = call(emulator, "GET", SETTINGS, headers=root(emulator))
    assert resp.status_code == 400 and resp.json()["info"] == "Bad request (domain required)."


def test_get_of_nothing_is_404_not_found(emulator: WebitelEmulator) -> None:
    resp = call(emulator, "GET", SETTINGS + "?domain=example.com", headers=root(emulator))
    assert resp.status_code == 404 and resp.json() == {"status": "error", "info": "Not found!"}


def test_delete_reports_the_count_with_a_capital_info(emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    headers = root(emulator)
    assert call(emulator, "DELETE", SETTINGS + "?domain=example.com", headers=headers).json() == {
        "status": "OK", "Info": "Removed 1 record."}
    assert call(emulator, "DELETE", SETTINGS + "?domain=example.com", headers=headers).json()["Info"] == (
        "Removed 0 record.")


def test_the_test_route_takes_the_recipient_from_the_body(emulator: WebitelEmulator,
                                                          smtp_server: Any) -> None:
    smtp_server.issue("pbx@example.com", "right-fake-smtp-password")
    emulator.seed_settings("example.com", {"provider": "smtp", "from": "pbx@example.com", "options": {
        "host": smtp_server.host, "port": smtp_server.port, "secure": False,
        "auth": {"user": "pbx@example.com", "pass": "right-fake-smtp-password"}}})
    resp = call(emulator, "POST", "/api/v2/email/settings/test?domain=example.com", headers=root(emulator),
                json={"to": "ops@example.net"})
    assert resp.status_code == 200 and resp.json()["info"]["accepted"] == ["ops@example.net"]


def test_the_test_route_refuses_a_provider_other_than_smtp(emulator: WebitelEmulator,
                                                           stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", {**stored_doc(), "provider": "sendgrid"})
    resp = call(emulator, "POST", "/api/v2/email/settings/test/ops@example.net?domain=example.com",
                headers=root(emulator))
    assert resp.status_code == 500 and resp.json()["info"] == "Bad provider name."
