"""``smtpcreds metrics``: the Prometheus exposition on stdout, or atomically in a textfile.

Also :func:`refresh_after`, which ``creds rotate --metrics-textfile PATH`` uses to rewrite the
textfile once the command has run, whatever its outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smtpcreds.cli.common import App, pass_app

if TYPE_CHECKING:
    from smtpcreds.metrics.snapshot import Snapshot

__all__ = [
    "metrics", "refresh_after", "write",
]


@click.command()
@click.option("--textfile", metavar="PATH", type=click.Path(dir_okay=False),
              help="Write to PATH atomically (node_exporter's textfile collector: a *.prom file) "
              "instead of stdout.")
@click.option("--with-provider", is_flag=True,
              help="Also list each issuer's credentials at the provider (adds last use and credentials "
              "smtpcreds has not seen yet).")
@pass_app
def metrics(app: App, textfile: str | None, with_provider: bool) -> None:
    """Prometheus metrics: login ages, open rotations, consumers in sync. No provider request by
    default: it reads the rotation journals, the bindings, the store and the local consumers.

    With --json, the same rows as one JSON document (prometheus-client not needed).
    """
    from smtpcreds.metrics.collect import collect

    if app.json and textfile is None:
        app.emit(collect(app.config(), with_provider=with_provider).to_dict())
        return
    from smtpcreds.metrics.exposition import render, require

    require()
    snapshot = collect(app.config(), with_provider=with_provider)
    if textfile is None:
        click.echo(render(snapshot), nl=False)
        return
    write(app, textfile, snapshot)
    if app.json:
        app.emit(snapshot.to_dict())


def write(app: App, path: str, snapshot: Snapshot | None = None) -> None:
    """Collect (unless given) and write the textfile; ConfigError (exit 2) when it cannot be written."""
    from smtpcreds.errors import ConfigError
    from smtpcreds.metrics.collect import collect
    from smtpcreds.metrics.exposition import render
    from smtpcreds.metrics.textfile import write_textfile

    if not path.endswith(".prom"):
        app.warn(f"{path}: node_exporter's textfile collector reads only files named *.prom")
    text = render(snapshot if snapshot is not None else collect(app.config()))
    try:
        write_textfile(path, text)
    except OSError as e:
        raise ConfigError(f"cannot write the metrics textfile {path}: {e.strerror or e}") from None


def refresh_after(app: App, path: str) -> None:
    """Rewrite the textfile at ``path`` when the current command ends (``creds rotate
    --metrics-textfile``). Checks now, before the command changes anything, what it can
    (prometheus-client installed, the ``[metrics]`` table valid); a failure to write later is a
    warning and leaves the command's exit code alone."""
    from smtpcreds.metrics.exposition import require
    from smtpcreds.metrics.settings import metrics_settings

    require()
    metrics_settings(app.config())

    def refresh() -> None:
        from smtpcreds.errors import SmtpCredsError

        try:
            write(app, path)
        except SmtpCredsError as e:
            app.warn(f"metrics textfile not refreshed: {e.message}")

    click.get_current_context().call_on_close(refresh)
