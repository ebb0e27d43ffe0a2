"""``smtpcreds settings show|set|delete|test``: email settings on a consumer profile.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

from typing import Any

import click

from smtpcreds.cli.common import App, parse_key_values, pass_app, profile_option, read_secret

__all__ = [
    "delete", "scope_option", "set_", "settings", "show", "sync", "test",
]

scope_option = click.option("--scope", "-s", metavar="DOMAIN", help="Consumer scope (Webitel domain).")


@click.group()
def settings() -> None:
    """Email settings on a consumer profile (PBX, .env file, hook)."""


@settings.command("show")
@profile_option
@scope_option
@click.option("--reveal", is_flag=True, help="Include the password.")
@pass_app
def show(app: App, scope: str | None, reveal: bool) -> None:
    """Show the stored email settings."""
    conn = app.connect()
    found = conn.settings.get(scope)
    app.emit(found.public_dict(reveal=reveal), title=f"{conn.profile_name} email settings")


@settings.command("set")
@profile_option
@scope_option
@click.option("--host", help="SMTP host.")
@click.option("--port", type=click.IntRange(1, 65535), help="SMTP port.")
@click.option("--security", type=click.Choice(["ssl", "starttls", "none"]), help="Transport security.")
@click.option("--verify-tls/--no-verify-tls", default=None, help="Verify the SMTP server's certificate.")
@click.option("--from", "from_address", metavar="ADDRESS", help="Default sender address.")
@click.option("--username", help="SMTP login user.")
@click.option("--password-stdin", is_flag=True, help="Read the SMTP password from stdin.")
@click.option("--login-from", metavar="PROFILE:REF", help="Take host, port, user and password from a stored login.")
@click.option("--description", help="Free text.")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="Raw consumer option (e.g. Webitel options.debug=true); repeatable.")
@pass_app
def set_(app: App, scope: str | None, host: str | None, port: int | None,
         security: str | None, verify_tls: bool | None, from_address: str | None, username: str | None,
         password_stdin: bool, login_from: str | None, description: str | None,
         options: tuple[str, ...]) -> None:
    """Merge the given fields into the stored settings; unchanged fields (and unknown ones) stay."""
    from smtpcreds.models import EmailSettings

    fields: dict[str, Any] = {}
    if login_from:
        from smtpcreds.client import stored_login

        prof, sep, ref = login_from.partition(":")
        if not sep:
            raise click.UsageError("--login-from takes PROFILE:REF")
        login = stored_login(prof, ref)
        fields.update(host=login.host, port=login.port, security=login.security,
                      username=login.username, password=login.password)
    given = dict(host=host, port=port, security=security, verify_tls=verify_tls, from_address=from_address,
                 username=username, description=description)
    fields.update({k: v for k, v in given.items() if v is not None})
    if password_stdin:
        fields["password"] = read_secret("SMTP password")
    raw = parse_key_values(options)
    if not fields and not raw:
        raise click.UsageError("nothing to set: give at least one field or --option")
    conn = app.connect()
    result = conn.settings.set(EmailSettings(**fields), scope, options=raw)
    data = {"changed": result.changed, "detail": result.detail,
            "settings": result.settings.public_dict() if result.settings else None}
    if app.json:
        app.emit(data)
    else:
        # the consumer's own word: "created", "updated", "wrote SMTP_PASSWORD to ..."
        app.say(result.detail or "updated" if result.changed else "unchanged (nothing was written)")


@settings.command("delete")
@profile_option
@scope_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: App, scope: str | None, yes: bool) -> None:
    """Delete the stored email settings."""
    conn = app.connect()
    app.confirm(f"Delete the email settings at {conn.profile_name}?", yes)
    removed = conn.settings.delete(scope)
    app.emit({"removed": removed}) if app.json else app.say(f"removed {removed} record(s)")


@settings.command("test")
@profile_option
@scope_option
@click.option("--to", metavar="ADDRESS", help="Recipient of the test message.")
@pass_app
def test(app: App, scope: str | None, to: str | None) -> None:
    """Ask the consumer to prove its settings work (Webitel sends a test message)."""
    conn = app.connect()
    info = conn.settings.test(scope, to=to)
    app.emit({"ok": True, "info": info}) if app.json else app.say(f"ok: {info}")


@settings.command("sync")
@click.argument("consumers", nargs=-1, metavar="[CONSUMER]...")
@click.option("--dry-run", is_flag=True, help="Show what would be pushed; change nothing.")
@pass_app
def sync(app: App, consumers: tuple[str, ...], dry_run: bool) -> None:
    """Push the current stored login to bound consumers that drifted (all bound ones by default).

    A consumer that cannot show its settings (exec) is pushed only when named.
    """
    from smtpcreds.drift import sync as run_sync

    actions = run_sync(list(consumers), dry_run=dry_run, config=app.config(), connect=lambda name: app.connect(name))
    rows = [a.model_dump(mode="json") for a in actions]
    if app.json:
        app.emit({"dry_run": dry_run, "actions": rows})
    else:
        app.emit(rows, columns=[("CONSUMER", "consumer"), ("LOGIN", "credential"), ("STATE", "state"),
                                ("ACTION", "action"), ("DETAIL", "detail")],
                 title="settings sync (dry run)" if dry_run else "settings sync")
    if any(a.action == "failed" for a in actions):
        click.get_current_context().exit(7)
