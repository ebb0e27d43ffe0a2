"""The rollout step: the old login is retired only once every host that binds the credential
reports holding the new one (docs/fleet.md).

Each host's agent reports what its consumers hold (:mod:`smtpcreds.store.hosts`). After
``promote``, :func:`wait` polls those reports until every consumer bound to the credential holds
the new login (a report older than three of its agent's intervals holds nothing), or its timeout
passes: then the step fails, the rotation stops before ``retire`` (exit 8, resumable) and the old
login stays valid.

Reports are read through a :class:`HostWatch`: one read of every report per poll, shared by every
rotation that waits on the same watch (a bulk rotation shares one for the batch), and a rotation
gives its concurrency slot back (:class:`Slots`) while it waits. :func:`refuse_gap` is the check an
in-place rotation makes before any change: its old password dies at ``set``, so consumers on
other hosts would hold a dead login until their agents pull the new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from smtpcreds.errors import ConfigError, SmtpCredsError
from smtpcreds.models import SmtpLogin, utcnow
from smtpcreds.store import HeldLogin, HostReport, HostReports, login_identity
from smtpcreds.store.hosts import SILENT_AFTER, state_of

__all__ = [
    "POLL_MAX", "POLL_MIN", "HostWatch", "Outcome", "Slots", "Snapshot", "bound", "pending",
    "refuse_gap", "wait",
]

#: Reports are polled every quarter of the shortest interval among the agents concerned, within these
#: bounds: a host's new report is seen at most a quarter interval late, at one listing and one read per
#: host each poll.
POLL_MIN, POLL_MAX = 0.2, 10.0


class Slots:
    """A batch's concurrency: ``with slots.held():`` around a rotation, ``with slots.released():``
    while it waits for other hosts (so a waiting rotation does not keep another from working).

    A rotation coming back from its wait gets the next free slot before any rotation that has not
    started yet: work already begun is finished first (its old login retired, its lease freed).
    """

    def __init__(self, size: int) -> None:
        self._cond = threading.Condition()
        self._free = max(1, size)
        self._returning = 0
        #: rotations waiting for a slot now
        self.waiting = 0
        self._local = threading.local()

    def _take(self, returning: bool) -> None:
        with self._cond:
            self._returning += returning
            self.waiting += 1
            try:
                while self._free == 0 or (not returning and self._returning):
                    self._cond.wait()
                self._free -= 1
            finally:
                self._returning -= returning
                self.waiting -= 1

    def _give(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()

    @contextmanager
    def held(self) -> Iterator[None]:
        self._take(returning=False)
        self._local.held = True
        try:
            yield
        finally:
            self._local.held = False
            self._give()

    @contextmanager
    def released(self) -> Iterator[None]:
        if not getattr(self._local, "held", False):
            yield
            return
        self._local.held = False
        self._give()
        try:
            yield
        finally:
            self._take(returning=True)
            self._local.held = True


@dataclass(frozen=True)
class Snapshot:
    """Every host's report as read at one moment (``generation`` 0: never read)."""

    generation: int
    reports: tuple[HostReport, ...]
    read_at: float  # time.monotonic()
    now: datetime


class HostWatch:
    """The host reports as the rotations sharing this watch see them (see the module docstring).

    ``hosts`` None (the keyring store): no host reports, nothing is read.
    """

    def __init__(self, hosts: HostReports | None, slots: Slots | None = None) -> None:
        self.hosts = hosts
        self.slots = slots
        self._cond = threading.Condition()
        self._snapshot = Snapshot(0, (), float("-inf"), utcnow())
        self._reading = False
        #: How many rotations looked at each snapshot, by generation (for figures and tests).
        self.looks: dict[int, int] = {}

    @property
    def reads(self) -> int:
        """How many times the reports were read."""
        return self._snapshot.generation

    def current(self, max_age: float = POLL_MAX) -> Snapshot:
        """A snapshot at most ``max_age`` seconds old (read now if the latest is older)."""
        return self.next(0, max_age, float("inf"))

    def next(self, after: int, poll: float, until: float) -> Snapshot:
        """A snapshot newer than generation ``after`` and younger than ``poll`` seconds: the latest
        if it is, else the one read when the latest is ``poll`` seconds old (by whichever caller
        comes first; every other caller gets it too). At ``until`` (monotonic), the latest as it is.
        """
        while True:
            with self._cond:
                now = time.monotonic()
                snap = self._snapshot
                if (snap.generation > after and now - snap.read_at < poll) or (now >= until and snap.generation):
                    self.looks[snap.generation] = self.looks.get(snap.generation, 0) + 1
                    return snap
                due = snap.read_at + poll
                if self._reading or now < due:
                    self._cond.wait(max(0.01, min(due, until) - now) if not self._reading else POLL_MAX)
                    continue
                self._reading = True
            try:
                reports = tuple(self.hosts.all()) if self.hosts is not None else ()
            except BaseException:
                with self._cond:
                    self._reading = False
                    self._cond.notify_all()
                raise
            with self._cond:
                self._snapshot = Snapshot(snap.generation + 1, reports, time.monotonic(), utcnow())
                self._reading = False
                self._cond.notify_all()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """While a rotation waits: its concurrency slot, if it holds one, is free for another."""
        if self.slots is None:
            yield
        else:
            with self.slots.released():
                yield


def bound(reports: Sequence[HostReport], issuer: str, names: Collection[str]) -> list[tuple[HostReport, HeldLogin]]:
    """Every (report, consumer) bound to the credential ``issuer``/any of ``names``."""
    return [(r, h) for r in reports for h in r.bound_to(issuer, names)]


def pending(snap: Snapshot, issuer: str, names: Collection[str], new: SmtpLogin) -> list[str]:
    """``host:consumer (state)`` of every consumer bound to the credential that does not hold
    ``new`` (its current login) in ``snap``; empty when all do."""
    out = set()
    for report, held in bound(snap.reports, issuer, names):
        state = state_of(report, held, login_identity(issuer, held.credential, new), snap.now)
        if state != "in sync":
            what = f"silent: no report for {SILENT_AFTER} intervals" if state == "silent" else state
            out.add(f"{report.host}:{held.consumer} ({what})")
    return sorted(out)


@dataclass(frozen=True)
class Outcome:
    """How a rollout ended (a timeout raises instead)."""

    outcome: Literal["done", "skipped"]
    message: str
    #: whether any host binds the credential
    remote: bool = False
    hosts: list[str] = field(default_factory=list)


def _poll(pairs: list[tuple[HostReport, HeldLogin]]) -> float:
    shortest = min((r.interval for r, _ in pairs), default=2 * POLL_MAX)
    return min(max(shortest / 4, POLL_MIN), POLL_MAX)


def wait(watch: HostWatch, issuer: str, names: Collection[str], new: SmtpLogin, timeout: float, *,
         force: bool = False, note: Callable[[str], None] | None = None) -> Outcome:
    """Wait until every host that binds ``issuer``/``names`` holds ``new``, at most ``timeout`` seconds.

    ``force`` (``--force-retire``): look once and do not wait. Raises SmtpCredsError (code
    ``RolloutTimeout``) naming each ``host:consumer`` still behind when the time is up.
    """
    with watch.waiting():  # the checks are reads of a shared snapshot: no slot needed until the end
        return _wait(watch, issuer, names, new, timeout, force=force, note=note)


def _wait(watch: HostWatch, issuer: str, names: Collection[str], new: SmtpLogin, timeout: float, *,
          force: bool, note: Callable[[str], None] | None) -> Outcome:
    label = f"{issuer}/{sorted(names)[0]}" if names else issuer
    until = time.monotonic() + timeout
    poll, after, told = POLL_MAX, 0, ""
    while True:
        snap = watch.next(after, poll, until)
        pairs = bound(snap.reports, issuer, names)
        hosts = sorted({r.host for r, _ in pairs})
        if not pairs:
            return Outcome("skipped", "no host reports a consumer bound to it")
        poll = _poll(pairs)
        left = pending(snap, issuer, names, new)
        if not left:
            return Outcome("done", f"{len(pairs)} consumer(s) on {', '.join(hosts)} hold the new login",
                           remote=True, hosts=hosts)
        if force:
            return Outcome("done", f"--force-retire: not waiting for {', '.join(left)}", remote=True, hosts=hosts)
        if time.monotonic() >= until:
            raise SmtpCredsError(
                f"{len(left)} consumer(s) bound to {label} do not hold its new login after {timeout:g}s: "
                f"{', '.join(left)}; the old login stays valid. Start their agents (a host that is gone: "
                "'smtpcreds hosts forget HOST') and resume, or resume with --force-retire", code="RolloutTimeout")
        text = f"waiting for {', '.join(left)}"
        if note is not None and text != told:
            note(text)
            told = text
        after = snap.generation


def refuse_gap(snap: Snapshot, issuer: str, names: Collection[str], credential: str) -> None:
    """Before an in-place rotation changes anything: ConfigError (exit 2) when a host binds the
    credential, naming the hosts."""
    pairs = bound(snap.reports, issuer, names)
    if not pairs:
        return
    hosts = sorted({r.host for r, _ in pairs})
    consumers = ", ".join(sorted({f"{r.host}:{h.consumer}" for r, h in pairs}))
    raise ConfigError(
        f"{issuer}/{credential} has consumers on host(s) {', '.join(hosts)} ({consumers}): an in-place rotation "
        "stops the old password at once, and they would send with it until their agents pull the new one; "
        "rotate with --strategy replace (the old login stays valid until every host holds the new one), or "
        "accept the gap with --allow-gap")
