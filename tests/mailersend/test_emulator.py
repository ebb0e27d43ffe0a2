"""The emulator answers like MailerSend (reference: docs/reference/mailersend.md), checked over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from smtpcreds_mailersend.emulator import API_TOKEN, MailerSendEmulator
from smtpcreds_mailersend.emulator import DEFAULT_DOMAIN_ID as DOMAIN


@pytest.fixture
def http(emulator: MailerSendEmulator) -> Iterator[requests.Session]:
    s = requests.Session()
    s.headers.update({"Authorization": f"Bearer {API_TOKEN}", "Accept": "application/json"})
    yield s
    s.close()


def get(http: requests.Session, emu: MailerSendEmulator, path: str, **params: Any) -> requests.Response:
    return http.get(emu.base_url + path, params=params)


def test_smtp_users_use_the_simple_paginator_without_limit_in_links(
    http: requests.Session, emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(25)
    body = get(http, emulator, f"/domains/{DOMAIN}/smtp-users", limit=10, page=2).json()
    url = f"{emulator.base_url}/domains/{DOMAIN}/smtp-users"
    assert body["links"] == {
        "first": f"{url}?page=1",
        "last": None,
        "prev": f"{url}?page=1",
        "next": f"{url}?page=3",
    }
    assert body["meta"] == {"current_page": 2, "from": 11, "path": url, "per_page": 10, "to": 20}
    assert "total" not in body["meta"]


def test_empty_page_has_null_from_and_to(http: requests.Session, emulator: MailerSendEmulator) -> None:
    body = get(http, emulator, f"/domains/{DOMAIN}/smtp-users").json()
    assert body["data"] == []
    assert (body["meta"]["from"], body["meta"]["to"], body["links"]["next"]) == (None, None, None)


def test_smtp_user_objects_have_the_documented_keys(
    http: requests.Session, emulator: MailerSendEmulator
) -> None:
    (sid,) = emulator.seed_smtp_users(1)
    user = get(http, emulator, f"/domains/{DOMAIN}/smtp-users/{sid}").json()["data"]
    assert set(user) == {
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


def test_users_list_is_bare_data(http: requests.Session, emulator: MailerSendEmulator) -> None:
    assert set(get(http, emulator, "/users").json()) == {"data"}


def test_invites_use_the_length_aware_paginator(http: requests.Session, emulator: MailerSendEmulator) -> None:
    body = get(http, emulator, "/invites").json()
    assert set(body["meta"]) == {
        "current_page",
        "from",
        "last_page",
        "links",
        "path",
        "per_page",
        "to",
        "total",
    }


def test_validation_message_counts_the_other_errors(
    http: requests.Session, emulator: MailerSendEmulator
) -> None:
    resp = http.post(
        emulator.base_url + "/users",
        json={"email": "x@example.com", "role": "Wizard", "permissions": ["nope"], "templates": ["nope"]},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["message"] == "The selected role is invalid. (and 3 more errors)"
    assert body["errors"]["permissions.0"] == ["The selected permissions.0 is invalid."]
    assert body["errors"]["templates"] == ["Templates require a read own templates permission. #MS42224"]


def test_single_error_has_no_count(http: requests.Session, emulator: MailerSendEmulator) -> None:
    resp = http.post(f"{emulator.base_url}/domains/{DOMAIN}/smtp-users", json={"name": "x" * 51})
    assert resp.json()["message"] == "The name may not be greater than 50 characters."


def test_limit_out_of_range_is_a_422(http: requests.Session, emulator: MailerSendEmulator) -> None:
    resp = get(http, emulator, "/invites", limit=5)
    assert resp.status_code == 422
    assert resp.json()["errors"] == {"limit": ["The limit must be at least 10."]}


def test_missing_token_is_401_unauthenticated(emulator: MailerSendEmulator) -> None:
    resp = requests.get(emulator.base_url + "/users", timeout=10)
    assert (resp.status_code, resp.json()) == (401, {"message": "Unauthenticated."})


def test_unknown_domain_is_404_on_every_route(http: requests.Session, emulator: MailerSendEmulator) -> None:
    base = f"{emulator.base_url}/domains/nosuchdomain0000/smtp-users"
    assert http.get(base).status_code == 404
    assert http.post(base, json={"name": "x"}).json() == {"message": "Resource not found."}


def test_create_is_201_and_delete_is_204(http: requests.Session, emulator: MailerSendEmulator) -> None:
    created = http.post(f"{emulator.base_url}/domains/{DOMAIN}/smtp-users", json={"name": "x"})
    assert created.status_code == 201
    deleted = http.delete(f"{emulator.base_url}/domains/{DOMAIN}/smtp-users/{created.json()['data']['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_the_61st_request_in_a_minute_is_a_429_by_default() -> None:
    """reference: docs/reference/mailersend.md §6 and §7: 60 requests/min per account, then #MS42903."""
    with MailerSendEmulator() as emu, requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {API_TOKEN}"
        statuses = [s.get(emu.base_url + "/users").status_code for _ in range(60)]
        limited = s.get(emu.base_url + "/users")
    assert statuses == [200] * 60
    assert limited.status_code == 429
    assert limited.json()["message"] == (
        "Your account reached its rate limit of 60 requests/min. Please wait before trying again. #MS42903"
    )
    assert (limited.headers["x-ratelimit-limit"], limited.headers["x-ratelimit-remaining"]) == ("60", "0")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_api_quota_is_not_counted(http: requests.Session, emulator: MailerSendEmulator) -> None:
    emulator.daily_quota = 0
    body = get(http, emulator, "/api-quota").json()
    assert body["quota"] == 0 and body["remaining"] == 0
    assert get(http, emulator, "/users").status_code == 429


def test_seeding_is_cheap_enough_for_bulk_benchmarks(emulator: MailerSendEmulator) -> None:
    ids = emulator.seed_smtp_users(20_000)
    assert len(set(ids)) == 20_000
    assert len({emulator.smtp_users[DOMAIN][i].username for i in ids}) == 20_000


def test_seeded_logins_are_issued_to_the_smtp_server(smtp_server: Any) -> None:
    with MailerSendEmulator(smtp=smtp_server, rate_limit_per_minute=None) as emu:
        (sid,) = emu.seed_smtp_users(1)
        rec = emu.smtp_user(sid)
        assert rec is not None and smtp_server.accepts(rec.username, rec.password)


def test_connections_set_tcp_nodelay(emulator: MailerSendEmulator) -> None:
    """Keep-alive requests would each wait ~40 ms for a delayed ACK without it (Nagle)."""
    assert emulator._httpd is not None
    assert emulator._httpd.RequestHandlerClass.disable_nagle_algorithm is True  # type: ignore[attr-defined]
