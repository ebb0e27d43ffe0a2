"""The exceptions smtpcreds raises: one tree, so a script catches exactly what it can handle.

    SmtpCredsError                  anything smtpcreds raises on purpose       exit 1
    ├── ConfigError                 bad or missing configuration               exit 2
    ├── AuthError                   401 / 403: bad key, key lacking a scope    exit 4
    ├── NotFound                    404: no such credential, user, settings    exit 3
    ├── ValidationError             local checks, 400 / 422 (``fields``)       exit 5
    ├── RateLimited                 429 (``retry_after`` seconds, if known)    exit 6
    ├── ProviderError               5xx, unparseable or unexpected responses   exit 7
    ├── TransportError              connection refused/dropped, timeout, TLS   exit 7
    ├── UnsupportedOperation        the provider lacks the capability          exit 2
    ├── SecretStoreError            keyring locked, missing, insecure, failed  exit 4
    └── RotationError               a rotation stopped; resumable              exit 8
                                    (``rotation_id``, ``step``)

Every message is one line a person can act on. Secrets never appear in it: messages pass
through :func:`smtpcreds.redact.redact` when they are built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "AuthError",
    "ConfigError",
    "NotFound",
    "ProviderError",
    "RateLimited",
    "RotationError",
    "SecretStoreError",
    "SmtpCredsError",
    "TransportError",
    "UnsupportedOperation",
    "ValidationError",
]


class SmtpCredsError(Exception):
    """Base of every error smtpcreds raises on purpose."""

    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        provider: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        code: str | None = None,
    ) -> None:
        from smtpcreds.redact import redact  # (here: redact imports logging, which `--help` does without)

        self.message = redact(message)
        self.status = status
        self.provider = provider
        self.fields: dict[str, list[str]] = {
            k: [redact(m) for m in v] for k, v in (fields or {}).items()
        }
        self.code = code
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The ``{"error": ...}`` body of the CLI's JSON error contract."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "status": self.status,
            "provider": self.provider,
            "fields": self.fields,
            "code": self.code,
        }


class ConfigError(SmtpCredsError):
    """Configuration is missing, unreadable or invalid (also: bad usage of the API)."""

    exit_code = 2


class AuthError(SmtpCredsError):
    """The provider refused the credentials (401) or their permissions (403)."""

    exit_code = 4


class NotFound(SmtpCredsError):
    """The thing asked for does not exist (404).

    ``after_lost_answer``: the 404 answered a re-sent request whose first copy reached the
    provider but lost its answer, so the first copy may have removed it (a DELETE that worked).
    """

    exit_code = 3

    def __init__(self, message: str, *, after_lost_answer: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.after_lost_answer = after_lost_answer


class ValidationError(SmtpCredsError):
    """Input broke a rule, checked locally before sending or reported by the provider (400/422)."""

    exit_code = 5


class RateLimited(SmtpCredsError):
    """The provider asked us to slow down (429); ``retry_after`` is in seconds when known."""

    exit_code = 6

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ProviderError(SmtpCredsError):
    """The provider failed (5xx) or answered something we cannot understand."""

    exit_code = 7


class TransportError(SmtpCredsError):
    """The request did not complete: connection refused or dropped, timeout, TLS failure.

    ``timed_out``: no answer came in time, so the provider may still be carrying the request out.
    """

    exit_code = 7

    def __init__(self, message: str, *, timed_out: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.timed_out = timed_out


class UnsupportedOperation(SmtpCredsError):
    """The provider cannot do this; raised before any request is sent."""

    exit_code = 2


class SecretStoreError(SmtpCredsError):
    """The store is locked, missing, insecure or unreachable, or a write could not be confirmed."""

    exit_code = 4


class RotationError(SmtpCredsError):
    """A rotation stopped before finishing. It is resumable: ``smtpcreds rotations resume ID``."""

    exit_code = 8

    def __init__(self, message: str, *, rotation_id: str, step: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.rotation_id = rotation_id
        self.step = step

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(rotation_id=self.rotation_id, step=self.step)
        return d
