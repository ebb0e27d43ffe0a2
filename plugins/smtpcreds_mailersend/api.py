"""The HTTP transport configured for MailerSend: bearer token, JSON, error parsing."""

from __future__ import annotations

from urllib.parse import quote

from smtpcreds.errors import ValidationError
from smtpcreds.transport import HttpTransport
from smtpcreds_mailersend.errors import parse_error
from smtpcreds_mailersend.profile import MailerSendProfile

PROVIDER = "mailersend"


def transport(profile: MailerSendProfile, token: str) -> HttpTransport:
    """A transport on ``profile.api_root``; paths are joined onto it, as the SDKs do."""
    return HttpTransport(
        profile.api_root,
        provider=PROVIDER,
        # reference: mailersend.md §1 "Bearer", "Content-Type/Accept: application/json"
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        timeout=profile.timeout,
        verify_tls=profile.verify_tls,
        error_parser=parse_error,
        # reference: mailersend.md §7 "x-ratelimit-reset, retry-after documented for 429"
        wait_headers=("x-ratelimit-reset",),
        secrets=[token],
    )


def segment(value: str, field: str) -> str:
    """``value`` as one URL path segment; an empty id is a ValidationError (nothing is sent)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{PROVIDER}: {field} is required (got an empty value)",
                              fields={field: ["is required"]}, provider=PROVIDER)
    return quote(value.strip(), safe="")
