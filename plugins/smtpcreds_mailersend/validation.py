"""Local checks of MailerSend's documented limits, run before anything is sent.

Every failure is a :class:`~smtpcreds.errors.ValidationError` whose ``fields`` use the API's
own dot-path keys (``permissions.0``) and whose message names the field and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from smtpcreds.plugin import ValidationError
from smtpcreds_mailersend.roles import (
    CUSTOM_USER,
    PERMISSION_SLUGS,
    ROLE_NAMES,
    TEMPLATE_PERMISSIONS,
    canonical_role,
)

PROVIDER = "mailersend"
NAME_MAX = 50  # reference: docs/reference/mailersend.md §4 "SMTP name: max 50"
LIMIT_MIN, LIMIT_MAX = 10, 100  # reference: docs/reference/mailersend.md §4 "limit 10..100 on every list"
#: The stricter of the documented limits (191 in the older page and the Python SDK, 320 in the
#: newer page and PHP): reference: docs/reference/mailersend.md §4 and §12.
EMAIL_MAX = 191


def fail(fields: Mapping[str, Sequence[str]], what: str = "invalid input") -> ValidationError:
    """One ValidationError listing every field and rule."""
    detail = "; ".join(f"{k}: {m}" for k, msgs in fields.items() for m in msgs)
    return ValidationError(f"{PROVIDER}: {what}: {detail}", fields=fields, provider=PROVIDER)


def paging(page: int | None, limit: int | None) -> None:
    """``page`` >= 1 and ``limit`` 10..100 when given."""
    errors: dict[str, list[str]] = {}
    if limit is not None and not LIMIT_MIN <= limit <= LIMIT_MAX:
        errors["limit"] = [f"must be between {LIMIT_MIN} and {LIMIT_MAX} (got {limit})"]
    if page is not None and page < 1:
        errors["page"] = [f"must be at least 1 (got {page})"]
    if errors:
        raise fail(errors)


def smtp_user_name(name: str) -> str:
    """The name to send, 1..50 characters, whitespace stripped as the Python SDK does
    (reference: docs/reference/mailersend.md §4 "PY pydantic max_length=50, strips whitespace")."""
    clean = name.strip()
    if not clean:
        raise fail({"name": ["is required (1 to 50 characters)"]})
    if len(clean) > NAME_MAX:
        raise fail({"name": [f"must be at most {NAME_MAX} characters (got {len(clean)})"]})
    return clean


def _email(email: str, errors: dict[str, list[str]]) -> str:
    from email_validator import EmailNotValidError, validate_email

    clean = email.strip()
    if not clean:
        errors["email"] = ["is required"]
    elif len(clean) > EMAIL_MAX:
        errors["email"] = [f"must be at most {EMAIL_MAX} characters (got {len(clean)})"]
    else:
        try:
            validate_email(clean, check_deliverability=False)
        except EmailNotValidError as e:
            errors["email"] = [f"is not a valid email address ({e})"]
    return clean


def _ids(field: str, values: Sequence[str], errors: dict[str, list[str]]) -> list[str]:
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, str) or not v.strip():
            errors[f"{field}.{i}"] = ["must be a non-empty id"]
        else:
            out.append(v.strip())
    return out


def account_user(
    *,
    role: str | None,
    permissions: Sequence[str] | None,
    templates: Sequence[str] | None,
    domains: Sequence[str] | None,
    requires_periodic_password_change: bool | None,
    email: str | None = None,
    what: str = "invalid user",
) -> dict[str, Any]:
    """The JSON body of an invite (with ``email``) or a user update, checked.

    Rules (reference: docs/reference/mailersend.md §4): role is one of the five names (any case in, exact name
    out); permissions are required exactly for Custom User and must be known slugs; templates
    need ``read-own-templates`` or ``read-all-templates``; email valid and at most 191 chars.
    A field given as None is left out and only the rules that do not need it are checked (an
    update checks what it was given before it reads the rest).
    """
    errors: dict[str, list[str]] = {}
    body: dict[str, Any] = {}
    if email is not None:
        body["email"] = _email(email, errors)
    exact = None
    if role is not None:
        exact = canonical_role(role)
        if exact is None:
            errors["role"] = [f"must be one of {', '.join(ROLE_NAMES)} (any case); got {role!r}"]
        body["role"] = exact or role
    if permissions is not None:
        perms = []
        for i, p in enumerate(permissions):
            slug = p.strip().lower()
            if slug not in PERMISSION_SLUGS:
                errors[f"permissions.{i}"] = [
                    f"unknown permission {p!r} (see `smtpcreds mailersend permissions`)"
                ]
            perms.append(slug)
        if exact == CUSTOM_USER and not perms:
            errors["permissions"] = ["are required when the role is Custom User (at least one)"]
        body["permissions"] = perms
    if templates is not None:
        body["templates"] = _ids("templates", templates, errors)
        granted = set(body.get("permissions", ()))
        if body["templates"] and permissions is not None and not TEMPLATE_PERMISSIONS & granted:
            errors["templates"] = ["require the read-own-templates or read-all-templates permission"]
    if domains is not None:
        body["domains"] = _ids("domains", domains, errors)
    if requires_periodic_password_change is not None:
        body["requires_periodic_password_change"] = requires_periodic_password_change
    if errors:
        raise fail(errors, what)
    return body
