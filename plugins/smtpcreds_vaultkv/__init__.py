"""smtpcreds provider plugin: vaultkv — a login written to an OpenBao/Vault KV v2 path.

Apps in containers read rotated logins from there through Vault Agent templates or the External
Secrets Operator. Registered through the entry point ``vaultkv`` in group ``smtpcreds``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_vaultkv.provider import VaultKvProvider

    register(VaultKvProvider)
