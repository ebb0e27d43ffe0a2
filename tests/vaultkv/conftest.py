"""Fixtures for the vaultkv consumer: a real OpenBao dev server (see tests/store/conftest.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from smtpcreds.testing.openbao import OpenBao, openbao_dev


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBao]:
    try:
        with openbao_dev() as server:
            yield server
    except RuntimeError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"vaultkv tests need a bao server: {e}; CI must not skip them")
        pytest.skip(f"vaultkv tests need a bao server: {e}")


@pytest.fixture
def kv_path() -> str:
    return f"apps/{uuid.uuid4().hex[:10]}/smtp"
