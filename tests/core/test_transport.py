"""The HTTP transport against a real loopback server: retries, error mapping, timeouts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smtpcreds import transport as transport_mod
from smtpcreds.emulator.http import EmulatorServer, Request, Response, route
from smtpcreds.errors import (
    AuthError,
    NotFound,
    ProviderError,
    RateLimited,
    TransportError,
    ValidationError,
)
from smtpcreds.transport import ErrorDetail, HttpTransport


class Echo(EmulatorServer):
    name = "echo"
    root_path = "/v1"

    def __init__(self, **kw: object) -> None:
        super().__init__()
        self.created = 0

    @route("GET", r"/things")
    def list_things(self, req: Request) -> Response:
        return Response.json({"data": [1, 2]})

    @route("PATCH", r"/things")
    def edit_things(self, req: Request) -> Response:
        return Response.json({"data": [1, 2]})

    @route("POST", r"/things")
    def create_thing(self, req: Request) -> Response:
        self.created += 1
        return Response.json({"data": {"id": self.created}}, 201)


@pytest.fixture
def server() -> Iterator[Echo]:
    with Echo() as s:
        yield s  # type: ignore[misc]


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(transport_mod.time, "sleep", waits.append)
    import urllib3.util.retry

    monkeypatch.setattr(urllib3.util.retry.time, "sleep", waits.append)
    return waits


def client(server: Echo, **kw: object) -> HttpTransport:
    return HttpTransport(server.base_url, provider="echo", **kw)  # type: ignore[arg-type]


def test_get_is_retried_on_429_honouring_retry_after(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=429, headers={"Retry-After": "2"}, times=1)
    assert client(server).json("GET", "/things") == {"data": [1, 2]}
    assert server.count("GET", "/things") == 2
    assert slept == [2.0]


def test_429_without_retry_after_backs_off_then_succeeds(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=429, times=2)
    assert client(server).json("GET", "/things") == {"data": [1, 2]}
    assert server.count("GET", "/things") == 3
    assert slept and all(w > 0 for w in slept)  # urllib3: first retry immediate, then exponential


def test_retry_after_beyond_the_cap_is_returned_as_rate_limited(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=429, headers={"Retry-After": "3600"}, times=5)
    with pytest.raises(RateLimited) as e:
        client(server).json("GET", "/things")
    assert e.value.retry_after == 3600
    assert server.count("GET", "/things") == 1
    assert slept == []


def test_post_is_not_resent_after_a_503(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=503, method="POST", times=1)
    with pytest.raises(ProviderError):
        client(server).json("POST", "/things", json_body={"name": "x"})
    assert server.count("POST", "/things") == 1


def test_post_is_not_resent_after_a_dropped_connection(server: Echo) -> None:
    server.faults.inject(drop_after=True, method="POST", times=1)
    with pytest.raises(TransportError):
        client(server).json("POST", "/things", json_body={"name": "x"})
    assert server.created == 1  # the change happened once, the answer was lost


def test_get_is_retried_after_a_dropped_connection(server: Echo, slept: list[float]) -> None:
    server.faults.inject(drop=True, method="GET", times=1)
    assert client(server).json("GET", "/things") == {"data": [1, 2]}


@pytest.mark.parametrize(
    ("status", "exc", "code"),
    [(401, AuthError, 4), (403, AuthError, 4), (404, NotFound, 3), (422, ValidationError, 5),
     (400, ValidationError, 5), (500, ProviderError, 7), (503, ProviderError, 7)],
)
def test_status_maps_to_exception_and_exit_code(server: Echo, slept: list[float], status: int,
                                                exc: type[Exception], code: int) -> None:
    server.faults.inject(status=status, body={"message": "nope"}, times=10)
    with pytest.raises(exc) as e:
        client(server, retries=0).json("GET", "/things")
    assert e.value.exit_code == code  # type: ignore[attr-defined]
    assert f"HTTP {status}" in str(e.value)


def test_429_maps_to_rate_limited_with_exit_6(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=429, headers={"Retry-After": "1"}, times=10)
    with pytest.raises(RateLimited) as e:
        client(server, retries=1).json("GET", "/things")
    assert e.value.exit_code == 6 and e.value.retry_after == 1


def test_html_502_gives_a_clear_provider_error(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=502, body="<html><body>Bad Gateway</body></html>", times=10)
    with pytest.raises(ProviderError) as e:
        client(server, retries=0).json("GET", "/things")
    assert "unexpected HTML response" in str(e.value) and "HTTP 502" in str(e.value)


def test_empty_error_body_gives_a_clear_error(server: Echo) -> None:
    server.faults.inject(status=500, body=b"", times=1)
    with pytest.raises(ProviderError, match="empty"):
        client(server, retries=0).json("GET", "/things")


def test_read_timeout_is_a_transport_error_with_exit_7(server: Echo) -> None:
    server.faults.inject(latency=2.0, times=10)
    with pytest.raises(TransportError) as e:
        client(server, timeout=0.2, retries=0).json("GET", "/things")
    assert e.value.exit_code == 7 and "timeout" in str(e.value)


def test_a_read_timeout_is_retried_for_get(server: Echo) -> None:
    server.faults.inject(latency=0.6, method="GET", times=1)
    assert client(server, timeout=0.2).json("GET", "/things") == {"data": [1, 2]}
    assert server.count("GET", "/things") == 2


def test_a_patch_is_not_resent_after_a_read_timeout(server: Echo) -> None:
    """The server may still apply it: a re-sent copy could land first and the late one undo a
    later change (a rotation's password)."""
    server.faults.inject(latency=0.6, method="PATCH", times=1)
    with pytest.raises(TransportError, match="timeout"):
        client(server, timeout=0.2).json("PATCH", "/things", json_body={"x": 1})
    assert server.count("PATCH", "/things") == 1


@pytest.mark.parametrize("fault", [{"status": 503}, {"drop": True}])
def test_a_patch_is_still_retried_when_the_server_did_not_act(server: Echo, slept: list[float],
                                                              fault: dict[str, object]) -> None:
    server.faults.inject(method="PATCH", times=1, **fault)  # type: ignore[arg-type]
    assert client(server).json("PATCH", "/things", json_body={"x": 1}) == {"data": [1, 2]}
    assert server.count("PATCH", "/things") == 2


def test_an_answer_the_provider_calls_final_is_not_retried(server: Echo, slept: list[float]) -> None:
    server.faults.inject(status=429, headers={"x-quota-left": "0"}, times=10)
    http = client(server, give_up=lambda r: r.headers.get("x-quota-left") == "0")
    with pytest.raises(RateLimited):
        http.json("GET", "/things")
    assert server.count("GET", "/things") == 1 and slept == []


def test_connection_refused_is_a_transport_error(slept: list[float]) -> None:
    from smtpcreds.emulator.smtp import free_port

    t = HttpTransport(f"http://127.0.0.1:{free_port()}/v1", provider="echo", retries=0)
    with pytest.raises(TransportError, match="cannot reach"):
        t.json("GET", "/things")


def test_provider_error_parser_shapes_the_message(server: Echo) -> None:
    server.faults.inject(status=422, body={"message": "bad", "errors": {"name": ["too long"]}}, times=1)

    def parse(resp: object, body: dict[str, object]) -> ErrorDetail:
        return ErrorDetail(str(body["message"]), fields=body["errors"])  # type: ignore[arg-type]

    with pytest.raises(ValidationError) as e:
        client(server, error_parser=parse).json("GET", "/things")
    assert e.value.fields == {"name": ["too long"]}


def test_non_json_success_body_is_a_provider_error(server: Echo) -> None:
    server.faults.inject(status=200, body="<html>login page</html>", times=1)
    with pytest.raises(ProviderError, match="expected JSON"):
        client(server).json("GET", "/things")


def test_secrets_are_redacted_from_error_messages(server: Echo) -> None:
    server.faults.inject(status=400, body={"message": "key mlsn.secret-value-123 is wrong"}, times=1)

    def parse(resp: object, body: dict[str, object]) -> ErrorDetail:
        return ErrorDetail(str(body["message"]))

    with pytest.raises(ValidationError) as e:
        client(server, error_parser=parse, secrets=["mlsn.secret-value-123"]).json("GET", "/things")
    assert "mlsn.secret-value-123" not in str(e.value)


def test_user_agent_and_timeouts_are_always_set(server: Echo) -> None:
    t = client(server)
    t.json("GET", "/things")
    assert server.requests[-1].headers["user-agent"].startswith("smtpcreds/")
    assert t.timeout[0] > 0 and t.timeout[1] > 0


def test_environment_proxy_carries_every_method(server: Echo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy from the environment is resolved once per origin and used for creates too."""
    for name in ("HTTP_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", server.origin)  # the echo server answers as the proxy
    t = HttpTransport("http://api.example.invalid/v1", provider="echo")
    assert t.json("GET", "things") == {"data": [1, 2]}
    assert t.json("POST", "things", json_body={}) == {"data": {"id": 1}}
    assert [r.method for r in server.requests] == ["GET", "POST"]
    assert server.requests[-1].headers["host"] == "api.example.invalid"


def test_no_proxy_is_honoured_for_the_origin(server: Echo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    t = client(server)
    assert t.json("GET", "/things") == {"data": [1, 2]}
    assert t.json("POST", "/things", json_body={}) == {"data": {"id": 1}}


def test_a_404_after_a_lost_answer_says_the_first_copy_may_have_done_it(server: Echo, slept: list[float]) -> None:
    server.faults.inject(drop_after=True, method="GET", times=1)  # acted, answer lost: re-sent
    server.faults.inject(status=404, method="GET", times=1, body={"message": "gone"})
    with pytest.raises(NotFound) as e:
        client(server).json("GET", "/things")
    assert e.value.after_lost_answer


def test_a_plain_404_is_not_blamed_on_a_lost_answer(server: Echo) -> None:
    server.faults.inject(status=404, method="GET", times=1, body={"message": "gone"})
    with pytest.raises(NotFound) as e:
        client(server).json("GET", "/things")
    assert not e.value.after_lost_answer


def test_a_form_body_is_sent_urlencoded(server: Echo) -> None:
    http = client(server)
    http.request("POST", "things", form_body={"login": "a@b.example", "password": "p&q=r"})
    [sent] = list(server.requests)
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.body == b"login=a%40b.example&password=p%26q%3Dr"
