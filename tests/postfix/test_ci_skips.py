"""A missing Postfix skips the real-Postfix tests on a workstation but fails them under CI=true."""

from __future__ import annotations

import pytest

from .conftest import need


def test_a_missing_prerequisite_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI must not skip"):
        need("Postfix is not installed")


def test_a_missing_prerequisite_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="not installed"):
        need("Postfix is not installed")


def test_nothing_missing_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    need(None)
