"""Rotation journals and leases of the keyring backend: files in the state directory.

Journals live in ``<state dir>/rotations/<id>.json`` while the rotation can still change and move
to ``rotations/done/`` when it is finished for good, so the look-ups every new rotation makes read
only the few live journals however many rotations cron has run. Directories are 0700, files
0600; each write is atomic (temporary file, fsync, rename, fsync of the directory), so a crash
leaves either the previous or the next state of a journal, never a torn one. A lease is a lock
file per credential, with a note of its holder beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from smtpcreds.store.interface import check_rotation_id
from smtpcreds.store.leases import holder, refusal

__all__ = [
    "FileJournals", "file_lease",
]


class FileJournals:
    """The journals of this user's rotations, under ``root`` (``<state dir>/rotations``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done = root / "done"
        for folder in (self.root, self.done):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(folder, 0o700)

    def path(self, rotation_id: str) -> Path:
        """Where the journal of ``rotation_id`` is (live, else finished; live if neither)."""
        name = f"{check_rotation_id(rotation_id)}.json"
        archived = self.done / name
        return archived if archived.exists() else self.root / name

    def where(self, rotation_id: str) -> str:
        return str(self.path(rotation_id))

    def save(self, rotation_id: str, doc: str, *, finished: bool, profile: str,
             credentials: Sequence[str]) -> None:
        """Write the journal (atomically); the credential keys are not needed to find it here."""
        name = f"{check_rotation_id(rotation_id)}.json"
        _write_atomic(self.done if finished else self.root, name, doc.encode())
        if finished:  # a crash before this unlink leaves a stale live copy: live() drops it
            (self.root / name).unlink(missing_ok=True)

    def load(self, rotation_id: str) -> str | None:
        try:
            return self.path(rotation_id).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def live(self) -> list[str]:
        out = []
        for path in sorted(self.root.glob("r*.json")):
            if (self.done / path.name).exists():  # stale: archived by a save that then crashed
                path.unlink(missing_ok=True)
                continue
            with suppress(FileNotFoundError, UnicodeDecodeError):
                out.append(path.read_text(encoding="utf-8"))
        return out

    def live_for(self, profile: str, credential: str) -> list[str]:
        """Every live journal: reading the few local files costs less than keeping an index."""
        return self.live()

    def finished(self) -> list[str]:
        out = []
        for path in sorted(self.done.glob("r*.json")):
            with suppress(FileNotFoundError, UnicodeDecodeError):
                out.append(path.read_text(encoding="utf-8"))
        return out

    def _note(self, profile: str, credential: str) -> Path:
        return lock_path(self.root, profile, credential).with_suffix(".holder")

    def holder_of(self, profile: str, credential: str) -> dict[str, object] | None:
        try:
            data: dict[str, object] = json.loads(self._note(profile, credential).read_text())
        except (OSError, ValueError):
            return None
        return data

    def lease(self, profile: str, credential: str, rotation_id: str, step: str,
              journaled: bool) -> AbstractContextManager[None]:
        return file_lease(self.root, profile, credential, rotation_id, step, journaled)


@contextmanager
def file_lease(root: Path, profile: str, ref: str, rotation_id: str, step: str,
               journaled: bool = True) -> Iterator[None]:
    """Hold credential ``ref`` of ``profile`` on this machine (a lock file); refuse (exit 8, naming
    the holder) when another process holds it."""
    path = lock_path(root, profile, ref)
    note = path.with_suffix(".holder")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        data = None
        with suppress(OSError, ValueError):
            data = json.loads(note.read_text())
        raise refusal(ref, rotation_id if journaled else "", step, data) from None
    try:
        with suppress(OSError):
            note.write_text(json.dumps(holder(rotation_id, 0)))
        yield
    finally:
        with suppress(OSError):
            note.unlink()
        lock.release()


def lock_path(root: Path, profile: str, ref: str) -> Path:
    """The lock file of credential ``ref`` of ``profile``: readable, or a digest for a name too
    long for a file name."""
    name = f".{profile}.{ref}".replace("/", "_")
    if len(name.encode()) > 180:
        name = "." + hashlib.sha256(f"{profile}\0{ref}".encode()).hexdigest()
    return root / f"{name}.lock"


def _write_atomic(folder: Path, name: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, folder / name)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
