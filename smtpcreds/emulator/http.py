"""A real HTTP server on 127.0.0.1 for provider emulators, with routing and fault injection.

A provider's emulator subclasses :class:`EmulatorServer`, sets ``root_path`` (e.g. ``/v1``)
and declares handlers with :func:`route`::

    class MyEmulator(EmulatorServer):
        name = "myprovider"
        root_path = "/v1"

        @route("GET", r"/things/(?P<thing_id>[^/]+)")
        def get_thing(self, req: Request) -> Response:
            return Response.json({"data": self.things[req.params["thing_id"]]})

Handlers run one at a time under ``self.lock`` (state stays consistent), while injected
latency is spent outside it, so concurrent clients still overlap. Faults are injected with
:meth:`FaultInjector.inject`; every request is recorded in ``server.requests``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

from typing_extensions import Self

from smtpcreds.emulator.smtp import SmtpServer

__all__ = [
    "EmulatorServer", "F", "Fault", "FaultInjector", "Handler", "HttpError", "RecordedRequest", "Request",
    "Response", "route",
]

Handler = Callable[["EmulatorServer", "Request"], "Response"]
F = TypeVar("F", bound=Callable[..., Any])


def route(method: str, pattern: str) -> Callable[[F], F]:
    """Mark a method as the handler of ``method`` on paths matching ``pattern`` (below root_path)."""

    def deco(fn: F) -> F:
        routes = getattr(fn, "_routes", [])
        routes.append((method.upper(), pattern))
        fn._routes = routes  # type: ignore[attr-defined]
        return fn

    return deco


@dataclass
class Request:
    method: str
    path: str  # below root_path
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        """The parsed JSON body; ``None`` when empty; raises :class:`HttpError` 400 when malformed."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(400, {"message": "Malformed JSON body."}) from None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, content_type: str = "text/html; charset=UTF-8") -> Response:
        return cls(status, b"", {"Content-Type": content_type})


class HttpError(Exception):
    """Raise from a handler to answer with an error status and body."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Fault:
    """One injected fault. ``times=None`` keeps it forever; a fault matches method and path regex."""

    method: str | None = None
    path: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    #: Close the connection without an answer, before the handler runs (nothing changes).
    drop: bool = False
    #: Run the handler (the change happens), then close without an answer: an ambiguous failure.
    drop_after: bool = False
    times: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not (self.path and not re.search(self.path, path))


class FaultInjector:
    """Thread-safe list of pending faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(self, fault: Fault | None = None, **kw: Any) -> Fault:
        f = fault or Fault(**kw)
        with self._lock:
            self._faults.append(f)
        return f

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if f.matches(method, path):
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Drop(Exception):
    pass


class EmulatorServer:
    """Base of provider emulators: a threaded HTTP server on 127.0.0.1."""

    name: ClassVar[str] = "emulator"
    #: Path prefix of the API root (``/v1``, ``/v3``, ``/engine``...).
    root_path: ClassVar[str] = ""
    _table: ClassVar[list[tuple[str, re.Pattern[str], str]]]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        table: list[tuple[str, re.Pattern[str], str]] = []
        for klass in reversed(cls.__mro__):
            for attr, fn in vars(klass).items():
                for method, pattern in getattr(fn, "_routes", []):
                    table.append((method, re.compile(pattern + r"\Z"), attr))
        cls._table = table

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0) -> None:
        self.smtp = smtp
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self.requests: deque[RecordedRequest] = deque(maxlen=10_000)
        self.latency = 0.0
        #: Requests per minute before 429s (None: unlimited).
        self.rate_limit_per_minute: int | None = None
        self._window: deque[float] = deque()
        self._window_lock = threading.Lock()
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- to override ------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        """The provider's error envelope for an injected or generic error."""
        return {"message": message}

    def rate_limited(self, retry_after: float) -> Response:
        """The provider's 429 answer (headers and body)."""
        return Response.json(self.error_body(429, "Too Many Requests"), 429,
                             {"Retry-After": str(max(1, round(retry_after)))})

    def authorize(self, req: Request) -> None:
        """Raise HttpError(401) when the request's credentials are wrong."""

    def client_profile(self) -> dict[str, Any]:
        """Profile fields that point a client at this emulator (provider, base_url, key, scope)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe a client profile")

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        assert self._httpd is not None, "emulator not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + self.root_path

    def start(self) -> Self:
        handler = type("_Handler", (_RequestHandler,), {"emulator": self})
        self._httpd = _QuietServer(("127.0.0.1", self._port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{self.name}-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch -------------------------------------------------------------------------
    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many recorded requests match ``method`` and the ``path`` regex."""
        return sum(
            1 for r in list(self.requests)
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        )

    def _check_rate(self) -> float | None:
        limit = self.rate_limit_per_minute
        if not limit:
            return None
        now = time.monotonic()
        with self._window_lock:
            while self._window and now - self._window[0] >= 60:
                self._window.popleft()
            if len(self._window) >= limit:
                return 60 - (now - self._window[0])
            self._window.append(now)
        return None

    def dispatch(self, req: Request) -> Response:
        fault = self.faults.take(req.method, req.path)
        delay = self.latency + (fault.latency if fault else 0.0)
        if delay:
            time.sleep(delay)
        if fault and fault.drop:
            raise _Drop
        if fault and fault.status:
            body = fault.body if fault.body is not None else self.error_body(fault.status, "Injected fault")
            if isinstance(body, (bytes, str)):
                raw = body.encode() if isinstance(body, str) else body
                ctype = "text/html; charset=UTF-8" if raw.lstrip().startswith(b"<") else "text/plain"
                return Response(fault.status, raw, {"Content-Type": ctype, **fault.headers})
            return Response.json(body, fault.status, fault.headers)
        wait = self._check_rate()
        if wait is not None:
            return self.rate_limited(wait)
        resp = self._route(req)
        if fault and fault.drop_after:
            raise _Drop
        return resp

    def _route(self, req: Request) -> Response:
        allowed = False
        for method, pattern, attr in self._table:
            m = pattern.match(req.path)
            if not m:
                continue
            allowed = True
            if method != req.method:
                continue
            req.params = m.groupdict()
            try:
                with self.lock:
                    self.authorize(req)
                    resp: Response = getattr(self, attr)(req)
                    return resp
            except HttpError as e:
                body = e.body if e.body is not None else self.error_body(e.status, "Error")
                return Response.json(body, e.status, e.headers)
        if allowed:
            return Response.json(self.error_body(405, "Method not allowed."), 405)
        return self.not_found(req)

    def not_found(self, req: Request) -> Response:
        return Response.json(self.error_body(404, f"{req.path} not found."), 404)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Dropped connections (injected faults, clients going away) are expected here."""


class _RequestHandler(BaseHTTPRequestHandler):
    emulator: ClassVar[EmulatorServer]
    protocol_version = "HTTP/1.1"
    server_version = "smtpcreds-emulator"
    # Without TCP_NODELAY every keep-alive response waits ~40 ms for delayed ACKs.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        emu = self.emulator
        parts = urlsplit(self.path)
        path = parts.path
        root = emu.root_path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qs(parts.query, keep_blank_values=True)
        if root and not (path == root or path.startswith(root + "/")):
            resp = emu.not_found(Request(self.command, path, query, headers, body))
        else:
            sub = path[len(root):] or "/"
            emu.requests.append(RecordedRequest(self.command, sub, query, headers, body))
            req = Request(self.command, sub, query, headers, body)
            try:
                resp = emu.dispatch(req)
            except _Drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            except Exception as e:  # an emulator bug: answer 500 like a real server would
                resp = Response.json(emu.error_body(500, f"Server Error: {type(e).__name__}"), 500)
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
