"""``smtpcreds demo``: the flagship job, end to end, on the embedded emulators.

Starts every emulator and a real SMTP server on loopback, uses an in-memory keyring and a
temporary state directory (never the user's own), then: creates a MailerSend and an SMTP2GO
login, with the Webitel PBX bound to the SMTP2GO one and an app's ``.env`` file to the MailerSend
one (``login = "<issuer>/<credential>"``), brings both consumers in sync, rotates both logins with
real SMTP verification (each new login goes to the consumers bound to it), proves the old logins
are rejected and the new ones accepted, audits the bindings, and shows where each secret lives.
Everything is removed afterwards.
"""

from __future__ import annotations

import os
import smtplib
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring

from smtpcreds.client import Connection
from smtpcreds.drift import audit, sync
from smtpcreds.emulator.lab import Lab
from smtpcreds.models import SmtpLogin
from smtpcreds.rotation.engine import Rotator
from smtpcreds.store import reset_backend_check
from smtpcreds.testing.support import MemoryKeyring

__all__ = [
    "Step", "run_demo", "smtp_accepts",
]


@dataclass
class Step:
    title: str
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.data, "step": self.title, "ok": self.ok, "detail": self.detail}


@contextmanager
def _isolated() -> Iterator[Path]:
    """A temporary keyring (in memory) and state directory for the demo's lifetime."""


    previous_backend = keyring.get_keyring()
    previous_state = os.environ.get("SMTPCREDS_STATE_DIR")
    with tempfile.TemporaryDirectory(prefix="smtpcreds-demo-") as tmp:
        os.environ["SMTPCREDS_STATE_DIR"] = str(Path(tmp) / "state")
        keyring.set_keyring(MemoryKeyring())
        reset_backend_check()
        try:
            yield Path(tmp)
        finally:
            keyring.set_keyring(previous_backend)
            reset_backend_check()
            if previous_state is None:
                os.environ.pop("SMTPCREDS_STATE_DIR", None)
            else:
                os.environ["SMTPCREDS_STATE_DIR"] = previous_state


def smtp_accepts(login: SmtpLogin) -> bool:
    """A real SMTP AUTH attempt against the lab's server."""
    try:
        with smtplib.SMTP(login.host, login.port, timeout=10) as client:
            client.login(login.username, login.password.get_secret_value())
        return True
    except smtplib.SMTPAuthenticationError:
        return False


def run_demo(report: Callable[[Step], None]) -> list[Step]:
    """Run the walkthrough, calling ``report`` after each step; returns every step."""

    steps: list[Step] = []

    def add(title: str, ok: bool, detail: str, **data: Any) -> None:
        step = Step(title, ok, detail, data)
        steps.append(step)
        report(step)

    started = time.monotonic()
    with _isolated() as tmp, Lab(["mailersend", "smtp2go", "webitel"]) as lab:
        env_path = tmp / "app" / ".env"
        env_path.parent.mkdir()
        env_path.write_text("# billing app\nAPP_NAME=billing\nSMTP_HOST=old.example.com\n")
        env_path.chmod(0o600)
        # Bindings: each consumer holds one credential's login, named by the credential's name,
        # which every rotation keeps (the MailerSend replace rotation gives its login a new id).
        cfg = lab.config({
            "pbx": {**lab.profile("webitel"), "login": "relay/alerts-app"},
            "app-env": {"provider": "envfile", "path": str(env_path), "login": "ms/billing-app"},
        })
        conns: dict[str, Connection] = {}

        def conn(name: str) -> Connection:
            if name not in conns:
                conns[name] = Connection(name, cfg.profile(name), config=cfg)
            return conns[name]

        add("start", True, f"emulators for MailerSend, SMTP2GO and Webitel, SMTP server on "
            f"{lab.smtp.host}:{lab.smtp.port}, temporary keyring", smtp_port=lab.smtp.port)

        ms_cred = conn("ms").credentials.create("billing-app")
        relay_cred = conn("relay").credentials.create("alerts-app")
        add("create", True, f"MailerSend login {ms_cred.username} and SMTP2GO login {relay_cred.username}; "
            "passwords went straight to the keyring", mailersend=ms_cred.id, smtp2go=relay_cred.id)

        old_ms = conn("ms").credentials.stored_login("billing-app")
        old_relay = conn("relay").credentials.stored_login("alerts-app")
        synced = sync(config=cfg, connect=conn)
        pbx_test = conn("pbx").settings.test(to="ops@example.com")
        add("push", all(a.action == "pushed" for a in synced),
            "settings sync: " + "; ".join(f"{a.issuer}/{a.credential} -> {a.consumer}: {a.action}" for a in synced)
            + f"; PBX self-test: {pbx_test}")

        results = {}
        for issuer, ref in (("relay", "alerts-app"), ("ms", "billing-app")):
            rotator = Rotator(conn(issuer), consumer=conn)
            result = rotator.rotate(ref)  # pushed to the consumers bound to it
            results[issuer] = result
            add(f"rotate {issuer}", result.status == "done",
                f"{result.strategy} rotation {result.rotation_id}: verified by SMTP login, pushed to "
                f"{', '.join(result.pushed)}, old login {'retired' if result.retired else 'kept'}",
                rotation=result.model_dump(mode="json"))

        new_ms = conn("ms").credentials.stored_login("billing-app")  # by name, whatever its new id
        new_relay = conn("relay").credentials.stored_login("alerts-app")
        checks = {
            "old MailerSend login": (smtp_accepts(old_ms), False),
            "new MailerSend login": (smtp_accepts(new_ms), True),
            "old SMTP2GO login": (smtp_accepts(old_relay), False),
            "new SMTP2GO login": (smtp_accepts(new_relay), True),
        }
        for what, (accepted, expected) in checks.items():
            add(f"smtp check: {what}", accepted == expected,
                f"{what} {'accepted' if accepted else 'rejected'} by the SMTP server", accepted=accepted,
                expected=accepted == expected)

        pbx_doc = conn("pbx").settings.get()
        pbx_ok = pbx_doc.password is not None and \
            pbx_doc.password.get_secret_value() == new_relay.password.get_secret_value()
        env_ok = new_ms.password.get_secret_value() in env_path.read_text()
        add("consumers hold the new logins", pbx_ok and env_ok,
            f"Webitel document {'has' if pbx_ok else 'LACKS'} the new SMTP2GO password; "
            f".env {'has' if env_ok else 'LACKS'} the new MailerSend password (other lines untouched)")

        audited = audit(config=cfg, connect=conn)
        states = [f"{c.profile}/{c.credential}: {', '.join(f'{s.consumer} {s.state}' for s in c.consumers)}"
                  for c in audited.credentials if c.consumers]
        add("audit", all(s.state == "in sync" for c in audited.credentials for s in c.consumers) and len(states) == 2,
            "creds audit: " + "; ".join(states))

        add("where secrets live", True,
            "one keyring item per credential, named by the credential: service smtpcreds/<profile>, user "
            "<name>, holding its current and previous logins and the provider's current id "
            f"(MailerSend billing-app is now {results['ms'].new_credential}, was {ms_cred.id}); rotation "
            "journals (no secrets) in the state directory; consumers hold only what was pushed to them",
            keyring_entries=[conn("relay").store.where("alerts-app"), conn("ms").store.where("billing-app")])
        for c in conns.values():
            c.close()
    add("clean up", True, f"emulators stopped, temporary keyring and files removed "
        f"({time.monotonic() - started:.1f}s in all)")
    return steps
