"""``smtpcreds demo``.

What a command needs is imported inside it, so ``smtpcreds --help`` and completion stay fast
(docs/performance.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from smtpcreds.cli.common import App, pass_app

__all__ = [
    "demo",
]


@click.command()
@click.option("--serve", is_flag=True,
              help="Instead, keep the emulators running for commands and scripts in another shell "
                   "(source the env.sh it names); stop with Ctrl-C.")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
              help="With --serve: where to write config, state, keyring file and env.sh "
                   "(default: a temporary directory, removed at the end).")
@pass_app
def demo(app: App, serve: bool, directory: Path | None) -> None:
    """End-to-end rotation on the embedded emulators (no account needed)."""
    from smtpcreds.demo import Step, run_demo

    if serve:
        _serve(app, directory)
        return
    if directory is not None:
        raise click.UsageError("--dir goes with --serve")

    if app.json:
        steps = run_demo(lambda step: None)
    else:
        from rich.console import Console

        console = Console()

        def show(step: Step) -> None:
            mark = "[green]✓[/green]" if step.ok else "[red]✗[/red]"
            console.print(f"{mark} [bold]{step.title}[/bold]: {step.detail}", highlight=False)

        console.print("[bold]smtpcreds demo[/bold] — rotate SMTP logins on local emulators\n")
        steps = run_demo(show)
    ok = all(s.ok for s in steps)
    if app.json:
        app.emit({"ok": ok, "steps": [s.to_dict() for s in steps]})
    else:
        app.say("\nall checks passed" if ok else "\nsome checks FAILED")
    if not ok:
        click.get_current_context().exit(1)


def _serve(app: App, directory: Path | None) -> None:
    import signal
    import threading

    from smtpcreds.emulator.serve import ServedLab, serve

    stop = threading.Event()

    def ready(served: ServedLab) -> None:
        if app.json:
            app.emit(served.to_dict())
        else:
            names = ", ".join(f"{name} ({what})" for name, what in served.profiles.items())
            app.say(f"smtpcreds lab: MailerSend, SMTP2GO and Webitel emulators, SMTP server on {served.smtp}\n"
                    f"profiles: {names}\n\n"
                    f"In another shell:\n"
                    f"  source {served.env_file}\n"
                    f"  smtpcreds creds create billing-app\n"
                    f"  smtpcreds creds rotate --all        # pushes to pbx and app-env, bound to it\n"
                    f"  smtpcreds creds audit\n"
                    f"  smtpcreds creds login billing-app --reveal\n\n"
                    f"Stop with Ctrl-C.")
        # --json writes through sys.stdout (click.echo flushes by itself); a script waiting for
        # the first line needs it now. click.get_text_stream is deprecated (and untyped) since click 8.5.
        sys.stdout.flush()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    serve(stop, ready, directory)
    if not app.json:
        click.echo("lab stopped", err=True)
