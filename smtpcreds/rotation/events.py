"""The event a rotation reports after each step (hook ``smtpcreds_rotation_step``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

STEPS = ("plan", "create_pending", "set", "verify", "push", "promote", "retire")
Step = Literal["plan", "create_pending", "set", "verify", "push", "promote", "retire"]
Outcome = Literal["done", "skipped", "failed", "aborted"]


@dataclass(frozen=True)
class RotationEvent:
    """One step of one rotation. Holds ids and text only, never a secret."""

    rotation_id: str
    profile: str
    provider: str
    credential: str
    strategy: str
    step: str
    outcome: Outcome
    message: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
