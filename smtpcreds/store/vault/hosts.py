"""Host reports in the vault store: ``hosts/<host>``, one KV entry per host, written by its agent.

The report's fields are the entry's data (``bao kv get secret/smtpcreds/hosts/web1`` shows them).
Each write is a check-and-set on the version the agent last read or wrote. Anything a host keeps
besides its report goes under ``hosts/<host>/``, the only other place an agent's token may write
(docs/fleet.md, the agent's policy); :meth:`VaultHosts.forget` removes both.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import unquote

from pydantic import ValidationError

from smtpcreds.store.hosts import HostReport
from smtpcreds.store.interface import Conflict
from smtpcreds.store.vault.kv import VaultKV, segment

__all__ = [
    "VaultHosts",
]

log = logging.getLogger("smtpcreds.store")

FOLDER = "hosts"


class VaultHosts:
    """The host reports under ``<mount>/<prefix>/hosts/``."""

    def __init__(self, kv: VaultKV) -> None:
        self.kv = kv
        #: Requests made for reports (reads, lists, writes), for the rollout's figures.
        self.requests = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<VaultHosts {self.kv.where(FOLDER)}>"

    def _count(self, n: int = 1) -> None:
        with self._lock:
            self.requests += n

    @staticmethod
    def _rel(host: str) -> str:
        return f"{FOLDER}/{segment(host)}"

    def where(self, host: str) -> str:
        return self.kv.where(self._rel(host))

    def read(self, host: str) -> tuple[HostReport | None, int]:
        self._count()
        data, version = self.kv.read(self._rel(host))
        if not data:
            return None, version
        try:
            return HostReport.model_validate(data), version
        except ValidationError:
            log.warning("%s is not a host report; it is left out", self.where(host))
            return None, version

    def write(self, report: HostReport, version: int) -> int:
        self._count()
        try:
            return self.kv.write(self._rel(report.host), report.model_dump(mode="json"), version)
        except Conflict:
            raise Conflict(f"the report of host {report.host!r} ({self.where(report.host)}) was changed by "
                           "another process; nothing was overwritten") from None

    def all(self) -> list[HostReport]:
        self._count()
        hosts = sorted({unquote(k.rstrip("/")) for k in self.kv.list(FOLDER)})
        out = []
        for host in hosts:
            report, _ = self.read(host)
            if report is not None:
                out.append(report)
        return out

    def forget(self, host: str) -> bool:
        rel = self._rel(host)
        self._count()
        data, version = self.kv.read(rel)
        found = self._remove_folder(rel)
        if data is not None or version:
            self._count()
            self.kv.delete(rel)
            found = True
        return found

    def _remove_folder(self, rel: str) -> bool:
        """Remove every entry under ``rel/``; True if there was one."""
        self._count()
        keys = self.kv.list(rel)
        for key in keys:
            if key.endswith("/"):
                self._remove_folder(f"{rel}/{key.rstrip('/')}")
            else:
                self._count()
                self.kv.delete(f"{rel}/{key}")
        return bool(keys)
