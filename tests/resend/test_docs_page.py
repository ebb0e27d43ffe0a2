"""docs/providers/resend.md and docs/reference/resend.md say what the code does."""

from __future__ import annotations

from pathlib import Path

from smtpcreds_resend.api import SENDING_ACCESS
from smtpcreds_resend.profile import API_ROOT
from smtpcreds_resend.provider import NAME_MAX, SMTP_HOST, SMTP_PORT, SMTP_USERNAME

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "providers" / "resend.md").read_text(encoding="utf-8")
REFERENCE = (DOCS / "reference" / "resend.md").read_text(encoding="utf-8")


def test_the_api_root_smtp_endpoint_and_username_are_documented() -> None:
    for text in (PAGE, REFERENCE):
        assert API_ROOT in text and SMTP_HOST in text and str(SMTP_PORT) in text and f"`{SMTP_USERNAME}`" in text


def test_least_privilege_and_the_replace_steps_are_documented() -> None:
    assert f"`{SENDING_ACCESS}`" in PAGE and "`full_access`" in PAGE and "`domain_id`" in PAGE
    assert "exactly one key of that name" in PAGE and f"{NAME_MAX} characters" in PAGE
    assert "--older-than" in PAGE  # the cron line


def test_both_refusals_of_the_managing_key_are_documented() -> None:
    for code in ("invalid_api_key", "restricted_api_key"):
        assert f"`{code}`" in PAGE and f"`{code}`" in REFERENCE
