"""A file that holds secrets, on disk: safety checks, and an atomic replace a crash cannot tear.

Consumers that write a login into a file (an app's ``.env``, Postfix's ``sasl_passwd``) share it.
A write goes to a temporary file in the same directory (mode 0600 until it gets its final mode
and the old file's owner), is fsynced, renamed over the file, and the directory is fsynced, so
after a crash at any moment the file holds either the whole old or the whole new content. A
crash can leave the temporary file behind (named ``.<name>.*.smtpcreds-tmp``, mode 0600 or the
file's own mode, so it is never readable by anyone who cannot read the file).

Files it refuses to write, each with a :class:`~smtpcreds.errors.ConfigError` (exit 2), since the
fix is on the user's side: a symlink (the rename would replace the link, not its target),
anything but a regular file, a group- or world-writable file (someone else could change the
secrets under us), and a file with several hard links (the rename would detach them).
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

from filelock import FileLock, Timeout

from smtpcreds.errors import ConfigError, NotFound, ProviderError
from smtpcreds.paths import state_dir

__all__ = [
    "NEW_FILE_MODE",
    "TMP_SUFFIX",
    "SecretFile",
    "Snapshot",
]

NEW_FILE_MODE = 0o600
TMP_SUFFIX = ".smtpcreds-tmp"


@dataclass(frozen=True)
class Snapshot:
    """The file as read for an update: its text and stat, or ``None`` for both when absent."""

    text: str | None
    stat: os.stat_result | None


@dataclass(frozen=True)
class SecretFile:
    """One file a consumer keeps secrets in. ``provider`` names it in errors; ``mode``: the mode
    every write gives it (None: keep the old file's mode; a new file gets 0600)."""

    path: Path
    provider: str
    mode: int | None = None
    #: what the file is, for messages ("dotenv file", "SASL password map")
    kind: str = "file"

    def read_text(self) -> str:
        """The file's text (following symlinks: reading is harmless); NotFound when absent."""
        path = self.path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"{path} does not exist", provider=self.provider) from None
        except IsADirectoryError:
            raise ConfigError(f"{path} is a directory, not a {self.kind}", provider=self.provider) from None
        except OSError as e:
            raise ConfigError(f"cannot read {path}: {e.strerror}", provider=self.provider) from None
        return self._decode(data)

    def _decode(self, data: bytes) -> str:
        path = self.path
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{path} is not UTF-8 text; refusing to rewrite it", provider=self.provider) from None

    def _check(self, st: os.stat_result) -> None:
        path = self.path
        if stat.S_ISLNK(st.st_mode):
            raise ConfigError(
                f"{path} is a symlink; refusing to write through it (set path to the real file)",
                provider=self.provider,
            )
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path} is not a regular file; refusing to write it", provider=self.provider)
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o022:
            raise ConfigError(
                f"{path} is group- or world-writable (mode {mode:04o}); refusing to write secrets to it "
                f"(fix with: chmod go-w {path})",
                provider=self.provider,
            )
        if st.st_nlink > 1:
            raise ConfigError(
                f"{path} has {st.st_nlink} hard links; an atomic replace would detach them, refusing to write",
                provider=self.provider,
            )

    def read_for_update(self) -> Snapshot:
        """Read the file we are about to replace, refusing files that are unsafe to write."""
        path = self.path
        try:
            self._check(os.lstat(path))
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            parent = path.parent
            if not parent.is_dir():
                raise ConfigError(
                    f"cannot create {path}: {parent} is not a directory", provider=self.provider
                ) from None
            return Snapshot(None, None)
        except OSError as e:
            if e.errno == errno.ELOOP:  # replaced by a symlink since the lstat
                raise ConfigError(
                    f"{path} is a symlink; refusing to write through it", provider=self.provider
                ) from None
            raise ConfigError(f"cannot read {path}: {e.strerror}", provider=self.provider) from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            self._check(st)
            data = f.read()
        return Snapshot(self._decode(data), st)

    def _adopt_identity(self, fd: int, previous: os.stat_result | None) -> None:
        """Give the temporary file the old file's owner, and ``mode`` or the old file's mode (a new
        file: ours, ``mode`` or 0600)."""
        path = self.path
        if previous is None:
            os.fchmod(fd, NEW_FILE_MODE if self.mode is None else self.mode)
            return
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (previous.st_uid, previous.st_gid):
            try:
                os.fchown(fd, previous.st_uid, previous.st_gid)
            except PermissionError:
                raise ConfigError(
                    f"cannot keep the owner of {path} ({previous.st_uid}:{previous.st_gid}); "
                    "run smtpcreds as that user (or root)",
                    provider=self.provider,
                ) from None
        os.fchmod(fd, stat.S_IMODE(previous.st_mode) if self.mode is None else self.mode)

    def write(self, data: bytes, previous: os.stat_result | None) -> None:
        """Replace the file with ``data`` atomically, keeping ``previous``'s owner (and mode, unless
        ``mode`` is set)."""
        path = self.path
        directory = path.parent
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
        except PermissionError:
            raise ConfigError(
                f"cannot write {path}: no write permission in {directory}", provider=self.provider
            ) from None
        except OSError as e:
            raise ProviderError(f"cannot write {path}: {e.strerror}", provider=self.provider) from None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)  # still 0600: a leftover never reaches more readers than the file itself
                f.flush()
                self._adopt_identity(f.fileno(), previous)
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException as e:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(e, OSError):
                raise ProviderError(f"cannot write {path}: {e.strerror}", provider=self.provider) from None
            raise
        _fsync_directory(directory)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialize smtpcreds writers of one file (threads and processes) between read and replace."""
        path = self.path
        digest = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:16]
        lock = FileLock(str(state_dir() / f"file-{digest}.lock"), timeout=60)
        try:
            lock.acquire()
        except Timeout:
            raise ProviderError(
                f"another smtpcreds process has been writing {path} for 60s", provider=self.provider
            ) from None
        try:
            yield
        finally:
            lock.release()

def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
