"""docs/providers/mailtrap.md and docs/reference/mailtrap.md say what the code does."""

from __future__ import annotations

from pathlib import Path

from smtpcreds_mailtrap.profile import API_ROOT, MAX_LIFETIME_DAYS
from smtpcreds_mailtrap.provider import SMTP_HOST, SMTP_PORT, SMTP_USERNAME

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "providers" / "mailtrap.md").read_text(encoding="utf-8")
REFERENCE = (DOCS / "reference" / "mailtrap.md").read_text(encoding="utf-8")


def test_the_api_root_smtp_endpoint_and_username_are_documented() -> None:
    for text in (PAGE, REFERENCE):
        assert API_ROOT in text and SMTP_HOST in text and str(SMTP_PORT) in text and f"`{SMTP_USERNAME}`" in text
    assert "/api/accounts/{account_id}/api_tokens" in PAGE


def test_scoping_expiry_and_the_replace_steps_are_documented() -> None:
    for words in ('"resource_type": "domain"', '"access_level": 100', "`token_lifetime_days`",
                  "`rotation_age_days`", f"{MAX_LIFETIME_DAYS}", "`expires_at`", "exactly one token of that name",
                  "--older-than", "/reset"):
        assert words in PAGE, words


def test_the_error_bodies_are_documented() -> None:
    for body in ('{"error": "Incorrect API token"}', '{"errors": "Account access forbidden"}'):
        assert body in PAGE and body in REFERENCE
