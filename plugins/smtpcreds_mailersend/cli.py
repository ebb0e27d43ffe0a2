"""``smtpcreds mailersend``: account users, invites, roles and permissions (docs/cli.md).

Only click and :mod:`smtpcreds.cli.common` load with this module; the client loads inside
each command, so ``smtpcreds --help`` stays fast. Errors are smtpcreds errors: the core maps
them to exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from smtpcreds.plugin import App, pass_app

if TYPE_CHECKING:
    from smtpcreds_mailersend.models import Invite, Page, User
    from smtpcreds_mailersend.provider import MailerSendProvider

USER_COLUMNS = [("ID", "id"), ("EMAIL", "email"), ("ROLE", "role"), ("NAME", "name")]
INVITE_COLUMNS = [("ID", "id"), ("EMAIL", "email"), ("ROLE", "role"), ("CREATED", "created_at")]
page_option = click.option("--page", type=int, default=None, help="Page number (1 and up).")
limit_option = click.option("--limit", type=int, default=None, help="Page size, 10 to 100 (API default 25).")
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


def _provider(app: App) -> MailerSendProvider:
    from smtpcreds_mailersend.provider import MailerSendProvider

    return app.provider(MailerSendProvider)


def _user(u: User) -> dict[str, Any]:
    return u.model_dump(mode="json")


def _invite(i: Invite) -> dict[str, Any]:
    return i.model_dump(mode="json")


def _emit_page(app: App, page: Page[Any], columns: list[tuple[str, str]], what: str) -> None:
    app.emit([item.model_dump(mode="json") for item in page.items], columns=columns, title=what.capitalize())
    if page.has_next and page.page is not None:
        tail = f" of {page.last_page}" if page.last_page else ""
        app.say(f"page {page.page}{tail}; more with --page {page.page + 1}")


def _or_none(values: Sequence[str], clear: bool) -> list[str] | None:
    if clear:
        return []
    return list(values) if values else None


@click.group("mailersend")
def mailersend() -> None:
    """MailerSend account users, invites, roles and permissions."""


# -- users ----------------------------------------------------------------------------------
@mailersend.group("users")
def users() -> None:
    """Account users: list, show, invite, update, delete (token scope users_read / users_full)."""


@users.command("list")
@page_option
@limit_option
@pass_app
def users_list(app: App, page: int | None, limit: int | None) -> None:
    """List account users."""
    _emit_page(app, _provider(app).users.list(page=page, limit=limit), USER_COLUMNS, "users")


@users.command("show")
@click.argument("user_id")
@pass_app
def users_show(app: App, user_id: str) -> None:
    """Show one account user."""
    app.emit(_user(_provider(app).users.get(user_id)), title="User")


@users.command("invite")
@click.argument("email")
@click.option("--role", required=True, help="Admin, Manager, Designer, Accountant or Custom User (any case).")
@click.option("--permission", "permissions", multiple=True, metavar="SLUG",
              help="A permission (repeat; required for Custom User). See `mailersend permissions`.")
@click.option("--template", "templates", multiple=True, metavar="ID", help="A template id (repeat).")
@click.option("--domain", "domains", multiple=True, metavar="ID", help="A domain id (repeat).")
@click.option("--periodic-password-change/--no-periodic-password-change", default=None,
              help="Require the user to change their password periodically.")
@pass_app
def users_invite(app: App, email: str, role: str, permissions: tuple[str, ...], templates: tuple[str, ...],
                 domains: tuple[str, ...], periodic_password_change: bool | None) -> None:
    """Invite EMAIL to the account with a role."""
    invite = _provider(app).users.invite(
        email, role, permissions=permissions, templates=templates, domains=domains,
        requires_periodic_password_change=periodic_password_change,
    )
    app.emit(_invite(invite), title=f"Invited {invite.email}")


@users.command("update")
@click.argument("user_id")
@click.option("--role", default=None, help="New role (any case).")
@click.option("--permission", "permissions", multiple=True, metavar="SLUG",
              help="Replace the permissions with these (repeat).")
@click.option("--template", "templates", multiple=True, metavar="ID", help="Replace the templates (repeat).")
@click.option("--domain", "domains", multiple=True, metavar="ID", help="Replace the domains (repeat).")
@click.option("--clear-templates", is_flag=True, help="Remove every template.")
@click.option("--clear-domains", is_flag=True, help="Remove every domain.")
@click.option("--periodic-password-change/--no-periodic-password-change", default=None,
              help="Require periodic password changes, or stop requiring them.")
@pass_app
def users_update(app: App, user_id: str, role: str | None, permissions: tuple[str, ...],
                 templates: tuple[str, ...], domains: tuple[str, ...], clear_templates: bool,
                 clear_domains: bool, periodic_password_change: bool | None) -> None:
    """Change a user's role, permissions, templates or domains; what you omit is kept."""
    user = _provider(app).users.update(
        user_id, role=role, permissions=list(permissions) if permissions else None,
        templates=_or_none(templates, clear_templates), domains=_or_none(domains, clear_domains),
        requires_periodic_password_change=periodic_password_change,
    )
    app.emit(_user(user), title="Updated user")


@users.command("delete")
@click.argument("user_id")
@yes_option
@pass_app
def users_delete(app: App, user_id: str, yes: bool) -> None:
    """Remove a user from the account."""
    provider = _provider(app)
    app.confirm(f"Remove user {user_id} from the MailerSend account?", yes)
    provider.users.delete(user_id)
    if app.json:
        app.emit({"id": user_id, "deleted": True})
    app.say(f"deleted user {user_id}")


# -- invites --------------------------------------------------------------------------------
@mailersend.group("invites")
def invites() -> None:
    """Pending invitations: list, show, resend, cancel."""


@invites.command("list")
@page_option
@limit_option
@pass_app
def invites_list(app: App, page: int | None, limit: int | None) -> None:
    """List pending invitations."""
    _emit_page(app, _provider(app).invites.list(page=page, limit=limit), INVITE_COLUMNS, "invites")


@invites.command("show")
@click.argument("invite_id")
@pass_app
def invites_show(app: App, invite_id: str) -> None:
    """Show one invitation."""
    app.emit(_invite(_provider(app).invites.get(invite_id)), title="Invite")


@invites.command("resend")
@click.argument("invite_id")
@pass_app
def invites_resend(app: App, invite_id: str) -> None:
    """Send the invitation email again."""
    invite = _provider(app).invites.resend(invite_id)
    if app.json:
        app.emit(_invite(invite))
    app.say(f"resent invite {invite.id} to {invite.email}")


@invites.command("cancel")
@click.argument("invite_id")
@yes_option
@pass_app
def invites_cancel(app: App, invite_id: str, yes: bool) -> None:
    """Cancel an invitation."""
    provider = _provider(app)
    app.confirm(f"Cancel invite {invite_id}?", yes)
    provider.invites.cancel(invite_id)
    if app.json:
        app.emit({"id": invite_id, "cancelled": True})
    app.say(f"cancelled invite {invite_id}")


# -- reference data -------------------------------------------------------------------------
@mailersend.command("roles")
@pass_app
def roles(app: App) -> None:
    """The five account roles (no profile or network needed)."""
    from smtpcreds_mailersend.roles import ROLES

    app.emit([r._asdict() for r in ROLES], columns=[("ROLE", "name"), ("DESCRIPTION", "description")],
             title="MailerSend roles")


@mailersend.command("permissions")
@pass_app
def permissions(app: App) -> None:
    """The 36 permissions a Custom User can hold, by group (no profile or network needed)."""
    from smtpcreds_mailersend.roles import PERMISSIONS

    app.emit([p._asdict() for p in PERMISSIONS],
             columns=[("PERMISSION", "slug"), ("GROUP", "group"), ("DESCRIPTION", "description")],
             title="MailerSend permissions")
