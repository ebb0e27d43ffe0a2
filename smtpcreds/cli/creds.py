"""``smtpcreds creds ...``: SMTP credentials at an issuer, through the neutral interface.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

import click

from smtpcreds.cli.common import App, parse_key_values, pass_app, profile_option, read_secret

__all__ = [
    "CRED_COLUMNS", "create", "creds", "delete", "list_", "login", "option_option", "scope_option", "show",
    "update",
]

CRED_COLUMNS = [("CREDENTIAL", "credential"), ("ID", "id"), ("NAME", "name"), ("USERNAME", "username"),
                ("ENABLED", "enabled"), ("HOST", "host"), ("PORT", "port"), ("LAST USED", "last_used_at")]

scope_option = click.option("--scope", "-s", metavar="S",
                            help="Domain id (MailerSend), subaccount id (SMTP2GO); default from the profile.")
option_option = click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
                             help="Provider option (repeatable); see the provider's docs page.")


@click.group()
def creds() -> None:
    """SMTP credentials at an issuer: list, create, update, rotate..."""


@creds.command("list")
@profile_option
@scope_option
@click.option("--limit", type=click.IntRange(min=1), help="Page size (provider limits apply); one page.")
@click.option("--page", type=click.IntRange(min=1), help="Page number; one page.")
@pass_app
def list_(app: App, scope: str | None, limit: int | None, page: int | None) -> None:
    """List credentials (every page unless --limit/--page); --json streams an array."""
    conn = app.connect()
    rows = (c.public_dict() for c in conn.credentials.list(scope, limit=limit, page=page))
    app.emit_stream(rows, columns=CRED_COLUMNS, title=f"{conn.profile_name} credentials")


@creds.command("show")
@profile_option
@click.argument("ref")
@scope_option
@pass_app
def show(app: App, ref: str, scope: str | None) -> None:
    """Show one credential (REF: its name, or a login's id) with every provider setting."""
    conn = app.connect()
    cred = conn.credentials.get(ref, scope)
    data = cred.public_dict()
    record = conn.store.record(cred.credential or cred.id)
    data["secret_stored"] = record.current is not None and record.id in (None, cred.id)
    app.emit(data, title=f"{cred.credential} ({cred.id})")


@creds.command("create")
@profile_option
@click.argument("name")
@scope_option
@click.option("--disabled", is_flag=True, help="Create the login disabled.")
@option_option
@click.option("--reveal", is_flag=True, help="Print the new password too.")
@pass_app
def create(app: App, name: str, scope: str | None, disabled: bool, options: tuple[str, ...],
           reveal: bool) -> None:
    """Create credential NAME; its password goes to the store, not to the screen."""
    conn = app.connect()
    cred = conn.credentials.create(name, scope, enabled=not disabled, **parse_key_values(options))
    if app.json:
        app.emit(cred.public_dict(reveal=reveal))
    else:
        app.emit(cred.public_dict(reveal=reveal), title=f"created {name} ({cred.id})")
        app.say(f"password stored in the {conn.store.backend.name} store: {conn.store.where(name)}")


@creds.command("update")
@profile_option
@click.argument("ref")
@scope_option
@click.option("--name", help="New name.")
@click.option("--enable/--disable", "enabled", default=None, help="Enable or disable the login.")
@click.option("--new-password", is_flag=True, help="Generate a new password (stored in the store).")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@option_option
@pass_app
def update(app: App, ref: str, scope: str | None, name: str | None, enabled: bool | None,
           new_password: bool, password_stdin: bool, options: tuple[str, ...]) -> None:
    """Change a login's name, state, provider options or password."""
    if new_password and password_stdin:
        raise click.UsageError("--new-password and --password-stdin exclude each other")
    conn = app.connect()
    opts = parse_key_values(options)
    result = None
    if name is not None or enabled is not None or opts:
        result = conn.credentials.update(ref, scope, name=name, enabled=enabled, **opts)
    if new_password or password_stdin:
        pw = read_secret("new password") if password_stdin else None
        conn.credentials.set_password(ref, pw, scope)
        result = conn.credentials.get(ref, scope)
    if result is None:
        raise click.UsageError("nothing to change: give --name, --enable/--disable, --option or a password flag")
    app.emit(result.public_dict(), title=f"updated {result.id}")


@creds.command("delete")
@profile_option
@click.argument("ref")
@scope_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: App, ref: str, scope: str | None, yes: bool) -> None:
    """Delete a login at the provider (REF: a credential's name or a login's id) and its stored record."""
    conn = app.connect()
    app.confirm(f"Delete {ref} at {conn.profile_name} ({conn.profile.provider})?", yes)
    conn.credentials.delete(ref, scope)
    app.emit({"id": ref, "deleted": True}) if app.json else app.say(f"deleted {ref}")


@creds.command("login")
@profile_option
@click.argument("ref")
@click.option("--reveal", is_flag=True, help="Include the password.")
@pass_app
def login(app: App, ref: str, reveal: bool) -> None:
    """The stored current login of credential REF (from the store alone; an id is looked up at the provider)."""
    conn_name = app.active_profile()
    from smtpcreds.client import stored_login

    found = stored_login(conn_name, ref, config=app.config())
    app.emit(found.public_dict(reveal=reveal), title=f"{conn_name} {ref}")


from smtpcreds.cli.creds_rotate import audit, rotate  # noqa: E402

creds.add_command(rotate)
creds.add_command(audit)
