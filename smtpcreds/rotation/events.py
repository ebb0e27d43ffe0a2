"""The event a rotation reports after each step (hook ``smtpcreds_rotation_step``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

__all__ = [
    "RotationEvent", "StepOutcome",
]

#: How a step ended.
StepOutcome = Literal["done", "skipped", "failed", "aborted"]


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
