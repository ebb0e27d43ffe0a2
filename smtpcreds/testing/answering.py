"""Answer a provider's HTTP requests with a function instead of a server (unit tests).

Like ``httpx.MockTransport``: give :func:`answering` a function from request to answer, and the
provider's transport calls it for every request, with no socket, no retries and no emulator::

    def handler(request: SentRequest) -> Answer:
        assert request.headers["Authorization"] == "Bearer t"
        return Answer(200, {"data": []})

    provider = provider_for({"provider": "mailersend", "api_token": "t"}, http=answering(handler))

Everything above the adapter is the real transport: error parsing, redaction and the exception
tree behave as they do against the provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from smtpcreds.transport import HttpTransport

__all__ = [
    "Answer", "FunctionAdapter", "Handler", "SentRequest", "answering",
]


@dataclass(frozen=True)
class SentRequest:
    """What the provider sent: method, URL, path, query, headers and body."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Answer:
    """The answer to give: a status, and a JSON document (``json``) or raw ``body``."""

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[SentRequest], Answer]


class FunctionAdapter(BaseAdapter):
    """A requests adapter that answers with ``handler`` (and keeps every request it saw)."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[SentRequest] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        body = request.body or b""
        sent = SentRequest(method=request.method or "GET", url=request.url or "", headers=dict(request.headers),
                           body=body.encode() if isinstance(body, str) else bytes(body))
        self.requests.append(sent)
        answer = self.handler(sent)
        resp = requests.Response()
        resp.status_code = answer.status
        headers = dict(answer.headers)
        if answer.json is not None:
            resp._content = json.dumps(answer.json).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            resp._content = answer.body.encode() if isinstance(answer.body, str) else answer.body
        resp.headers = CaseInsensitiveDict(headers)
        resp.url, resp.request, resp.encoding = sent.url, request, "utf-8"
        return resp

    def close(self) -> None:
        """Nothing to release."""


def answering(handler: Handler | FunctionAdapter) -> Callable[..., HttpTransport]:
    """A transport factory for :class:`~smtpcreds.interfaces.ProviderContext` ``http``."""
    adapter = handler if isinstance(handler, FunctionAdapter) else FunctionAdapter(handler)
    return partial(HttpTransport, adapter=adapter)
