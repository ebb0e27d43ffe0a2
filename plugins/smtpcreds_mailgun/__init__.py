"""smtpcreds provider plugin: Mailgun domain SMTP credentials (``/v3/domains/{domain}/credentials``).

Light on purpose: only the hook lives here; the provider, its profile and emulator load when
the hook runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_mailgun.provider import MailgunProvider

    register(MailgunProvider)
