"""Fault tests: 500, 429, a timeout and a dropped connection injected at each step's requests.

Each rotation either completes (after the transport's retries) or stops with exit 8 leaving the
previous login working; after the fault clears, ``resume`` completes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.http import Fault
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import RotationError, SmtpCredsError
from smtpcreds.rotation.engine import Rotator
from smtpcreds.rotation.journal import journal_store

Connect = Callable[[str], Connection]

FAULTS: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "429": {"status": 429},
    "timeout": {"latency": 2.5},
    "drop": {"drop": True},
}
# (issuer profile, emulator, method, path regex, step the request belongs to)
TARGETS = [
    ("relay", "smtp2go", "POST", r"^/users/smtp/view$", "plan"),
    ("relay", "smtp2go", "PATCH", r"^/users/smtp/edit$", "set"),
    ("ms", "mailersend", "GET", r"/smtp-users/[^/]+$", "plan"),
    ("ms", "mailersend", "POST", r"/smtp-users$", "create_pending"),
    ("ms", "mailersend", "DELETE", r"/smtp-users/[^/]+$", "retire"),
    ("relay", "webitel", "GET", r"^/api/v2/email/settings$", "push"),
    ("relay", "webitel", "POST", r"^/api/v2/email/settings$", "push"),
]


@pytest.fixture
def short_timeouts(config: Any) -> None:
    for prof in config.profiles.values():
        prof.timeout = 1.0


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("target", TARGETS, ids=[f"{t[1]}-{t[2]}-{t[4]}" for t in TARGETS])
def test_fault_at_a_step_completes_or_stops_resumably(lab: Lab, connect: Connect, short_timeouts: None,
                                                       fault: str, target: tuple[str, ...]) -> None:
    issuer, emulator, method, path, _step = target
    conn = connect(issuer)
    cred = conn.credentials.create("billing-app")
    old = conn.store.get(cred.credential)
    assert old is not None
    lab.emulators[emulator].faults.inject(Fault(method=method, path=path, times=1, **FAULTS[fault]))
    try:
        result = Rotator(conn, consumer=connect).rotate(cred.id, push=["pbx"])
    except RotationError as e:
        assert e.exit_code == 8
        j = journal_store().load(e.rotation_id)
        if j.strategy == "in-place" and e.step == "push":
            # In-place: the old password died when the provider took the new one (documented; use
            # --strategy replace for zero downtime). Nothing is lost: the pending login works.
            pending = conn.store.get(j.name, "pending")
            assert pending is not None
            assert lab.smtp.accepts(pending.username, pending.password.get_secret_value())
            assert "still holding the old login: pbx" in e.message
        else:
            assert lab.smtp.accepts(old.username, old.password.get_secret_value()), \
                "the previous login must keep working when a rotation stops"
        lab.emulators[emulator].faults.clear()
        result = Rotator(conn, consumer=connect).run(journal_store().load(e.rotation_id))
    except SmtpCredsError as e:
        # A fault while planning: nothing was changed and no journal was written, so the error is
        # the provider's own (exit 7) and the rotation is simply run again.
        assert e.exit_code == 7 and journal_store().all() == []
        assert lab.smtp.accepts(old.username, old.password.get_secret_value())
        lab.emulators[emulator].faults.clear()
        result = Rotator(conn, consumer=connect).rotate(cred.id, push=["pbx"])
    assert result.status == "done"
    current = conn.store.get(result.name)
    assert current is not None
    assert lab.smtp.accepts(current.username, current.password.get_secret_value())
    logins = [c.id for c in conn.credentials.list()]
    assert logins == [result.new_credential]
    pbx = connect("pbx").settings.get()
    assert pbx.password.get_secret_value() == current.password.get_secret_value()  # type: ignore[union-attr]
