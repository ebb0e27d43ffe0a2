"""docs/providers/mailgun.md and docs/reference/mailgun.md say what the code does."""

from __future__ import annotations

from pathlib import Path

import pytest
from smtpcreds_mailgun.profile import REGION_ROOTS, SMTP_HOSTS

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("region", sorted(REGION_ROOTS))
def test_every_region_its_api_root_and_smtp_host_are_documented(region: str) -> None:
    for page in ("providers/mailgun.md", "reference/mailgun.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        assert f"`{region}`" in text and REGION_ROOTS[region] in text and SMTP_HOSTS[region] in text


def test_the_bare_base_url_exception_and_the_two_forbidden_causes_are_documented() -> None:
    text = (DOCS / "providers" / "mailgun.md").read_text(encoding="utf-8")
    assert "`base_url` is the exception" in text and "smtpcreds adds `/v3`" in text
    assert "wrong key" in text and "other region" in text
    assert "32 characters" in text
