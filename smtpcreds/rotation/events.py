"""The event a rotation reports after each step (hook ``smtpcreds_rotation_step``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

__all__ = [
    "RotationEnd", "RotationEvent", "StepOutcome",
]

#: How a step ended.
StepOutcome = Literal["done", "skipped", "failed", "aborted"]

#: How a run of a rotation ended: ``done`` (finished; with ``--keep-old`` the old login is kept),
#: ``failed`` (stopped at a step, resumable), ``held`` (stopped because its old login may not be
#: retired yet: a regenerate rotation whose old secret is still in use), ``aborted``.
RotationEnd = Literal["done", "failed", "held", "aborted"]


@dataclass(frozen=True)
class RotationEvent:
    """One step of one rotation (``plan``, then the steps of :mod:`smtpcreds.rotation.steps`).
    Holds ids and text only, never a secret."""

    rotation_id: str
    profile: str
    provider: str
    credential: str
    strategy: str
    step: str
    outcome: StepOutcome
    message: str = ""
    #: The credential's name (``credential`` is the provider's id of the login being rotated).
    name: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    #: Set on the last event of a run (a rotation, or a resume of one): how that run ended;
    #: None on every other event. Notifications (:mod:`smtpcreds.notify`) key on it.
    ended: RotationEnd | None = None
