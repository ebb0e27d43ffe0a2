"""Contract: what our client sends and what our emulator answers validate against SMTP2GO's
own OpenAPI 3.1 document, vendored in ``data/smtp2go-openapi.yml`` (see ``data/README.md``;
reference: docs/reference/smtp2go.md §9).

Every request the emulator received (``server.requests``) is validated against its
operation's request schema, and every answer (``server.exchanges``) against the response
schema, with openapi-core. The document is used as published except for these adjustments,
each for a stated reason (reference: docs/reference/smtp2go.md §6, §7):

1. The PATCH 200 item schema nests ``request_id``/``data`` inside every list item (both
   required), while the operation's own example, and SMTP2GO's docs, show the user fields
   directly in the item. We follow the example: the item schema becomes the inner ``data``
   schema. ``test_patch_item_schema_rejects_its_own_example`` shows the bug.
2. ``nullable: true`` is an OpenAPI 3.0 keyword that 3.1 ignores, yet the same document's
   examples give ``null`` for those fields (``custom_ratelimit_value``, ``audit_email``). It is
   translated to the 3.1 form (``type: [T, "null"]``).
3. Only 200 and 400 are documented; the docs say every error uses the same envelope, so any
   other status (401, 404, 429, 5xx) is held to the 400 schema (``default`` response).
4. Stricter, not looser: request bodies get ``additionalProperties: false``, so the client
   may send only the fields its operation documents (e.g. no ``feedback_domain`` on PATCH).

The checks cannot pass by default: the exercise must reach all five operations with a 200 and
the error statuses, the document must hold exactly those operations, a missing document fails
(never skips), and bad requests and answers are shown to be refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import InvalidRequestBody
from openapi_core.validation.response.exceptions import InvalidData
from openapi_schema_validator import OAS31Validator
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import API_KEY, Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

from smtpcreds.errors import SmtpCredsError

from .conftest import STRONG, make_provider

SPEC_FILE = Path(__file__).resolve().parent / "data" / "smtp2go-openapi.yml"
#: The published document, byte for byte (data/README.md says where it came from and when).
SPEC_SHA256 = "9afd633b5ff09bdd9cb4b673c41068c06fae1a8caa457d32cc35bf758dbb147c"
OPERATIONS = {("POST", "/users/smtp/add"), ("POST", "/users/smtp/edit"), ("PATCH", "/users/smtp/edit"),
              ("POST", "/users/smtp/view"), ("POST", "/users/smtp/remove")}
HOST = "https://api.smtp2go.com"  # the spec's first server, https://api.smtp2go.com/v3


def _published() -> dict[str, Any]:
    # A missing document fails, never skips: a skipped contract test would pass silently.
    if not SPEC_FILE.is_file():
        pytest.fail(f"SMTP2GO OpenAPI document not found at {SPEC_FILE}: it is vendored test data "
                    "(tests/smtp2go/data/README.md)")
    spec: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    return spec


def _nullable_to_31(node: Any) -> None:
    """Adjustment 2: ``nullable: true`` (3.0) -> ``type: [T, "null"]`` (3.1)."""
    if isinstance(node, dict):
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_to_31(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_31(value)


def _op(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = spec["paths"][path][method.lower()]
    return op


def adjusted(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    patch_200 = _op(spec, "PATCH", "/users/smtp/edit")["responses"]["200"]["content"]["application/json"]
    items = patch_200["schema"]["properties"]["data"]["items"]
    patch_200["schema"]["properties"]["data"]["items"] = items["properties"]["data"]  # 1.
    for method, path in OPERATIONS:
        op = _op(spec, method, path)
        op["responses"]["default"] = op["responses"]["400"]  # 3.
        op["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"] = False  # 4.
    _nullable_to_31(spec)  # 2.
    return spec


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    return _published()


@pytest.fixture(scope="module")
def openapi(published: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(adjusted(published))


def _response_schema(spec: dict[str, Any], method: str, path: str, status: str) -> dict[str, Any]:
    media = _op(spec, method, path)["responses"][status]["content"]["application/json"]
    schema: dict[str, Any] = media["schema"]
    return schema


def _example(spec: dict[str, Any], method: str, path: str, status: str) -> Any:
    media = _op(spec, method, path)["responses"][status]["content"]["application/json"]
    return media["examples"]["Result"]["value"]


def test_the_vendored_document_is_the_published_one() -> None:
    assert hashlib.sha256(SPEC_FILE.read_bytes()).hexdigest() == SPEC_SHA256
    harvest = _published()["info"]["x-harvest"]
    assert (harvest["source"], harvest["harvested"]) == ("https://developers.smtp2go.com/mcp", "2026-08-13")


# -- the adjustments are needed, and enough for the provider's own examples -----------------
def test_patch_item_schema_rejects_its_own_example(published: dict[str, Any]) -> None:
    schema = _response_schema(published, "PATCH", "/users/smtp/edit", "200")
    example = _example(published, "PATCH", "/users/smtp/edit", "200")
    assert not OAS31Validator(schema).is_valid(example)


def test_nullable_fields_reject_the_documents_own_null_examples_without_adjustment(
        published: dict[str, Any]) -> None:
    schema = _response_schema(published, "POST", "/users/smtp/add", "200")
    assert not OAS31Validator(schema).is_valid(_example(published, "POST", "/users/smtp/add", "200"))


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
@pytest.mark.parametrize("status", ["200", "400"])
def test_every_example_validates_against_the_adjusted_schema(published: dict[str, Any], method: str,
                                                             path: str, status: str) -> None:
    spec = adjusted(published)
    schema = _response_schema(spec, method, path, status)
    OAS31Validator(schema).validate(_example(published, method, path, status))


# -- what our client sends and our emulator answers ------------------------------------------
def _exercise(p: Smtp2goProvider, emu: Smtp2goEmulator) -> None:
    """Every operation, every setting, and the error answers."""
    emu.add_subaccount("sub-1")
    p.create_credential("every-setting", password=SecretStr(STRONG), options={
        "description": "billing", "custom_ratelimit": True, "custom_ratelimit_value": 500,
        "custom_ratelimit_period": "4 months 5:00:00", "ip_pool": 1234, "feedback_enabled": True,
        "feedback_html": "<a href='%%UNSUBSCRIBE%%'>x</a>", "feedback_text": "%%UNSUBSCRIBE%% %%EMAIL%%",
        "feedback_domain": "default", "open_tracking_enabled": True, "click_tracking_enabled": True,
        "archive_enabled": True, "audit_email": "audit@example.com", "bounce_notifications": "drop",
        "status": "sandbox",
    })
    p.create_credential("generated-pw", password=SecretStr(STRONG[::-1]))
    p.create_credential("in-subaccount", "sub-1", password=SecretStr(STRONG))
    list(p.list_credentials())
    list(p.list_credentials("sub-1"))
    p.get_credential("every-setting")
    changes: list[dict[str, Any]] = [
        {"description": "changed"}, {"custom_ratelimit": True, "custom_ratelimit_value": 9,
                                     "custom_ratelimit_period": "1 week,12:00:00"},
        {"custom_ratelimit": False}, {"ip_pool": 7}, {"feedback_enabled": False},
        {"feedback_html": "<p>%%EMAIL%%</p>"}, {"feedback_text": "t"}, {"open_tracking_enabled": False},
        {"click_tracking_enabled": False}, {"archive_enabled": False},
        {"audit_email": "other@example.com"}, {"bounce_notifications": "bounces@example.com"},
        {"status": "blocked"},
    ]
    for options in changes:
        p.update_credential("every-setting", options=options)
    p.update_credential("every-setting", enabled=True)
    p.update_credential("in-subaccount", "sub-1", options={"subaccount_id": "sub-1", "status": "allowed"})
    p.update_credential("every-setting", options={"replace_all": True, "feedback_domain": "default",
                                                  "description": "full", "bounce_notifications": "from"})
    p.set_password("generated-pw", SecretStr("Set-Fake-Passw0rd-22"))
    p.delete_credential("generated-pw")
    p.delete_credential("in-subaccount", "sub-1")
    for failing in (lambda: p.delete_credential("no-such-user"),
                    lambda: p.create_credential("every-setting", password=SecretStr(STRONG))):
        with pytest.raises(SmtpCredsError):
            failing()
    denied = make_provider(emu, api_key=emu.add_api_key("api-NOPERMS00000000000000000000000", []))
    with pytest.raises(SmtpCredsError):
        list(denied.list_credentials())
    with pytest.raises(SmtpCredsError):
        list(make_provider(emu, api_key="api-WRONG00000000000000000000000000").list_credentials())
    emu.rate_limit_per_minute = 1
    with pytest.raises(SmtpCredsError):
        p.create_credential("rate-limited", password=SecretStr(STRONG))
        p.create_credential("rate-limited-2", password=SecretStr(STRONG))


@pytest.fixture(scope="module")
def exercised() -> Iterator[Smtp2goEmulator]:
    emu = Smtp2goEmulator()
    with emu:
        p = make_provider(emu)
        _exercise(p, emu)
        p.close()
        yield emu


def _request(method: str, path: str, headers: dict[str, str], body: bytes) -> MockRequest:
    return MockRequest(HOST, method.lower(), "/v3" + path, headers=headers, data=body,
                       content_type=headers.get("content-type", "application/json"))


def test_exercise_covers_every_operation_and_error_status(exercised: Smtp2goEmulator) -> None:
    assert {(r.method, r.path) for r in exercised.requests} == OPERATIONS
    assert {(x.method, x.path) for x in exercised.exchanges if x.status == 200} == OPERATIONS
    assert {x.status for x in exercised.exchanges} >= {200, 400, 401, 404, 429}
    codes = {(x.json()["data"] or {}).get("error_code") for x in exercised.exchanges if x.status == 400}
    assert {"E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED", "E_ApiResponseCodes.USERNAME_ALREADY_EXISTS"} <= codes


def test_every_published_operation_we_rely_on_is_in_the_document(published: dict[str, Any]) -> None:
    ops = {(m.upper(), path) for path, item in published["paths"].items() if path.startswith("/users/smtp/")
           for m in item if m in ("get", "post", "patch", "put", "delete")}
    assert ops == OPERATIONS


H = {"x-smtp2go-api-key": API_KEY, "content-type": "application/json"}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/users/smtp/add", {"username": "someone", "ip_pool": "pool-a"}),
    ("POST", "/users/smtp/add", {"email_password": STRONG}),
    ("PATCH", "/users/smtp/edit", {"username": "someone", "custom_ratelimit": "yes"}),
    ("POST", "/users/smtp/edit", {"username": "someone", "sending_allowed": True}),
    ("POST", "/users/smtp/patch", {"username": "someone"}),
    ("POST", "/users/smtp/delete", {"username": "someone"}),
], ids=["wrong type", "no username", "patch wrong type", "undocumented field", "invented patch path",
        "invented delete path"])
def test_the_request_check_is_not_a_formality(openapi: OpenAPI, method: str, path: str,
                                              body: dict[str, Any]) -> None:
    with pytest.raises((InvalidRequestBody, PathNotFound)):
        openapi.validate_request(_request(method, path, H, json.dumps(body).encode()))


@pytest.mark.parametrize(("method", "path", "status", "body"), [
    ("POST", "/users/smtp/view", 200, {"request_id": "r", "data": {}}),
    ("POST", "/users/smtp/add", 200, {"request_id": "r", "data": {"results": [{"username": "someone"}]}}),
    ("PATCH", "/users/smtp/edit", 200, {"request_id": "r", "data": {"results": []}}),
    ("POST", "/users/smtp/remove", 404, {"request_id": "r", "data": {"error": 404}}),
], ids=["no results", "user without required fields", "patch not a list", "error not text"])
def test_the_response_check_is_not_a_formality(openapi: OpenAPI, method: str, path: str, status: int,
                                               body: dict[str, Any]) -> None:
    request = _request(method, path, H, b'{"username": "someone"}')
    response = MockResponse(json.dumps(body).encode(), status_code=status, content_type="application/json")
    with pytest.raises(InvalidData):
        openapi.validate_response(request, response)


def test_every_request_we_send_matches_the_operations_request_schema(exercised: Smtp2goEmulator,
                                                                     openapi: OpenAPI) -> None:
    assert exercised.requests
    for r in exercised.requests:
        openapi.validate_request(_request(r.method, r.path, r.headers, r.body))

def test_every_emulator_answer_matches_the_operations_response_schema(exercised: Smtp2goEmulator,
                                                                      openapi: OpenAPI) -> None:
    assert exercised.exchanges
    for x in exercised.exchanges:
        request = _request(x.method, x.path, {"x-smtp2go-api-key": API_KEY,
                                              "content-type": "application/json"}, x.request_body)
        response = MockResponse(x.body, status_code=x.status, headers=x.headers,
                                content_type=x.headers.get("Content-Type", ""))
        try:
            openapi.validate_response(request, response)
        except Exception as e:  # name the exchange that failed
            raise AssertionError(f"{x.method} {x.path} -> {x.status}: {json.loads(x.body)}: {e}") from e


def test_the_tightened_schema_catches_an_undocumented_field(openapi: OpenAPI) -> None:
    body = json.dumps({"username": "someone", "feedback_domain": "default"}).encode()
    with pytest.raises(InvalidRequestBody, match="Additional properties"):
        openapi.validate_request(_request("PATCH", "/users/smtp/edit",
                                          {"x-smtp2go-api-key": API_KEY, "content-type": "application/json"},
                                          body))
