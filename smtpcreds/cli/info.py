"""``smtpcreds providers`` and ``smtpcreds profiles``.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

from typing import Any

import click

from smtpcreds.cli.common import App, pass_app

__all__ = [
    "SHORT", "capability_matrix", "profiles", "providers", "render_matrix", "short_names",
]


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


#: Column headings of the capability matrix (a legend under the table spells them out), so the
#: table stays narrow however many providers are installed: one row per provider.
SHORT = {
    "list": "ls", "create": "cr", "update": "up", "delete": "rm", "set-password": "pw",
    "regenerate-password": "rg", "multi-user": "mu", "settings-show": "ss", "settings-set": "st",
    "settings-delete": "sd", "settings-test": "tt",
}


def short_names(capabilities: list[str]) -> dict[str, str]:
    """A unique heading of at most 3 characters per capability (SHORT, else initials)."""
    out: dict[str, str] = {}
    for cap in capabilities:
        code = SHORT.get(cap) or "".join(part[0] for part in cap.split("-"))[:3]
        base, n = code, 1
        while code in out.values():
            code, n = f"{base[:2]}{n}", n + 1
        out[cap] = code
    return out


def render_matrix(rows: list[dict[str, Any]], width: int = 80) -> list[str]:
    """The human table of ``smtpcreds providers``: providers down, capabilities across, legend below."""
    import textwrap

    caps = [*rows[0]["capabilities"], "multi-login"] if rows else []
    codes = short_names(caps)
    name_w = max([len("PROVIDER"), *(len(r["name"]) for r in rows)])
    roles = {r["name"]: "/".join(r["roles"]) for r in rows}
    role_w = max([len("ROLES"), *(len(v) for v in roles.values())])
    cell = max([2, *(len(c) for c in codes.values())])

    def line(name: str, role: str, cells: list[str]) -> str:
        return f"{name:<{name_w}}  {role:<{role_w}}  {' '.join(f'{c:<{cell}}' for c in cells)}".rstrip()

    out = [line("PROVIDER", "ROLES", [codes[c] for c in caps])]
    for r in rows:
        out.append(line(r["name"], roles[r["name"]],
                        ["✓" if r["capabilities"].get(c, c == "multi-login" and r["multi_login"]) else "·"
                         for c in caps]))
    # a no-break space inside each "code name" pair: a pair never straddles two lines
    legend = " · ".join(f"{codes[c]}\N{NO-BREAK SPACE}{c}" for c in caps)
    out.append("")
    out += [text.replace("\N{NO-BREAK SPACE}", " ") for text in
            textwrap.wrap(legend, width=max(width, 40), break_long_words=False, break_on_hyphens=False)]
    return out


@click.command()
@pass_app
def providers(app: App) -> None:
    """Installed providers and their capability matrix."""
    rows = capability_matrix()
    if app.json:
        app.emit(rows)
        return
    for text in render_matrix(rows):
        click.echo(text)


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
