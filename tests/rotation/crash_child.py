"""Run one rotation in a child process and SIGKILL it right after a given step.

Usage: python crash_child.py PROFILE REF STEP STRATEGY [PUSH...]
(STEP "none" = no kill; STRATEGY "auto" = chosen from capabilities; STEP "after-create": killed
when the provider has made the new login and returned its password, before the store keeps it;
"after-store": right after the store kept it, before the journal names the new login)
"""

from __future__ import annotations

import os
import signal
import sys

import smtpcreds
from smtpcreds.hookspecs import hookimpl
from smtpcreds.plugins import get_plugin_manager
from smtpcreds.rotation.events import RotationEvent

profile, ref, crash_at, strategy, *push = sys.argv[1:]


class Killer:
    @hookimpl
    def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
        if event.step == crash_at and event.outcome in ("done", "skipped"):
            os.kill(os.getpid(), signal.SIGKILL)


get_plugin_manager().register(Killer())
if crash_at in ("after-create", "after-store"):
    from smtpcreds.client import Credentials

    keep = Credentials.keep_returned

    def keep_then_die(self: Credentials, *args: object, **kwargs: object) -> None:
        if crash_at == "after-create":
            os.kill(os.getpid(), signal.SIGKILL)
        keep(self, *args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGKILL)

    Credentials.keep_returned = keep_then_die  # type: ignore[method-assign]
conn = smtpcreds.connect(profile)
smtpcreds.rotate(conn, ref, push=push or None, strategy=None if strategy == "auto" else strategy)
print("finished without a crash", file=sys.stderr)
