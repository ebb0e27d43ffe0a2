"""The dotenv file on disk: safety checks, and an atomic replace that a crash cannot tear.

A write goes to a temporary file in the same directory (mode 0600 until it gets the old
file's mode and owner), is fsynced, renamed over the file, and the directory is fsynced, so
after a crash at any moment the file holds either the whole old or the whole new content.
A crash can leave the temporary file behind (named ``.<name>.*.smtpcreds-tmp``, mode 0600 or
the file's own mode, so it is never readable by anyone who cannot read the file).

Files we refuse to write, each with a :class:`~smtpcreds.errors.ConfigError` (exit 2), since
the fix is on the user's side: a symlink (the rename would replace the link, not its target),
anything but a regular file, a group- or world-writable file (someone else could change the
settings under us), and a file with several hard links (the rename would detach them).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smtpcreds.plugin import ConfigError, NotFound, ProviderError

PROVIDER = "envfile"
NEW_FILE_MODE = 0o600
TMP_SUFFIX = ".smtpcreds-tmp"


@dataclass(frozen=True)
class Snapshot:
    """The file as read for an update: its text and stat, or ``None`` for both when absent."""

    text: str | None
    stat: os.stat_result | None


def read_text(path: Path) -> str:
    """The file's text (following symlinks: reading is harmless); NotFound when absent."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path} does not exist", provider=PROVIDER) from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a dotenv file", provider=PROVIDER) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}", provider=PROVIDER) from None
    return _decode(path, data)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; refusing to rewrite it", provider=PROVIDER) from None


def _check(path: Path, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise ConfigError(
            f"{path} is a symlink; refusing to write through it (set path to the real file)",
            provider=PROVIDER,
        )
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path} is not a regular file; refusing to write it", provider=PROVIDER)
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022:
        raise ConfigError(
            f"{path} is group- or world-writable (mode {mode:04o}); refusing to write secrets to it "
            f"(fix with: chmod go-w {path})",
            provider=PROVIDER,
        )
    if st.st_nlink > 1:
        raise ConfigError(
            f"{path} has {st.st_nlink} hard links; an atomic replace would detach them, refusing to write",
            provider=PROVIDER,
        )


def read_for_update(path: Path) -> Snapshot:
    """Read the file we are about to replace, refusing files that are unsafe to write."""
    try:
        _check(path, os.lstat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        parent = path.parent
        if not parent.is_dir():
            raise ConfigError(
                f"cannot create {path}: {parent} is not a directory", provider=PROVIDER
            ) from None
        return Snapshot(None, None)
    except OSError as e:
        if e.errno == errno.ELOOP:  # replaced by a symlink since the lstat
            raise ConfigError(
                f"{path} is a symlink; refusing to write through it", provider=PROVIDER
            ) from None
        raise ConfigError(f"cannot read {path}: {e.strerror}", provider=PROVIDER) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        _check(path, st)
        data = f.read()
    return Snapshot(_decode(path, data), st)


def _adopt_identity(fd: int, path: Path, previous: os.stat_result | None) -> None:
    """Give the temporary file the old file's owner and mode (a new file: ours, 0600)."""
    if previous is None:
        os.fchmod(fd, NEW_FILE_MODE)
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (previous.st_uid, previous.st_gid):
        try:
            os.fchown(fd, previous.st_uid, previous.st_gid)
        except PermissionError:
            raise ConfigError(
                f"cannot keep the owner of {path} ({previous.st_uid}:{previous.st_gid}); "
                "run smtpcreds as that user (or root)",
                provider=PROVIDER,
            ) from None
    os.fchmod(fd, stat.S_IMODE(previous.st_mode))


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, previous: os.stat_result | None) -> None:
    """Replace ``path`` with ``data`` atomically, keeping ``previous``'s mode and owner."""
    directory = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except PermissionError:
        raise ConfigError(
            f"cannot write {path}: no write permission in {directory}", provider=PROVIDER
        ) from None
    except OSError as e:
        raise ProviderError(f"cannot write {path}: {e.strerror}", provider=PROVIDER) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)  # still 0600: a leftover never reaches more readers than the file itself
            f.flush()
            _adopt_identity(f.fileno(), path, previous)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise ProviderError(f"cannot write {path}: {e.strerror}", provider=PROVIDER) from None
        raise
    _fsync_directory(directory)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialize smtpcreds writers of one file (threads and processes) between read and replace."""
    from filelock import FileLock, Timeout

    from smtpcreds.plugin import state_dir

    digest = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:16]
    lock = FileLock(str(state_dir() / f"envfile-{digest}.lock"), timeout=60)
    try:
        lock.acquire()
    except Timeout:
        raise ProviderError(
            f"another smtpcreds process has been writing {path} for 60s", provider=PROVIDER
        ) from None
    try:
        yield
    finally:
        lock.release()
