"""A missing promtool skips the rule and exposition checks on a workstation but fails them under CI=true."""

from __future__ import annotations

import pytest

from .conftest import need


def test_a_missing_prerequisite_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI must not skip"):
        need("promtool is not installed")


def test_a_missing_prerequisite_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="not installed"):
        need("promtool is not installed")


def test_nothing_missing_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    need(None)


def test_the_promtool_fixture_asks_need_when_promtool_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                                  request: pytest.FixtureRequest) -> None:
    import shutil

    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(shutil, "which", lambda _name: None)

    with pytest.raises(pytest.fail.Exception, match="promtool is not installed"):
        request.getfixturevalue("promtool")
