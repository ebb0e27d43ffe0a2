"""A create that gets no answer in time, where we choose the password (SMTP2GO).

The provider may still complete the request after the client gave up: the login then exists
with the password we sent. That password must not be thrown away (it was: the login then existed
at the provider without any stored password), and the next create of the same login must reuse
it rather than generate another.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.http import Fault
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import ProviderError, TransportError
from smtpcreds.rotation.engine import Rotator

TIMEOUT = 0.3
ADD = r"^/users/smtp/add$"


@pytest.fixture
def relay(lab: Lab, fast_verify: None) -> Iterator[Connection]:
    cfg = lab.config()
    prof = cfg.profile("relay").model_copy(update={"timeout": TIMEOUT})
    with Connection("relay", prof, config=cfg) as conn:
        yield conn


def _appears(relay: Connection, ref: str) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(c.id == ref for c in relay.credentials.list()):
            return True
        time.sleep(0.05)
    return False


def test_a_create_completed_after_the_timeout_keeps_its_password_and_a_rotation_adopts_it(
        lab: Lab, relay: Connection) -> None:
    lab.emulators["smtp2go"].faults.inject(Fault(method="POST", path=ADD, latency=TIMEOUT * 2))
    with pytest.raises(TransportError, match="stays in the keyring as pending") as caught:
        relay.credentials.create("late-app")
    assert "\n" not in caught.value.message
    assert _appears(relay, "late-app"), "the emulator should complete the request it received"
    pending = relay.store.get("late-app", "pending")
    assert pending is not None, "the password of a login the provider may still create was thrown away"
    assert lab.smtp.accepts("late-app", pending.password.get_secret_value())

    Rotator(relay).rotate("late-app")  # as the error message advises

    current = relay.store.get("late-app")
    assert current is not None and relay.store.get("late-app", "pending") is None
    assert current.password.get_secret_value() == pending.password.get_secret_value(), \
        "the rotation must reuse the pending password, not generate a second one"
    assert lab.smtp.accepts("late-app", current.password.get_secret_value())


def test_creating_again_after_an_unanswered_create_reuses_its_password(lab: Lab, relay: Connection) -> None:
    emulator = lab.emulators["smtp2go"]
    emulator.faults.inject(Fault(method="POST", path=ADD, drop=True))  # never reaches the provider
    with pytest.raises(TransportError):
        relay.credentials.create("retry-app")
    pending = relay.store.get("retry-app", "pending")
    assert pending is not None

    cred = relay.credentials.create("retry-app")

    sent = [r.json() for r in list(emulator.requests) if r.method == "POST" and r.path == "/users/smtp/add"]
    assert {body["email_password"] for body in sent} == {pending.password.get_secret_value()}
    current = relay.store.get(cred.credential)
    assert current is not None and relay.store.get(cred.credential, "pending") is None
    assert lab.smtp.accepts(cred.username, current.password.get_secret_value())


def test_a_refused_create_removes_the_password_it_generated(lab: Lab, relay: Connection) -> None:
    lab.emulators["smtp2go"].faults.inject(Fault(method="POST", path=ADD, status=500))
    with pytest.raises(ProviderError):
        relay.credentials.create("refused-app")
    assert relay.store.get("refused-app", "pending") is None
