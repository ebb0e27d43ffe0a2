"""docs/providers/smtp2go.md documents every setting, every region and the two edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from smtpcreds_smtp2go.options import RATELIMIT_MAX, Smtp2goOptions
from smtpcreds_smtp2go.profile import REGION_URLS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "providers" / "smtp2go.md"


def section(title: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    assert f"\n## {title}" in text, f"no section {title!r}"
    return text.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("name", list(Smtp2goOptions.model_fields))
def test_every_setting_has_a_row_in_the_settings_table(name: str) -> None:
    rows = [line for line in section("Settings").splitlines() if line.startswith("|")]
    assert any(f"`{name}`" in row.split("|")[1] for row in rows), name


@pytest.mark.parametrize(("region", "url"), sorted(REGION_URLS.items()))
def test_every_region_and_its_api_root_are_documented(region: str, url: str) -> None:
    profile = section("Profile")
    assert f"`{region}`" in profile and f"`{url}`" in profile


def test_the_two_edits_and_the_limits_are_documented() -> None:
    edits = section("POST edit versus PATCH edit")
    assert "PATCH `/users/smtp/edit`" in edits and "POST `/users/smtp/edit`" in edits
    assert "reset to their" in edits and "replace_all=true" in edits
    limits = section("Limits and retries")
    assert "429" in limits and "5 to 100" in limits and f"{RATELIMIT_MAX}" in limits
    assert "log2(pool)" in section("Passwords")
