"""smtpcreds provider plugin: postfix — the SASL login Postfix relays a host's mail with.

Registered through the entry point ``postfix`` in group ``smtpcreds``. Import stays light:
the provider module loads only when the plugin manager asks for providers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_postfix.provider import PostfixProvider

    register(PostfixProvider)
