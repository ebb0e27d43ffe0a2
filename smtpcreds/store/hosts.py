"""Host reports: what each host's agent last found its consumers holding (docs/fleet.md).

Each host's agent (``smtpcreds agent``) writes one report, at ``hosts/<host>`` in the vault store,
with check-and-set writes; the rotation's rollout step, ``smtpcreds hosts``, the audit and the
metrics read them. This module is the typed model they all read, and the owner of the rules they
share:

* :func:`login_identity` — the name of one stored login, without its secret: which login a
  consumer holds, as the agent reports it and the rollout compares it;
* :data:`SILENT_AFTER` — a report older than that many of its agent's intervals is *silent*: its
  consumers count as holding nothing (its host may be down);
* :func:`state_of` — one consumer of a report: ``in sync``, ``stale``, ``failed`` or ``silent``.

Times are UTC, from each writer's clock (hosts keep their clocks in sync, e.g. with NTP).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smtpcreds.models import SmtpLogin

__all__ = [
    "SILENT_AFTER", "ConsumerState", "HeldLogin", "HostReport", "login_identity", "state_of",
]

#: A report older than this many of its agent's intervals is silent.
SILENT_AFTER = 3

#: One consumer's state in a host report, compared with the credential's current login.
ConsumerState = Literal["in sync", "stale", "failed", "silent"]


def login_identity(issuer: str, credential: str, login: SmtpLogin) -> str:
    """The name of one stored login of ``issuer``/``credential``: the record's key and the moment
    the login was made (``relay/billing-app@2026-03-01T02:15:00.123456Z``).

    Never the secret, a hash of it or the username: a report may be read by anyone who may read
    the fleet's state. Two logins of one credential differ in their ``created_at``, so the rollout
    tells the new login from the old one by this alone.

    >>> from pydantic import SecretStr
    >>> made = datetime(2026, 3, 1, 2, 15, tzinfo=timezone.utc)
    >>> login = SmtpLogin(host="h", port=587, username="u", password=SecretStr("p"), created_at=made)
    >>> login_identity("relay", "billing-app", login)
    'relay/billing-app@2026-03-01T02:15:00.000000Z'
    """
    made = login.created_at.astimezone(timezone.utc)
    return f"{issuer}/{credential}@{made:%Y-%m-%dT%H:%M:%S.%fZ}"


class HeldLogin(BaseModel):
    """One consumer of a host and one login bound to it, as its agent last found them."""

    model_config = ConfigDict(extra="ignore")  # a newer agent may report more

    consumer: str = Field(description="The consumer profile on the host.")
    login: str = Field(description='The bound login, "<issuer profile>/<credential>".')
    holds: str | None = Field(None, description="The identity of the login the consumer holds "
                              "(login_identity), or null when it holds none the store knows.")
    error: str | None = Field(None, description="Why the last cycle could not bring it to the current "
                              "login (one line, redacted), or null.")
    since: datetime | None = Field(None, description="When it came to hold what it holds, as far as the "
                                   "agent saw.")

    @property
    def issuer(self) -> str:
        return self.login.partition("/")[0]

    @property
    def credential(self) -> str:
        return self.login.partition("/")[2]

    def bound_to(self, issuer: str, names: Iterable[str]) -> bool:
        """Bound to the credential ``issuer``/any of ``names`` (its name, its ids)."""
        return self.issuer == issuer and self.credential in set(names)


class HostReport(BaseModel):
    """What one host's agent found at the end of its last cycle (``hosts/<host>``)."""

    model_config = ConfigDict(extra="ignore")

    host: str
    agent_version: str
    interval: float = Field(gt=0, description="The agent's interval in seconds (before jitter).")
    cycle_at: datetime = Field(description="When the cycle that wrote this report ended (UTC).")
    consumers: list[HeldLogin] = Field(default_factory=list)

    def age(self, now: datetime) -> timedelta:
        return now - self.cycle_at

    def silent(self, now: datetime) -> bool:
        """Older than :data:`SILENT_AFTER` intervals: the agent has not reported for too long."""
        return self.age(now).total_seconds() > SILENT_AFTER * self.interval

    def bound_to(self, issuer: str, names: Iterable[str]) -> list[HeldLogin]:
        wanted = set(names)
        return [h for h in self.consumers if h.bound_to(issuer, wanted)]


def state_of(report: HostReport, held: HeldLogin, current: str | None, now: datetime) -> ConsumerState:
    """``held``'s state, given the identity of its credential's current login (None: none stored).

    Silent when the report is (whatever it says); in sync when it holds the current login; failed
    when the agent could not bring it there; stale otherwise.
    """
    if report.silent(now):
        return "silent"
    if held.holds is not None and held.holds == current:
        return "in sync"
    if held.error:
        return "failed"
    return "stale"
