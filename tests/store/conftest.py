"""Fixtures for store tests: the lab (emulators + SMTP server) and a config file for the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["mailersend", "smtp2go"]) as running:
        yield running


@pytest.fixture
def cli_config(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(lab.toml({}, default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path
