"""Amazon SES on moto: the cost of a create and of a rotation by alternating keys.

    python bench/ses_rotation.py [--quick] [--logins N]

The SES emulator (moto's IAM behind the recording proxy, in this process) and the lab SMTP server
run on loopback with an in-memory keyring. For N logins it times ``credentials.create`` and a
``rotate`` (regenerate strategy: CreateAccessKey, SMTP AUTH verification, promote, last-use check,
retire; no consumer), and counts the IAM requests of each. Both counts must stay flat as N grows
(the create looks its name up with one GetUser: ``predict_id``, not a listing, which would cost a
ListAccessKeys and a GetAccessKeyLastUsed per user). Figures are for comparison only.
"""

from __future__ import annotations

import os
import tempfile
import time

from _harness import Spread, header, parser, seconds, table


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--logins", type=int, default=20, help="logins to create and rotate (default 20)")
    args = p.parse_args()
    n = 5 if args.quick else args.logins
    header("SES create and rotation on moto", args)
    os.environ["SMTPCREDS_STATE_DIR"] = tempfile.mkdtemp(prefix="smtpcreds-bench-")
    import keyring

    from smtpcreds.testing.support import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    from smtpcreds_ses.emulator import SesEmulator

    import smtpcreds
    from smtpcreds.emulator.smtp import SmtpServer
    from smtpcreds.rotation.engine import rotate

    with SmtpServer() as smtp:
        started = time.perf_counter()
        emu = SesEmulator(smtp=smtp).start()
        start_time = time.perf_counter() - started
        try:
            fields = {**emu.client_profile(), "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"}
            conn = smtpcreds.connect("bench", **fields)
            rows = []
            for label, op in (("create", lambda i: conn.credentials.create(f"bench-{i}")),
                              ("rotate", lambda i: rotate(conn, f"bench-{i}"))):
                times, counts = [], []
                for i in range(n):
                    before = len(emu.requests)
                    t0 = time.perf_counter()
                    op(i)
                    times.append(time.perf_counter() - t0)
                    counts.append(float(len(emu.requests) - before))
                rows.append([label, Spread.of(times).fmt(seconds), Spread.of(counts).fmt(lambda v: f"{v:.0f}")])
            conn.close()
        finally:
            emu.stop()
    print(f"emulator start (moto server + admin identity): {seconds(start_time)}")
    print(table(["operation", f"time, median (min-max) of {n}", "IAM requests, median (min-max)"], rows))


if __name__ == "__main__":
    main()
