"""smtpcreds provider plugin: Mailtrap API tokens with admin access to one sending domain as SMTP passwords.

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
    from smtpcreds_mailtrap.provider import MailtrapProvider

    register(MailtrapProvider)
