"""Rewrite a .env through the envfile provider again and again, for test_crash.py to SIGKILL.

Usage: crash_writer.py PATH PASSWORD_A PASSWORD_B [STAGE]

Writes PASSWORD_A, PASSWORD_B, PASSWORD_A, ... printing ``wrote`` after each write. With
STAGE (``fsync-file``, ``before-replace``, ``after-replace``), the first write stops at that
point of the atomic replace, prints ``stage STAGE`` and waits to be killed.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from pydantic import SecretStr

from smtpcreds.models import EmailSettings
from smtpcreds.testing.support import provider_for


def pause_at(stage: str) -> None:
    print(f"stage {stage}", flush=True)
    sys.stdin.readline()  # blocks until the test kills us
    raise SystemExit("not killed")


def install_stage(stage: str) -> None:
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        if stage == "fsync-file":
            pause_at(stage)
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        if stage == "before-replace":
            pause_at(stage)
        real_replace(src, dst)
        if stage == "after-replace":
            pause_at(stage)

    os.fsync, os.replace = fsync, replace  # type: ignore[assignment]


def main() -> None:
    path, first, second = sys.argv[1:4]
    if len(sys.argv) > 4:
        install_stage(sys.argv[4])
    provider = provider_for({"provider": "envfile", "path": path})
    print("ready", flush=True)
    passwords = (first, second)
    turn = 0
    while True:
        provider.set_settings(EmailSettings(password=SecretStr(passwords[turn % 2])))
        print("wrote", flush=True)
        turn += 1


if __name__ == "__main__":
    main()
