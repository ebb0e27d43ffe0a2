"""Where smtpcreds keeps its files: the config file and the state directory.

The one owner of both locations, so configuration, the store and the consumers' file locks
agree on them without importing one another.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import platformdirs

__all__ = [
    "config_path", "state_dir",
]


def config_path() -> Path:
    """``$SMTPCREDS_CONFIG``, else ``<platformdirs user_config_dir("smtpcreds")>/config.toml``."""
    raw = os.environ.get("SMTPCREDS_CONFIG")
    if raw:
        return Path(raw).expanduser()
    return Path(platformdirs.user_config_dir("smtpcreds")) / "config.toml"


def state_dir() -> Path:
    """``platformdirs.user_state_dir("smtpcreds")``, or ``$SMTPCREDS_STATE_DIR``; created 0700."""
    raw = os.environ.get("SMTPCREDS_STATE_DIR")
    path = Path(raw) if raw else Path(platformdirs.user_state_dir("smtpcreds"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(OSError):
        os.chmod(path, 0o700)
    return path
