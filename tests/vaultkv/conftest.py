"""Fixtures for the vaultkv consumer: a real OpenBao dev server (see tests/store/conftest.py)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def kv_path() -> str:
    return f"apps/{uuid.uuid4().hex[:10]}/smtp"
