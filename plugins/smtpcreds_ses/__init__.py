"""smtpcreds provider plugin: Amazon SES SMTP logins, which are IAM users' access keys.

Light on purpose: only the hook lives here; the provider, its profile, the IAM client and the
emulator load when the hook runs, and boto3 only when a request is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_ses.provider import SesProvider

    register(SesProvider)
