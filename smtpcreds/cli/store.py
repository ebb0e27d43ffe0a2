"""``smtpcreds store migrate --to vault|keyring``.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

import click

from smtpcreds.cli.common import App, pass_app


@click.group()
def store() -> None:
    """The store of logins, API secrets, journals and leases (keyring or vault)."""


@store.command("migrate")
@click.option("--to", "to", type=click.Choice(["vault", "keyring"]), required=True,
              help="The backend to copy into (from the configured one).")
@pass_app
def migrate(app: App, to: str) -> None:
    """Copy every login record and profile secret into another store, verified; idempotent."""
    from smtpcreds.migration import migrate as run

    rows = run(app.config(), to)
    app.emit(rows, columns=[("PROFILE", "profile"), ("ITEM", "item"), ("STATUS", "status")],
             title=f"store migrate --to {to}")
    if not app.json:
        copied = sum(1 for r in rows if r["status"] == "copied")
        app.say(f"{copied} copied, {len(rows) - copied} already there; now set [store] backend = \"{to}\"")
