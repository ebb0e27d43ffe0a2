"""``smtpcreds webitel``: sign in to the engine ahead of the settings commands.

A root user with two-factor login needs the current one-time code once; the session it opens
is cached in the store, so ``smtpcreds settings ...`` then works without it until it expires.
Only click and the public plugin surface load with this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smtpcreds.plugin import App, pass_app

if TYPE_CHECKING:
    from smtpcreds_webitel.provider import WebitelProvider


def _provider(app: App) -> WebitelProvider:
    from smtpcreds_webitel.provider import WebitelProvider

    return app.provider(WebitelProvider)


@click.group()
def webitel() -> None:
    """Webitel PBX sessions (the profile: --profile, SMTPCREDS_PROFILE or default_profile)."""


@webitel.command()
@click.option("--code", metavar="NNNNNN", help="The current two-factor code (root users with TOTP).")
@pass_app
def login(app: App, code: str | None) -> None:
    """Log in (POST /login) and cache the session for the commands that follow."""
    provider = _provider(app)
    provider.login(code)
    app.emit({"profile": provider.ctx.profile_name, "logged_in": True}) if app.json else app.say(
        f"logged in to {provider.profile.base_url} as {provider.profile.username}; the session is cached")


@webitel.command()
@pass_app
def logout(app: App) -> None:
    """End the cached session at the engine (POST /logout) and forget it."""
    provider = _provider(app)
    provider.logout()
    app.emit({"profile": provider.ctx.profile_name, "logged_in": False}) if app.json else app.say("logged out")
