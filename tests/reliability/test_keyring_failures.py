"""A keyring that cannot keep a secret makes every operation that would create one refuse before
the provider changes anything, with a message saying how to fix it.

Modes: locked, absent (the fail backend), a plaintext fallback, a write whose read-back differs,
an exception in the middle of a write. Operations: ``credentials.create`` (SMTP2GO, where we
choose the password, and MailerSend, where the provider returns it), ``credentials.set_password``
and a rotation (in-place and replace). The emulators must have received no POST/PATCH/PUT/DELETE
that changes anything, and no rotation journal may be left behind.

The write check (a canary written, read back and removed) runs once per connection, as each
command makes one; a keyring that fails later in the life of a connection is caught by the
safety net instead: a login whose returned password cannot be stored is deleted at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from smtpcreds.client import Connection
from smtpcreds.emulator.http import EmulatorServer
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import SecretStoreError
from smtpcreds.rotation.engine import Rotator
from smtpcreds.rotation.journal import journal_store
from smtpcreds.store import reset_backend_check
from smtpcreds.testing.support import MemoryKeyring

#: Requests that only read (SMTP2GO's view is a POST that changes nothing).
READS = ("/users/smtp/view",)
#: Words of an actionable hint; each refusal names at least one.
HINTS = ("unlock", "PYTHON_KEYRING_BACKEND", "SMTPCREDS_ALLOW_INSECURE_KEYRING", "keyring diagnose")


def mutations(emulator: EmulatorServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in list(emulator.requests)
            if r.method != "GET" and not r.path.endswith(READS)]


@pytest.fixture
def conns(lab: Lab, fast_verify: None) -> Iterator[dict[str, Connection]]:
    cfg = lab.config()
    made = {name: Connection(name, cfg.profile(name), config=cfg) for name in ("ms", "relay")}
    yield made
    for c in made.values():
        c.close()


def _locked(kr: MemoryKeyring, tmp: Path) -> None:
    kr.locked = True
    reset_backend_check()  # as a new process would find it


def _absent(kr: MemoryKeyring, tmp: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    reset_backend_check()


def _plaintext(kr: MemoryKeyring, tmp: Path) -> None:
    plain = PlaintextKeyring()
    plain.file_path = str(tmp / "plain" / "keyring_pass.cfg")  # type: ignore[misc]
    keyring.set_keyring(plain)
    reset_backend_check()


def _corrupt(kr: MemoryKeyring, tmp: Path) -> None:
    kr.corrupt_writes = True


def _fails_mid_write(kr: MemoryKeyring, tmp: Path) -> None:
    kr.fail_next = RuntimeError("the keyring daemon went away")


def _locked_after_start(kr: MemoryKeyring, tmp: Path) -> None:
    kr.locked = True  # checked and found fine earlier in this process, locked since


MODES: dict[str, Callable[[MemoryKeyring, Path], None]] = {
    "locked": _locked, "absent": _absent, "plaintext": _plaintext, "read-back-differs": _corrupt,
    "exception-mid-write": _fails_mid_write, "locked-after-start": _locked_after_start,
}


def _create(c: Connection, ref: str) -> Any:
    return c.credentials.create("new-app")


def _set_password(c: Connection, ref: str) -> Any:
    return c.credentials.set_password(ref)


def _rotate(c: Connection, ref: str) -> Any:
    return Rotator(c).rotate(ref)


OPERATIONS: dict[str, tuple[str, str, Callable[[Connection, str], Any]]] = {
    "create-smtp2go": ("relay", "smtp2go", _create),
    "create-mailersend": ("ms", "mailersend", _create),
    "set-password-smtp2go": ("relay", "smtp2go", _set_password),
    "rotate-in-place-smtp2go": ("relay", "smtp2go", _rotate),
    "rotate-replace-mailersend": ("ms", "mailersend", _rotate),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("mode", list(MODES))
def test_a_keyring_that_cannot_keep_a_secret_is_refused_before_any_provider_change(
        mode: str, operation: str, lab: Lab, conns: dict[str, Connection], memory_keyring: MemoryKeyring,
        tmp_path: Path) -> None:
    profile, emulator_name, run = OPERATIONS[operation]
    setup = conns[profile]
    ref = setup.credentials.create("billing-app").id
    old = setup.store.get("billing-app")
    assert old is not None
    emulator = lab.emulators[emulator_name]
    before = mutations(emulator)
    MODES[mode](memory_keyring, tmp_path)

    assert setup.config is not None
    with Connection(profile, setup.config.profile(profile), config=setup.config) as conn, \
            pytest.raises(SecretStoreError) as caught:
        run(conn, ref)

    message = caught.value.message
    assert "\n" not in message
    assert any(h in message for h in HINTS), f"no hint how to fix it: {message}"
    assert mutations(emulator) == before, "the provider was changed although the keyring failed"
    assert journal_store().all() == [], "a refused rotation must leave no journal"
    assert lab.smtp.accepts(old.username, old.password.get_secret_value()), "the old login must still work"


def test_an_insecure_keyring_is_accepted_when_the_user_opts_in(conns: dict[str, Connection], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _plaintext(MemoryKeyring(), tmp_path)
    monkeypatch.setenv("SMTPCREDS_ALLOW_INSECURE_KEYRING", "1")
    cfg = conns["relay"].config
    assert cfg is not None
    with Connection("relay", cfg.profile("relay"), config=cfg) as relay:
        cred = relay.credentials.create("opted-in")
        assert relay.store.get(cred.credential) is not None


def test_a_locked_keyring_is_refused_even_with_the_insecure_opt_in(
        conns: dict[str, Connection], memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch,
        lab: Lab, tmp_path: Path) -> None:
    monkeypatch.setenv("SMTPCREDS_ALLOW_INSECURE_KEYRING", "1")
    cfg = conns["relay"].config
    assert cfg is not None
    _locked(memory_keyring, tmp_path)
    with Connection("relay", cfg.profile("relay"), config=cfg) as relay, \
            pytest.raises(SecretStoreError, match="unlock"):
        relay.credentials.create("locked-out")
    assert mutations(lab.emulators["smtp2go"]) == []


def test_the_cli_reports_a_refused_keyring_with_exit_4_and_the_hint(
        lab_config: dict[str, Any], run_cli: Any, memory_keyring: MemoryKeyring, lab: Lab,
        tmp_path: Path) -> None:
    _absent(memory_keyring, tmp_path)
    r = run_cli("--json", "--profile", "ms", "creds", "create", "cli-app")
    assert r.code == 4, r
    assert "SMTPCREDS_ALLOW_INSECURE_KEYRING" in r.err and "Traceback" not in r.err
    assert mutations(lab.emulators["mailersend"]) == []


def test_a_keyring_failing_later_in_a_connection_loses_no_returned_password(
        lab: Lab, conns: dict[str, Connection], memory_keyring: MemoryKeyring) -> None:
    """After the connection's write check passed, a failing write undoes the create it follows."""
    ms = conns["ms"]
    ms.credentials.create("first")
    memory_keyring.corrupt_writes = True
    with pytest.raises(SecretStoreError):
        ms.credentials.create("second")
    memory_keyring.corrupt_writes = False
    names = [c.name for c in ms.credentials.list()]
    assert names == ["first"], "a login whose password could not be stored must not be left behind"
    assert mutations(lab.emulators["mailersend"])[-1].startswith("DELETE")
