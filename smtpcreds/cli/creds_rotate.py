"""``smtpcreds creds rotate`` and ``smtpcreds creds audit``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from smtpcreds.cli.common import App, pass_app, profile_option

if TYPE_CHECKING:
    from smtpcreds.rotation.bulk import Item, Outcome


@click.command()
@profile_option
@click.argument("refs", nargs=-1, metavar="REF...")
@click.option("--all", "all_", is_flag=True, help="Every credential of the issuer profile(s).")
@click.option("--issuer", "issuers", multiple=True, metavar="PROFILE",
              help="With --all: issuer profiles to cover (repeatable; default: the active profile).")
@click.option("--scope", "-s", metavar="S", help="Scope (domain id, subaccount); default from the profile.")
@click.option("--push", "push", multiple=True, metavar="PROFILE", help="Consumer profile to update (repeatable).")
@click.option("--no-verify", is_flag=True, help="Skip the SMTP login check (not recommended).")
@click.option("--keep-old", is_flag=True, help="Replace strategy: keep the old login until 'rotations retire'.")
@click.option("--strategy", type=click.Choice(["in-place", "replace"]),
              help="Default: in-place when the provider can set passwords, else replace.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing (read-only requests only).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Rotations at once.")
@click.option("--older-than", metavar="AGE", help="Only secrets stored longer ago than AGE (90d, 12h, 2w).")
@pass_app
def rotate(app: App, refs: tuple[str, ...], all_: bool, issuers: tuple[str, ...], scope: str | None,
           push: tuple[str, ...], no_verify: bool, keep_old: bool, strategy: str | None, dry_run: bool,
           concurrency: int, older_than: str | None) -> None:
    """Rotate passwords: new secret in the keyring, set, verify by SMTP, push, promote, retire."""
    from smtpcreds.rotation import bulk

    if all_ == bool(refs):
        raise click.UsageError("give REF... or --all (not both)")
    if issuers and not all_:
        raise click.UsageError("--issuer goes with --all")
    age = None
    if older_than:
        try:
            age = bulk.parse_age(older_than)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--older-than") from None
    items, known = _select(app, refs, all_, issuers, scope, age)
    if dry_run:
        _dry_run(app, items, list(push), not no_verify, keep_old, strategy)
        return
    if no_verify:
        app.warn("--no-verify: the new secrets will not be checked with an SMTP login")
    outcomes = _run(app, items, known, list(push), not no_verify, keep_old, strategy, concurrency)
    failed = [o for o in outcomes if not o.ok]
    incomplete = sorted({str(o.to_dict().get("rotation_id")) for o in failed if o.to_dict().get("rotation_id")})
    summary = {"total": len(outcomes), "done": len(outcomes) - len(failed), "failed": len(failed),
               "incomplete_rotations": incomplete, "results": [o.to_dict() for o in outcomes]}
    if app.json:
        app.emit(summary)
    else:
        for o in outcomes:
            d = o.to_dict()
            if o.ok:
                app.say(f"rotated {d['profile']}/{d['credential']} -> {d['new_credential']} "
                        f"({d['strategy']}; verified: {'yes' if d['verified'] else 'no'}; "
                        f"pushed: {', '.join(d['pushed']) or '-'})")  # type: ignore[arg-type]
            else:
                err: Any = d.get("error") or {}
                click.echo(f"error: {d.get('profile')}/{d.get('credential')}: "
                           f"{err.get('message') if isinstance(err, dict) else d.get('message')}", err=True)
        app.say(f"{summary['done']} of {summary['total']} rotated")
    if failed:
        if incomplete:
            click.echo("resume with: " + "; ".join(f"smtpcreds rotations resume {i}" for i in incomplete), err=True)
        click.get_current_context().exit(8 if incomplete else _worst_exit(failed))


def _worst_exit(failed: list[Outcome]) -> int:
    codes = [o.error.exit_code for o in failed if o.error is not None]
    return max(codes) if codes else 8


def _select(app: App, refs: tuple[str, ...], all_: bool, issuers: tuple[str, ...], scope: str | None,
            age: Any) -> tuple[list[Item], dict[tuple[str, str], set[str]]]:
    from smtpcreds.rotation.bulk import Item, older_than

    items: list[Item] = []
    known: dict[tuple[str, str], set[str]] = {}
    profiles = list(issuers) or [app.active_profile()]
    for profile in profiles:
        conn = app.connect(profile)
        if all_:
            creds = list(conn.credentials.list(scope))
            by_name: dict[str, set[str]] = {}
            for c in creds:
                by_name.setdefault(c.name, set()).add(c.id)
            chosen = [c.id for c in creds]
            for c in creds:
                known[(profile, c.id)] = by_name[c.name]
        else:
            chosen = list(refs)
        if age is not None:
            chosen = older_than(conn, chosen, age)
        items += [Item(profile, ref, scope) for ref in chosen]
    return items, known


def _dry_run(app: App, items: list[Item], push: list[str], verify: bool, keep_old: bool,
             strategy: str | None) -> None:
    from smtpcreds.rotation.engine import choose_strategy

    plan = []
    for item in items:
        conn = app.connect(item.profile)
        chosen = choose_strategy(conn, strategy)
        steps = ["plan", "create_pending", "set" if chosen == "in-place" else "set (implicit)",
                 "verify" if verify else "verify (skipped)", "push" if push else "push (none)", "promote",
                 "retire (kept: --keep-old)" if keep_old and chosen == "replace" else "retire"]
        plan.append({"profile": item.profile, "credential": item.ref, "provider": conn.profile.provider,
                     "strategy": chosen, "push": push, "steps": steps})
    if app.json:
        app.emit({"dry_run": True, "plan": plan})
    else:
        app.emit(plan, columns=[("PROFILE", "profile"), ("CREDENTIAL", "credential"),
                                ("STRATEGY", "strategy"), ("PUSH", "push")], title="rotation plan (dry run)")


def _run(app: App, items: list[Item], known: dict[tuple[str, str], set[str]], push: list[str],
         verify: bool, keep_old: bool, strategy: str | None, concurrency: int) -> list[Outcome]:
    from smtpcreds.client import Connection
    from smtpcreds.rotation.bulk import rotate_many

    cfg = app.config()

    def connect(profile: str) -> Connection:
        return Connection(profile, cfg.profile(profile), config=cfg, extra=app.extra)

    show_progress = not app.json and sys.stderr.isatty() and len(items) > 1
    if not show_progress:
        return rotate_many(items, connect, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                           concurrency=concurrency, known_ids=known)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("rotating", total=len(items))
        return rotate_many(items, connect, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                           concurrency=concurrency, known_ids=known,
                           on_done=lambda _o: progress.advance(task))


@click.command()
@click.option("--profile", "profiles", multiple=True, metavar="P",
              help="Issuer profile to audit (repeatable; default: every issuer profile).")
@pass_app
def audit(app: App, profiles: tuple[str, ...]) -> None:
    """Every credential: secret stored?, its age, last use, consumers, unfinished rotations."""
    from smtpcreds.capabilities import Capability
    from smtpcreds.models import utcnow
    from smtpcreds.rotation.journal import journal_store

    cfg = app.config()
    names = list(profiles) or [
        n for n, p in sorted(cfg.profiles.items())
        if Capability.LIST in _caps(p.provider)
    ]
    journals = journal_store().all()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for name in names:
        conn = app.connect(name)
        for cred in conn.credentials.list():
            login = conn.store.get(cred.id)
            pushed: set[str] = set()
            open_ids = []
            for j in journals:
                if j.profile != name or cred.id not in (j.ref, j.target):
                    continue
                if j.status == "done" and j.target == cred.id:
                    pushed.update(j.pushed)
                if j.open:
                    open_ids.append(j.id)
            rows.append({
                "profile": name, "provider": conn.profile.provider, "id": cred.id, "name": cred.name,
                "secret_stored": login is not None,
                "secret_age_days": round((now - login.created_at).total_seconds() / 86400, 1) if login else None,
                "last_used_at": cred.last_used_at.isoformat() if cred.last_used_at else None,
                "consumers": sorted(pushed), "open_rotations": open_ids,
            })
    app.emit(rows, columns=[("PROFILE", "profile"), ("ID", "id"), ("NAME", "name"),
                            ("STORED", "secret_stored"), ("AGE (d)", "secret_age_days"),
                            ("LAST USED", "last_used_at"), ("CONSUMERS", "consumers"),
                            ("OPEN ROTATIONS", "open_rotations")], title="credential audit")


def _caps(provider: str) -> frozenset[Any]:
    from smtpcreds.plugins import plugins

    try:
        return plugins().provider(provider).capabilities
    except Exception:
        return frozenset()
