"""HTTP transport shared by every provider client.

One :class:`requests.Session` per client (keep-alive), ``User-Agent: smtpcreds/<version>``,
connect and read timeouts always set, retries by urllib3 :class:`~urllib3.util.Retry`:

* idempotent requests (GET/PUT/DELETE/PATCH, or any request marked ``idempotent=True``, such
  as SMTP2GO's read-only POST ``/users/smtp/view``) are retried on connection errors and on
  429/502/503/504 with exponential backoff, honouring ``Retry-After`` (capped) — except that a
  PUT or PATCH is not re-sent after a read timeout, when the server may still carry it out
  (a late original would undo what a re-sent copy and later requests set);
* a non-idempotent request (a create) is sent exactly once: after an ambiguous failure the
  caller reconciles (lists and matches) instead of re-sending, so no duplicate appears.

Error responses become exceptions of :mod:`smtpcreds.errors`; each provider supplies a parser
for its error body. HTML or empty bodies still give a clear error with the status.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.utils import resolve_proxies
from typing_extensions import Self
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from smtpcreds._version import __version__
from smtpcreds.errors import (
    AuthError,
    NotFound,
    ProviderError,
    RateLimited,
    SmtpCredsError,
    TransportError,
    ValidationError,
)
from smtpcreds.redact import redact, register

__all__ = [
    "CONNECT_TIMEOUT",
    "IDEMPOTENT",
    "LATE_WRITES",
    "MAX_RETRY_AFTER",
    "USER_AGENT",
    "ErrorDetail",
    "ErrorParser",
    "HttpTransport",
    "expect",
    "make_retry",
    "parse_json",
]

log = logging.getLogger("smtpcreds.http")

USER_AGENT = f"smtpcreds/{__version__}"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
#: Writes that are not re-sent after a read timeout (see :meth:`_Retry.increment`).
LATE_WRITES = frozenset({"PUT", "PATCH"})
CONNECT_TIMEOUT = 5.0
#: A server asking us to wait longer than this gets a RateLimited error instead of a sleep.
MAX_RETRY_AFTER = 30.0


@dataclass
class ErrorDetail:
    """What a provider's error body says."""

    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    code: str | None = None
    #: Force an exception class (e.g. SMTP2GO's 400 ENDPOINT_PERMISSION_DENIED is an AuthError).
    kind: type[SmtpCredsError] | None = None
    retry_after: float | None = None


ErrorParser = Callable[[requests.Response, Any], ErrorDetail | None]


class _Retry(Retry):
    """urllib3 Retry that also reads extra wait headers and refuses waits beyond a cap."""

    extra_wait_headers: tuple[str, ...] = ()
    #: A provider's "this answer will not change on retry" test (e.g. a spent daily quota).
    give_up: Callable[[BaseHTTPResponse], bool] | None = None

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            for name in self.extra_wait_headers:
                raw = response.headers.get(name)
                if raw:
                    value = _seconds(raw)
                    if value is not None:
                        break
        return value

    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after is not None:
            time.sleep(min(retry_after, MAX_RETRY_AFTER))
            return True
        return False

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError) and (method or "").upper() in LATE_WRITES:
            # The server may still carry the change out: a re-sent PUT/PATCH could land before it,
            # and the late original would then undo whatever a later request set (a rotation's
            # password). Surface the ambiguity instead; the caller resumes with the same values.
            raise MaxRetryError(_pool, url or "", error)  # type: ignore[arg-type]
        if response is not None and self.give_up is not None and self.give_up(response):
            # With raise_on_status off, urllib3 hands this answer back to the caller.
            raise MaxRetryError(_pool, url or "", ResponseError("the provider says retrying cannot help"))  # type: ignore[arg-type]
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > MAX_RETRY_AFTER:
                # Too long to sleep inside a command: hand the 429 back to the caller.
                raise MaxRetryError(_pool, url or "", ResponseError("asked to wait too long"))  # type: ignore[arg-type]
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        new.extra_wait_headers, new.give_up = self.extra_wait_headers, self.give_up
        return new


def _seconds(raw: str) -> float | None:
    try:
        v = float(raw)
    except ValueError:
        return None
    if not math.isfinite(v):  # "nan" would reach time.sleep() and raise ValueError
        return None
    if v > 1e9:  # an epoch timestamp
        v = v - time.time()
    return max(v, 0.0)


def make_retry(total: int, backoff: float, wait_headers: Iterable[str] = (),
               give_up: Callable[[BaseHTTPResponse], bool] | None = None) -> Retry:
    r = _Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff,
        backoff_max=8.0,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=None,  # the adapter choice decides idempotency
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    r.extra_wait_headers, r.give_up = tuple(wait_headers), give_up
    return r


class HttpTransport:
    """Sends requests to one provider API and turns failures into smtpcreds errors."""

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        verify_tls: bool = True,
        retries: int = 3,
        backoff: float = 0.3,
        error_parser: ErrorParser | None = None,
        wait_headers: Iterable[str] = (),
        give_up: Callable[[BaseHTTPResponse], bool] | None = None,
        secrets: Iterable[str] = (),
        adapter: BaseAdapter | None = None,
    ) -> None:
        """``wait_headers``: headers besides ``Retry-After`` that say how long to wait;
        ``give_up``: true for an answer that retrying cannot change (it is returned at once);
        ``adapter``: answers every request instead of the network (tests: see
        :func:`smtpcreds.testing.answering`)."""
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.verify_tls = verify_tls
        #: What requests verifies against: the CA bundle named by REQUESTS_CA_BUNDLE or
        #: CURL_CA_BUNDLE, as requests' own environment merging picks it (we pass ``verify``
        #: to ``send`` ourselves, which skips that merging), else certifi's; or nothing.
        self._verify: bool | str = verify_tls and (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True)
        self.error_parser = error_parser
        if not verify_tls:
            log.warning("%s: TLS certificate verification is OFF (verify_tls = false)", provider)
        self.session = requests.Session()
        self.session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        )
        self._retrying = HTTPAdapter(max_retries=make_retry(retries, backoff, wait_headers, give_up))
        self._once: BaseAdapter = adapter or HTTPAdapter(max_retries=Retry(total=0, raise_on_status=False, read=False))
        self.session.mount("http://", adapter or self._retrying)
        self.session.mount("https://", adapter or self._retrying)
        register(*secrets)
        #: Number of HTTP requests answered (after retries each counts), for benchmarks/tests.
        self.requests_sent = 0
        #: Proxies per origin (``scheme://host:port``), read from the environment once: requests
        #: would scan every environment variable on every request (a third of its own overhead).
        self._proxies: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self.session.close()
        self._once.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form_body: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok: Iterable[int] = (200, 201, 202, 204),
    ) -> requests.Response:
        """Send one request; return the response when its status is in ``ok``, else raise.

        ``form_body`` is sent urlencoded (``application/x-www-form-urlencoded``), for APIs that
        take form fields instead of JSON (Mailgun).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT
        req = requests.Request(method, self.url(path), params=params, headers=headers)
        if json_body is not None:
            req.data = json.dumps(json_body)
            req.headers["Content-Type"] = "application/json"
        elif form_body is not None:
            req.data = dict(form_body)  # requests urlencodes a dict and sets the Content-Type
        prep = self.session.prepare_request(req)
        try:
            proxies = self._proxies_for(prep)
            if idempotent:
                resp = self.session.send(prep, timeout=self.timeout, verify=self._verify, proxies=proxies)
            else:
                resp = self._once.send(prep, timeout=self.timeout, verify=self._verify, proxies=proxies)
                # The adapter leaves the body unread (Session.send reads it): read it here, so a body
                # cut short or a read timeout is a TransportError, not a requests exception later.
                resp.content  # noqa: B018
        except requests.exceptions.SSLError as e:
            raise TransportError(f"{self.provider}: TLS error talking to {self.base_url}: {_why(e)}",
                                 provider=self.provider) from None
        except requests.exceptions.Timeout:
            raise self._timeout_error() from None
        except requests.exceptions.RetryError as e:
            raise TransportError(f"{self.provider}: gave up after retries: {_why(e)}",
                                 provider=self.provider) from None
        except requests.exceptions.ConnectionError as e:
            if _timed_out(e):  # a PUT/PATCH not re-sent after a read timeout
                raise self._timeout_error() from None
            raise TransportError(
                f"{self.provider}: cannot reach {self.base_url}: {_why(e)}", provider=self.provider
            ) from None
        except requests.exceptions.RequestException as e:
            raise TransportError(f"{self.provider}: request failed: {_why(e)}",
                                 provider=self.provider) from None
        self.requests_sent += 1
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s", method, redact(prep.url or ""), resp.status_code)
        if resp.status_code in set(ok):
            return resp
        raise self.error_for(resp)

    def _timeout_error(self) -> TransportError:
        return TransportError(f"{self.provider}: no answer from {self.base_url} within {self.timeout[1]:g}s "
                              "(timeout)", provider=self.provider, timed_out=True)

    def _proxies_for(self, prep: requests.PreparedRequest) -> dict[str, str]:
        """The proxies for ``prep``'s origin, as requests resolves them (env, NO_PROXY), cached."""
        url = prep.url or ""
        scheme, _, rest = url.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = resolve_proxies(prep, dict(self.session.proxies), self.session.trust_env)
            self._proxies[origin] = proxies
        return proxies

    def json(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request and parse its JSON body (None for an empty body)."""
        resp = self.request(method, path, **kw)
        return parse_json(resp, self.provider)

    def error_for(self, resp: requests.Response) -> SmtpCredsError:
        """Map an error response to the exception tree."""
        status = resp.status_code
        body = _try_json(resp)
        detail = self.error_parser(resp, body) if self.error_parser and body is not None else None
        if detail is None:
            detail = ErrorDetail(message=_fallback_message(resp, body))
        kind = detail.kind or _kind_for(status)
        msg = f"{self.provider}: {detail.message} (HTTP {status})"
        kw: dict[str, Any] = dict(status=status, provider=self.provider, fields=detail.fields,
                                  code=detail.code)
        if kind is RateLimited:
            retry_after = detail.retry_after
            if retry_after is None:
                for name in ("Retry-After", *getattr(self._retrying.max_retries, "extra_wait_headers", ())):
                    raw = resp.headers.get(name)
                    if raw and (retry_after := _seconds(raw)) is not None:
                        break
            if retry_after is not None:
                msg += f"; retry after {retry_after:.0f}s"
            return RateLimited(msg, retry_after=retry_after, **kw)
        if kind is NotFound:
            return NotFound(msg, after_lost_answer=_resent_after_lost_answer(resp), **kw)
        return kind(msg, **kw)


def _resent_after_lost_answer(resp: requests.Response) -> bool:
    """Whether urllib3 re-sent this request after an earlier copy reached the server and its
    answer was lost (a read error; a connection error happens before anything is sent)."""
    retries = getattr(resp.raw, "retries", None)
    for entry in getattr(retries, "history", ()):
        error = entry.error
        if error is not None and not isinstance(error, (NewConnectionError, ConnectTimeoutError)):
            return True
    return False


def _kind_for(status: int) -> type[SmtpCredsError]:
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFound
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimited
    return ProviderError


def _try_json(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _fallback_message(resp: requests.Response, body: Any) -> str:
    ctype = resp.headers.get("Content-Type", "")
    if not resp.content:
        return f"empty {resp.reason or 'error'} response"
    if body is None:
        kind = "HTML" if "html" in ctype.lower() or resp.text.lstrip().startswith("<") else "non-JSON"
        return f"unexpected {kind} response ({resp.reason or 'error'})"
    return f"unexpected error response ({resp.reason or 'error'})"


def parse_json(resp: requests.Response, provider: str) -> Any:
    """The JSON body of a successful response; ProviderError when it is not JSON."""
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        raise ProviderError(
            f"{provider}: expected JSON but got {resp.headers.get('Content-Type') or 'no content type'}"
            f" (HTTP {resp.status_code})",
            status=resp.status_code,
            provider=provider,
        ) from None


def _timed_out(e: BaseException) -> bool:
    """Whether a requests error wraps a read timeout (a write not re-sent after one)."""
    inner: BaseException = e
    while inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    return isinstance(getattr(inner, "reason", inner), ReadTimeoutError)


def _why(e: BaseException) -> str:
    """A short reason from a requests/urllib3 exception chain."""
    inner: BaseException = e
    while inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    reason = getattr(inner, "reason", None)
    text = str(reason or inner)
    return redact(text.split(": ", 1)[-1][:200])


def expect(cond: bool, provider: str, what: str) -> None:
    """Raise ProviderError when a response does not have the shape we rely on."""
    if not cond:
        raise ProviderError(f"{provider}: unexpected response: {what}", provider=provider)
