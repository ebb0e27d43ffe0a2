"""Local checks of Mailgun logins and passwords, so a bad value is refused before any request.

reference: docs/reference/mailgun.md §Logins and passwords: a login is an address on the
credential's domain (``alice`` is short for ``alice@<domain>``); a password has 5 to 32
characters. The character rule for the local part is ours (a conservative subset of RFC 5321
that every SMTP client can send in AUTH without quoting).
"""

from __future__ import annotations

import re

from smtpcreds.plugin import ValidationError

PROVIDER = "mailgun"
PASSWORD_MIN, PASSWORD_MAX = 5, 32
LOCAL_MAX = 64  # RFC 5321 section 4.5.3.1.1
_LOCAL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]*[A-Za-z0-9_+-])?")


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{PROVIDER}: {field}: {message}", fields={field: [message]}, provider=PROVIDER)


def login(value: str, domain: str, field: str = "login") -> str:
    """The full login address of ``value`` (a local part, or an address on ``domain``)."""
    text = value.strip()
    local, at, where = text.partition("@")
    if at and where.lower() != domain.lower():
        raise invalid(field, f"{text!r} is not on the domain {domain!r} (a credential belongs to one domain)")
    if not local:
        raise invalid(field, "is empty (give a local part such as 'billing', or billing@<domain>)")
    if len(local) > LOCAL_MAX:
        raise invalid(field, f"the local part has {len(local)} characters (at most {LOCAL_MAX})")
    if not _LOCAL.fullmatch(local) or ".." in local:
        raise invalid(field, f"{local!r}: use letters, digits and . _ + - (not first or last, no '..')")
    return f"{local}@{domain}"


def local_part(login_address: str) -> str:
    """What the official SDK puts in PUT/DELETE paths: the part before ``@``."""
    return login_address.partition("@")[0]


def password(value: str) -> str:
    """A password Mailgun accepts: 5 to 32 characters, printable ASCII without spaces."""
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise invalid("password", f"must have {PASSWORD_MIN} to {PASSWORD_MAX} characters (got {len(value)})")
    if not all("!" <= c <= "~" for c in value):
        raise invalid("password", "must be printable ASCII without spaces")
    return value
