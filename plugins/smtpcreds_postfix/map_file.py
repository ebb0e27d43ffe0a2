"""The map source on disk, through the core's secret-file code (:class:`smtpcreds.plugin.SecretFile`).

Reading for an update refuses symlinks, non-regular files, group- or world-writable files and
files with several hard links; a write goes to a temporary file in the same directory,
fsynced and renamed over the source, so a crash leaves the whole old or the whole new map
Unlike a ``.env``, the map is always written with
mode 0600 (its owner kept): postmap gives the indexed file the source's group and other read
permissions, and nobody but its owner and Postfix should read a relay password
(docs/reference/postfix.md §Permissions).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from smtpcreds.plugin import SecretFile

PROVIDER = "postfix"
MAP_MODE = 0o600


def map_source(path: Path) -> SecretFile:
    """The map source as a secret file: every write makes it 0600, its owner kept."""
    return SecretFile(path, PROVIDER, mode=MAP_MODE, kind="SASL password map")


#: Files postmap builds from ``source`` for each map type (docs/reference/postfix.md §Maps).
_INDEXED_SUFFIXES = (".db", ".lmdb", ".cdb", ".dir", ".pag")


def tighten_indexed(source: Path) -> list[Path]:
    """Make indexed files of ``source`` that others can read 0600; return those changed.

    postmap copies the source's permissions only when it creates the file, so a ``.db`` built
    once from a readable source keeps showing every password to local users.
    """
    changed: list[Path] = []
    for suffix in _INDEXED_SUFFIXES:
        path = source.with_name(source.name + suffix)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
            changed.append(path)
    return changed
