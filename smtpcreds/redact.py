"""Keep secrets out of every message, log line and exception.

Any secret smtpcreds handles (API keys, generated or provider-returned passwords, session
tokens) is registered here with :func:`register`; :func:`redact` replaces each registered value
in a text with ``***``. A logging filter applies it to every record of the ``smtpcreds`` logger.
The registry holds the values only in memory, in this process. :func:`one_line` puts a message
on one line, as every error and log line is.
"""

from __future__ import annotations

import logging
import threading

__all__ = [
    "MASK", "RedactingFilter", "install_log_filter", "one_line", "redact", "register", "register_secret", "restore",
    "snapshot",
]

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: list[str] = []  # longest first, so a secret containing another is masked whole

MASK = "***"
_MIN_LEN = 4  # shorter values would mask ordinary words


def register(*values: str | None) -> None:
    """Remember secret values so that later output masks them."""
    global _pattern
    with _lock:
        changed = False
        for v in values:
            if v and len(v) >= _MIN_LEN and v not in _secrets:
                _secrets.add(v)
                changed = True
        if changed:
            _pattern = sorted(_secrets, key=len, reverse=True)


#: The name plugins import from ``smtpcreds.plugin`` (an explicit re-export, so mypy sees it).
register_secret = register


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    pattern = _pattern
    if not pattern or not text:
        return text
    for s in pattern:
        if s in text:
            text = text.replace(s, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Logging filter that masks registered secrets in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern:
            msg = record.getMessage()
            clean = redact(msg)
            if clean != msg:
                record.msg, record.args = clean, None
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to the ``smtpcreds`` logger (idempotent)."""
    logger = logger or logging.getLogger("smtpcreds")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def snapshot() -> frozenset[str]:
    """The registered secrets (for tests that must not leak registrations into each other)."""
    with _lock:
        return frozenset(_secrets)


def restore(saved: frozenset[str]) -> None:
    """Forget every secret registered since :func:`snapshot`."""
    global _pattern
    with _lock:
        _secrets.clear()
        _secrets.update(saved)
        _pattern = sorted(_secrets, key=len, reverse=True)


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` (a message) on one line: every run of whitespace, newlines included, one space; cut
    to ``limit`` characters, the last an ellipsis, when it is longer."""
    line = " ".join(text.split())
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"
