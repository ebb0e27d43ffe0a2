"""The provider contract suite every smtpcreds plugin runs, against moto's IAM."""

from __future__ import annotations

from smtpcreds.testing.contract import IssuerContract


class TestSesContract(IssuerContract):
    """``emulator`` and ``profile_fields`` come from tests/ses/conftest.py."""
