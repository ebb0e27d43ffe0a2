"""Bulk rotation: many credentials, bounded concurrency, one connection per worker.

A 429 that survives the transport's own retries pauses the whole batch (a shared
:class:`~smtpcreds.rotation.engine.Gate`) and the item is resumed from its journal, so rate
limits slow a batch down instead of failing items. Keyring access stays serialized by the
secret store; HTTP and SMTP verification run outside its lock, in parallel.

What a batch does once instead of once per item (docs/performance.md has the figures):

* a replace rotation needs the ids of the logins that share the credential's name (to tell an
  interrupted create's orphan from a login that existed before); the batch owns one
  :class:`~smtpcreds.rotation.names.SameNames`, which lists each profile and scope once instead
  of every rotation listing every page, and learns the logins its own rotations create;
* the store's HTTP connection pool (the vault store) is sized to the concurrency once, for every
  connection of the batch (:meth:`smtpcreds.store.Backend.reserve`);
* (every plan looks for an unfinished rotation of its credential: the journal store finds it by
  the credential, through its lease in the vault store, so that look-up does not grow with the
  rotations in flight.)
* the rollout step waits for other hosts' agents: the batch shares one
  :class:`~smtpcreds.rotation.rollout.HostWatch`, so the host reports are read once per poll for
  every rotation waiting, and a waiting rotation gives its concurrency slot back (the batch runs
  up to ``concurrency`` rotations' work at once, and up to :data:`WAITING` more waiting).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from smtpcreds.bindings import listing, preflight
from smtpcreds.client import Connection, store_backend
from smtpcreds.config import Config
from smtpcreds.durations import parse_duration
from smtpcreds.errors import RateLimited, RotationError, SmtpCredsError
from smtpcreds.models import SmtpCredential, utcnow
from smtpcreds.rotation import rollout
from smtpcreds.rotation.engine import Gate, RotationResult, Rotator, choose_strategy
from smtpcreds.rotation.journal import Journal, JournalStore
from smtpcreds.rotation.names import SameNames
from smtpcreds.store import Backend

__all__ = [
    "RATE_LIMIT_RESUMES",
    "WAITING",
    "Item",
    "ItemResult",
    "managed",
    "older_than",
    "parse_age",
    "resume_many",
    "rotate_many",
]

#: How often one item is resumed after rate limiting before it is reported incomplete.
RATE_LIMIT_RESUMES = 6
#: How many rotations of a batch may wait for other hosts (the rollout) besides those working.
WAITING = 256


@dataclass(frozen=True)
class Item:
    """One credential to rotate: ``ref`` its name or a login's id (``name``: its name, when known)."""

    profile: str
    ref: str
    scope: str | None = None
    name: str | None = None


@dataclass
class ItemResult:
    """What became of one item of a batch: its rotation's result, or the error that stopped it."""

    item: Item
    result: RotationResult | None = None
    error: SmtpCredsError | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.status == "done"

    def to_dict(self) -> dict[str, object]:
        if self.result is not None:
            return {"ok": self.ok, **self.result.model_dump(mode="json")}
        assert self.error is not None
        d: dict[str, object] = {"ok": False, "profile": self.item.profile, "credential": self.item.ref,
                                "error": self.error.to_dict()}
        if isinstance(self.error, RotationError):
            d["rotation_id"], d["step"] = self.error.rotation_id, self.error.step
        return d


def rotate_many(
    items: Sequence[Item],
    connect: Callable[[str], Connection],
    *,
    push: list[str] | None = None,
    verify: bool = True,
    keep_old: bool = False,
    strategy: str | None = None,
    concurrency: int = 4,
    names: SameNames | None = None,
    on_done: Callable[[ItemResult], None] | None = None,
    push_bound: bool = True,
    config: Config | None = None,
    force_retire: bool = False,
    allow_gap: bool = False,
    rollout_timeout: float | None = None,
    watch: rollout.HostWatch | None = None,
) -> list[ItemResult]:
    """Rotate every item; returns their results in the order of ``items``.

    Each rotation pushes to the consumers bound to its credential (unless ``push_bound`` is
    false) and to ``push``. Broken bindings and refused ``push`` names raise ConfigError before
    any rotation starts (``config``: the configuration to read bindings from).

    ``names``: the batch's index of same-name logins, when the caller has listed already.
    In place, a credential bound on other hosts refuses the whole batch before any change
    unless ``allow_gap``; ``rollout_timeout``: seconds each rotation waits for those hosts;
    ``watch``: the batch's view of the host reports (default: the configured store's, with
    ``concurrency`` slots).
    """
    _preflight(items, connect, push or [], config)
    backend = store_backend(config)  # the configured backend: its journals, host reports, pool sized to the batch
    backend.reserve(max(1, concurrency))
    watch = watch or _watch(backend, concurrency)
    if not allow_gap:
        _refuse_gaps(items, connect, strategy, watch)
    gate = Gate()
    journals = JournalStore(backend.journals())
    names = names or SameNames()
    rotators = _Rotators(lambda profile: Rotator(connect(profile), journals=journals, gate=gate, consumer=connect,
                                                 names=names, watch=watch, rollout_timeout=rollout_timeout))

    def one(item: Item) -> ItemResult:
        r = rotators.get(item.profile)
        outcome = ItemResult(item)
        try:
            with _slot(watch):
                try:
                    outcome.result = r.rotate(item.ref, item.scope, push=push, verify=verify,
                                              keep_old=keep_old, strategy=strategy, push_bound=push_bound,
                                              force_retire=force_retire, allow_gap=allow_gap)
                except RotationError as e:
                    outcome.result = _resume_after_rate_limit(r, e, gate)
        except SmtpCredsError as e:
            outcome.error = e
        if on_done is not None:
            on_done(outcome)
        return outcome

    try:
        with ThreadPoolExecutor(max_workers=_workers(watch, concurrency, len(items)), thread_name_prefix="rotate") \
                as pool:
            return list(pool.map(one, items))
    finally:
        rotators.close()


class _Rotators:
    """A batch's rotators: one per profile and thread (a connection's HTTP session is not shared
    between threads), all closed when the batch ends."""

    def __init__(self, make: Callable[[str], Rotator]) -> None:
        self._make = make
        self._local = threading.local()
        self._made: list[Rotator] = []
        self._lock = threading.Lock()

    def get(self, profile: str) -> Rotator:
        mine: dict[str, Rotator] = self._local.__dict__.setdefault("rotators", {})
        if profile not in mine:
            mine[profile] = self._make(profile)
            with self._lock:
                self._made.append(mine[profile])
        return mine[profile]

    def close(self) -> None:
        for r in self._made:
            r.close()
            r.conn.close()


def _watch(backend: Backend, concurrency: int) -> rollout.HostWatch:
    """The batch's one view of the host reports, with its concurrency slots."""
    return rollout.HostWatch(backend.hosts(), rollout.Slots(concurrency))


def _workers(watch: rollout.HostWatch, concurrency: int, items: int) -> int:
    """Threads: ``concurrency`` working, and where hosts report, up to :data:`WAITING` more waiting."""
    if watch.hosts is None:
        return max(1, concurrency)
    return max(1, min(items, concurrency + WAITING))


def _slot(watch: rollout.HostWatch) -> AbstractContextManager[None]:
    return watch.slots.held() if watch.slots is not None else nullcontext()


def _refuse_gaps(items: Sequence[Item], connect: Callable[[str], Connection], strategy: str | None,
                 watch: rollout.HostWatch) -> None:
    """Before any rotation of the batch: refuse in-place rotations of credentials bound on other
    hosts (each rotation's plan checks again, by id and name)."""
    if watch.hosts is None or not items:
        return
    in_place: dict[str, bool] = {}
    for item in items:
        if item.profile not in in_place:
            with connect(item.profile) as conn:
                in_place[item.profile] = choose_strategy(conn, strategy) == "in-place"
    snap = watch.current()
    for item in items:
        if in_place[item.profile]:
            rollout.refuse_gap(snap, item.profile, {item.ref, item.name or item.ref}, item.name or item.ref)


def _preflight(items: Sequence[Item], connect: Callable[[str], Connection], push: list[str],
               config: Config | None) -> None:
    if config is None and items:
        with connect(items[0].profile) as first:
            config = first.config

    scoped = {item.profile for item in items if item.scope is not None}

    def credentials_of(issuer: str) -> list[SmtpCredential] | None:
        if issuer in scoped:  # bindings name no scope: the default scope's listing cannot judge them
            return None
        with connect(issuer) as conn:
            return listing(conn)

    preflight(config, [(item.profile, item.ref) for item in items], push, credentials_of)


def _resume_after_rate_limit(r: Rotator, error: RotationError, gate: Gate) -> RotationResult:
    for attempt in range(RATE_LIMIT_RESUMES):
        cause = error.__cause__
        if not isinstance(cause, RateLimited):
            raise error
        gate.pause(cause.retry_after if cause.retry_after is not None else min(2.0 ** attempt, 30.0))
        gate.wait()
        try:
            return r.run(r.journals.load(error.rotation_id))
        except RotationError as e:
            error = e
    raise error


def resume_many(journals: JournalStore, open_journals: Sequence[Journal], connect: Callable[[str], Connection], *,
                concurrency: int = 4, config: Config | None = None, rollout_timeout: float | None = None,
                force_retire: bool = False) -> list[dict[str, object]]:
    """Roll forward each of ``open_journals`` whose lease is free (``rotations resume --all``),
    ``concurrency`` at a time, waiting for their rollouts together (one :class:`HostWatch`).
    One ``{"rotation_id", "status", "message"}`` per journal, in order; ``status`` ``skipped``
    for one a running process holds. ``force_retire``: each retires its old login without waiting."""
    backend = store_backend(config)
    backend.reserve(max(1, concurrency))
    watch = _watch(backend, concurrency)
    rotators = _Rotators(lambda profile: Rotator(connect(profile), journals=journals, consumer=connect, watch=watch,
                                                 rollout_timeout=rollout_timeout))

    def one(j: Journal) -> dict[str, object]:
        if journals.holder_of(j.profile, j.credential_keys[0]):
            return {"rotation_id": j.id, "status": "skipped", "message": "held by a running rotation"}
        try:
            if force_retire and not j.force_retire:
                j.force_retire = True
                journals.save(j)
            with _slot(watch):
                result = rotators.get(j.profile).run(journals.load(j.id))  # as it is now: its next write checked on it
            return {"rotation_id": j.id, "status": result.status, "message": result.message}
        except SmtpCredsError as e:
            return {"rotation_id": j.id, "status": "failed", "message": e.message}

    try:
        with ThreadPoolExecutor(max_workers=_workers(watch, concurrency, len(open_journals)),
                                thread_name_prefix="resume") as pool:
            return list(pool.map(one, open_journals))
    finally:
        rotators.close()


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``2w`` (or ``90s``) → timedelta (:func:`smtpcreds.durations.parse_duration`)."""
    return parse_duration(text)


def older_than(conn: Connection, refs: Sequence[str], age: timedelta) -> list[str]:
    """The refs (credential names) whose stored current secret is older than ``age`` (or not
    stored at all)."""
    cutoff = utcnow() - age
    out = []
    for ref in refs:
        login = conn.store.get(ref)
        if login is None or login.created_at < cutoff:
            out.append(ref)
    return out


def managed(conn: Connection, creds: Sequence[SmtpCredential],
            age: timedelta | None = None) -> tuple[list[SmtpCredential], list[str]]:
    """Of a listing, each credential's current login whose secret the store holds (and, with
    ``age``, is older than that), one per credential; and the names of the credentials the store
    holds no login of (an API key that manages the account, a login made elsewhere): a bulk
    rotation leaves those out, since it could not verify or hand on a secret it never had."""
    cutoff = utcnow() - age if age is not None else None
    by_name: dict[str, list[SmtpCredential]] = {}
    for cred in creds:
        by_name.setdefault(cred.credential or cred.name, []).append(cred)
    picked: list[SmtpCredential] = []
    unmanaged: list[str] = []
    for name, logins in by_name.items():
        record = conn.store.record(name)
        current = [c for c in logins if c.id == record.id] if record.id is not None else logins[:1]
        if record.current is None or not current:
            unmanaged.append(name)
        elif cutoff is None or record.current.created_at < cutoff:
            picked.append(current[0])
    return picked, sorted(unmanaged)
