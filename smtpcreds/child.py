"""Commands a consumer runs (an exec hook, postmap): the environment they get, and what of their
output may be shown."""

from __future__ import annotations

import os
from collections.abc import Mapping

from smtpcreds.redact import redact

__all__ = [
    "MAX_LINE", "child_environment", "last_line",
]

#: The longest line of a command's output an error message quotes.
MAX_LINE = 300


def child_environment(parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a hook gets: ours without ``SMTPCREDS_*`` (profile secrets live there)."""
    source = os.environ if parent is None else parent
    return {k: v for k, v in source.items() if not k.upper().startswith("SMTPCREDS_")}


def last_line(text: str) -> str | None:
    """The last non-blank line, redacted and shortened; None when there is none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    line = redact(lines[-1])
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."
