"""What every command shares: the App context, output (JSON or rich), confirmation.

Module-level imports stay light (click only: not even json or dataclasses) so ``smtpcreds
--help`` is fast; rich, pydantic and the clients are imported inside the functions that need them.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pathlib import Path

    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.interfaces import Provider

__all__ = [
    "App", "Columns", "P", "accept_trailing_json", "parse_key_values", "pass_app", "print_mapping", "print_table",
    "profile_option", "read_secret", "seconds_of", "write_json",
]

P = TypeVar("P", bound="Provider")

Columns = Sequence[tuple[str, str]]


class App:
    """Global options and helpers, passed to every command as ``ctx.obj``.

    The configuration is loaded once per command and each profile connected once, however
    many helpers ask for them.
    """

    def __init__(self, json: bool = False, verbose: int = 0, profile_name: str | None = None,
                 config_path: Path | None = None) -> None:
        self.json = json
        self.verbose = verbose
        self.profile_name = profile_name
        self.config_path = config_path
        self._config: Config | None = None
        self._connections: dict[str, Connection] = {}

    def __repr__(self) -> str:
        return f"App(json={self.json}, verbose={self.verbose}, profile_name={self.profile_name!r})"

    # -- configuration ----------------------------------------------------------------------
    def config(self) -> Config:
        if self._config is None:
            from smtpcreds.client import store_settings
            from smtpcreds.config import load_config

            config = load_config(self.config_path)
            store_settings(config)  # a bad [store] table is reported at load, like a bad profile
            self._config = config
        return self._config

    def active_profile(self, profile: str | None = None) -> str:
        return self.config().active_name(profile or self.profile_name)

    def connect(self, profile: str | None = None) -> Connection:
        """The connection of ``profile`` (default: the active one), made once per command."""
        from smtpcreds.client import Connection

        cfg = self.config()
        name = cfg.active_name(profile or self.profile_name)
        if name not in self._connections:
            self._connections[name] = Connection(name, cfg.profile(name), config=cfg)
        return self._connections[name]

    def provider(self, cls: type[P]) -> P:
        """The active profile's provider, which a plugin's command needs to be a ``cls``."""
        from smtpcreds.errors import ConfigError

        conn = self.connect()
        if not isinstance(conn.provider, cls):
            raise ConfigError(f"profile {conn.profile_name} is not a {cls.name} profile "
                              f"(provider {conn.profile.provider!r})", provider=cls.name)
        return conn.provider

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    # -- output -----------------------------------------------------------------------------
    def emit(self, data: Any, *, columns: Columns | None = None, title: str | None = None) -> None:
        """One JSON document with --json; otherwise a table (list) or key/value view (dict)."""
        if self.json:
            write_json(data)
            return
        if isinstance(data, list):
            print_table(data, columns, title)
        elif isinstance(data, dict):
            print_mapping(data, title)
        else:
            click.echo(str(data))

    def emit_stream(self, rows: Iterable[dict[str, Any]], *, columns: Columns | None = None,
                    title: str | None = None) -> int:
        """Stream a list: a JSON array written item by item, or a table; returns the count."""
        if self.json:
            import json

            rows = iter(rows)
            first = next(rows, None)  # an error on the first page leaves stdout empty, not "["
            out = sys.stdout
            out.write("[")
            n = 0
            for row in itertools.chain([first] if first is not None else [], rows):
                out.write(",\n" if n else "\n")
                out.write(json.dumps(row, default=str))
                n += 1
            out.write("\n]\n" if n else "]\n")
            out.flush()
            return n
        materialized = list(rows)
        print_table(materialized, columns, title)
        return len(materialized)

    def say(self, text: str) -> None:
        """A human message on stdout; nothing with --json (stdout holds one JSON document)."""
        if not self.json:
            click.echo(text)

    def warn(self, text: str) -> None:
        click.echo(f"warning: {text}", err=True)

    def confirm(self, prompt: str, yes: bool) -> None:
        """Ask on a terminal; ``--yes`` or a non-terminal stdin skips the question."""
        if yes or not sys.stdin.isatty():
            return
        if not click.confirm(prompt, default=False, err=True):
            raise click.Abort()


pass_app = click.make_pass_decorator(App, ensure=True)


def _set_profile(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(App).profile_name = value


#: ``--profile`` accepted after the command too (``smtpcreds settings set --profile app-env``).
profile_option = click.option("--profile", metavar="NAME", expose_value=False, is_eager=True,
                              callback=_set_profile, help="Profile to use (same as the global --profile).")


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(App).json = True


def accept_trailing_json(cmd: click.Command) -> click.Command:
    """Give ``cmd`` and every command under it a ``--json`` flag equal to the global one, so
    ``smtpcreds providers --json`` works as ``smtpcreds --json providers`` does. Idempotent."""
    if not any(p.name == "trailing_json" for p in cmd.params):
        cmd.params.append(click.Option(["--json", "trailing_json"], is_flag=True, expose_value=False,
                                       callback=_set_json, help="Same as the global --json."))
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            accept_trailing_json(sub)
    return cmd


def write_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _console() -> Any:
    from rich.console import Console

    # Piped output is not cut to 80 columns: tables stay one row per item for grep and less.
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "-"
    if isinstance(value, dict):
        import json

        return json.dumps(value, default=str)
    return str(value)


def print_table(rows: list[dict[str, Any]], columns: Columns | None, title: str | None = None) -> None:
    from rich.table import Table

    if not rows:
        click.echo(f"{title}: none" if title else "(none)")
        return
    cols = list(columns) if columns else [(k.upper(), k) for k in rows[0]]
    table = Table(title=title, show_edge=False, header_style="bold")
    for header, _ in cols:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(_dig(row, key)) for _, key in cols))
    _console().print(table)


def print_mapping(data: dict[str, Any], title: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False, show_edge=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in _flatten(data):
        table.add_row(key, _cell(value))
    _console().print(table)


def _flatten(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in data.items():
        if isinstance(v, dict) and v:
            yield from _flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _dig(row: dict[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def parse_key_values(pairs: Iterable[str], what: str = "--option") -> dict[str, str]:
    """``KEY=VALUE`` strings to a dict; a bad pair is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"{what} takes KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def seconds_of(text: str | None, option: str) -> float | None:
    """The seconds of a duration option such as ``--rollout-timeout 90s`` (None when not given);
    a bad one is a usage error naming the option."""
    if text is None:
        return None
    from smtpcreds.durations import parse_duration

    try:
        return parse_duration(text).total_seconds()
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint=option) from None


def read_secret(prompt: str) -> str:
    """A secret from a hidden prompt on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        value: str = click.prompt(prompt, hide_input=True, err=True)
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise click.UsageError("no secret given (empty input)")
    return value
