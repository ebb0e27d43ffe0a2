"""Hosts of a fleet on one machine: each with its own HOME, config, state directory, host name and
token; its agent runs as a separate process (``python -m smtpcreds agent``), as on a real host."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from smtpcreds.emulator.lab import _toml_value
from smtpcreds.fleet import agent_policy
from smtpcreds.testing.openbao import OpenBao


def api(server: OpenBao, method: str, path: str, token: str | None = None, **body: Any) -> Any:
    """One request to the OpenBao HTTP API (raises on an error status)."""
    r = requests.request(method, f"{server.url}/v1/{path}", headers={"X-Vault-Token": token or server.token},
                         json=body or None, timeout=10)
    r.raise_for_status()
    return r.json() if r.content else None


def status(server: OpenBao, method: str, path: str, token: str, **body: Any) -> int:
    """The status code OpenBao answers ``token``'s request with (403: the policy denies it)."""
    r = requests.request(method, f"{server.url}/v1/{path}", headers={"X-Vault-Token": token},
                         json=body or None, timeout=10)
    return r.status_code


def agent_token(server: OpenBao, prefix: str, host: str) -> str:
    """A token holding only the agent policy of ``host`` (docs/fleet.md; plus OpenBao's ``default``
    policy, which every token gets: looking itself up and renewing itself)."""
    name = f"smtpcreds-agent-{prefix}-{host}"
    api(server, "PUT", f"sys/policies/acl/{name}", policy=agent_policy(host, prefix=prefix))
    token: str = api(server, "POST", "auth/token/create", policies=[name], ttl="1h")["auth"]["client_token"]
    return token


def wait_until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``check`` until it holds; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s")
        time.sleep(0.1)


@dataclass
class FleetHost:
    """One host: ``consumers`` maps each consumer profile to its fields (``login`` included)."""

    name: str
    home: Path
    server: OpenBao
    prefix: str
    token: str
    consumers: dict[str, dict[str, Any]]
    process: subprocess.Popen[bytes] | None = None
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.home / "config.toml"

    @property
    def log_file(self) -> Path:
        return self.home / "agent.log"

    def write_config(self, interval: float = 60) -> None:
        lines = ["[store]", 'backend = "vault"', f"url = {_toml_value(self.server.url)}",
                 f"prefix = {_toml_value(self.prefix)}", "", "[agent]", f"host = {_toml_value(self.name)}",
                 f"interval = {interval}", ""]
        for name, fields in self.consumers.items():
            lines.append(f"[profiles.{name}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
            lines.append("")
        self.config.write_text("\n".join(lines))
        self.config.chmod(0o600)

    def environ(self) -> dict[str, str]:
        """Only what this host has: its HOME, config, state and token; no provider API key."""
        return {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home), "LANG": "C.UTF-8",
                "SMTPCREDS_CONFIG": str(self.config), "SMTPCREDS_STATE_DIR": str(self.home / "state"),
                "SMTPCREDS_CACHE_DIR": str(self.home / "cache"), "VAULT_TOKEN": self.token,
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``smtpcreds ARGS...`` on this host."""
        done = subprocess.run([sys.executable, "-m", "smtpcreds", *args], env=self.environ(), cwd=self.home,
                              capture_output=True, text=True, timeout=timeout)
        self.runs.append(done)
        return done

    def once(self) -> dict[str, Any]:
        """``agent --once --json``: exit 0 expected; the report."""
        done = self.run("--json", "agent", "--once")
        assert done.returncode == 0, (self.name, done.returncode, done.stderr[-2000:])
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    def start(self, interval: float) -> None:
        """Start this host's agent loop (its log in ``agent.log``); return once it runs."""
        assert self.process is None or self.process.poll() is not None
        starts = self.log().count("agent started") + 1
        log = self.log_file.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "smtpcreds", "agent", "--interval", str(interval)],
                                        env=self.environ(), cwd=self.home, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(f"the agent of {self.name} running", lambda: self.log().count("agent started") >= starts, 60)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the agent's exit code (it ends after the cycle in progress)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def report(self) -> dict[str, Any] | None:
        """This host's report as the store holds it (read with the root token)."""
        r = requests.get(f"{self.server.url}/v1/secret/data/{self.prefix}/hosts/{self.name}",
                         headers={"X-Vault-Token": self.server.token}, timeout=10)
        if r.status_code == 404:
            return None
        r.raise_for_status()
        data: dict[str, Any] = r.json()["data"]["data"]
        return data


def make_host(root: Path, server: OpenBao, prefix: str, name: str, consumers: dict[str, dict[str, Any]], *,
              token: str | None = None, interval: float = 60) -> FleetHost:
    home = root / name
    home.mkdir(parents=True, mode=0o700)
    host = FleetHost(name, home, server, prefix, token or agent_token(server, prefix, name), consumers)
    host.write_config(interval)
    return host
