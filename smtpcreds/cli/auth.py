"""``smtpcreds auth set|clear PROFILE``: a profile's API secret in the keyring.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

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
    from smtpcreds.client import store_backend
    from smtpcreds.redact import register
    from smtpcreds.store import profile_secret_name

    name = _field(app, profile, field)
    config = app.config()
    backend = store_backend(config)
    backend.check(config.allow_insecure_keyring)  # before anyone types a secret the store could not keep
    value = read_secret(f"{profile} {name}")
    register(value)
    secrets = backend.profile_secrets()
    secrets.put(profile_secret_name(profile, name), value)
    where = secrets.where(profile_secret_name(profile, name))
    result = {"profile": profile, "field": name, "stored": True, "keyring": where}
    app.emit(result) if app.json else app.say(f"stored {profile} {name} in {where}")


@auth.command("clear")
@click.argument("profile")
@click.option("--field", help="Secret field (default: the provider's first).")
@pass_app
def auth_clear(app: App, profile: str, field: str | None) -> None:
    """Remove PROFILE's secret from the keyring."""
    from smtpcreds.client import store_backend
    from smtpcreds.store import profile_secret_name

    name = _field(app, profile, field)
    removed = store_backend(app.config()).profile_secrets().delete(profile_secret_name(profile, name))
    if app.json:
        app.emit({"profile": profile, "field": name, "removed": removed})
    else:
        app.say(f"removed {profile} {name} from the keyring" if removed else f"no stored {name} for {profile}")
