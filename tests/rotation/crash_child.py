"""Run one rotation in a child process and SIGKILL it right after a given step.

Usage: python crash_child.py PROFILE REF STEP STRATEGY [PUSH...]
(STEP "none" = no kill; STRATEGY "auto" = chosen from capabilities)
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
conn = smtpcreds.connect(profile)
smtpcreds.rotate(conn, ref, push=push or None, strategy=None if strategy == "auto" else strategy)
print("finished without a crash", file=sys.stderr)
