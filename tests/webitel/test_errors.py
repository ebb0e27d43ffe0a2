"""The engine's error bodies become the smtpcreds exception tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from smtpcreds_webitel.emulator import WebitelEmulator
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds.errors import AuthError, NotFound, ProviderError, SmtpCredsError, ValidationError

Doc = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(("status", "body", "kind", "text"), [
    (400, {"status": "error", "info": "Bad parameters."}, ValidationError, "Bad parameters."),
    (404, {"status": "error", "info": "Not found!"}, NotFound, "Not found!"),
    (500, {"status": "error", "info": "E11000 duplicate key", "code": 11000}, ProviderError,
     "E11000 duplicate key (code 11000)"),
    (500, "<html><body>Bad Gateway</body></html>", ProviderError, "unexpected HTML response"),
])
def test_error_envelopes_map_to_the_exception_tree(
        pbx: WebitelProvider, emulator: WebitelEmulator, status: int, body: Any,
        kind: type[SmtpCredsError], text: str) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="DELETE", path="/api/", status=status, body=body)
    with pytest.raises(kind) as info:
        pbx.delete_settings()
    assert text in info.value.message and info.value.status == status
    assert info.value.provider == "webitel"


def test_the_mongo_or_smtp_code_is_kept(pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="DELETE", path="/api/", status=500,
                           body={"status": "error", "info": "Invalid login", "code": "EAUTH"})
    with pytest.raises(ProviderError) as info:
        pbx.delete_settings()
    assert info.value.code == "EAUTH"


def test_a_login_401_with_status_and_message_is_read(make_provider: Callable[..., WebitelProvider],
                                                     emulator: WebitelEmulator) -> None:
    emulator.faults.inject(path="^/login$", status=401,
                           body={"status": 401, "message": "Invalid credentials"})
    with pytest.raises(AuthError, match="refused: Invalid credentials"):
        make_provider().get_settings()


def test_the_engines_domain_required_answer_is_a_validation_error(
        pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="GET", path="/api/", status=400,
                           body={"status": "error", "info": "Bad request (domain required)."})
    with pytest.raises(ValidationError, match=r"Bad request \(domain required\)"):
        pbx.get_settings()


def test_a_settings_answer_of_the_wrong_shape_is_a_provider_error(
        pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="GET", path="/api/", status=200, body=["not", "an", "object"])
    with pytest.raises(ProviderError, match="not a JSON object"):
        pbx.get_settings()


def test_a_non_json_success_is_a_provider_error(pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="GET", path="/api/", status=200, body="<html>proxy login</html>")
    with pytest.raises(ProviderError, match="expected JSON"):
        pbx.get_settings()


def test_a_stored_password_never_reaches_an_error_message(
        pbx: WebitelProvider, emulator: WebitelEmulator, stored_doc: Doc) -> None:
    emulator.seed_settings("example.com", stored_doc())
    pbx.get_settings()  # the password is now known as a secret
    emulator.faults.inject(method="DELETE", path="/api/", status=500,
                           body={"status": "error", "info": "cannot log in with stored-fake-password"})
    with pytest.raises(ProviderError) as info:
        pbx.delete_settings()
    assert "stored-fake-password" not in str(info.value)


def test_a_long_or_multi_line_engine_message_becomes_one_short_line(
        pbx: WebitelProvider, emulator: WebitelEmulator) -> None:
    pbx.auth.session()
    emulator.faults.inject(method="DELETE", path="/api/", status=500,
                           body={"status": "error", "info": "SMTP said:\n" + "x" * 5000})
    with pytest.raises(ProviderError) as info:
        pbx.delete_settings()
    assert "\n" not in info.value.message and len(info.value.message) < 400
    assert info.value.message.startswith("webitel: SMTP said: xxx")
