"""The plugin manager: built lazily, once, from entry points of group ``smtpcreds``.

Built-in providers load through the same entry points as third-party ones; the core never
imports a plugin. ``SMTPCREDS_DISABLE_PLUGINS=name1,name2`` blocks named plugins (entry-point
names). :class:`Plugins` is a typed façade over ``pm.hook``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

from smtpcreds import hookspecs

if TYPE_CHECKING:
    import click

    from smtpcreds.interfaces import Provider
    from smtpcreds.rotation.events import RotationEvent

GROUP = "smtpcreds"
_lock = threading.Lock()
_pm: pluggy.PluginManager | None = None


def disabled_plugins() -> set[str]:
    raw = os.environ.get("SMTPCREDS_DISABLE_PLUGINS", "")
    return {p.strip() for p in raw.split(",") if p.strip()}


def new_plugin_manager(load_entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh manager with the hookspecs, entry-point plugins loaded and checked."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in disabled_plugins():
        pm.set_blocked(name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(GROUP)
    pm.check_pending()
    return pm


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use."""
    global _pm
    with _lock:
        if _pm is None:
            _pm = new_plugin_manager()
        return _pm


def reset_plugin_manager(pm: pluggy.PluginManager | None = None) -> None:
    """Replace (or forget) the process-wide manager; for tests."""
    global _pm, _plugins
    with _lock:
        _pm = pm
        _plugins = None


class Plugins:
    """Typed access to the hooks, with the provider registry built once."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._providers: dict[str, type[Provider]] | None = None

    @property
    def providers(self) -> dict[str, type[Provider]]:
        """Registered provider classes by name, in registration order."""
        if self._providers is None:
            found: dict[str, type[Provider]] = {}

            def register(cls: type[Provider]) -> None:
                from smtpcreds.errors import ConfigError

                if cls.name in found and found[cls.name] is not cls:
                    raise ConfigError(f"two plugins register a provider named {cls.name!r}")
                found[cls.name] = cls

            self.pm.hook.smtpcreds_register_providers(register=register)
            self._providers = dict(sorted(found.items()))
        return self._providers

    def provider(self, name: str) -> type[Provider]:
        from smtpcreds.errors import ConfigError

        try:
            return self.providers[name]
        except KeyError:
            raise ConfigError(
                f"unknown provider {name!r} (installed: {', '.join(self.providers) or 'none'})"
            ) from None

    def register_commands(self, cli: click.Group) -> None:
        self.pm.hook.smtpcreds_register_commands(cli=cli)

    def rotation_step(self, event: RotationEvent) -> None:
        import logging

        for impl in self.pm.hook.smtpcreds_rotation_step.get_hookimpls():
            try:
                impl.function(event=event)
            except Exception as e:  # an observer must not break a rotation
                logging.getLogger("smtpcreds.plugins").warning(
                    "plugin %s failed in smtpcreds_rotation_step: %s", impl.plugin_name, e
                )


_plugins: Plugins | None = None


def plugins() -> Plugins:
    """The typed façade over the process-wide manager."""
    global _plugins
    pm = get_plugin_manager()
    if _plugins is None or _plugins.pm is not pm:
        _plugins = Plugins(pm)
    return _plugins


def call_hook(name: str, **kw: Any) -> Any:
    hook: Callable[..., Any] = getattr(get_plugin_manager().hook, name)
    return hook(**kw)
