"""Top-level tables of the config file that a part of smtpcreds reads on its own: ``[metrics]``
(:mod:`smtpcreds.metrics.settings`) and ``[notify]`` (:mod:`smtpcreds.notify.settings`).

:func:`smtpcreds.config.load_config` accepts these tables and keeps them as written; their owners
read and validate them on use, with this module: one small TOML file, none of the profile
validation, so a rotation event or a metrics run sees the configuration as it is now. This module
imports nothing of smtpcreds but its errors, so configuration never reaches up to its users.
Every field can also be set in the environment as ``SMTPCREDS_<TABLE>__<FIELD>`` (a JSON list or
table when the value starts with ``[`` or ``{``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from smtpcreds.errors import ConfigError

__all__ = [
    "load_table", "validate_table",
]

M = TypeVar("M", bound=BaseModel)


def load_table(name: str, model: type[M], path: Path) -> M:
    """The ``[name]`` table of the config file at ``path``, then its ``SMTPCREDS_<NAME>__*``
    variables, as ``model``; ConfigError naming the table and field."""
    return validate_table(name, model, _file_table(name, path))


def validate_table(name: str, model: type[M], table: object) -> M:
    """``table`` (from the file) with the environment over it, validated; ConfigError naming the field."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    merged: dict[str, Any] = dict(table)
    prefix = f"SMTPCREDS_{name.upper()}__"
    for key, value in os.environ.items():
        if key.upper().startswith(prefix) and len(key) > len(prefix):
            merged[key[len(prefix):].lower()] = _env_value(key, value)
    try:
        return model.model_validate(merged)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"[{name}] {loc}: {msg}" if loc else f"[{name}] {msg}") from None


def _env_value(key: str, value: str) -> Any:
    if not value.lstrip().startswith(("[", "{")):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ConfigError(f"{key} is not valid JSON") from None


def _file_table(name: str, path: Path) -> object:
    if not path.exists():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from None
    return data.get(name, {})
