"""Write the exposition for node_exporter's textfile collector: whole, or not at all.

node_exporter reads every ``*.prom`` file of its ``--collector.textfile.directory`` at each
scrape, so a half-written file would be read as it is. The text goes to a temporary file in the
same directory (a hidden name not ending in ``.prom``, so the collector skips it), is flushed to
disk, given mode 0644 (readable by node_exporter's user; metrics hold no secret; never
group- or world-writable, whatever the umask), and renamed over the target in one step; on any
failure the temporary file is removed. (``prometheus_client.write_to_textfile`` does the rename
too, but leaves the mode to the umask and does not flush to disk.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = [
    "MODE", "write_textfile",
]

#: rw-r--r--
MODE = 0o644


def write_textfile(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` with ``text`` atomically; returns the path. OSError as raised."""
    target = Path(path)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), MODE)
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_dir(folder)
    return target


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: some filesystems refuse a directory fsync)."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
