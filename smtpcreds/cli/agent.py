"""``smtpcreds agent``: keep this host's bound consumers on their current logins, from the store.

What the command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smtpcreds.cli.common import App, pass_app

if TYPE_CHECKING:
    from collections.abc import Callable

    from smtpcreds.agent import Agent, CycleResult

__all__ = [
    "agent",
]


@click.command()
@click.option("--once", is_flag=True,
              help="Run one cycle and exit: 0 when every consumer holds its current login, 8 when some do "
              "not (named), 4 when the store cannot be read.")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True, max=86400), metavar="SECONDS",
              help="Seconds between cycles, jittered by ±10 % (default: [agent] interval, else 60).")
@click.option("--metrics-textfile", metavar="PATH", type=click.Path(dir_okay=False),
              help="After every cycle, write this host's metrics (its report, its consumers in sync) to "
              "PATH atomically, for node_exporter's textfile collector.")
@pass_app
def agent(app: App, once: bool, interval: float | None, metrics_textfile: str | None) -> None:
    """Bring every consumer bound to a login to its credential's current login, read from the
    store alone (no provider request, no API secret), and report what each holds to the store
    (hosts/<host>). Needs the vault store. Without --once it runs until SIGTERM, which ends it after
    the cycle in progress; a store that cannot be read is tried again at the next cycle and no
    consumer is touched meanwhile."""
    import logging

    from smtpcreds.agent import Agent

    logger = logging.getLogger("smtpcreds.agent")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)  # one line per change, without -v
    on_cycle = _textfile(app, metrics_textfile) if metrics_textfile else None
    runner = Agent(app.config(), interval=interval)
    try:
        if once:
            _once(app, runner, on_cycle)
        else:
            _loop(runner, on_cycle)
    finally:
        runner.close()


def _textfile(app: App, path: str) -> Callable[[CycleResult], None]:
    """Write the cycle's metrics to ``path`` (prometheus-client checked now, before any cycle); a
    textfile that cannot be written is a warning: the agent goes on."""
    from smtpcreds.metrics.exposition import require

    require()

    def write(result: CycleResult) -> None:
        from smtpcreds.cli.metrics import write as write_textfile
        from smtpcreds.errors import SmtpCredsError
        from smtpcreds.metrics.collect import of_cycle

        try:
            write_textfile(app, path, of_cycle(result))
        except SmtpCredsError as e:
            app.warn(f"metrics textfile not written: {e.message}")

    return write


def _once(app: App, runner: Agent, on_cycle: Callable[[CycleResult], None] | None) -> None:
    result = runner.cycle()
    if on_cycle is not None:
        on_cycle(result)
    data = result.report.model_dump(mode="json")
    if app.json:
        app.emit({**data, "failed": result.failed})
    else:
        app.emit([h.model_dump(mode="json") for h in result.report.consumers],
                 columns=[("CONSUMER", "consumer"), ("LOGIN", "login"), ("HOLDS", "holds"), ("ERROR", "error")],
                 title=f"host {runner.host}")
    for line in result.failed:
        click.echo(f"error: {line}", err=True)
    if result.failed:
        click.get_current_context().exit(8)


def _loop(runner: Agent, on_cycle: Callable[[CycleResult], None] | None) -> None:
    import signal
    import threading

    stop = threading.Event()

    def ask_to_stop(_signum: int, _frame: object) -> None:
        stop.set()  # the cycle in progress ends first

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    runner.run(stop, on_cycle=on_cycle)
