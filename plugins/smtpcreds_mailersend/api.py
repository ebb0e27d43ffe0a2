"""The HTTP transport configured for MailerSend: bearer token, JSON, error parsing, retries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote

from urllib3.response import BaseHTTPResponse

from smtpcreds.plugin import HttpTransport, ValidationError
from smtpcreds_mailersend.errors import parse_error
from smtpcreds_mailersend.profile import MailerSendProfile

PROVIDER = "mailersend"


def transport(profile: MailerSendProfile, token: str,
              make: Callable[..., HttpTransport] = HttpTransport) -> HttpTransport:
    """A transport on ``profile.api_root``; paths are joined onto it, as the SDKs do.
    ``make``: the transport factory (the provider passes its context's)."""
    http = make(
        profile.api_root,
        provider=PROVIDER,
        # reference: docs/reference/mailersend.md §1 "Bearer", "Content-Type/Accept: application/json"
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        timeout=profile.timeout,
        verify_tls=profile.verify_tls,
        error_parser=parse_error,
        # reference: docs/reference/mailersend.md §7 "x-ratelimit-reset, retry-after documented for 429"
        wait_headers=("x-ratelimit-reset",),
        give_up=daily_quota_answer,
        secrets=[token],
    )
    return http


def daily_quota_used_up(headers: Mapping[str, str]) -> bool:
    """``x-apiquota-remaining: 0``: the daily quota is spent (``-1`` means unlimited).

    reference: docs/reference/mailersend.md §1 and §7 "Headers: x-apiquota-remaining, x-apiquota-reset".
    """
    raw = headers.get("x-apiquota-remaining")
    try:
        return raw is not None and int(raw.strip()) == 0
    except ValueError:
        return False


def daily_quota_answer(response: BaseHTTPResponse) -> bool:
    """A 429 of the spent daily quota: never retried.

    Retrying cannot succeed before 00:00 UTC and every attempt counts against the quota
    (reference: docs/reference/mailersend.md §7), so the 429 goes straight back to the caller, which reports it
    as the daily quota (#MS42901). urllib3 decides before the body is read, so the quota is
    recognised by its header, not by the #MS42901 in the body.
    """
    return response.status == 429 and daily_quota_used_up(response.headers)


def segment(value: str, field: str) -> str:
    """``value`` as one URL path segment; an empty id is a ValidationError (nothing is sent)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{PROVIDER}: {field} is required (got an empty value)",
                              fields={field: ["is required"]}, provider=PROVIDER)
    return quote(value.strip(), safe="")

