"""docs/providers/sendgrid.md and docs/reference/sendgrid.md say what the code does."""

from __future__ import annotations

from pathlib import Path

import pytest
from smtpcreds_sendgrid.profile import REGION_URLS

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "providers" / "sendgrid.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("region", "url"), sorted(REGION_URLS.items()))
def test_every_region_and_its_api_root_are_documented(region: str, url: str) -> None:
    assert f"`{region}`" in PAGE and url in PAGE


def test_least_privilege_scopes_and_the_replace_steps_are_documented() -> None:
    for scope in ("api_keys.create", "api_keys.read", "api_keys.delete", "mail.send"):
        assert f"`{scope}`" in PAGE
    assert "exactly one key of that name" in PAGE and "apikey" in PAGE
