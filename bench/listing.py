"""Listing every SMTP user: requests, time and memory as the domain grows.

    python bench/listing.py [--quick] [--sizes 1000,10000,100000] [--repeat R]

For each N, a MailerSend emulator in a child process holds N SMTP users (``seed_smtp_users``).
Through the Python API (``conn.credentials.list()``, items not kept) it measures the requests
sent (counted by the emulator; the least possible is ceil(N / 100), the API's largest page),
the time per credential, and the client's peak traced memory (tracemalloc, in a second pass so
tracing does not slow the timed one). Then ``smtpcreds --json creds list`` runs as a
subprocess writing to a file, under ``/usr/bin/time -v`` for its peak RSS; its output is
checked to hold N items. Flat memory and constant time per credential mean streaming works.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

from _harness import Remote, Spread, header, mib, parser, seconds, table

PAGE = 100


def kib(value: float) -> str:
    return f"{value / 1024:.0f} KiB"


def start_emulator(n: int) -> Any:
    from smtpcreds_mailersend.emulator import MailerSendEmulator

    emu = MailerSendEmulator(rate_limit_per_minute=None).start()
    emu.seed_smtp_users(n)
    return emu


def describe(emu: Any) -> dict[str, str]:
    from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_DOMAIN_ID

    return {"base_url": emu.base_url, "token": API_TOKEN, "domain": DEFAULT_DOMAIN_ID}


def list_requests(emu: Any) -> int:
    n = emu.count("GET", r"/smtp-users$")
    emu.requests.clear()
    return int(n)


def iterate(conn: Any) -> int:
    n = 0
    for _ in conn.credentials.list():
        n += 1
    return n


def cli_run(info: dict[str, str], out_path: str) -> tuple[float, float | None]:
    """Wall seconds and peak RSS (bytes, when /usr/bin/time is there) of one ``creds list``."""
    script = shutil.which("smtpcreds", path=os.path.dirname(sys.executable)) or shutil.which("smtpcreds")
    if script is None:
        sys.exit("the smtpcreds console script is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
    tmp = os.path.dirname(out_path)
    env.update({"SMTPCREDS_CONFIG": os.path.join(tmp, "no-config.toml"),
                "SMTPCREDS_STATE_DIR": os.path.join(tmp, "state"),
                "SMTPCREDS_PROFILES__MS__PROVIDER": "mailersend",
                "SMTPCREDS_PROFILES__MS__BASE_URL": info["base_url"],
                "SMTPCREDS_PROFILES__MS__API_TOKEN": info["token"],
                "SMTPCREDS_PROFILES__MS__DOMAIN_ID": info["domain"]})
    timer = "/usr/bin/time"
    cmd = [script, "--json", "creds", "list"]
    measured = os.path.exists(timer)
    if measured:
        cmd = [timer, "-v", *cmd]
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.PIPE, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"smtpcreds creds list failed: {proc.stderr.decode()[-500:]}")
    peak = None
    if measured:
        m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        peak = int(m.group(1)) * 1024 if m else None
    return wall, peak


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", help="comma-separated N (default 1000,10000,100000; --quick 1000,10000)")
    p.add_argument("--repeat", type=int, help="timed passes per N (default 3; --quick 1)")
    args = p.parse_args()
    sizes = [int(s) for s in (args.sizes or ("1000,10000" if args.quick else "1000,10000,100000")).split(",")]
    repeat = args.repeat or (1 if args.quick else 3)
    header("Listing every SMTP user of a domain", args)

    import smtpcreds.client

    rows: list[list[str]] = []
    per_item: dict[int, float] = {}
    per_cpu: dict[int, float] = {}
    peaks: dict[int, float] = {}
    cli_rss: dict[int, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="smtpcreds-bench-") as tmp:
        for n in sizes:
            with Remote(start_emulator, n) as emu:
                info = emu.call(describe)
                conn = smtpcreds.client.connect(provider="mailersend", base_url=info["base_url"],
                                                api_token=info["token"], domain_id=info["domain"])
                iterate(conn)  # warm-up (connection, code paths)
                emu.call(list_requests)
                times, cpus = [], []
                for _ in range(repeat):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    got = iterate(conn)
                    cpus.append(time.thread_time() - c0)
                    times.append(time.perf_counter() - t0)
                    assert got == n, (got, n)
                sent = emu.call(list_requests) / repeat
                tracemalloc.start()
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                iterate(conn)
                peak = tracemalloc.get_traced_memory()[1] - base
                tracemalloc.stop()
                conn.close()
                emu.call(list_requests)
                out_path = os.path.join(tmp, f"list-{n}.json")
                cli_wall, rss = cli_run(info, out_path)
                with open(out_path, "rb") as f:
                    items = json.load(f)
                assert len(items) == n, (len(items), n)
                cli_sent = emu.call(list_requests)
            t, c = Spread.of(times), Spread.of(cpus)
            per_item[n], per_cpu[n], peaks[n], cli_rss[n] = t.median / n, c.median / n, peak, rss
            rows.append([f"{n:,}", f"{sent:g} (least {math.ceil(n / PAGE)})", t.fmt(seconds),
                         seconds(t.median / n), seconds(c.median / n), kib(peak), f"{cli_sent}",
                         seconds(cli_wall), seconds(cli_wall / n), mib(rss) if rss else "n/a"])
            print(f"N = {n:,} done", file=sys.stderr)

    print(f"{repeat} timed pass(es) per N through the Python API; one CLI run per N; emulator in a "
          "child process.")
    print()
    print(table(["N", "requests", "API time: median (min-max)", "per credential", "client CPU per cred.",
                 "API peak traced", "CLI requests", "CLI wall", "CLI per credential", "CLI peak RSS"], rows))
    print()
    lo, hi = sizes[0], sizes[-1]
    print(f"time per credential at N={hi:,} / at N={lo:,}: {per_item[hi] / per_item[lo]:.2f} "
          f"(1.00 = linear in N); client CPU per credential: {per_cpu[hi] / per_cpu[lo]:.2f}")
    print(f"API peak traced memory at N={hi:,} / at N={lo:,}: {peaks[hi] / peaks[lo]:.2f} (1.00 = flat)")
    rss_hi, rss_lo = cli_rss[hi], cli_rss[lo]
    if rss_hi and rss_lo:
        print(f"CLI peak RSS at N={hi:,} / at N={lo:,}: {rss_hi / rss_lo:.2f} (1.00 = flat)")


if __name__ == "__main__":
    main()
