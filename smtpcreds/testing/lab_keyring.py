"""A keyring backend for the served lab (``smtpcreds demo --serve``): one JSON file.

Every process that the lab's ``env.sh`` sets up (``PYTHON_KEYRING_BACKEND`` names this class,
``SMTPCREDS_LAB_KEYRING`` the file) shares it, so a shell script's ``creds create`` and a later
``creds login`` see the same secrets, and the user's own keyring is never touched. It is a
plaintext file (priority 0.5, accepted only with ``SMTPCREDS_ALLOW_INSECURE_KEYRING=1``, which the
env file sets) and it is not viable at all where ``SMTPCREDS_LAB_KEYRING`` is unset, so keyring's
own backend detection never picks it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from filelock import FileLock
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

__all__ = [
    "ENV", "LabKeyring",
]

ENV = "SMTPCREDS_LAB_KEYRING"


class LabKeyring(KeyringBackend):
    """Secrets in the JSON file named by ``$SMTPCREDS_LAB_KEYRING``; writes are atomic and
    serialized across processes by a lock file beside it."""

    @classmethod
    def _path(cls) -> Path:
        raw = os.environ.get(ENV)
        if not raw:
            raise RuntimeError(f"{ENV} is not set: this backend serves only the smtpcreds lab")
        return Path(raw)

    @properties.classproperty
    def priority(cls) -> float:
        cls._path()  # not viable without the lab's file
        return 0.5

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data: dict[str, dict[str, str]] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        path = self._path()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)

    def _locked(self) -> FileLock:
        return FileLock(str(self._path()) + ".lock", timeout=30)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked():
            data = self._read()
            data.setdefault(service, {})[username] = password
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            data = self._read()
            if data.get(service, {}).pop(username, None) is None:
                raise PasswordDeleteError("not found")
            self._write(data)
