"""Durations as people write them: ``90s``, ``30m``, ``12h``, ``90d``, ``2w``.

The one parser behind ``--older-than``, ``--rollout-timeout`` and ``[rotation] rollout_timeout``.
"""

from __future__ import annotations

from datetime import timedelta

__all__ = [
    "UNITS", "parse_duration",
]

#: Seconds per unit letter.
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``90d``, ``2w`` → timedelta; ValueError naming the forms otherwise.

    >>> parse_duration("15m")
    datetime.timedelta(seconds=900)
    """
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in UNITS or not text[:-1].isdigit():
        raise ValueError(f"a duration must look like 90s, 30m, 12h, 90d or 2w, got {text!r}")
    return timedelta(seconds=int(text[:-1]) * UNITS[text[-1]])
