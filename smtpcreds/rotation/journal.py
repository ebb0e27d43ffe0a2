"""The write-ahead journal of a rotation: one JSON document per rotation, never a secret.

:class:`Journal` is the model, :class:`JournalStore` the look-ups the engine makes. Where the
documents live is the store backend's business (files in the state directory, or the vault
store: :mod:`smtpcreds.store`); a journal is *live* while its rotation can still change (open,
or done with its old login kept by ``--keep-old``) and *finished* once nothing can change it,
so the look-ups every new rotation makes read only the few live ones.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from smtpcreds.client import store_backend
from smtpcreds.config import Config
from smtpcreds.errors import ConfigError, NotFound, RotationError
from smtpcreds.rotation.steps import Step, following
from smtpcreds.store import JournalDocs, LeaseLost

__all__ = [
    "HistoryEntry", "Journal", "JournalStore", "Status", "Strategy", "dumps_public", "finished", "journal_store",
    "make_rotation_id",
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
    #: The provider's id of the login being replaced (the credential's id when the rotation began).
    ref: str
    scope: str | None = None
    #: The credential's name: what the rotation is of, whatever ids its logins have (its lease,
    #: its record in the store, the look-ups below).
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
    #: (a resume then asks for a use since that check) and --force-retire (which also retires
    #: without waiting for the rollout).
    old_username: str | None = None
    new_username: str | None = None
    push_started_at: datetime | None = None
    retire_held_at: datetime | None = None
    force_retire: bool = False
    #: when the rollout found every host that binds the credential holding the new login (None:
    #: not yet, or no host binds it); a regenerate retire holds for uses of the old secret after it
    rollout_done_at: datetime | None = None
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
    def credential_keys(self) -> tuple[str, ...]:
        """The keys the store leases this journal's credential by (the first) and finds the
        journal by: the one place that chooses them. The credential's name (docs/concepts.md)."""
        return (self.name,)

    @property
    def open(self) -> bool:
        return self.status in ("running", "failed")


def make_rotation_id() -> str:
    return f"r{_now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def finished(j: Journal) -> bool:
    """Finished for good: no step, resume, abort or retire can change it any more."""
    return j.status == "aborted" or (j.status == "done" and (j.retired or j.strategy == "in-place"))


class JournalStore:
    """The journals of this user's rotations, over the store backend's journal documents.

    The backend (:class:`smtpcreds.store.JournalDocs`: files in the state directory, or KV
    entries in the vault store) keeps documents and leases; this class owns what they mean.
    """

    def __init__(self, docs: JournalDocs) -> None:
        self.docs = docs
        self._held: dict[tuple[str, str], int] = {}

    def __repr__(self) -> str:
        return f"<JournalStore {self.docs!r}>"

    def _parse(self, doc: str, rotation_id: str) -> Journal:
        try:
            return Journal.model_validate_json(doc)
        except ValueError as e:
            raise ConfigError(f"rotation journal {self.docs.where(rotation_id)} is unreadable: {e}") from None

    def save(self, journal: Journal) -> None:
        journal.updated_at = _now()
        try:
            self.docs.save(journal.id, journal.model_dump_json(indent=2), finished=finished(journal),
                           profile=journal.profile, credentials=journal.credential_keys)
        except LeaseLost as e:
            raise RotationError(f"rotation {journal.id}: {e.message}; this one stops without overwriting it "
                                "(the other one goes on)",
                                rotation_id=journal.id, step=journal.next) from None

    def load(self, rotation_id: str) -> Journal:
        doc = self.docs.load(rotation_id)
        if doc is None:
            raise NotFound(f"no rotation {rotation_id!r} (see 'smtpcreds rotations list')")
        return self._parse(doc, rotation_id)

    def _parsed(self, docs: list[str]) -> list[Journal]:
        out = []
        for doc in docs:
            try:
                out.append(Journal.model_validate_json(doc))
            except ValueError:
                continue
        return out

    def live(self) -> list[Journal]:
        """Journals that can still change: open, or done with the old login kept."""
        return sorted(self._still_live(self.docs.live()), key=lambda j: j.created_at)

    def _still_live(self, docs: list[str]) -> list[Journal]:
        out = []
        for j in self._parsed(docs):
            if finished(j):  # written before finished journals were archived: archive it now
                self.save(j)
                continue
            out.append(j)
        return out

    def all(self) -> list[Journal]:
        """Every journal, live and finished, oldest first."""
        done = self._parsed(self.docs.finished())
        archived = {j.id for j in done}
        return sorted(done + [j for j in self.live() if j.id not in archived], key=lambda j: j.created_at)

    def live_for(self, profile: str, name: str) -> list[Journal]:
        """The live journals of credential ``name`` in ``profile`` (and maybe others: callers filter),
        found without reading every live journal where the store can (the vault store)."""
        return self._still_live(self.docs.live_for(profile, name))

    def open_for(self, profile: str, name: str) -> Journal | None:
        """An unfinished rotation of credential ``name`` in ``profile``, if any."""
        for j in self.live_for(profile, name):
            if j.open and j.profile == profile and j.name == name:
                return j
        return None

    def unretired_for(self, profile: str, name: str) -> Journal | None:
        """A finished rotation of credential ``name`` that kept the old login (``--keep-old``)."""
        for j in self.live_for(profile, name):
            if j.status == "done" and j.profile == profile and j.name == name and \
                    j.strategy in ("replace", "regenerate") and not j.retired:
                return j
        return None

    def holder_of(self, profile: str, name: str) -> dict[str, object] | None:
        """Who holds the lease of credential ``name`` now, as far as the store can tell (None: free
        or unknown)."""
        return self.docs.holder_of(profile, name)

    def lease(self, j: Journal) -> AbstractContextManager[None]:
        """Hold credential ``j.name`` for this rotation: a second one is refused (RotationError)."""
        return self.lease_ref(j.profile, j.credential_keys[0], j.id, str(j.next), journaled=True)

    @contextmanager
    def lease_ref(self, profile: str, ref: str, rotation_id: str, step: str = "plan",
                  journaled: bool = False) -> Iterator[None]:
        """:meth:`lease` before the journal exists; re-entrant within this journal store."""
        key = (profile, ref)
        if self._held.get(key):
            self._held[key] += 1
            try:
                yield
            finally:
                self._held[key] -= 1
            return
        with self.docs.lease(profile, ref, rotation_id, step, journaled):
            self._held[key] = 1
            try:
                yield
            finally:
                self._held.pop(key, None)


def journal_store(config: Config | None = None) -> JournalStore:
    """The journals of the configured store: the state directory, or the vault store."""
    return JournalStore(store_backend(config).journals())


def dumps_public(journal: Journal) -> str:
    return json.dumps(journal.model_dump(mode="json"), indent=2)
