"""The plugin manager: built lazily, once, from entry points of group ``smtpcreds``.

Built-in providers load through the same entry points as third-party ones; the core never
imports a plugin. ``SMTPCREDS_DISABLE_PLUGINS=name1,name2`` blocks named plugins (entry-point
names). :class:`Plugins` is a typed façade over ``pm.hook``.

Start-up cost matters here (every command builds the manager): entry points are read from the
``*.dist-info/entry_points.txt`` files on ``sys.path`` directly, without importing
:mod:`importlib.metadata` (which pulls in ``email``, ``zipfile``, ``csv``... and parses every
distribution's metadata); anything unusual on ``sys.path`` falls back to it. A provider named
``X`` is looked up in the plugin whose entry point is named ``X`` first, so a command that uses
one profile imports one provider, not all of them.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any

from smtpcreds.errors import ConfigError

if TYPE_CHECKING:
    import click
    import pluggy

    from smtpcreds.interfaces import Provider
    from smtpcreds.rotation.events import RotationEvent

__all__ = [
    "GROUP", "Plugins", "disabled_plugins", "entry_points", "get_plugin_manager", "load_entry_points_of",
    "manager_built", "new_plugin_manager", "plugins", "reset_plugin_manager",
]

GROUP = "smtpcreds"
_lock = threading.Lock()
_pm: pluggy.PluginManager | None = None
#: ``module[.sub][:attr[.sub]] [extras]``, as importlib.metadata.EntryPoint reads a value.
_EP_VALUE = r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"


def disabled_plugins() -> set[str]:
    raw = os.environ.get("SMTPCREDS_DISABLE_PLUGINS", "")
    return {p.strip() for p in raw.split(",") if p.strip()}


def new_plugin_manager(load_entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh manager with the hookspecs, entry-point plugins loaded and checked."""
    import pluggy  # here, not at the top: the CLI reads entry points without it (smtpcreds/cli/plugin_commands.py)

    from smtpcreds import hookspecs  # (it imports pluggy: see above)

    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in disabled_plugins():
        pm.set_blocked(name)
    if load_entry_points:
        load_entry_points_of(pm, GROUP)
    pm.check_pending()
    return pm


def load_entry_points_of(pm: pluggy.PluginManager, group: str) -> int:
    """Register every entry point of ``group``, like ``pm.load_setuptools_entrypoints(group)``.

    The first entry point of a name wins; blocked names are skipped. Returns how many loaded.
    """
    found = entry_points(group)
    if found is None:
        return pm.load_setuptools_entrypoints(group)
    count = 0
    for name, value in found:
        if pm.get_plugin(name) is not None or pm.is_blocked(name):
            continue
        pm.register(_load(value), name=name)
        count += 1
    return count


def entry_points(group: str) -> list[tuple[str, str]] | None:
    """``(name, value)`` of every entry point of ``group`` on ``sys.path``, in path order.

    Reads ``entry_points.txt`` of each ``*.dist-info`` / ``*.egg-info`` directory, as
    importlib.metadata's path finder does. Returns None when something on the path needs
    importlib.metadata itself (a zip file, an egg, a meta-path finder that lists distributions).
    """
    for finder in sys.meta_path:
        kind = type(finder)
        same_as_path_finder = finder is PathFinder or (  # the backport reads sys.path the same way
            kind.__module__ == "importlib_metadata" and kind.__name__ == "MetadataPathFinder")
        if not same_as_path_finder and hasattr(finder, "find_distributions"):
            return None
    header = f"[{group}]".encode()
    out: list[tuple[str, str]] = []
    for entry in sys.path:
        root = entry or "."
        if not os.path.isdir(root):
            if os.path.exists(root):
                return None  # a zip archive: importlib.metadata can read it
            continue
        if root.lower().endswith(".egg"):
            return None
        try:
            children = sorted(os.listdir(root))
        except OSError:
            continue
        for child in children:
            if not child.lower().endswith((".dist-info", ".egg-info")):
                continue
            path = os.path.join(root, child, "entry_points.txt")
            if not os.access(path, os.R_OK):  # most distributions have none: no exception to raise
                continue
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            if header in raw:
                out.extend(_section(raw.decode("utf-8"), group))
    return out


def _section(text: str, group: str) -> Iterator[tuple[str, str]]:
    """The ``name = value`` pairs of section ``[group]`` of an entry_points.txt (INI-like)."""
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current == group:
            name, sep, value = line.partition("=")
            if sep:
                yield name.strip(), value.strip()


def _load(value: str) -> Any:
    match = re.match(_EP_VALUE, value)
    if match is None:
        raise ValueError(f"entry point {value!r} is not of the form module:attr")
    obj: Any = importlib.import_module(match.group("module"))
    for attr in filter(None, (match.group("attr") or "").split(".")):
        obj = getattr(obj, attr)
    return obj


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use."""
    global _pm
    with _lock:
        if _pm is None:
            _pm = new_plugin_manager()
        return _pm


def manager_built() -> bool:
    """Whether the process-wide manager exists (built, or given by reset_plugin_manager)."""
    return _pm is not None


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
        self._by_name: dict[str, type[Provider]] = {}
        self._registry_lock = threading.RLock()

    @property
    def providers(self) -> Mapping[str, type[Provider]]:
        """Registered provider classes by name, sorted by name.

        Looking one name up (``name in``, ``[name]``) imports only the plugin named so when it
        registers that provider; listing them (iterating, ``len``) runs every plugin's hook.
        """
        return _Registry(self)

    def all_providers(self) -> dict[str, type[Provider]]:
        """Every registered provider class by name (runs every plugin's hook, once)."""
        with self._registry_lock:
            if self._providers is None:
                found: dict[str, type[Provider]] = {}
                self.pm.hook.smtpcreds_register_providers(register=_collector(found))
                self._providers = dict(sorted(found.items()))
            return self._providers

    def find_provider(self, name: str) -> type[Provider] | None:
        """The provider class named ``name``, or None; asks the same-named plugin first."""
        if self._providers is not None:
            return self._providers.get(name)
        with self._registry_lock:
            if name in self._by_name:
                return self._by_name[name]
            impls = [i for i in self.pm.hook.smtpcreds_register_providers.get_hookimpls()
                     if i.plugin_name == name]
            if len(impls) == 1 and not (impls[0].hookwrapper or impls[0].wrapper):
                found: dict[str, type[Provider]] = {}
                kwargs = {"register": _collector(found)}
                impls[0].function(*[kwargs[arg] for arg in impls[0].argnames])
                if name in found:
                    self._by_name[name] = found[name]
                    return found[name]
        return self.all_providers().get(name)

    def provider(self, name: str) -> type[Provider]:
        cls = self.find_provider(name)
        if cls is None:
            raise ConfigError(
                f"unknown provider {name!r} (installed: {', '.join(self.all_providers()) or 'none'})"
            )
        return cls

    def register_commands(self, cli: click.Group) -> None:
        self.pm.hook.smtpcreds_register_commands(cli=cli)

    def rotation_step(self, event: RotationEvent) -> None:
        impls = self.pm.hook.smtpcreds_rotation_step.get_hookimpls()
        if not impls:
            return
        import logging  # (not at the top: --help does without logging)

        for impl in impls:
            try:
                impl.function(event=event)
            except Exception as e:  # an observer must not break a rotation
                logging.getLogger("smtpcreds.plugins").warning(
                    "plugin %s failed in smtpcreds_rotation_step: %s", impl.plugin_name, e
                )


def _collector(found: dict[str, type[Provider]]) -> Callable[[type[Provider]], None]:
    def register(cls: type[Provider]) -> None:
        if cls.name in found and found[cls.name] is not cls:
            raise ConfigError(f"two plugins register a provider named {cls.name!r}")
        found[cls.name] = cls

    return register


class _Registry(Mapping[str, "type[Provider]"]):
    """The provider registry as a mapping: single lookups stay lazy (see Plugins.providers)."""

    def __init__(self, plugins: Plugins) -> None:
        self._plugins = plugins

    def __getitem__(self, name: str) -> type[Provider]:
        cls = self._plugins.find_provider(name) if isinstance(name, str) else None
        if cls is None:
            raise KeyError(name)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(self._plugins.all_providers())

    def __len__(self) -> int:
        return len(self._plugins.all_providers())

    def __repr__(self) -> str:
        return repr(self._plugins.all_providers())


_plugins: Plugins | None = None


def plugins() -> Plugins:
    """The typed façade over the process-wide manager."""
    global _plugins
    pm = get_plugin_manager()
    if _plugins is None or _plugins.pm is not pm:
        _plugins = Plugins(pm)
    return _plugins
