"""``smtpcreds rotations list|resume|abort|retire``.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smtpcreds.cli.common import App, pass_app, seconds_of

if TYPE_CHECKING:
    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.rotation.journal import Journal

__all__ = [
    "abort", "list_", "resume", "retire", "rotations",
]


@click.group()
def rotations() -> None:
    """Unfinished and past rotations: list, resume, abort, retire."""


@rotations.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only unfinished rotations.")
@pass_app
def list_(app: App, only_open: bool) -> None:
    """Rotations recorded in the journal directory (newest last)."""
    from smtpcreds.rotation.journal import journal_store
    from smtpcreds.store.leases import describe

    rows = []
    store = journal_store(app.config())  # (a config every other command rejects is rejected here too)
    for j in store.live() if only_open else store.all():
        if only_open and not j.open:
            continue
        d = j.model_dump(mode="json", exclude={"history", "known_ids"})
        holder = store.holder_of(j.profile, j.name) if j.open else None  # who runs it now, if anyone
        d["holder"] = describe(holder) if holder and holder.get("rotation_id") == j.id else None
        rows.append(d)
    app.emit(rows, columns=[("ID", "id"), ("PROFILE", "profile"), ("CREDENTIAL", "name"), ("OLD ID", "ref"),
                            ("NEW ID", "new_id"),
                            ("STRATEGY", "strategy"), ("NEXT STEP", "next"), ("STATUS", "status"),
                            ("HOLDER", "holder"), ("ERROR", "error")], title="rotations")


def _rotator(app: App, rotation_id: str, rollout_timeout: float | None = None) -> tuple[Rotator, Journal]:
    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.rotation.journal import journal_store

    journals = journal_store(app.config())  # the config is validated before the journal is read
    j = journals.load(rotation_id)
    return Rotator(app.connect(j.profile), journals=journals, consumer=app.connect,
                   rollout_timeout=rollout_timeout), j


@rotations.command("resume")
@click.argument("rotation_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Every open rotation whose lease is free (for cron).")
@click.option("--force-retire", is_flag=True,
              help="Retire the old login without waiting for the hosts that bind it, and (regenerate) even if "
              "it was used after the push began.")
@click.option("--rollout-timeout", metavar="DURATION",
              help="How long to wait for the hosts that bind the credential (90s, 15m; default: [rotation] "
              "rollout_timeout, else 15m).")
@pass_app
def resume(app: App, rotation_id: str | None, all_: bool, force_retire: bool, rollout_timeout: str | None) -> None:
    """Roll an unfinished rotation forward, reusing its pending secret; a rotation stopped at
    rollout checks the hosts again (waiting up to the timeout) and retires the old login once all
    hold the new one."""
    if all_ == bool(rotation_id):
        raise click.UsageError("give ROTATION_ID or --all (not both)")
    timeout = seconds_of(rollout_timeout, "--rollout-timeout")
    if all_:
        _resume_all(app, force_retire, timeout)
        return
    assert rotation_id is not None
    rotator, j = _rotator(app, rotation_id, timeout)
    if force_retire and not j.force_retire:
        j.force_retire = True
        rotator.journals.save(j)
    result = rotator.run(j)
    data = result.model_dump(mode="json")
    app.emit(data) if app.json else app.say(
        f"rotation {result.rotation_id}: {result.status} (next step: {result.step}) "
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


def _resume_all(app: App, force_retire: bool = False, rollout_timeout: float | None = None) -> None:
    """Resume every open rotation not held by a running process, their rollouts waited for
    together; exit 8 if any stays open."""
    from smtpcreds.client import Connection
    from smtpcreds.rotation.bulk import resume_many
    from smtpcreds.rotation.journal import journal_store

    cfg = app.config()
    journals = journal_store(cfg)
    open_journals = [j for j in journals.live() if j.open]

    def connect(profile: str) -> Connection:
        return Connection(profile, cfg.profile(profile), config=cfg)

    results = resume_many(journals, open_journals, connect, config=cfg, rollout_timeout=rollout_timeout,
                          force_retire=force_retire)
    if app.json:
        app.emit(results)
    else:
        for r in results:
            app.say(f"rotation {r['rotation_id']}: {r['status']}" + (f" ({r['message']})" if r["message"] else ""))
        app.say(f"{sum(1 for r in results if r['status'] == 'done')} of {len(results)} open rotations resumed")
    if any(r["status"] != "done" for r in results):
        click.get_current_context().exit(8)
