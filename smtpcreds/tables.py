"""A top-level table of the config file, as the part that owns it reads it: ``[store]``,
``[metrics]``, ``[notify]``.

The one rule for all of them: the table as written (handed over by configuration, which keeps it
as it is), then every ``SMTPCREDS_<TABLE>__<FIELD>`` variable of the environment over it (a JSON
list or table when the value starts with ``[`` or ``{``), validated by the owner's model; a bad
value is a ConfigError naming the table and the field. Nothing here reads a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from smtpcreds.errors import ConfigError

__all__ = [
    "settings_of",
]

M = TypeVar("M", bound=BaseModel)


def settings_of(name: str, model: type[M], table: object, environ: Mapping[str, str] | None = None, *,
                ignore: Collection[str] = ()) -> M:
    """``table`` with the environment over it, as ``model``; ``ignore``: fields never kept (read
    where they are needed, like a secret)."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    merged: dict[str, Any] = dict(table)
    prefix = f"SMTPCREDS_{name.upper()}__"
    for key, value in (os.environ if environ is None else environ).items():
        if key.upper().startswith(prefix) and len(key) > len(prefix):
            merged[key[len(prefix):].lower()] = _env_value(key, value)
    for field in ignore:
        merged.pop(field, None)
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
