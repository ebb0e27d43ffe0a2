"""``smtpcreds rotations list|resume|abort|retire``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smtpcreds.cli.common import App, pass_app

if TYPE_CHECKING:
    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.rotation.journal import Journal


@click.group()
def rotations() -> None:
    """Unfinished and past rotations: list, resume, abort, retire."""


@rotations.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only unfinished rotations.")
@pass_app
def list_(app: App, only_open: bool) -> None:
    """Rotations recorded in the journal directory (newest last)."""
    from smtpcreds.rotation.journal import journal_store

    rows = []
    store = journal_store()
    for j in store.live() if only_open else store.all():
        if only_open and not j.open:
            continue
        d = j.model_dump(mode="json", exclude={"history", "known_ids"})
        rows.append(d)
    app.emit(rows, columns=[("ID", "id"), ("PROFILE", "profile"), ("CREDENTIAL", "ref"), ("NEW", "new_id"),
                            ("STRATEGY", "strategy"), ("STEP", "step"), ("STATUS", "status"),
                            ("ERROR", "error")], title="rotations")


def _rotator(app: App, rotation_id: str) -> tuple[Rotator, Journal]:
    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.rotation.journal import journal_store

    journals = journal_store()
    j = journals.load(rotation_id)
    return Rotator(app.connect(j.profile), journals=journals, consumer=app.connect), j


@rotations.command("resume")
@click.argument("rotation_id")
@pass_app
def resume(app: App, rotation_id: str) -> None:
    """Roll an unfinished rotation forward, reusing its pending secret."""
    rotator, j = _rotator(app, rotation_id)
    result = rotator.run(j)
    data = result.model_dump(mode="json")
    app.emit(data) if app.json else app.say(
        f"rotation {result.rotation_id}: {result.status} at {result.step} "
        f"({result.credential} -> {result.new_credential})")


@rotations.command("abort")
@click.argument("rotation_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def abort(app: App, rotation_id: str, yes: bool) -> None:
    """Roll back what can be rolled back (e.g. delete a created-but-unpromoted login)."""
    rotator, j = _rotator(app, rotation_id)
    app.confirm(f"Abort rotation {rotation_id} of {j.ref}?", yes)
    actions = rotator.abort(j)
    if app.json:
        app.emit({"rotation_id": rotation_id, "status": "aborted", "actions": actions})
    else:
        for line in actions or ["nothing to undo"]:
            app.say(line)
        app.say(f"rotation {rotation_id} aborted")


@rotations.command("retire")
@click.argument("rotation_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def retire(app: App, rotation_id: str, yes: bool) -> None:
    """Delete the old login kept by a --keep-old rotation."""
    rotator, j = _rotator(app, rotation_id)
    app.confirm(f"Delete the old login {j.ref}?", yes)
    result = rotator.retire(j)
    app.emit(result.model_dump(mode="json")) if app.json else app.say(
        f"old login {result.credential} {'retired' if result.retired else 'not retired'}")
