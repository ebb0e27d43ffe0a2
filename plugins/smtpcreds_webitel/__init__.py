"""smtpcreds provider plugin: Webitel PBX engine 3.x (email settings per domain).

Kept light on purpose: only :mod:`smtpcreds.hookspecs` is imported here; the provider, its
HTTP client and its emulator load when the provider is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcreds.plugin import hookimpl

if TYPE_CHECKING:
    import click

    from smtpcreds.plugin import Provider


@hookimpl
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    from smtpcreds_webitel.provider import WebitelProvider

    register(WebitelProvider)


@hookimpl
def smtpcreds_register_commands(cli: click.Group) -> None:
    from smtpcreds_webitel.cli import webitel

    cli.add_command(webitel)
