"""The message of a rotation's end, and its delivery through Apprise.

The message names the profile, the credential, the rotation, the step and the error on one
line; it is made from the rotation event, which holds no secret, and passes through
:func:`smtpcreds.redact.redact` all the same. Apprise (``pip install 'smtpcreds[notify]'``) is
imported only when a message is sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from smtpcreds.notify.settings import NotifySettings, notify_settings
from smtpcreds.redact import one_line, redact, register

if TYPE_CHECKING:
    from smtpcreds.rotation.events import RotationEvent

__all__ = [
    "INSTALL_HINT", "deliver", "message", "notify_end",
]

log = logging.getLogger("smtpcreds.notify")

INSTALL_HINT = "pip install 'smtpcreds[notify]'"
#: At most this many characters of the error go into a message.
ERROR_LENGTH = 500

_KIND = {"failed": "failure", "held": "warning", "done": "success"}


def notify_end(event: RotationEvent, settings: NotifySettings | None = None) -> bool:
    """Send the message of ``event`` (the last event of a run) if ``[notify]`` asks for it.
    True when it was delivered to every URL; never raises."""
    try:
        if settings is None:
            settings = notify_settings()
        if event.ended not in settings.on or not settings.urls:
            return False
        title, body = message(event)
        return deliver(settings.urls, title, body, _KIND[event.ended], rotation=event.rotation_id)
    except Exception as e:  # a notification never changes a rotation's outcome
        log.warning("notification of rotation %s not sent: %s", event.rotation_id, one_line(str(e)))
        return False


def message(event: RotationEvent) -> tuple[str, str]:
    """``(title, body)`` of the end of a run of a rotation."""
    who = f"{event.profile}/{event.name or event.credential}"
    if event.name and event.name != event.credential:
        who += f" (id {event.credential})"
    error = one_line(event.message, ERROR_LENGTH)
    if event.ended == "done":
        title = f"smtpcreds: rotation of {who} done"
        body = f"Rotation {event.rotation_id} of {who} ({event.provider}) is done."
    else:
        what = "failed" if event.ended == "failed" else "held"
        title = f"smtpcreds: rotation of {who} {what} at {event.step}"
        body = (f"Rotation {event.rotation_id} of {who} ({event.provider}) {what} at step {event.step}: "
                f"{error or 'no message'}\nResume with: smtpcreds rotations resume {event.rotation_id}")
    return redact(title), redact(body)


def deliver(urls: list[str], title: str, body: str, kind: str, *, rotation: str = "") -> bool:
    """Send to every Apprise URL; log (never raise) what could not be delivered."""
    register(*urls)  # they may hold tokens: masked in any log line, Apprise's included
    try:
        import apprise  # (an optional extra: see the docstring)
    except ImportError:
        log.warning("notification of rotation %s not sent: Apprise is not installed (%s)", rotation, INSTALL_HINT)
        return False
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    for n, url in enumerate(urls, 1):
        if not notifier.add(url):
            log.warning("[notify] urls: entry %d is not an Apprise URL Apprise can use", n)
    if not len(notifier):
        return False
    delivered = bool(notifier.notify(body=body, title=title, notify_type=kind))
    if not delivered:
        log.warning("notification of rotation %s was not delivered to every [notify] URL", rotation)
    return delivered


