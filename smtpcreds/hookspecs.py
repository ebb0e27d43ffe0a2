"""The hooks a plugin implements (pluggy project name ``smtpcreds``).

A plugin is a module registered in the entry-point group ``smtpcreds``; it implements any of
these hooks with ``@smtpcreds.hookspecs.hookimpl``. Every hook is documented in
``docs/plugins.md``. Importing this module is cheap (pluggy only), so plugin modules that
import it stay cheap too; import heavy modules inside the hook bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from smtpcreds.interfaces import Provider
    from smtpcreds.rotation.events import RotationEvent

__all__ = [
    "hookimpl", "hookspec", "smtpcreds_register_commands", "smtpcreds_register_providers",
    "smtpcreds_rotation_step",
]

hookspec = pluggy.HookspecMarker("smtpcreds")
hookimpl = pluggy.HookimplMarker("smtpcreds")


@hookspec
def smtpcreds_register_providers(register: Callable[[type[Provider]], None]) -> None:
    """Register provider classes by calling ``register(ProviderClass)`` for each.

    The class carries its name, profile model, capabilities and emulator as class attributes
    (see :class:`smtpcreds.interfaces.Provider`). Called once per plugin manager.
    """


@hookspec
def smtpcreds_register_commands(cli: click.Group) -> None:
    """Add provider-specific command groups to the ``smtpcreds`` command line.

    Keep the command modules light: import requests, pydantic and the like inside the
    command functions, so ``smtpcreds --help`` stays fast.
    """


@hookspec
def smtpcreds_rotation_step(event: RotationEvent) -> None:
    """Observe a rotation: called after each step (``plan`` ... ``retire``) and on failure.

    ``event`` holds the rotation id, profile, credential name and login id, step name, outcome and a
    message; never a secret. An exception raised here is logged and does not stop the rotation.
    """
