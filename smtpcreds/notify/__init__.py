"""Notifications: one message when a rotation ends failed, held or done, through Apprise.

A built-in plugin (entry point ``notify`` of group ``smtpcreds``), so it observes rotations
through the same hook as any plugin (``smtpcreds_rotation_step``) and works for the CLI and the
Python API alike. Configured by the ``[notify]`` table (:mod:`smtpcreds.notify.settings`):

```toml
[notify]
urls = ["json://alerts.example.com/smtpcreds", "ntfy://ntfy.example.com/smtp"]   # Apprise URLs
on = ["failed", "held"]          # default; add "done" for a message on every finished rotation
```

It acts only on the last event of a run (``RotationEvent.ended``), reads the table then, and
sends through :mod:`smtpcreds.notify.send`. A notification that cannot be delivered (an
unreachable target, Apprise missing, a bad URL) is logged and changes neither the rotation nor
the exit code. ``SMTPCREDS_DISABLE_PLUGINS=notify`` turns it off. Importing this module is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpcreds.hookspecs import hookimpl

if TYPE_CHECKING:
    from smtpcreds.rotation.events import RotationEvent

__all__ = [
    "smtpcreds_rotation_step",
]


@hookimpl
def smtpcreds_rotation_step(event: RotationEvent) -> None:
    """Send the notification of a run that ended as ``[notify] on`` asks."""
    if event.ended is None:
        return
    from smtpcreds.notify.send import notify_end  # (this plugin loads with every command: kept cheap)

    notify_end(event)
