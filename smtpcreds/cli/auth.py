"""``smtpcreds auth set|clear PROFILE``: a profile's API secret in the keyring."""

from __future__ import annotations

import click

from smtpcreds.cli.common import App, pass_app, read_secret

__all__ = [
    "auth", "auth_clear", "auth_set",
]


def _field(app: App, profile: str, field: str | None) -> str:
    from smtpcreds.errors import ConfigError

    prof = app.config().profile(profile)
    fields = prof.secret_fields
    if not fields:
        raise ConfigError(f"profile {profile!r} ({prof.provider}) has no secret fields")
    if field is None:
        return fields[0]
    if field not in fields:
        raise ConfigError(f"{field!r} is not a secret field of {prof.provider} (choose from: {', '.join(fields)})")
    return field


@click.group()
def auth() -> None:
    """Store or remove a profile's API secret in the keyring."""


@auth.command("set")
@click.argument("profile")
@click.option("--field", help="Secret field (default: the provider's first, e.g. api_key).")
@pass_app
def auth_set(app: App, profile: str, field: str | None) -> None:
    """Store PROFILE's secret: prompted on a terminal, else read from stdin."""
    from smtpcreds import secretstore
    from smtpcreds.redact import register

    name = _field(app, profile, field)
    allow = app.config().allow_insecure_keyring
    secretstore.check_profile_secret_store(allow_insecure=allow)
    value = read_secret(f"{profile} {name}")
    register(value)
    where = secretstore.set_profile_secret(profile, name, value, allow_insecure=allow)
    result = {"profile": profile, "field": name, "stored": True, "keyring": where}
    app.emit(result) if app.json else app.say(f"stored {profile} {name} in {where}")


@auth.command("clear")
@click.argument("profile")
@click.option("--field", help="Secret field (default: the provider's first).")
@pass_app
def auth_clear(app: App, profile: str, field: str | None) -> None:
    """Remove PROFILE's secret from the keyring."""
    from smtpcreds import secretstore

    name = _field(app, profile, field)
    removed = secretstore.delete_profile_secret(profile, name)
    if app.json:
        app.emit({"profile": profile, "field": name, "removed": removed})
    else:
        app.say(f"removed {profile} {name} from the keyring" if removed else f"no stored {name} for {profile}")
