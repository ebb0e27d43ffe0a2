"""Bad provider responses: every client operation, against the real emulators with a random
answer injected in place of the real one — random and malformed JSON, right envelopes with wrong
types or missing fields, truncated, empty, huge and HTML bodies, wrong content types, odd
Retry-After headers, answers slower than the profile's timeout — and against a raw socket server
that breaks HTTP itself (no answer, a garbage status line, a body cut short).

Every case either succeeds or raises an SmtpCredsError subclass whose message is one clear line
naming the provider; nothing else escapes (no KeyError, TypeError, AttributeError, ValueError or
pydantic error) and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from smtpcreds import transport
from smtpcreds.client import Connection, connect
from smtpcreds.emulator.http import Fault
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import SmtpCredsError, TransportError

SCALE = float(os.environ.get("SMTPCREDS_FUZZ_SCALE", "1"))
#: The profiles' timeout in these tests, and the longest any one operation may take.
TIMEOUT = 0.25
BOUND = 8.0


@dataclass
class Operation:
    profile: str
    emulator: str
    method: str
    path: str  # regex of the request the random answer replaces
    run: Callable[[Connection, str], Any]
    #: Webitel: drop the cached session first, so the login request is made.
    fresh_login: bool = False


def _set_settings(c: Connection, ref: str) -> Any:
    """A change every time (an unchanged document is not written, so nothing would be sent)."""
    return c.settings.set(host="smtp.example.com", port=587, security="starttls", username="fuzz@example.com",
                          password=SecretStr("Fuzz-Settings-Secret-1"), description=f"fuzz {time.monotonic_ns()}")


OPERATIONS: dict[str, Operation] = {
    "mailersend-list": Operation("ms", "mailersend", "GET", r"/smtp-users$",
                                 lambda c, ref: list(c.credentials.list())),
    "mailersend-get": Operation("ms", "mailersend", "GET", r"/smtp-users/[^/]+$",
                                lambda c, ref: c.credentials.get(ref)),
    "mailersend-create": Operation("ms", "mailersend", "POST", r"/smtp-users$",
                                   lambda c, ref: c.credentials.create("fuzz-new")),
    "smtp2go-view": Operation("relay", "smtp2go", "POST", r"^/users/smtp/view$",
                              lambda c, ref: list(c.credentials.list())),
    "smtp2go-get": Operation("relay", "smtp2go", "POST", r"^/users/smtp/view$",
                             lambda c, ref: c.credentials.get(ref)),
    "smtp2go-add": Operation("relay", "smtp2go", "POST", r"^/users/smtp/add$",
                             lambda c, ref: c.credentials.create("fuzz-new")),
    "webitel-login": Operation("pbx", "webitel", "POST", r"^/login$", lambda c, ref: c.settings.get(),
                               fresh_login=True),
    "webitel-get": Operation("pbx", "webitel", "GET", r"^/api/v2/email/settings$",
                             lambda c, ref: c.settings.get()),
    "webitel-set": Operation("pbx", "webitel", "POST", r"^/api/v2/email/settings$", _set_settings),
}

# -- random answers --------------------------------------------------------------------------
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10,
)
anything = st.one_of(json_values, st.sampled_from(["", "x", 0, -1, True, None, [], {}, "2024-01-01T00:00:00Z"]))


def shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with some of the keys a provider uses, each holding anything."""
    return st.dictionaries(st.sampled_from(keys), anything, max_size=len(keys))


MS_USER = ["id", "name", "username", "password", "server", "port", "enabled", "domain_id", "accessed_at"]
S2G_USER = ["username", "email_password", "status", "sending_allowed", "custom_ratelimit", "description"]
WEBITEL_DOC = ["_id", "provider", "from", "description", "domain", "options"]
envelopes = st.one_of(
    st.builds(lambda d: {"data": d}, st.one_of(shaped(MS_USER), anything)),
    st.builds(lambda items, links: {"data": items, "links": links},
              st.lists(st.one_of(shaped(MS_USER), anything), max_size=3),
              st.one_of(anything, shaped(["next", "prev"]))),
    st.builds(lambda results, extra: {"request_id": "r", "data": {"results": results, **extra}},
              st.one_of(st.lists(st.one_of(shaped(S2G_USER), anything), max_size=3), anything),
              shaped(["error", "error_code", "field_validation_errors"])),
    st.builds(lambda data: {"request_id": "r", "data": data}, anything),
    st.builds(lambda opts, doc: {**doc, "options": opts},
              shaped(["host", "port", "secure", "auth", "tls"]), shaped(WEBITEL_DOC)),
    shaped(["key", "token", "expires", "domain", "username", "status", "info", "message", "code", "errors"]),
    json_values,
)


def truncated(doc: Any, cut: float) -> bytes:
    raw = json.dumps(doc).encode()
    return raw[: int(len(raw) * cut)]


raw_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([
        b"", b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        b"<!DOCTYPE html><html><body>Cloudflare: Attention Required!</body></html>",
        b"OK", b"null", b"[]", b"{}", b'{"data":', b"\xff\xfe{\x00}", b"   ", b"{\"data\": NaN}",
    ]),
    st.builds(truncated, envelopes, st.floats(0.0, 0.95)),
)
HUGE = json.dumps({"data": [{"id": f"id{i}", "username": f"user{i}", "name": "x" * 40}
                            for i in range(20_000)]}).encode()  # about 1.5 MB
statuses = st.sampled_from([200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 409, 418, 422, 429,
                            500, 502, 503, 504, 520])
content_types = st.sampled_from([None, "application/json", "text/html; charset=UTF-8", "text/plain", "",
                                 "application/octet-stream", "application/json; charset=latin-1"])
wait_headers = st.dictionaries(
    st.sampled_from(["Retry-After", "x-ratelimit-reset"]),
    st.sampled_from(["0", "soon", "-1", "nan", "inf", "1e99", "", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999"]),
    max_size=2,
)


@st.composite
def answers(draw: st.DrawFn) -> Fault:
    body: Any = draw(st.one_of(envelopes, envelopes, envelopes, raw_bodies, raw_bodies, st.just(HUGE)))
    headers = dict(draw(wait_headers))
    ctype = draw(content_types)
    if ctype is not None:
        headers["Content-Type"] = ctype
    # Answers slower than the timeout: test_an_answer_slower_than_the_timeout_... (each costs a timeout)
    slow = draw(st.sampled_from([0.0, 0.0, 0.0, 0.05]))
    return Fault(status=draw(statuses), body=body if body != b"" else "", headers=headers, latency=slow,
                 times=draw(st.sampled_from([1, 1, None])))


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without backoff sleeps, so hundreds of cases stay fast (Retry-After still counts)."""
    make = transport.make_retry
    monkeypatch.setattr(transport, "make_retry",
                        lambda total, backoff, *args: make(total, 0.0, *args))


@pytest.fixture
def one_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """One retry without backoff: the retry path is exercised, and a broken server costs two timeouts."""
    make = transport.make_retry
    monkeypatch.setattr(transport, "make_retry",
                        lambda total, backoff, *args: make(1, 0.0, *args))


@pytest.fixture
def world(lab: Lab, no_backoff: None) -> Iterator[dict[str, Any]]:
    cfg = lab.config()
    for prof in cfg.profiles.values():
        prof.timeout = TIMEOUT
    conns = {name: connect(name, config=cfg) for name in ("ms", "relay", "pbx")}
    refs = {"ms": conns["ms"].credentials.create("fuzz-app").id,
            "relay": conns["relay"].credentials.create("fuzz-app").id, "pbx": ""}
    _set_settings(conns["pbx"], "")
    yield {"lab": lab, "conns": conns, "refs": refs}
    for c in conns.values():
        c.close()


def check_error(e: BaseException, provider: str) -> None:
    assert isinstance(e, SmtpCredsError), f"{type(e).__name__} escaped: {e!r}"
    assert e.message.strip() and "\n" not in e.message, f"not one line: {e.message!r}"
    assert len(e.message) < 600, f"message too long ({len(e.message)} chars): {e.message[:200]!r}"
    assert provider in e.message, f"message does not name {provider}: {e.message!r}"
    assert "Traceback" not in e.message


def run_operation(world: dict[str, Any], name: str, fault: Fault) -> str:
    """Inject ``fault`` in place of the operation's request, run it; 'ok' or the error's class name."""
    op = OPERATIONS[name]
    lab: Lab = world["lab"]
    conn: Connection = world["conns"][op.profile]
    if op.fresh_login:
        conn.provider.auth.forget()  # type: ignore[attr-defined]
    fault.method, fault.path = op.method, op.path
    emulator = lab.emulators[op.emulator]
    emulator.faults.inject(fault)
    started = time.monotonic()
    try:
        op.run(conn, world["refs"][op.profile])
        outcome = "ok"
    except Exception as e:
        check_error(e, op.emulator)
        outcome = type(e).__name__
    finally:
        emulator.faults.clear()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"{name} took {elapsed:.1f}s (bound {BOUND}s)"
    return outcome


@pytest.mark.parametrize("name", list(OPERATIONS))
@settings(max_examples=max(1, int(30 * SCALE)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(fault=answers())
def test_any_answer_gives_a_result_or_a_clear_smtpcreds_error(name: str, fault: Fault,
                                                              world: dict[str, Any]) -> None:
    event(run_operation(world, name, fault))


# -- the cases the random search found, kept as regressions -------------------------------------
def test_unparseable_rate_limit_reset_header_is_a_clear_error(world: dict[str, Any]) -> None:
    """x-ratelimit-reset: nan made the retry sleep raise ValueError (time.sleep(nan))."""
    outcome = run_operation(world, "mailersend-list",
                            Fault(status=503, headers={"x-ratelimit-reset": "nan"}, times=None))
    assert outcome == "ProviderError"


@pytest.mark.parametrize("name", ["mailersend-list", "mailersend-create", "smtp2go-add", "webitel-get",
                                  "webitel-set"])
def test_an_answer_slower_than_the_timeout_is_a_bounded_transport_error(name: str, one_retry: None,
                                                                        world: dict[str, Any]) -> None:
    outcome = run_operation(world, name, Fault(status=200, body={}, latency=TIMEOUT * 2, times=None))
    assert outcome == "TransportError"


# -- HTTP itself broken ----------------------------------------------------------------------------
class RawServer(socketserver.ThreadingTCPServer):
    """Reads one request and answers with ``reply`` bytes as given (then waits ``hold`` and closes)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, reply: bytes, hold: float = 0.0) -> None:
        self.reply, self.hold = reply, hold
        self.stop = threading.Event()

        class Handler(socketserver.BaseRequestHandler):
            def handle(inner) -> None:
                inner.request.recv(65536)
                if self.reply:
                    inner.request.sendall(self.reply)
                self.stop.wait(self.hold)
                with contextlib.suppress(OSError):
                    inner.request.shutdown(socket.SHUT_RDWR)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


BROKEN_HTTP = {
    "no answer": b"",
    "garbage status line": b"HELLO WORLD\r\n\r\n",
    "body cut short": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"data\": [",
    "bad chunking": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    "headers then silence": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
    "bad header line": b"HTTP/1.1 200 OK\r\nthis is not a header\r\nContent-Length: 2\r\n\r\n{}",
    "http/0.9 answer": b"{\"data\": []}",
    "status 999": b"HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n",
}


@pytest.mark.parametrize("case", list(BROKEN_HTTP))
@pytest.mark.parametrize("provider", ["mailersend", "smtp2go", "webitel"])
def test_broken_http_is_a_clear_error_within_the_timeout(case: str, provider: str, one_retry: None) -> None:
    server = RawServer(BROKEN_HTTP[case], hold=TIMEOUT * 3)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    fields: dict[str, Any] = {
        "mailersend": {"api_token": "mlsn.raw-test-token", "domain_id": "d1", "base_url": base + "/v1"},
        "smtp2go": {"api_key": "api-RAWTEST0000", "base_url": base + "/v3"},
        "webitel": {"username": "admin@example.com", "password": "raw-test-password", "base_url": base},
    }[provider]
    started = time.monotonic()
    try:
        with connect(provider=provider, timeout=TIMEOUT, **fields) as conn:
            if provider == "webitel":
                conn.settings.get()
            else:
                list(conn.credentials.list())
    except Exception as e:
        check_error(e, provider)
        assert isinstance(e, (TransportError, SmtpCredsError))
    else:
        pytest.fail(f"{case}: a broken answer was accepted")
    finally:
        server.close()
    assert time.monotonic() - started < BOUND
