"""The ``smtpcreds`` command line.

Command groups live in their own modules and are imported only when invoked (or when help
lists them), and plugin groups are added through ``smtpcreds_register_commands``; so
``smtpcreds --help`` imports neither requests, pydantic, keyring nor rich, and not even
``json``, ``logging``, ``pathlib``, ``shutil`` or pluggy: the plugins' commands are listed from a
cache (smtpcreds/cli/plugin_commands.py) and the help width is read without ``shutil``
(see docs/performance.md for what start-up costs).

Exit codes: 0 ok · 1 unexpected · 2 usage or config · 3 not found · 4 auth or permission ·
5 validation · 6 rate limited · 7 provider, network or TLS · 8 rotation incomplete.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from smtpcreds._version import __version__
from smtpcreds.cli.common import App, accept_trailing_json

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

#: Built-in commands: name -> "module:attribute", imported on use.
BUILTIN = {
    "providers": "smtpcreds.cli.info:providers",
    "profiles": "smtpcreds.cli.info:profiles",
    "auth": "smtpcreds.cli.auth:auth",
    "creds": "smtpcreds.cli.creds:creds",
    "settings": "smtpcreds.cli.settings:settings",
    "rotations": "smtpcreds.cli.rotations:rotations",
    "demo": "smtpcreds.cli.demo:demo",
    "store": "smtpcreds.cli.store:store",
    "metrics": "smtpcreds.cli.metrics:metrics",
    "agent": "smtpcreds.cli.agent:agent",
    "hosts": "smtpcreds.cli.hosts:hosts",
}
HELP = {
    "providers": "Installed providers and their capability matrix.",
    "profiles": "Configured profiles (secrets masked).",
    "auth": "Store or remove a profile's API secret in the keyring.",
    "creds": "SMTP credentials at an issuer: list, create, update, rotate...",
    "settings": "Email settings on a consumer profile (PBX, .env file, hook).",
    "rotations": "Unfinished and past rotations: list, resume, abort, retire.",
    "demo": "End-to-end rotation on the embedded emulators (no account needed).",
    "store": "The secret store: migrate between the keyring and OpenBao/Vault.",
    "metrics": "Prometheus metrics: login ages, open rotations, consumers in sync.",
    "agent": "Keep this host's consumers on their current logins, from the store; report them.",
    "hosts": "The fleet: every host's consumers in sync, stale, failed or silent; forget a host.",
}


def _help_width(max_width: int | None) -> int:
    """click's default help width (terminal columns, at most ``max_width``), without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns, max_width or 80) - 2, 50)


class RootContext(click.Context):
    """Sets the help width itself: click would import shutil (and zlib, bz2, lzma) to find it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.terminal_width is None and click.formatting.FORCED_WIDTH is None:
            self.terminal_width = _help_width(self.max_content_width)  # sub-commands inherit it


class RootGroup(click.Group):
    """Loads built-in command modules lazily and plugin commands on first need."""

    context_class = RootContext
    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            from smtpcreds.plugins import plugins

            plugins().register_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return sorted(set(BUILTIN) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in BUILTIN:
            module, attr = BUILTIN[cmd_name].split(":")
            return accept_trailing_json(getattr(importlib.import_module(module), attr))
        if cmd_name not in self.commands:
            self._load_plugins()
        found = self.commands.get(cmd_name)
        return accept_trailing_json(found) if found is not None else None

    def _summaries(self) -> list[tuple[str, str]]:
        """``(name, one-line help)`` of every visible command; plugin commands from the cache if valid."""
        from smtpcreds.cli import plugin_commands
        from smtpcreds.plugins import manager_built

        # Only a manager built from the entry points matches the cache (tests may install their own).
        from_entry_points = not self._plugins_loaded and not manager_built()
        cached = plugin_commands.read() if from_entry_points else None
        if cached is not None:
            plugin_rows = cached
        else:
            self._load_plugins()
            plugin_rows = [(name, cmd.get_short_help_str(60)) for name, cmd in sorted(self.commands.items())
                           if not cmd.hidden and name not in BUILTIN]
            if from_entry_points:
                plugin_commands.write(plugin_rows)
        return sorted([(name, HELP[name]) for name in BUILTIN] + plugin_rows)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(self._summaries())

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names as click completes them, without importing a command module or plugin."""
        from click.shell_completion import CompletionItem

        items = [CompletionItem(name, help=summary)
                 for name, summary in self._summaries() if name.startswith(incomplete)]
        return items + click.Command.shell_complete(self, ctx, incomplete)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              envvar="SMTPCREDS_CONFIG", help="Config file (default: user config dir/config.toml).")
@click.option("--profile", "profile_name", metavar="NAME", help="Profile to use (overrides SMTPCREDS_PROFILE).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON document on stdout.")
@click.option("-v", "--verbose", count=True, help="-v: info logs, tracebacks on errors; -vv: every HTTP request too.")
@click.version_option(__version__, prog_name="smtpcreds")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, profile_name: str | None, as_json: bool,
        verbose: int) -> None:
    """Manage SMTP credentials across email providers: one interface, keyring storage, safe rotation."""
    app = ctx.ensure_object(App)
    app.json, app.verbose, app.profile_name = as_json, verbose, profile_name
    if config_path is not None:
        from pathlib import Path  # not at the top: --help (and a sub-command's) does without pathlib

        app.config_path = Path(config_path)
        os.environ["SMTPCREDS_CONFIG"] = config_path  # what reads the file outside a loaded config follows it
    _setup_logging(verbose)
    ctx.call_on_close(app.close)


def _setup_logging(verbose: int) -> None:
    import logging

    from smtpcreds.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._smtpcreds = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_smtpcreds", False)] + [handler]
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING)
    # urllib3 announces each retry as a warning; the final outcome is what users need to see.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose >= 2 else logging.ERROR)


def _error_payload(exc: BaseException) -> dict[str, Any]:
    from smtpcreds.errors import SmtpCredsError

    if isinstance(exc, SmtpCredsError):
        return exc.to_dict()
    return {"type": type(exc).__name__, "message": str(exc), "status": None, "provider": None, "fields": {},
            "code": None}


def _report(exc: BaseException, message: str, as_json: bool) -> None:
    from smtpcreds.redact import redact

    if as_json:
        import json

        payload = _error_payload(exc)
        payload["message"] = redact(message)
        click.echo(json.dumps({"error": payload}), err=True)
    else:
        click.echo(f"error: {redact(message)}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and map errors to exit codes."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args[: args.index("--") if "--" in args else len(args)]
    verbose = any(a in ("-v", "-vv", "--verbose") for a in args)
    try:
        rv = cli.main(args=args, prog_name="smtpcreds", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as e:
        _report(e, e.format_message(), as_json)
        sys.exit(2 if e.exit_code in (1, 2) else e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:
        from smtpcreds.errors import SmtpCredsError

        if verbose:
            import traceback

            from smtpcreds.redact import redact

            click.echo(redact(traceback.format_exc()), err=True)
        if isinstance(e, SmtpCredsError):
            _report(e, e.message, as_json)
            sys.exit(e.exit_code)
        _report(e, f"unexpected {type(e).__name__}: {e}", as_json)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
