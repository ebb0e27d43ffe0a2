"""The map source on disk, through the envfile consumer's atomic file code.

Reading for an update refuses symlinks, non-regular files, group- or world-writable files and
files with several hard links; a write goes to a temporary file in the same directory,
fsynced and renamed over the source, so a crash leaves the whole old or the whole new map
(see :mod:`smtpcreds_envfile.atomic_file`). Unlike a ``.env``, the map is always written with
mode 0600 (its owner kept): postmap gives the indexed file the source's group and other read
permissions, and nobody but its owner and Postfix should read a relay password
(docs/reference/postfix.md §Permissions).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from smtpcreds_envfile import atomic_file
from smtpcreds_envfile.atomic_file import Snapshot

from smtpcreds.plugin import SmtpCredsError

PROVIDER = "postfix"
MAP_MODE = 0o600


@contextlib.contextmanager
def _as_postfix() -> Iterator[None]:
    """Errors of the shared file code name this provider, not envfile."""
    try:
        yield
    except SmtpCredsError as e:
        e.provider = PROVIDER
        raise


def read_for_update(path: Path) -> Snapshot:
    with _as_postfix():
        return atomic_file.read_for_update(path)


def write(path: Path, text: str, previous: os.stat_result | None) -> None:
    """Replace ``path`` atomically with ``text``, mode 0600, keeping the old owner."""
    if previous is not None:  # the shared writer copies the previous mode: hand it 0600 instead
        fields = list(previous)
        fields[stat.ST_MODE] = stat.S_IFREG | MAP_MODE
        previous = os.stat_result(fields)
    with _as_postfix():
        atomic_file.write_atomic(path, text.encode("utf-8"), previous)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialize smtpcreds writers of one map (threads and processes) from read to reload."""
    with _as_postfix(), atomic_file.locked(path):
        yield


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
