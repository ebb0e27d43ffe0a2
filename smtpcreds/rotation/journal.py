"""The write-ahead journal of a rotation: one JSON file per rotation, never a secret.

Files live in ``<state dir>/rotations/<id>.json`` while the rotation can still change (open,
or done with its old login kept by ``--keep-old``) and move to ``rotations/done/`` when it is
finished for good, so the look-ups every new rotation makes read only the few live journals
however many rotations cron has run. Directories are 0700, files 0600; each write is atomic
(temporary file, fsync, rename, fsync of the directory), so a crash leaves either the previous
or the next state of a journal, never a torn one.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from smtpcreds.errors import ConfigError
from smtpcreds.rotation.steps import Step, following

__all__ = [
    "HistoryEntry", "Journal", "JournalStore", "Status", "Strategy", "dumps_public", "finished", "make_rotation_id",
]

Status = Literal["running", "failed", "done", "aborted"]
Strategy = Literal["in-place", "replace", "regenerate"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class HistoryEntry(BaseModel):
    step: str
    outcome: str
    at: datetime = Field(default_factory=_now)
    message: str = ""


class Journal(BaseModel):
    """What a rotation has done so far; enough to roll it forward or back."""

    id: str
    profile: str
    provider: str
    ref: str
    scope: str | None = None
    name: str
    strategy: Strategy
    #: The step to run next (DONE when nothing is left; RETIRE on a ``--keep-old`` rotation
    #: that is done but whose old login is still there).
    next: Step = Step.CREATE_PENDING
    status: Status = "running"
    #: The earlier ``--keep-old`` rotation whose old login this one retires first.
    leftover: str | None = None
    new_id: str | None = None
    #: replace strategy: ids of same-name logins that existed before the create (orphan check).
    known_ids: list[str] = Field(default_factory=list)
    creating: bool = False
    push: list[str] = Field(default_factory=list)
    pushed: list[str] = Field(default_factory=list)
    verify: bool = True
    verified: bool = False
    keep_old: bool = False
    retired: bool = False
    restored_old: bool = False
    #: regenerate strategy ("alternate keys"): the username being replaced, the new one, when the
    #: push began (a later use of the old secret holds its retire), when a retire was last held
    #: (a resume then asks for a use since that check) and --force-retire.
    old_username: str | None = None
    new_username: str | None = None
    push_started_at: datetime | None = None
    retire_held_at: datetime | None = None
    force_retire: bool = False
    error: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    history: list[HistoryEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_last_step(cls, data: Any) -> Any:
        """Journals written before ``next`` recorded the last step completed as ``step``."""
        if isinstance(data, dict) and "step" in data and "next" not in data:
            data = dict(data)
            last = data.pop("step")
            data["next"] = Step.CREATE_PENDING if last == "plan" else following(Step(last))
        return data

    @property
    def target(self) -> str:
        """The credential id that holds the new login."""
        return self.new_id or self.ref

    @property
    def open(self) -> bool:
        return self.status in ("running", "failed")


def make_rotation_id() -> str:
    return f"r{_now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def finished(j: Journal) -> bool:
    """Finished for good: no step, resume, abort or retire can change it any more."""
    return j.status == "aborted" or (j.status == "done" and (j.retired or j.strategy == "in-place"))


class JournalStore:
    """The journals of this user's rotations."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            from smtpcreds.secretstore import state_dir

            root = state_dir() / "rotations"
        self.root = root
        self.done = root / "done"
        for folder in (self.root, self.done):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(folder, 0o700)

    def _name(self, rotation_id: str) -> str:
        if not rotation_id or "/" in rotation_id or rotation_id.startswith("."):
            raise ConfigError(f"invalid rotation id {rotation_id!r}")
        return f"{rotation_id}.json"

    def path(self, rotation_id: str) -> Path:
        """Where the journal of ``rotation_id`` is (live, else finished; live if neither)."""
        name = self._name(rotation_id)
        archived = self.done / name
        return archived if archived.exists() else self.root / name

    def save(self, journal: Journal) -> None:
        journal.updated_at = _now()
        name = self._name(journal.id)
        folder = self.done if finished(journal) else self.root
        _write_atomic(folder, name, journal.model_dump_json(indent=2).encode())
        if folder is self.done:
            # A crash before this unlink leaves a stale live copy: _live() drops it.
            (self.root / name).unlink(missing_ok=True)

    def load(self, rotation_id: str) -> Journal:
        from smtpcreds.errors import NotFound

        path = self.path(rotation_id)
        try:
            return Journal.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise NotFound(f"no rotation {rotation_id!r} (see 'smtpcreds rotations list')") from None
        except ValueError as e:
            raise ConfigError(f"rotation journal {path} is unreadable: {e}") from None

    def live(self) -> list[Journal]:
        """Journals that can still change: open, or done with the old login kept."""
        out = []
        for path in self.root.glob("r*.json"):
            if (self.done / path.name).exists():  # stale: archived by a save that then crashed
                path.unlink(missing_ok=True)
                continue
            try:
                j = Journal.model_validate_json(path.read_bytes())
            except (ValueError, FileNotFoundError):
                continue
            if finished(j):  # written before finished journals were archived: archive it now
                self.save(j)
                continue
            out.append(j)
        return sorted(out, key=lambda j: j.created_at)

    def all(self) -> list[Journal]:
        """Every journal, live and finished, oldest first."""
        out = self.live()
        for path in self.done.glob("r*.json"):
            try:
                out.append(Journal.model_validate_json(path.read_bytes()))
            except ValueError:
                continue
        return sorted(out, key=lambda j: j.created_at)

    def open_for(self, profile: str, ref: str) -> Journal | None:
        """An unfinished rotation of credential ``ref`` in ``profile``, if any."""
        for j in self.live():
            if j.open and j.profile == profile and ref in (j.ref, j.new_id):
                return j
        return None

    def holder_of(self, profile: str, ref: str) -> dict[str, object] | None:
        """Who holds the lease of ``ref`` now, as far as this store can tell (None: free or unknown)."""
        import json

        note = self.root / f".{profile}.{ref}.holder".replace("/", "_")
        try:
            data: dict[str, object] = json.loads(note.read_text())
        except (OSError, ValueError):
            return None
        return data

    def lease(self, j: Journal) -> AbstractContextManager[None]:
        """Hold credential ``j.ref`` for this rotation: a second one is refused (RotationError)."""
        return self.lease_ref(j.profile, j.ref, j.id, str(j.next), journaled=True)

    @contextmanager
    def lease_ref(self, profile: str, ref: str, rotation_id: str, step: str = "plan",
                  journaled: bool = False) -> Iterator[None]:
        """:meth:`lease` before the journal exists; re-entrant within this journal store."""
        held: dict[tuple[str, str], int] = self.__dict__.setdefault("_held", {})
        key = (profile, ref)
        if held.get(key):
            held[key] += 1
            try:
                yield
            finally:
                held[key] -= 1
            return
        with self._acquire_lease(profile, ref, rotation_id, step, journaled):
            held[key] = 1
            try:
                yield
            finally:
                held.pop(key, None)

    def _acquire_lease(self, profile: str, ref: str, rotation_id: str, step: str,
                       journaled: bool) -> AbstractContextManager[None]:
        from smtpcreds.store.leases import file_lease

        return file_lease(self.root, profile, ref, rotation_id, step, journaled)

    def unretired_for(self, profile: str, ref: str) -> Journal | None:
        """A finished rotation that kept the old login (``--keep-old``) and whose new id is ``ref``."""
        for j in self.live():
            if j.status == "done" and j.profile == profile and j.target == ref and \
                    j.strategy in ("replace", "regenerate") and not j.retired:
                return j
        return None


def journal_store() -> JournalStore:
    """The journals of the configured store: the state directory, or the vault store."""
    from smtpcreds.store.settings import current

    settings = current()
    if settings.backend == "vault":
        from smtpcreds.store.vault_journals import VaultJournalStore

        return VaultJournalStore(settings)
    return JournalStore()


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


def dumps_public(journal: Journal) -> str:
    return json.dumps(journal.model_dump(mode="json"), indent=2)
