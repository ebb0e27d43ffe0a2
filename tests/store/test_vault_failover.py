"""What a cluster answers during a leader change, forced in front of a real OpenBao.

A node placed before the real server answers ``sys/health`` as the active node would, then
disturbs the KV requests the way OpenBao 2.7 does while a new leader takes over
(docs/reference/openbao-vault.md): a standby redirects writes (307) to the dead leader, and the
new leader's KV v2 mount answers 400 "Waiting for the primary to upgrade ..." for a moment.
The store must retry both, within its bound, and the write must land exactly once.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from smtpcreds.store.settings import StoreSettings
from smtpcreds.store.vault import kv as vault
from smtpcreds.testing.openbao import OpenBao, free_port

from .conftest import kv_data

WAITING = ("Waiting for the primary to upgrade from non-versioned to versioned data. This backend will "
           "be unavailable for a brief period and will resume service shortly.")


class FrontNode:
    """A loopback node that claims to be active, disturbs ``disturb`` KV requests, then forwards."""

    def __init__(self, real: str, mode: str, disturb: int) -> None:
        self.real, self.mode, self.disturb = real, mode, disturb
        self.dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the leader that died
        self.disturbed: list[str] = []
        self.forwarded: list[str] = []
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/v1/sys/health"):
                    return self._send(200, b'{"initialized": true, "sealed": false, "standby": false}')
                if node.mode == "lose" and node.disturb > 0 and self.command in ("POST", "PUT"):
                    node.disturb -= 1  # the write lands, its answer is lost with the connection
                    node.disturbed.append(f"{self.command} {self.path}")
                    node._forward(self, body)
                    self.close_connection = True
                    return None
                if node.mode != "lose" and node.disturb > 0:
                    node.disturb -= 1
                    node.disturbed.append(f"{self.command} {self.path}")
                    if node.mode == "redirect":
                        self.send_response(307)
                        self.send_header("Location", node.dead + self.path)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    return self._send(400, json.dumps({"errors": [WAITING]}).encode())
                r = node._forward(self, body)
                return self._send(r.status_code, r.content)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> requests.Response:
        self.forwarded.append(f"{handler.command} {handler.path}")
        headers = {k: v for k, v in handler.headers.items() if k.lower() in ("x-vault-token", "content-type")}
        return requests.request(handler.command, self.real + handler.path, headers=headers, data=body, timeout=10)

    def __enter__(self) -> FrontNode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def prefix(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("VAULT_TOKEN", openbao.token)
    monkeypatch.setattr(vault, "RETRY_DELAY", 0.05)
    vault.reset_clients()
    yield f"t-{uuid.uuid4().hex[:12]}"
    vault.reset_clients()


def test_a_new_leaders_waiting_for_the_primary_answer_is_retried_and_the_write_lands_once(
        openbao: OpenBao, prefix: str) -> None:
    with FrontNode(openbao.url, "waiting", disturb=3) as front:
        kv = vault.VaultKV(StoreSettings(backend="vault", url=[front.url], prefix=prefix))
        version = kv.write("logins/relay/a", {"record": "r1"}, cas=0)
    assert len(front.disturbed) == 3  # (the token look-up and the write itself were both answered so)
    assert any(d.startswith(("POST", "PUT")) and d.endswith("logins/relay/a") for d in front.disturbed)
    assert version == 1  # one write landed: a CAS of 0 on a second landing would have failed
    assert kv_data(openbao, prefix, "logins/relay/a") == {"record": "r1"}


def test_a_standbys_redirect_to_the_dead_leader_goes_on_to_the_next_node(openbao: OpenBao, prefix: str) -> None:
    with FrontNode(openbao.url, "redirect", disturb=1_000) as front:
        kv = vault.VaultKV(StoreSettings(backend="vault", url=[front.url, openbao.url], prefix=prefix))
        kv.write("logins/relay/b", {"record": "r1"}, cas=0)
        data, version = kv.read("logins/relay/b")
    assert front.disturbed  # the first node was tried and redirected to a leader that is gone
    assert (data, version) == ({"record": "r1"}, 1)
    assert kv_data(openbao, prefix, "logins/relay/b") == {"record": "r1"}


def test_a_write_whose_answer_was_lost_is_retried_and_its_landing_is_not_taken_for_a_conflict(
        openbao: OpenBao, prefix: str) -> None:
    kv0 = vault.VaultKV(StoreSettings(backend="vault", url=[openbao.url], prefix=prefix))
    kv0.write("logins/relay/d", {"record": "r1"}, cas=0)
    with FrontNode(openbao.url, "lose", disturb=1) as front:
        kv = vault.VaultKV(StoreSettings(backend="vault", url=[front.url], prefix=prefix))
        version = kv.write("logins/relay/d", {"record": "r2"}, cas=1)
    assert front.disturbed == [f"POST /v1/secret/data/{prefix}/logins/relay/d"]  # it landed, unanswered
    assert version == 2  # the retry's check-and-set refusal was this write's own landing
    assert kv_data(openbao, prefix, "logins/relay/d") == {"record": "r2"}


def test_a_write_refused_after_a_lost_answer_is_a_conflict_when_another_one_landed(
        openbao: OpenBao, prefix: str) -> None:
    kv0 = vault.VaultKV(StoreSettings(backend="vault", url=[openbao.url], prefix=prefix))
    kv0.write("logins/relay/e", {"record": "r1"}, cas=0)
    kv0.write("logins/relay/e", {"record": "theirs"}, cas=1)  # another process wrote version 2
    with FrontNode(openbao.url, "lose", disturb=1) as front:
        kv = vault.VaultKV(StoreSettings(backend="vault", url=[front.url], prefix=prefix))
        with pytest.raises(vault.Conflict):
            kv.write("logins/relay/e", {"record": "mine"}, cas=1)
    assert front.disturbed and kv_data(openbao, prefix, "logins/relay/e") == {"record": "theirs"}


def test_a_waiting_answer_that_never_ends_gives_up_with_one_line_within_its_bound(
        openbao: OpenBao, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.errors import SecretStoreError

    monkeypatch.setattr(vault, "RETRY_SECONDS", 1.0)
    with FrontNode(openbao.url, "waiting", disturb=1_000_000) as front:
        kv = vault.VaultKV(StoreSettings(backend="vault", url=[front.url], prefix=prefix))
        with pytest.raises(SecretStoreError) as stopped:
            kv.write("logins/relay/c", {"record": "r1"}, cas=0)
    assert "\n" not in stopped.value.message and len(front.disturbed) >= 2
    assert kv_data(openbao, prefix, "logins/relay/c") is None
