"""``smtpcreds providers`` and ``smtpcreds profiles``."""

from __future__ import annotations

from typing import Any

import click

from smtpcreds.cli.common import App, pass_app


def capability_matrix() -> list[dict[str, Any]]:
    """One row per installed provider, from the same data the façade checks."""
    from smtpcreds.capabilities import Capability, roles
    from smtpcreds.plugins import plugins

    rows = []
    for name, cls in plugins().providers.items():
        caps = cls.capabilities
        rows.append({
            "name": name,
            "roles": roles(caps),
            "description": cls.description,
            "emulator": cls.emulator is not None,
            "multi_login": bool(getattr(cls.profile_model, "multi_login", False)),
            "capabilities": {c.value: c in caps for c in Capability},
        })
    return rows


@click.command()
@pass_app
def providers(app: App) -> None:
    """Installed providers and their capability matrix."""
    from smtpcreds.capabilities import Capability

    rows = capability_matrix()
    if app.json:
        app.emit(rows)
        return
    table = [{"provider": r["name"], "roles": "/".join(r["roles"]),
              **{c.value: "✓" if r["capabilities"][c.value] else "" for c in Capability},
              "multi_login": "✓" if r["multi_login"] else ""} for r in rows]
    app.emit(table, columns=[("PROVIDER", "provider"), ("ROLES", "roles")]
             + [(c.value, c.value) for c in Capability] + [("multi-login", "multi_login")])


@click.command()
@pass_app
def profiles(app: App) -> None:
    """Configured profiles (secrets masked)."""
    cfg = app.config()
    try:
        active: str | None = cfg.active_name(app.profile_name)
    except Exception:
        active = None
    rows = []
    for name, prof in sorted(cfg.profiles.items()):
        data = prof.model_dump(mode="json")
        rows.append({"name": name, "active": name == active, **data})
    if app.json:
        app.emit(rows)
    else:
        for row in rows:
            login = row.get("login")
            row["login"] = ", ".join(login) if isinstance(login, list) else (login or "")
        app.emit(rows, columns=[("NAME", "name"), ("ACTIVE", "active"), ("PROVIDER", "provider"),
                                ("BASE URL", "base_url"), ("LOGIN", "login")])
