"""The team store at scale: 1,000 logins rotated in one batch, against a real OpenBao and the keyring.

    python bench/team_store.py [--n 1000] [--concurrency 16] [--latency 0.02] [--store keyring,vault]
                               [--issuer smtp2go]

Each store runs in a process of its own (so the peak memory reported is that store's): N logins
are created at the issuer's emulator (not timed; the lab runs in a child process of that process,
with ``--latency`` seconds per request once the batch starts), then rotated with
``smtpcreds.rotation.bulk.rotate_many`` at ``--concurrency``, SMTP verification on. ``vault`` is a
real OpenBao dev server on loopback with a file audit device; ``keyring`` an in-memory keyring.

Reported per store: the batch's wall time against the latency-bound ideal (N x least requests x
latency / concurrency); the store requests (OpenBao: counted from its audit log, by kind, and the
requests it refused; keyring: reads, writes and deletes); the OpenBao server's CPU time (from
/proc); this process's CPU time; and the smtpcreds process's peak resident memory (``ru_maxrss``)
after creating the logins and after the batch.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from typing import Any

from _harness import header, mib, parser, seconds, table
from bulk_rotation import ISSUERS, KINDS, LEAST, STRATEGY, LabHandle, Stores, lab_profiles, per, set_latency


def peak_rss() -> int:
    """This process's peak resident set size so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_store(store: str, issuer: str, n: int, concurrency: int, latency: float) -> dict[str, Any]:
    """One store's batch, in this (fresh) process: the figures as a dict."""
    import keyring

    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.plugins import plugins
    from smtpcreds.rotation.bulk import Item, rotate_many
    from smtpcreds.store.keyring import calls
    from smtpcreds.testing.support import MemoryKeyring

    tmp = tempfile.mkdtemp(prefix="smtpcreds-bench-")
    keyring.set_keyring(MemoryKeyring())
    stores = Stores([store])
    lab = LabHandle(in_process=False)
    try:
        stores.use(store, tmp)
        raw = lab.call(lab_profiles)
        registry = plugins().providers
        cfg = Config.model_validate({})
        cfg.profiles = {name: registry[prof["provider"]].profile_model.model_validate(prof)
                        for name, prof in raw.items()}

        def connect(name: str) -> Connection:
            return Connection(name, cfg.profile(name), config=cfg)

        profile = ISSUERS[issuer]
        conn = connect(profile)
        refs = [conn.credentials.create(f"team-{i:05d}").id for i in range(n)]
        conn.close()
        rss_setup = peak_rss()
        lab.call(set_latency, latency)
        os.environ["SMTPCREDS_STATE_DIR"] = os.path.join(tmp, store, "batch")
        for k in calls.op_count:
            calls.op_count[k] = 0
        server = stores.server
        if server is not None:
            server.audit.mark()
        server_cpu0 = server.cpu_seconds() if server is not None else 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        outcomes = rotate_many([Item(profile, ref) for ref in refs], connect, concurrency=concurrency)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out: dict[str, Any] = {
            "store": store, "wall": wall, "cpu": cpu, "failed": sum(1 for o in outcomes if not o.ok),
            "ideal": n * LEAST[issuer] * latency / concurrency, "rss_setup": rss_setup, "rss_peak": peak_rss(),
        }
        if server is not None:
            kv = server.audit.kv_requests("bench")
            out["server_cpu"] = server.cpu_seconds() - server_cpu0
            out["requests"] = {k: kv.by_kind[k] for k in KINDS}
            out["refused"] = sum(kv.refused.values())
        else:
            out["requests"] = dict(calls.op_count)
        return out
    finally:
        lab.close()
        stores.close()


def _child(pipe: Any, *args: Any) -> None:
    try:
        pipe.send(("ok", run_store(*args)))
    except BaseException as e:
        pipe.send(("error", repr(e)))


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="logins (default 1000)")
    p.add_argument("--concurrency", type=int, default=16, help="default 16")
    p.add_argument("--latency", type=float, default=0.02, help="seconds added to each provider request (0.02)")
    p.add_argument("--store", default="keyring,vault", help="comma-separated (default keyring,vault)")
    p.add_argument("--issuer", default="smtp2go", choices=list(ISSUERS), help="default smtp2go (in place)")
    args = p.parse_args()
    n = 100 if args.quick else args.n
    header("The team store at scale", args)
    print(f"{n} {args.issuer} logins ({STRATEGY[args.issuer]}); concurrency {args.concurrency}; "
          f"latency {args.latency * 1000:g} ms per provider request; the lab in a child process.", flush=True)
    ctx = multiprocessing.get_context("spawn")
    rows: list[list[str]] = []
    for store in [s.strip() for s in args.store.split(",") if s.strip()]:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(child, store, args.issuer, n, args.concurrency, args.latency))
        proc.start()
        status, r = parent.recv()
        proc.join()
        if status != "ok":
            sys.exit(f"{store}: {r}")
        print(f"{store}: {seconds(r['wall'])}", file=sys.stderr, flush=True)
        requests = r["requests"]
        total = sum(requests.values())
        rows.append([
            store, seconds(r["wall"]), seconds(r["ideal"]), f"{r['ideal'] / r['wall']:.0%}", str(r["failed"]),
            f"{total} ({per(total, n)}/rot.)", " ".join(f"{per(v, n)}{k[0]}" for k, v in requests.items()),
            str(r.get("refused", "-")),
            f"{seconds(r['server_cpu'])} ({seconds(r['server_cpu'] / n)}/rot.)" if "server_cpu" in r else "-",
            f"{seconds(r['cpu'])} ({seconds(r['cpu'] / n)}/rot.)", mib(r["rss_setup"]), mib(r["rss_peak"]),
        ])
    print()
    print(table(["store", "wall", "ideal", "of ideal", "failed", "store requests", "per rotation", "refused",
                 "OpenBao CPU", "smtpcreds CPU", "peak RSS after setup", "peak RSS after batch"], rows))


if __name__ == "__main__":
    main()
