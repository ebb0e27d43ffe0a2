"""``smtpcreds hosts``, ``hosts forget HOST``, ``hosts policy [HOST]``: the fleet's host reports.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

from typing import Any

import click

from smtpcreds.cli.common import App, pass_app

__all__ = [
    "forget", "hosts", "policy",
]


@click.group(invoke_without_command=True)
@click.pass_context
def hosts(ctx: click.Context) -> None:
    """Every host whose agent reports to the store: last seen, interval, and each consumer in sync,
    stale, failed (with the error) or silent (no report for more than three intervals)."""
    if ctx.invoked_subcommand is not None:
        return
    from smtpcreds.fleet import hosts as read_hosts

    app = ctx.ensure_object(App)
    views = read_hosts(app.config())
    rows = [v.model_dump(mode="json") for v in views]
    if app.json:
        app.emit(rows)
        return
    for row in rows:
        row["consumers"] = "; ".join(_consumer_text(c) for c in row["consumers"]) or "-"
        row["last_seen"] = f"{row['last_seen']} ({row['age_seconds']:g}s ago)"
    app.emit(rows, columns=[("HOST", "host"), ("LAST SEEN", "last_seen"), ("INTERVAL (s)", "interval"),
                            ("AGENT", "agent_version"), ("CONSUMERS", "consumers")], title="hosts")


def _consumer_text(c: dict[str, Any]) -> str:
    text = f"{c['consumer']} ({c['login']}): {c['state']}"
    if c["state"] in ("failed", "stale") and c["error"]:
        text += f" ({c['error']})"
    return text


@hosts.command("forget")
@click.argument("host")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def forget(app: App, host: str, yes: bool) -> None:
    """Remove a decommissioned host's report, so rollouts no longer wait for it (its agent, if it
    still runs, reports again at its next cycle)."""
    from smtpcreds.fleet import forget as run_forget

    cfg = app.config()
    app.confirm(f"Forget host {host}?", yes)
    run_forget(host, cfg)
    app.emit({"host": host, "forgotten": True}) if app.json else app.say(f"host {host} forgotten")


@hosts.command("policy")
@click.argument("host", required=False)
@click.option("--rotator", is_flag=True, help="The rotator's policy instead of an agent's.")
@pass_app
def policy(app: App, host: str | None, rotator: bool) -> None:
    """Print the OpenBao/Vault policy (HCL) of HOST's agent, or with --rotator of a host that
    rotates, for the configured [store] mount and prefix."""
    from smtpcreds.config import AgentTable
    from smtpcreds.fleet import agent_policy, policies_for, rotator_policy

    if rotator == bool(host):
        raise click.UsageError("give HOST or --rotator (not both)")
    mount, prefix = policies_for(app.config())
    if host is not None:
        try:
            AgentTable(host=host)
        except ValueError as e:
            raise click.BadParameter(str(e).splitlines()[-1], param_hint="HOST") from None
        text = agent_policy(host, mount=mount, prefix=prefix)
    else:
        text = rotator_policy(mount=mount, prefix=prefix)
    app.emit({"policy": text}) if app.json else click.echo(text, nl=False)
