"""Running a hook command: JSON on stdin, a time limit, and errors that never show a secret.

The secret travels only on the child's standard input. Command lines and environments can be
read by other local users (``ps``, ``/proc/<pid>/cmdline``; ``/proc/<pid>/environ`` by the same
user and root), a pipe cannot. The child runs without a shell, in a new session (so its process
group can be killed whole on a timeout), with the parent's environment minus ``SMTPCREDS_*``
variables (which may hold API keys). Its stdout and stderr are captured, never passed through,
so ``--json`` output stays one document.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from smtpcreds.errors import ProviderError
from smtpcreds.redact import redact

PROVIDER = "exec"
#: Seconds to collect output after killing a timed-out command's process group.
_REAP_SECONDS = 5.0
_MAX_LINE = 300

log = logging.getLogger("smtpcreds.exec")


@dataclass(frozen=True)
class Finished:
    """A command that exited 0."""

    stdout: str
    stderr: str

    def last_stdout_line(self) -> str | None:
        return last_line(self.stdout)


def child_environment(parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a hook gets: ours without ``SMTPCREDS_*`` (profile secrets live there)."""
    source = os.environ if parent is None else parent
    return {k: v for k, v in source.items() if not k.upper().startswith("SMTPCREDS_")}


def last_line(text: str) -> str | None:
    """The last non-blank line, redacted and shortened; None when there is none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    line = redact(lines[-1])
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the child leads its own group (start_new_session)


def run(argv: Sequence[str], payload: Mapping[str, Any], *, timeout: float, label: str) -> Finished:
    """Run ``argv`` with ``payload`` as one JSON object on stdin; raise ProviderError unless it exits 0.

    ``label`` names the profile and command in messages, e.g. ``profile 'app': command 'hook'``.
    Register every secret in ``payload`` with :func:`smtpcreds.redact.register` before calling.
    """
    data = (json.dumps(dict(payload)) + "\n").encode("utf-8")
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_environment(),
            start_new_session=True,
            close_fds=True,
        )
    except FileNotFoundError:
        raise ProviderError(f"{label} not found", provider=PROVIDER) from None
    except PermissionError:
        raise ProviderError(f"{label} is not executable (permission denied)", provider=PROVIDER) from None
    except OSError as e:
        raise ProviderError(f"{label} could not start: {e.strerror}", provider=PROVIDER) from None
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            out, err = proc.communicate(timeout=_REAP_SECONDS)
        except subprocess.TimeoutExpired:  # a descendant left the group and holds the pipes open
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            proc.wait()
            out, err = b"", b""
        message = f"{label} timed out after {timeout:g}s and was killed"
        detail = last_line(err.decode("utf-8", "replace"))
        raise ProviderError(message + (f": {detail}" if detail else ""), provider=PROVIDER) from None
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if stdout.strip():
        log.debug("%s stdout: %s", label, redact(stdout.strip()))
    if proc.returncode != 0:
        code = proc.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        detail = last_line(stderr)
        raise ProviderError(
            f"{label} {how}" + (f": {detail}" if detail else " (no stderr)"), provider=PROVIDER
        )
    return Finished(stdout, stderr)
