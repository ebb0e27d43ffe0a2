"""Configuration: a TOML file plus environment overrides, with named profiles.

File: ``$SMTPCREDS_CONFIG``, else ``<user_config_dir("smtpcreds")>/config.toml``. The
environment overrides the file (``SMTPCREDS_DEFAULT_PROFILE``,
``SMTPCREDS_ALLOW_INSECURE_KEYRING``, ``SMTPCREDS_PROFILES__<PROFILE>__<FIELD>``; a profile may
exist only in the environment). The active profile is ``--profile``, else ``SMTPCREDS_PROFILE``,
else ``default_profile``, else the only profile there is.

Each profile is validated against its provider's model: the union of the registered plugins'
profile models, discriminated on ``provider``. The ``[agent]`` table (the fleet agent of this host)
and the ``[rotation]`` table (rotation defaults) are validated here (:class:`AgentTable`,
:class:`RotationTable`; ``SMTPCREDS_AGENT__<FIELD>``, ``SMTPCREDS_ROTATION__<FIELD>``). The
``[store]`` table is kept as it is written:
the store validates it (:func:`smtpcreds.store.from_table`) when the client opens it, and a
profile's secret that the configuration does not hold is looked up in the store by the client
(:func:`smtpcreds.client.resolve_secret`), so configuration never reaches into the store.
Config files are never written from a model dump.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import stat
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from smtpcreds.durations import parse_duration
from smtpcreds.errors import ConfigError
from smtpcreds.paths import config_path
from smtpcreds.plugins import plugins
from smtpcreds.profiles import ProfileBase
from smtpcreds.tables import settings_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ENV_PREFIX",
    "OWN_TABLES",
    "AgentTable",
    "Config",
    "RotationTable",
    "describe_errors",
    "load_config",
    "read_table",
]

log = logging.getLogger("smtpcreds.config")
ENV_PREFIX = "SMTPCREDS_"
#: Top-level tables besides the profiles, kept as written in :attr:`Config.tables`: ``[store]``
#: (validated by :mod:`smtpcreds.store`), ``[metrics]`` (:mod:`smtpcreds.metrics`), ``[notify]``
#: (:mod:`smtpcreds.notify`) on use; ``[agent]`` and ``[rotation]`` here, at load (their models
#: below). Every one takes ``SMTPCREDS_<TABLE>__<FIELD>`` by the one rule of :mod:`smtpcreds.tables`.
OWN_TABLES = ("store", "metrics", "notify", "agent", "rotation")


class _RawSettings(BaseSettings):
    """The environment, read by pydantic-settings (nested with ``__``); validated afterwards."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    default_profile: str | None = None
    allow_insecure_keyring: bool | None = None
    profiles: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings,)


#: A host name as the agent reports under it (one KV path segment; the OpenBao policy names it).
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


class AgentTable(BaseModel):
    """The agent of this host (``smtpcreds agent``): the name it reports under and how often it runs."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(None, description="The name this host reports under (unique per host; default: "
                             "the machine's hostname).")
    interval: float = Field(60.0, gt=0, le=86400, description="Seconds between the agent's cycles (each wait "
                            "jittered by ±10 %).")

    @field_validator("host")
    @classmethod
    def _host(cls, v: str | None) -> str | None:
        if v is not None and not _HOST.match(v):
            raise ValueError(f"{v!r} is not a host name (letters, digits, '.', '-', '_')")
        return v

    def host_name(self) -> str:
        """``host``, else this machine's hostname."""
        if self.host:
            return self.host
        return socket.gethostname()


class RotationTable(BaseModel):
    """Defaults of every rotation (each also a ``creds rotate`` option)."""

    model_config = ConfigDict(extra="forbid")

    rollout_timeout: timedelta = Field(
        timedelta(minutes=15), description="How long the rollout step waits for every host that binds the "
        "credential to hold its new login (like 90s, 15m, 1h).")

    @field_validator("rollout_timeout", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return parse_duration(v) if isinstance(v, str) else v


class Config(BaseModel):
    """The whole validated configuration."""

    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = Field(None, description="Profile used when none is named.")
    allow_insecure_keyring: bool = Field(
        False, description="Accept a plaintext or fallback keyring backend (not recommended)."
    )
    profiles: dict[str, ProfileBase] = Field(default_factory=dict)
    #: The tables other parts own (:data:`OWN_TABLES`), as written: each is validated by its owner,
    #: with the environment's ``SMTPCREDS_<TABLE>__<FIELD>`` over it (:mod:`smtpcreds.tables`).
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)
    #: The ``[agent]`` and ``[rotation]`` tables, validated at load (docs/configuration.md).
    agent: AgentTable = Field(default_factory=AgentTable, exclude=True)
    rotation: RotationTable = Field(default_factory=RotationTable, exclude=True)
    path: Path | None = Field(None, exclude=True)

    def profile(self, name: str) -> ProfileBase:
        try:
            return self.profiles[name]
        except KeyError:
            where = f" in {self.path}" if self.path else ""
            choices = ", ".join(sorted(self.profiles)) or "none configured"
            raise ConfigError(f"no profile named {name!r}{where} (profiles: {choices})") from None

    def table(self, name: str) -> dict[str, Any]:
        """One of :data:`OWN_TABLES` as the config file holds it (empty when absent)."""
        return self.tables.get(name, {})

    def active_name(self, explicit: str | None = None) -> str:
        name = explicit or os.environ.get("SMTPCREDS_PROFILE") or self.default_profile
        if not name:
            if len(self.profiles) == 1:
                return next(iter(self.profiles))
            raise ConfigError(
                "no profile selected: pass --profile NAME, set SMTPCREDS_PROFILE, or set "
                f"default_profile in {self.path or config_path()} "
                f"(profiles: {', '.join(sorted(self.profiles)) or 'none configured'})"
            )
        if name not in self.profiles:
            lowered = name.lower()
            if lowered in self.profiles:
                return lowered
        return name


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    _warn_if_exposed(path, data)
    return data


def _warn_if_exposed(path: Path, data: dict[str, Any]) -> None:
    """Warn when a config file holding secrets is readable by group or others."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return
    secret_words = ("api_key", "api_token", "password", "token", "key")
    profiles = data.get("profiles")
    if not isinstance(profiles, dict):
        return  # load_config reports the shape
    for prof in profiles.values():
        if isinstance(prof, dict) and any(k in prof for k in secret_words):
            log.warning(
                "config file %s holds secrets and is readable by group/others (mode %o); "
                "run: chmod 600 %s", path, stat.S_IMODE(mode), path
            )
            return


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def load_config(path: Path | None = None) -> Config:
    """Read the file and the environment and validate every profile."""
    path = path or config_path()
    data = _read_toml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a TOML table")
    try:
        env = _RawSettings().model_dump(exclude_none=True)
    except PydanticValidationError as e:
        raise ConfigError(f"invalid SMTPCREDS_* environment: {_first_error(e)}") from None
    except SettingsError as e:  # a variable naming a whole table (SMTPCREDS_PROFILES) is not JSON
        raise ConfigError(f"invalid SMTPCREDS_* environment: {e} (a table must be given as JSON, "
                          "or field by field as SMTPCREDS_PROFILES__<PROFILE>__<FIELD>)") from None
    env_profiles = env.pop("profiles", {}) or {}
    unknown_top = set(data) - {"default_profile", "allow_insecure_keyring", "profiles", *OWN_TABLES}
    if unknown_top:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(sorted(unknown_top))} "
            f"(valid: default_profile, allow_insecure_keyring, profiles, {', '.join(OWN_TABLES)})"
        )
    tables: dict[str, dict[str, Any]] = {}
    for name in OWN_TABLES:  # kept as written: their owners validate them on use
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        tables[name] = table
    file_profiles = data.get("profiles") or {}
    if not isinstance(file_profiles, dict):
        raise ConfigError(f"{path}: [profiles] must be a table of profiles")
    # Environment names arrive lower-cased: match them to file profiles case-insensitively.
    by_lower = {name.lower(): name for name in file_profiles}
    env_profiles = {by_lower.get(name, name): value for name, value in env_profiles.items()}
    merged = _merge(file_profiles, env_profiles)

    registry = plugins().providers
    profiles: dict[str, ProfileBase] = {}
    for name, raw in merged.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"profile {name!r} must be a table, got {type(raw).__name__}")
        provider = raw.get("provider")
        if not isinstance(provider, str) or provider not in registry:
            choices = ", ".join(registry) or "none installed"
            what = f"unknown provider {provider!r}" if provider else "no provider set"
            raise ConfigError(f"profile {name!r}: {what} (choose from: {choices})")
        model = registry[provider].profile_model
        try:
            profiles[name] = model.model_validate(raw)
        except PydanticValidationError as e:
            raise ConfigError(f"profile {name!r}: {describe_errors(e, model)}") from None
    top = {k: v for k, v in data.items() if k not in ("profiles", *OWN_TABLES)}
    top.update(env)
    try:
        cfg = Config.model_validate({**top, "profiles": {}})
    except PydanticValidationError as e:
        raise ConfigError(f"{path}: {_first_error(e)}") from None
    cfg.profiles = profiles
    cfg.tables = tables
    cfg.agent = settings_of("agent", AgentTable, tables["agent"])
    cfg.rotation = settings_of("rotation", RotationTable, tables["rotation"])
    cfg.path = path
    return cfg


def read_table(name: str, path: Path | None = None) -> dict[str, Any]:
    """Only the ``[name]`` table of the config file (one of :data:`OWN_TABLES`; no profile
    validation): for a part that runs without a loaded configuration (a store opened by
    ``stored_login``, a rotation's notification)."""
    path = path or config_path()
    table = _read_toml(path).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return table


def _first_error(e: PydanticValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def describe_errors(e: PydanticValidationError, model: type[BaseModel]) -> str:
    """One line naming each bad field and the rule; unknown fields list the valid ones."""
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            valid = ", ".join(sorted(model.model_fields))
            parts.append(f"unknown field {loc!r} (valid fields: {valid})")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
