"""``smtpcreds creds rotate`` and ``smtpcreds creds audit``.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from smtpcreds.cli.common import App, pass_app, profile_option, seconds_of

if TYPE_CHECKING:
    from smtpcreds.rotation.bulk import Item, ItemResult
    from smtpcreds.rotation.names import SameNames

__all__ = [
    "audit", "rotate",
]


@click.command()
@profile_option
@click.argument("refs", nargs=-1, metavar="REF...")
@click.option("--all", "all_", is_flag=True, help="Every credential of the issuer profile(s).")
@click.option("--issuer", "issuers", multiple=True, metavar="PROFILE",
              help="With --all: issuer profiles to cover (repeatable; default: the active profile).")
@click.option("--scope", "-s", metavar="S", help="Scope (domain id, subaccount); default from the profile.")
@click.option("--push", "push", multiple=True, metavar="PROFILE",
              help="Also push to this unbound consumer profile (repeatable); bound consumers are pushed anyway.")
@click.option("--no-push", is_flag=True, help="Do not push to the consumers bound to the rotated credentials.")
@click.option("--no-verify", is_flag=True, help="Skip the SMTP login check (not recommended).")
@click.option("--keep-old", is_flag=True, help="Replace strategy: keep the old login until 'rotations retire'.")
@click.option("--strategy", type=click.Choice(["in-place", "replace", "regenerate"]),
              help="Default: in-place when the provider can set passwords, regenerate when it alternates "
              "keys (SES), else replace.")
@click.option("--force-retire", is_flag=True,
              help="Retire the old login without waiting for the hosts that bind it, and (regenerate) even if "
              "it was used after the push began.")
@click.option("--rollout-timeout", metavar="DURATION",
              help="How long to wait for every host that binds a credential to hold its new login before the "
              "old one is retired (90s, 15m, 1h; default: [rotation] rollout_timeout, else 15m).")
@click.option("--allow-gap", is_flag=True,
              help="In place: rotate a credential bound on other hosts anyway (they send with a dead password "
              "until their agents pull the new one).")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing (read-only requests only).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Rotations at once.")
@click.option("--older-than", metavar="AGE", help="Only secrets stored longer ago than AGE (90d, 12h, 2w).")
@click.option("--metrics-textfile", metavar="PATH", type=click.Path(dir_okay=False),
              help="Afterwards, whatever the outcome, rewrite this 'smtpcreds metrics --textfile' file.")
@pass_app
def rotate(app: App, refs: tuple[str, ...], all_: bool, issuers: tuple[str, ...], scope: str | None,
           push: tuple[str, ...], no_push: bool, no_verify: bool, keep_old: bool, strategy: str | None,
           dry_run: bool, concurrency: int, older_than: str | None, force_retire: bool,
           metrics_textfile: str | None, rollout_timeout: str | None, allow_gap: bool) -> None:
    """Rotate passwords: new secret in the store, set, verify by SMTP, push, promote, retire.

    REF is a credential's name (or the id of its current login). The new login goes to every
    consumer bound to the credential (login = "<issuer>/<name>" in the consumer's profile) and
    to each --push PROFILE. Before the old login is retired, every host whose agent reports a
    consumer bound to it must hold the new one (the rollout step). --all rotates every credential
    whose login the store holds (one made elsewhere, or an API key that manages the account, is
    left out and named).
    """
    from smtpcreds.rotation import bulk
    from smtpcreds.rotation.summary import lines, summarize

    if all_ == bool(refs):
        raise click.UsageError("give REF... or --all (not both)")
    if metrics_textfile:  # (observability) refreshed when the command ends, whatever its outcome
        from smtpcreds.cli.metrics import refresh_after

        refresh_after(app, metrics_textfile)
    if issuers and not all_:
        raise click.UsageError("--issuer goes with --all")
    age = None
    if older_than:
        try:
            age = bulk.parse_age(older_than)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--older-than") from None
    timeout = seconds_of(rollout_timeout, "--rollout-timeout")
    items, names, unmanaged = _select(app, refs, all_, issuers, scope, age)
    if dry_run:
        _dry_run(app, items, list(push), not no_push, not no_verify, keep_old, strategy)
        return
    if no_verify:
        app.warn("--no-verify: the new secrets will not be checked with an SMTP login")
    outcomes = _run(app, items, names, list(push), not no_push, not no_verify, keep_old, strategy, concurrency,
                    force_retire, allow_gap=allow_gap, rollout_timeout=timeout)
    failed = [o for o in outcomes if not o.ok]
    skipped = None
    if no_push:
        from smtpcreds.bindings import Bindings

        skipped = Bindings.of(app.config())
    summary = summarize(outcomes, skipped=skipped, unmanaged=unmanaged)
    out, err = lines(summary)
    if app.json:
        app.emit(summary)
        err = [line for line in err if line.startswith("resume with:")]
    else:
        for line in out:
            app.say(line)
    for line in err:
        click.echo(line, err=True)
    if failed:
        click.get_current_context().exit(8 if summary["incomplete_rotations"] else _worst_exit(failed))


def _worst_exit(failed: list[ItemResult]) -> int:
    codes = [o.error.exit_code for o in failed if o.error is not None]
    return max(codes) if codes else 8


def _select(app: App, refs: tuple[str, ...], all_: bool, issuers: tuple[str, ...], scope: str | None,
            age: Any) -> tuple[list[Item], SameNames, list[str]]:
    from smtpcreds.rotation.bulk import Item, managed, older_than
    from smtpcreds.rotation.names import SameNames

    items: list[Item] = []
    names = SameNames()
    unmanaged: list[str] = []
    profiles = list(issuers) or [app.active_profile()]
    for profile in profiles:
        conn = app.connect(profile)
        if all_:
            creds = list(conn.credentials.list(scope))
            names.seed(profile, scope, creds)  # the batch need not list again
            picked, left_out = managed(conn, creds, age)
            unmanaged += [f"{profile}/{name}" for name in left_out]
            items += [Item(profile, c.id, scope, c.credential) for c in picked]  # by id: found without a look-up
        else:
            chosen = list(refs) if age is None else older_than(conn, refs, age)
            items += [Item(profile, ref, scope) for ref in chosen]
    return items, names, unmanaged


def _dry_run(app: App, items: list[Item], push: list[str], push_bound: bool, verify: bool, keep_old: bool,
             strategy: str | None) -> None:
    from smtpcreds.bindings import Bindings, listing, preflight
    from smtpcreds.rotation.engine import preview

    bindings = Bindings.of(app.config())
    preflight(app.config(), [(i.profile, i.ref) for i in items], push,
              lambda issuer: None if any(i.scope for i in items) else listing(app.connect(issuer)))
    plan = []
    for item in items:
        conn = app.connect(item.profile)
        cred = conn.credentials.get(item.ref, item.scope)
        name = cred.credential or cred.id
        targets = bindings.consumers_of(item.profile, cred.id, name) if push_bound else []
        targets += [consumer for consumer in push if consumer not in targets]
        chosen, steps = preview(conn, name, push=targets, verify=verify, keep_old=keep_old, strategy=strategy)
        plan.append({"profile": item.profile, "credential": name, "id": cred.id, "provider": conn.profile.provider,
                     "strategy": chosen, "push": targets, "steps": steps})
    if app.json:
        app.emit({"dry_run": True, "plan": plan})
    else:
        app.emit(plan, columns=[("PROFILE", "profile"), ("CREDENTIAL", "credential"),
                                ("STRATEGY", "strategy"), ("PUSH", "push")], title="rotation plan (dry run)")


def _run(app: App, items: list[Item], names: SameNames, push: list[str],
         push_bound: bool, verify: bool, keep_old: bool, strategy: str | None,
         concurrency: int, force_retire: bool = False, *, allow_gap: bool = False,
         rollout_timeout: float | None = None) -> list[ItemResult]:
    from smtpcreds.client import Connection
    from smtpcreds.rotation.bulk import rotate_many

    cfg = app.config()

    def connect(profile: str) -> Connection:
        return Connection(profile, cfg.profile(profile), config=cfg)

    show_progress = not app.json and sys.stderr.isatty() and len(items) > 1
    if not show_progress:
        return rotate_many(items, connect, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                           concurrency=concurrency, names=names, push_bound=push_bound, config=cfg,
                           force_retire=force_retire, allow_gap=allow_gap, rollout_timeout=rollout_timeout)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("rotating", total=len(items))
        return rotate_many(items, connect, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                           concurrency=concurrency, names=names, force_retire=force_retire,
                           on_done=lambda _o: progress.advance(task), push_bound=push_bound, config=cfg,
                           allow_gap=allow_gap, rollout_timeout=rollout_timeout)


@click.command()
@click.option("--profile", "profiles", multiple=True, metavar="P",
              help="Issuer profile to audit (repeatable; default: every issuer profile).")
@pass_app
def audit(app: App, profiles: tuple[str, ...]) -> None:
    """Every credential: secret stored?, age, last use, bound consumers in sync or not, open rotations."""
    from smtpcreds.drift import audit as run_audit

    cfg = app.config()
    report = run_audit(list(profiles), config=cfg, connect=lambda name: app.connect(name))
    for problem in report.problems:
        app.warn(problem)
    rows = [c.model_dump(mode="json") for c in report.credentials]
    if app.json:
        app.emit(rows)
        return
    for row in rows:
        row["consumers"] = "; ".join(_consumer_text(c) for c in row["consumers"]) or "-"
        row["unbound_pushes"] = ", ".join(row["unbound_pushes"]) or "-"
    app.emit(rows, columns=[("PROFILE", "profile"), ("ID", "id"), ("NAME", "name"),
                            ("STORED", "secret_stored"), ("AGE (d)", "secret_age_days"),
                            ("LAST USED", "last_used_at"), ("CONSUMERS", "consumers"),
                            ("PUSHED UNBOUND", "unbound_pushes"), ("OPEN ROTATIONS", "open_rotations")],
             title="credential audit")


def _consumer_text(c: dict[str, Any]) -> str:
    text = f"{c['consumer']}: {c['state']}"
    if c["state"] == "stale" and c["holds"]:
        text += f" (holds {c['holds']})"
    elif c["state"] == "unknown" and c["last_push"]:
        text += f" (last pushed by {c['last_push']} at {c['last_push_at']})"
    elif c["detail"]:
        text += f" ({c['detail']})"
    return text
