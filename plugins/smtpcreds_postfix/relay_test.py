"""``settings test``: submit a message to the local Postfix and watch it leave through the relay.

The message goes to the local smtpd over SMTP (the 250 reply names its queue id). Then
``postqueue -j`` is polled: a recipient with a ``delay_reason`` means the relay did not take it
(a refused login defers with 4.7.8 rather than bouncing, docs/reference/postfix.md §SASL
failures). Once the message has left the queue, the mail log (``maillog_file``, when set) tells
whether it was sent or bounced.
"""

from __future__ import annotations

import json
import re
import smtplib
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from smtpcreds.plugin import ProviderError, TransportError
from smtpcreds_postfix.commands import Postfix

PROVIDER = "postfix"
_QUEUED = re.compile(r"queued as ([0-9A-Za-z]+)")
_POLL = 0.2


def submit(smtpd: str, sender: str, to: str, timeout: float) -> str:
    """Hand a test message to the local smtpd; return its queue id."""
    host, _, port = smtpd.rpartition(":")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "smtpcreds test message (Postfix relay)"
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content("This message tests the relay login smtpcreds manages in Postfix.\n")
    try:
        with smtplib.SMTP(host.strip("[]"), int(port), timeout=timeout) as client:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(sender)
            if code != 250:
                raise ProviderError(f"local Postfix refused the sender: {code} {reply.decode(errors='replace')}",
                                    provider=PROVIDER)
            code, reply = client.rcpt(to)
            if code not in (250, 251):
                raise ProviderError(f"local Postfix refused {to}: {code} {reply.decode(errors='replace')}",
                                    provider=PROVIDER)
            code, reply = client.data(msg.as_bytes())
    except (OSError, smtplib.SMTPException) as e:
        raise TransportError(f"cannot submit the test message to Postfix at {smtpd}: {e}", provider=PROVIDER) from None
    text = reply.decode(errors="replace")
    found = _QUEUED.search(text)
    if code != 250 or found is None:
        raise ProviderError(f"local Postfix did not queue the test message: {code} {text}", provider=PROVIDER)
    return found.group(1)


def _queued(postfix: Postfix, postqueue: str, queue_id: str) -> dict[str, object] | None:
    for line in postfix.run(postqueue, "-j").stdout.splitlines():
        if line.strip():
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("queue_id") == queue_id:
                return entry
    return None


def _delay_reasons(entry: dict[str, object]) -> list[str]:
    recipients = entry.get("recipients")
    if not isinstance(recipients, list):
        return []
    return [str(r["delay_reason"]) for r in recipients if isinstance(r, dict) and r.get("delay_reason")]


def _logged_status(log_file: Path | None, queue_id: str) -> str | None:
    if log_file is None:
        return None
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return None
    lines = [line for line in text.splitlines() if f" {queue_id}: to=<" in line and "status=" in line]
    return lines[-1].split("status=", 1)[1] if lines else None


def watch(postfix: Postfix, postqueue: str, queue_id: str, log_file: Path | None, timeout: float) -> str:
    """Wait until the message is sent, deferred or bounced; return how it went or raise ProviderError."""
    deadline = time.monotonic() + timeout
    while True:
        entry = _queued(postfix, postqueue, queue_id)
        if entry is None:
            break
        reasons = _delay_reasons(entry)
        if reasons:
            raise ProviderError(f"the relay did not accept the test message (queue id {queue_id}, "
                                f"deferred): {reasons[-1]}", provider=PROVIDER)
        if time.monotonic() >= deadline:
            raise ProviderError(f"the test message (queue id {queue_id}) is still queued after {timeout:g}s",
                                provider=PROVIDER)
        time.sleep(_POLL)
    status = _logged_status(log_file, queue_id)
    while status is None and log_file is not None and time.monotonic() < deadline:
        time.sleep(_POLL)  # postlogd writes the delivery line a moment after the queue entry goes
        status = _logged_status(log_file, queue_id)
    if status is None:
        return f"queue id {queue_id} left the queue (no maillog_file to tell whether it was relayed or bounced)"
    if status.startswith("sent"):
        return f"relayed: queue id {queue_id}, status={status}"
    raise ProviderError(f"the test message (queue id {queue_id}) was not relayed: status={status}",
                        provider=PROVIDER)
