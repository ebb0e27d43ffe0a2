"""smtpcreds provider plugin for MailerSend: SMTP users, account users and invites.

Kept light: importing it loads only the hook markers; the provider, client and CLI load
when the hooks run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_mailersend.provider import MailerSendProvider

    register(MailerSendProvider)


@hookimpl
def smtpcreds_register_commands(cli: click.Group) -> None:
    from smtpcreds_mailersend.cli import mailersend

    cli.add_command(mailersend)
