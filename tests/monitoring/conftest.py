"""Fixtures for observability: the lab (SMTP2GO emulator, real SMTP), a bound .env file and a
bound exec hook that fails on demand, promtool, and a loopback HTTP receiver for notifications.

promtool (Debian's ``prometheus`` package, installed by tests/run.sh and .ci/run) is skipped
when missing on a workstation, and a failure under ``CI=true``, like the real-Postfix tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "monitoring" / "alerts.yml"
RULE_TESTS = ROOT / "docs" / "monitoring" / "alerts.test.yml"

#: The exec hook: fails (exit 3, one line on stderr) while the flag file exists.
HOOK = """\
import os, sys
sys.stdin.read()
if os.path.exists(sys.argv[1]):
    print("hook: secret store unavailable", file=sys.stderr)
    sys.exit(3)
print("stored")
"""

Configure = Callable[..., Path]


def need(reason: str | None) -> None:
    """Skip (or, under CI=true, fail) when a prerequisite of these tests is missing."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must not skip the monitoring tests")
    pytest.skip(reason)


@pytest.fixture
def promtool() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``promtool ARGS`` (stdin optional); its absence skips, or fails under CI=true."""
    path = shutil.which("promtool")
    need(None if path else "promtool is not installed (apt-get install prometheus)")
    assert path is not None

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([path, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd)

    return run


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["smtp2go"]) as running:
        yield running


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "billing" / ".env"
    path.parent.mkdir()
    path.write_text("APP_NAME=billing\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def hook_flag(tmp_path: Path) -> Path:
    """While this file exists the exec hook fails."""
    return tmp_path / "hook-fails"


@pytest.fixture
def configure(lab: Lab, env_file: Path, hook_flag: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Write config.toml: ``relay`` (SMTP2GO, default), ``app-env`` (a .env file bound to
    relay/billing-app) and ``hook`` (an exec hook bound to relay/shop-app); ``extra`` (tables such
    as [notify]) is appended as it is."""
    script = tmp_path / "hook.py"
    script.write_text(HOOK)

    def write(extra: str = "") -> Path:
        consumers: dict[str, dict[str, Any]] = {
            "app-env": {"provider": "envfile", "path": str(env_file), "login": "relay/billing-app"},
            "hook": {"provider": "exec", "command": [sys.executable, str(script), str(hook_flag)],
                     "login": "relay/shop-app"},
        }
        text = lab.toml(consumers, default="relay") + "\n" + extra
        config = tmp_path / "config.toml"
        config.write_text(text)
        config.chmod(0o600)
        monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
        return config

    return write


class Receiver:
    """A loopback HTTP server that records the JSON body of every POST (Apprise's json://)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.raw.append(data)
                received.bodies.append(json.loads(data))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        """The Apprise URL of this receiver."""
        return f"json://127.0.0.1:{self.server.server_address[1]}/notify"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(timeout=10)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
