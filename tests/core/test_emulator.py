"""The emulator framework: the SMTP server in every mode, SMTP verification, fault injection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from pydantic import SecretStr

from smtpcreds.emulator.http import EmulatorServer, Request, Response, route
from smtpcreds.emulator.smtp import Mode, SmtpServer
from smtpcreds.errors import AuthError, ConfigError
from smtpcreds.models import SmtpLogin
from smtpcreds.rotation.verify import verify_login


@pytest.fixture(params=["none", "starttls", "ssl"])
def smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    mode: Mode = request.param
    with SmtpServer(mode) as server:
        monkeypatch.setenv("SMTPCREDS_SMTP_CA_FILE", server.ca_file)
        yield server


def login(server: SmtpServer, user: str, pw: str) -> SmtpLogin:
    return SmtpLogin(host="127.0.0.1", port=server.port, security=server.mode, username=user,
                     password=SecretStr(pw))


def test_issued_login_is_verified_in_every_mode(smtp: SmtpServer) -> None:
    smtp.issue("app@example.com", "Issued-Pass-123456")
    verify_login(login(smtp, "app@example.com", "Issued-Pass-123456"))


def test_wrong_password_is_rejected_in_every_mode(smtp: SmtpServer) -> None:
    smtp.issue("app@example.com", "Issued-Pass-123456")
    with pytest.raises(AuthError, match="rejected the login"):
        verify_login(login(smtp, "app@example.com", "Wrong-Pass-123456"))


def test_retired_login_is_rejected(smtp: SmtpServer) -> None:
    smtp.issue("app@example.com", "Issued-Pass-123456")
    smtp.retire("app@example.com")
    with pytest.raises(AuthError):
        verify_login(login(smtp, "app@example.com", "Issued-Pass-123456"))


def test_keys_sharing_a_username_each_log_in_until_revoked() -> None:
    with SmtpServer("none") as server:
        server.issue_key("apikey", "SG.first.key-123456")
        server.issue_key("apikey", "SG.second.key-123456")
        verify_login(login(server, "apikey", "SG.first.key-123456"))
        verify_login(login(server, "apikey", "SG.second.key-123456"))
        server.revoke_key("apikey", "SG.first.key-123456")
        with pytest.raises(AuthError):
            verify_login(login(server, "apikey", "SG.first.key-123456"))
        verify_login(login(server, "apikey", "SG.second.key-123456"))


def test_plain_smtp_is_refused_to_a_remote_host() -> None:
    remote = SmtpLogin(host="smtp.example.com", port=25, security="none", username="u", password=SecretStr("p"))
    with pytest.raises(ConfigError, match="loopback only"):
        verify_login(remote)


def test_server_delivers_messages_from_authenticated_users() -> None:
    with SmtpServer("none") as server:
        server.issue("app@example.com", "Issued-Pass-123456")
        server.send_test("app@example.com", "Issued-Pass-123456", "ops@example.com")
        assert server.delivered[0].username == "app@example.com"
        assert server.delivered[0].rcpt_tos == ["ops@example.com"]


class Tiny(EmulatorServer):
    name = "tiny"
    root_path = "/api"

    @route("GET", r"/ping")
    def ping(self, req: Request) -> Response:
        return Response.json({"ok": True})

    @route("POST", r"/items/(?P<item>\w+)")
    def post_item(self, req: Request) -> Response:
        return Response.json({"item": req.params["item"], "body": req.json()}, 201)


@pytest.fixture
def tiny() -> Iterator[Tiny]:
    with Tiny() as server:
        yield server


def test_routes_params_and_unknown_paths(tiny: Tiny) -> None:
    assert requests.post(tiny.base_url + "/items/a1", json={"x": 1}, timeout=5).json() == {
        "item": "a1", "body": {"x": 1}}
    assert requests.get(tiny.base_url + "/nope", timeout=5).status_code == 404
    assert requests.delete(tiny.base_url + "/ping", timeout=5).status_code == 405
    assert requests.get(tiny.origin + "/outside", timeout=5).status_code == 404


def test_injected_status_applies_the_given_number_of_times(tiny: Tiny) -> None:
    tiny.faults.inject(status=503, times=2)
    codes = [requests.get(tiny.base_url + "/ping", timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_injected_429_with_and_without_retry_after(tiny: Tiny) -> None:
    tiny.faults.inject(status=429, headers={"Retry-After": "7"}, times=1)
    tiny.faults.inject(status=429, times=1)
    first = requests.get(tiny.base_url + "/ping", timeout=5)
    second = requests.get(tiny.base_url + "/ping", timeout=5)
    assert first.headers.get("Retry-After") == "7" and "Retry-After" not in second.headers


def test_dropped_connection(tiny: Tiny) -> None:
    tiny.faults.inject(drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(tiny.base_url + "/ping", timeout=5)


def test_fault_matches_method_and_path(tiny: Tiny) -> None:
    tiny.faults.inject(status=500, method="POST", path=r"^/items/", times=1)
    assert requests.get(tiny.base_url + "/ping", timeout=5).status_code == 200
    assert requests.post(tiny.base_url + "/items/z", json={}, timeout=5).status_code == 500


def test_rate_limit_per_minute(tiny: Tiny) -> None:
    tiny.rate_limit_per_minute = 3
    codes = [requests.get(tiny.base_url + "/ping", timeout=5).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_requests_are_recorded(tiny: Tiny) -> None:
    requests.post(tiny.base_url + "/items/b", json={"k": "v"}, timeout=5)
    assert tiny.count("POST", r"^/items/b$") == 1
    assert tiny.requests[-1].json() == {"k": "v"}
