"""Test support for smtpcreds and for provider plugins (ours and third parties').

* :class:`MemoryKeyring` — an in-memory keyring backend (priority 1, secure for our checks);
* :func:`provider_for` — build a provider from a profile without any configuration file;
* :mod:`smtpcreds.testing.contract` — the contract suite every provider plugin runs;
* :mod:`smtpcreds.testing.pytest_plugin` — fixtures with emulators, SMTP server and keyring.
"""

from __future__ import annotations

from smtpcreds.testing.support import MemoryKeyring, provider_for

__all__ = ["MemoryKeyring", "provider_for"]
