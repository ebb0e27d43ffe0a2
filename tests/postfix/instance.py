"""A private Postfix instance for tests: own config, queue and data directories, loopback only.

What it takes on Debian 12 (Postfix 3.7), see docs/reference/postfix.md §Private instance:
every command gets ``-c DIR``; the queue and data directories are the instance's own; every
directory above them is searchable by the ``postfix`` user; ``master.cf`` runs nothing
chrooted and listens on 127.0.0.1:<free port>; the log goes to a file through ``postlog``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from smtpcreds.emulator.smtp import free_port

POSTFIX, POSTMAP = "/usr/sbin/postfix", "/usr/sbin/postmap"
POSTCONF, POSTQUEUE = "/usr/sbin/postconf", "/usr/sbin/postqueue"

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def available() -> str | None:
    """None when a private instance can run here, else why not."""
    if os.geteuid() != 0:
        return "a private Postfix instance needs root (postfix start)"
    missing = [p for p in (POSTFIX, POSTMAP, POSTCONF, POSTQUEUE) if not os.access(p, os.X_OK)]
    if missing:
        return f"Postfix is not installed ({', '.join(missing)} missing): apt-get install postfix libsasl2-modules"
    return None


class PostfixInstance:
    """``with PostfixInstance(relay_host, relay_port) as pf:``; ``pf.config_dir``, ``pf.port``, ``pf.send()``."""

    def __init__(self, relay: str, *, map_name: str = "sasl_passwd") -> None:
        # Not pytest's tmp_path: its parents are 0700, and the postfix user must reach data_directory.
        self.base = Path(tempfile.mkdtemp(prefix="smtpcreds-postfix-"))
        os.chmod(self.base, 0o755)
        self.config_dir = self.base / "etc"
        self.queue_dir = self.base / "spool"
        self.data_dir = self.base / "lib"
        self.log_file = self.base / "maillog"
        self.map_source = self.config_dir / map_name
        self.relay = relay
        self.port = free_port()
        self.running = False

    def cmd(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, "-c", str(self.config_dir), *args], capture_output=True, text=True,
                              check=check, timeout=60)

    def configure(self) -> None:
        self.config_dir.mkdir(mode=0o755)
        self.queue_dir.mkdir(mode=0o755)
        self.data_dir.mkdir(mode=0o700)
        shutil.chown(self.data_dir, "postfix", "postfix")
        (self.config_dir / "main.cf").write_text("compatibility_level = 3.6\n")
        (self.config_dir / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))
        settings = {
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            "myhostname": "postfix.test",
            "mydestination": "",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": self.relay,
            "smtp_sasl_auth_enable": "yes",
            "smtp_sasl_password_maps": f"hash:{self.map_source}",
            "smtp_sasl_security_options": "noanonymous",
            "smtp_tls_security_level": "none",
            "smtp_dns_support_level": "disabled",
            "smtpd_peername_lookup": "no",
            "smtp_connection_cache_on_demand": "no",
            "maillog_file": str(self.log_file),
            "maillog_file_prefixes": str(self.base),
            "alias_maps": "",
            "alias_database": "",
            "local_transport": "error:no local delivery",
            "queue_run_delay": "300s",
            "minimal_backoff_time": "300s",
        }
        self.cmd(POSTCONF, "-e", *(f"{k}={v}" for k, v in settings.items()))
        past = time.time() - 10  # Postfix waits (up to ~2 s) for a main.cf changed this second to settle
        os.utime(self.config_dir / "main.cf", (past, past))

    def start(self) -> PostfixInstance:
        try:
            self.configure()
            self.cmd(POSTFIX, "start")
            self.running = True
            self._wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), smtplib.SMTP("127.0.0.1", self.port, timeout=2) as s:
                s.noop()
                return
            time.sleep(0.1)
        raise RuntimeError(f"postfix did not listen on {self.port}: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.running:
            self.cmd(POSTFIX, "stop", check=False)
            self.running = False
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PostfixInstance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def send(self, subject: str, to: str = "someone@example.com") -> str:
        """Submit a message to the instance's smtpd (as cron would through it); return its queue id."""
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "cron@postfix.test", to, subject
        msg.set_content(f"{subject}\n")
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            s.ehlo()
            s.mail("cron@postfix.test")
            s.rcpt(to)
            code, reply = s.data(msg.as_bytes())
        found = re.search(r"queued as ([0-9A-Za-z]+)", reply.decode())
        assert code == 250 and found, (code, reply)
        return found.group(1)

    def delivery_line(self, queue_id: str) -> str | None:
        """The log line with the delivery status of ``queue_id``, once there is one."""
        lines = [x for x in self.log().splitlines() if f" {queue_id}: to=<" in x and "status=" in x]
        return lines[-1] if lines else None

    def wait_for(self, queue_id: str, timeout: float = 20) -> str:
        """The delivery status line of ``queue_id`` (sent, deferred or bounced)."""
        deadline = time.monotonic() + timeout
        while (line := self.delivery_line(queue_id)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no delivery status for {queue_id}: {self.log()[-3000:]}")
            time.sleep(0.1)
        return line

    def flush(self, queue_id: str) -> None:
        """Retry a deferred message now (postqueue -i)."""
        self.cmd(POSTQUEUE, "-i", queue_id)

    def queue(self) -> list[dict[str, object]]:
        out = self.cmd(POSTQUEUE, "-j").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]
