"""``smtpcreds demo``."""

from __future__ import annotations

import click

from smtpcreds.cli.common import App, pass_app


@click.command()
@pass_app
def demo(app: App) -> None:
    """End-to-end rotation on the embedded emulators (no account needed)."""
    from smtpcreds.demo import Step, run_demo

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
