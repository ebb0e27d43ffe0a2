"""Running a hook command: JSON on stdin, a time limit, and errors that never show a secret.

The secret travels only on the child's standard input. Command lines and environments can be
read by other local users (``ps``, ``/proc/<pid>/cmdline``; ``/proc/<pid>/environ`` by the same
user and root), a pipe cannot. The child runs without a shell, in a new session (so its process
group can be killed whole on a timeout), with the parent's environment minus ``SMTPCREDS_*``
variables (which may hold API keys). Its stdout and stderr are captured, never passed through,
so ``--json`` output stays one document.

The verdict is the command's own exit: once it exits, the output it wrote is read and the run
is over, even if a process it started in the background (an application it restarted) still
holds the pipes open; such processes are left running. Only a command still running at the
time limit is killed, with its whole process group.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from smtpcreds.plugin import ProviderError, child_environment, last_line, redact

PROVIDER = "exec"
#: Bytes kept of each output stream (its end: the last line is what a message shows).
_KEEP = 64 * 1024

log = logging.getLogger("smtpcreds.exec")


@dataclass(frozen=True)
class Finished:
    """A command that exited 0."""

    stdout: str
    stderr: str

    def last_stdout_line(self) -> str | None:
        return last_line(self.stdout)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the child leads its own group (start_new_session)


def _start(argv: Sequence[str], label: str) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
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


class _Exchange:
    """Feed stdin and collect output until the command itself exits or the deadline passes."""

    def __init__(self, proc: subprocess.Popen[bytes], data: bytes) -> None:
        self.proc, self.data = proc, data
        self.output: dict[int, bytes] = {}
        self.sel = selectors.DefaultSelector()
        self._exited_r, self._exited_w = os.pipe()
        self._waiter = threading.Thread(target=self._wait, args=(self._exited_w,), daemon=True)

    def _wait(self, exited_w: int) -> None:
        self.proc.wait()
        with contextlib.suppress(OSError):
            os.write(exited_w, b"x")
        os.close(exited_w)

    def run(self, timeout: float) -> bool:
        """True when the command exited within ``timeout`` seconds; its output is in ``output``."""
        stdin, stdout, stderr = self.proc.stdin, self.proc.stdout, self.proc.stderr
        assert stdin is not None and stdout is not None and stderr is not None
        for pipe in (stdin, stdout, stderr):
            os.set_blocking(pipe.fileno(), False)
        self.sel.register(stdin, selectors.EVENT_WRITE)
        for pipe in (stdout, stderr):
            self.output[pipe.fileno()] = b""
            self.sel.register(pipe, selectors.EVENT_READ)
        self.sel.register(self._exited_r, selectors.EVENT_READ)
        self._waiter.start()
        deadline = time.monotonic() + timeout
        while True:
            ready = self.sel.select(max(0.0, deadline - time.monotonic()))
            for key, _ in ready:
                if key.fileobj == self._exited_r:
                    return True
                if key.fileobj is self.proc.stdin:
                    self._feed()
                else:
                    self._read(key.fd)
            if time.monotonic() >= deadline:  # even if it keeps writing
                return False

    def _feed(self) -> None:
        assert self.proc.stdin is not None
        try:
            sent = os.write(self.proc.stdin.fileno(), self.data)
        except BlockingIOError:
            return
        except BrokenPipeError:  # the command does not read its input: its exit status decides
            sent = len(self.data)
        self.data = self.data[sent:]
        if not self.data:
            self.sel.unregister(self.proc.stdin)
            self.proc.stdin.close()

    def _read(self, fd: int) -> bool:
        """Read what is there; False at end of file or when nothing is waiting."""
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            self.sel.unregister(fd)
            return False
        self.output[fd] = (self.output[fd] + chunk)[-_KEEP:]
        return True

    def drain(self) -> None:
        """After the command exited: read what it wrote, without waiting for anyone else."""
        for fd in list(self.output):
            if fd in self.sel.get_map():
                while self._read(fd):
                    pass

    def close(self) -> None:
        """Reap the command and release every pipe (its background processes keep running)."""
        self.proc.wait()
        if self._waiter.ident is not None:  # started: it closes the write end
            self._waiter.join()
        else:
            os.close(self._exited_w)
        self.sel.close()
        os.close(self._exited_r)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def text(self, pipe: IO[bytes] | None) -> str:
        assert pipe is not None
        return self.output.get(pipe.fileno(), b"").decode("utf-8", "replace")


def run(argv: Sequence[str], payload: Mapping[str, Any], *, timeout: float, label: str) -> Finished:
    """Run ``argv`` with ``payload`` as one JSON object on stdin; raise ProviderError unless it exits 0.

    ``label`` names the profile and command in messages, e.g. ``profile 'app': command 'hook'``.
    Register every secret in ``payload`` with :func:`smtpcreds.redact.register` before calling.
    """
    data = (json.dumps(dict(payload)) + "\n").encode("utf-8")
    proc = _start(argv, label)
    try:
        exchange = _Exchange(proc, data)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    try:
        exited = exchange.run(timeout)
        if not exited:
            _kill_group(proc)
            proc.wait()
        exchange.drain()
        stdout, stderr = exchange.text(proc.stdout), exchange.text(proc.stderr)
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        exchange.close()
    if not exited:
        detail = last_line(stderr)
        message = f"{label} timed out after {timeout:g}s and was killed"
        raise ProviderError(message + (f": {detail}" if detail else ""), provider=PROVIDER)
    if stdout.strip():
        log.debug("%s stdout: %s", label, redact(stdout.strip()))
    code = proc.returncode
    if code != 0:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        detail = last_line(stderr)
        raise ProviderError(
            f"{label} {how}" + (f": {detail}" if detail else " (no stderr)"), provider=PROVIDER
        )
    return Finished(stdout, stderr)
