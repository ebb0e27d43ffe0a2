"""Names and one-line summaries of the commands plugins add, cached for ``--help`` and completion.

``smtpcreds --help`` and ``smtpcreds <TAB>`` list every command, plugin commands included, but
nothing else of the plugins. Building the plugin manager for that (pluggy, every plugin package,
each plugin's command module) costs about a tenth of the whole start-up, so the list is kept in a
small file under the user's cache directory and the manager is built only when a plugin command
runs, or when the file is stale.

The file is valid only for the same interpreter environment (``sys.prefix``), smtpcreds version,
entry points of group ``smtpcreds`` (read without importing anything, see smtpcreds/plugins.py),
``SMTPCREDS_DISABLE_PLUGINS``, and unchanged files (mtime and size) of every module of the
plugin packages that were loaded when the list was made: installing, removing, upgrading or
editing a plugin rebuilds it. ``SMTPCREDS_CACHE_DIR`` moves the file; ``SMTPCREDS_CACHE_DIR=off``
turns the cache off. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from smtpcreds._version import __version__

__all__ = [
    "MAGIC", "cache_file", "environment_key", "read", "write",
]

MAGIC = "smtpcreds-plugin-commands 1"


def cache_file() -> str | None:
    """Where the list is kept for this environment; None when caching is off."""
    configured = os.environ.get("SMTPCREDS_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        base = configured
    else:
        root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(root, "smtpcreds")
    import zlib  # a built-in module: cheaper than hashlib

    return os.path.join(base, f"plugin-commands-{zlib.crc32(sys.prefix.encode()):08x}.txt")


def environment_key() -> list[str] | None:
    """What the list depends on apart from plugin files; None if entry points cannot be read cheaply."""
    from smtpcreds.plugins import GROUP, disabled_plugins, entry_points

    found = entry_points(GROUP)
    if found is None:
        return None
    return [f"prefix {sys.prefix}", f"version {__version__}",
            f"disabled {','.join(sorted(disabled_plugins()))}",
            *(f"entry-point {name}={value}" for name, value in found)]


def _plugin_packages(key: list[str]) -> set[str]:
    """Top-level package of each entry point (``entry-point name=package.module:attr``)."""
    values = (line.partition("=")[2] for line in key if line.startswith("entry-point "))
    return {value.partition(":")[0].strip().partition(".")[0] for value in values}


def _stamp(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"file {st.st_mtime_ns} {st.st_size} {path}"


def read() -> list[tuple[str, str]] | None:
    """The cached ``(name, summary)`` of each visible plugin command, or None when not valid."""
    path = cache_file()
    key = environment_key() if path else None
    if path is None or key is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0] != MAGIC:
        return None
    seen: list[str] = []
    rows: list[tuple[str, str]] = []
    for line in lines[1:]:
        kind, _, rest = line.partition(" ")
        if kind == "command":
            name, _, summary = rest.partition("\t")
            rows.append((name, summary))
        elif kind == "file":
            if _stamp(rest.split(" ", 2)[-1]) != line:
                return None
            seen.append(line)
        elif line:
            seen.append(line)
    environment = [line for line in seen if not line.startswith("file ")]
    return rows if environment == key else None


def write(rows: Iterable[tuple[str, str]]) -> None:
    """Keep ``rows`` for the next start (call it after the plugins' commands were registered)."""
    path = cache_file()
    key = environment_key() if path else None
    if path is None or key is None:
        return
    tops = _plugin_packages(key)
    files = sorted({str(getattr(module, "__file__", None)) for name, module in list(sys.modules.items())
                    if name.partition(".")[0] in tops and getattr(module, "__file__", None)})
    stamps = [s for s in map(_stamp, files) if s is not None]
    body = [MAGIC, *key, *stamps, *(f"command {name}\t{' '.join(summary.split())}" for name, summary in rows)]
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")
        os.replace(tmp, path)
    except OSError:
        return
