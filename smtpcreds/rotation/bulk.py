"""Bulk rotation: many credentials, bounded concurrency, one connection per worker.

A 429 that survives the transport's own retries pauses the whole batch (a shared
:class:`~smtpcreds.rotation.engine.Gate`) and the item is resumed from its journal, so rate
limits slow a batch down instead of failing items. Keyring access stays serialized by the
secret store; HTTP and SMTP verification run outside its lock, in parallel.

What a batch does once instead of once per item (docs/performance.md has the figures):

* a replace rotation needs the ids of the logins that share the credential's name (to tell an
  interrupted create's orphan from a login that existed before); the batch lists each profile
  and scope once, instead of every rotation listing every page, and adds the logins its own
  rotations create as it goes;
* (every plan looks for an unfinished rotation of its credential among the journals; finished
  ones are archived by the journal store, so that look-up reads only the live few.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection
from smtpcreds.errors import RateLimited, RotationError, SmtpCredsError
from smtpcreds.models import utcnow
from smtpcreds.rotation.engine import Gate, RotationResult, Rotator, choose_strategy
from smtpcreds.rotation.journal import JournalStore, journal_store

#: How often one item is resumed after rate limiting before it is reported incomplete.
RATE_LIMIT_RESUMES = 6


@dataclass(frozen=True)
class Item:
    profile: str
    ref: str
    scope: str | None = None


@dataclass
class Outcome:
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
    known_ids: dict[tuple[str, str], set[str]] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Rotate every item; returns outcomes in the order of ``items``.

    ``known_ids``: for each (profile, ref), the ids of the logins named like it before the batch
    (as ``creds rotate --all`` has them from its own listing); computed here when not given.
    """
    gate = Gate()
    journals = journal_store()  # (store) the configured backend's journals
    local = threading.local()
    made: list[Rotator] = []
    made_lock = threading.Lock()
    listing: list[Connection] = []
    if known_ids is None:
        known = _same_name_ids(items, connect, strategy, listing)
    else:  # copied, keeping one set per name shared by the items that bear it
        copies = {id(ids): set(ids) for ids in known_ids.values()}
        known = {key: copies[id(ids)] for key, ids in known_ids.items()}
    known_lock = threading.Lock()

    def rotator(profile: str) -> Rotator:
        cache: dict[str, Rotator] = getattr(local, "rotators", None) or {}
        local.rotators = cache
        if profile not in cache:
            r = Rotator(connect(profile), journals=journals, gate=gate, consumer=connect)
            cache[profile] = r
            with made_lock:
                made.append(r)
        return cache[profile]

    def one(item: Item) -> Outcome:
        r = rotator(item.profile)
        outcome = Outcome(item)
        same_name = known.get((item.profile, item.ref))
        snapshot = None
        if same_name is not None:
            with known_lock:
                snapshot = set(same_name)
        try:
            try:
                outcome.result = r.rotate(item.ref, item.scope, push=push, verify=verify,
                                          keep_old=keep_old, strategy=strategy, known_ids=snapshot)
            except RotationError as e:
                outcome.result = _resume_after_rate_limit(r, e, gate)
        except SmtpCredsError as e:
            outcome.error = e
        if same_name is not None:
            created = _created_login(outcome, journals)
            if created is not None:
                with known_lock:
                    same_name.add(created)  # not an orphan for a later item of the same name
        if on_done is not None:
            on_done(outcome)
        return outcome

    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="rotate") as pool:
            return list(pool.map(one, items))
    finally:
        for r in made:
            r.close()
            r.conn.close()
        for conn in listing:
            conn.close()


def _same_name_ids(items: Sequence[Item], connect: Callable[[str], Connection], strategy: str | None,
                   opened: list[Connection]) -> dict[tuple[str, str], set[str]]:
    """For replace rotations where the provider returns the password: per (profile, ref), the ids
    of the logins with the same name, from one listing per profile and scope.

    Items of a profile or scope that cannot be listed are left out: their rotations list for
    themselves, as a single rotation does.
    """
    groups: dict[tuple[str, str | None], list[Item]] = {}
    for item in items:
        groups.setdefault((item.profile, item.scope), []).append(item)
    out: dict[tuple[str, str], set[str]] = {}
    for (profile, scope), group in groups.items():
        if len(group) < 2:
            continue  # one rotation lists by itself at the same cost
        try:
            conn = connect(profile)
            opened.append(conn)
            caps = conn.capabilities
            if Capability.SET_PASSWORD in caps or Capability.LIST not in caps:
                continue
            if choose_strategy(conn, strategy) != "replace":
                continue
            by_name: dict[str, set[str]] = {}
            name_of: dict[str, str] = {}
            for cred in conn.credentials.list(scope):
                by_name.setdefault(cred.name, set()).add(cred.id)
                name_of[cred.id] = cred.name
        except SmtpCredsError:
            continue
        for item in group:
            if item.ref in name_of:
                out[(item.profile, item.ref)] = by_name[name_of[item.ref]]
    return out


def _created_login(outcome: Outcome, journals: JournalStore) -> str | None:
    """The id of the login a replace rotation created, finished or not."""
    if outcome.result is not None:
        return outcome.result.new_credential
    if isinstance(outcome.error, RotationError) and outcome.error.rotation_id:
        try:
            return journals.load(outcome.error.rotation_id).new_id
        except SmtpCredsError:
            return None
    return None


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


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``2w`` → timedelta."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"age must look like 90d, 12h, 30m or 2w, got {text!r}")
    return timedelta(seconds=int(text[:-1]) * units[text[-1]])


def older_than(conn: Connection, refs: Sequence[str], age: timedelta) -> list[str]:
    """The refs whose stored current secret is older than ``age`` (or not stored at all)."""
    cutoff = utcnow() - age
    out = []
    for ref in refs:
        login = conn.store.get(ref)
        if login is None or login.created_at < cutoff:
            out.append(ref)
    return out
