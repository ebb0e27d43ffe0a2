"""Keyring cost per stored secret: in memory, and on a real Secret Service when there is one.

    python bench/keyring_cost.py [--quick] [--ops N] [--items 0,500]
    dbus-run-session -- tests/scripts/with-secret-service.sh python bench/keyring_cost.py

Measured through :mod:`smtpcreds.secretstore`, as a rotation uses it: a write (``put``: write,
read back, under the process lock and the inter-process lock file), a read (``get``) and a
delete, each on a collection already holding ``--items`` other entries (the Secret Service
slows down as its collection grows). Backends are measured in turn, round by round. With the
operations per rotation from ``bench/bulk_rotation.py`` the table gives the keyring's share of
one rotation: keyring calls are serialized, so this share does not shrink with concurrency.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _harness import Spread, header, parser, seconds, table

#: Keyring operations per rotation, as bench/bulk_rotation.py counts them (reads include read-backs):
#: with one keyring item per credential, and ("3-item") with the three items per credential of
#: releases before it, for the before/after figure.
PER_ROTATION = {"in-place (SMTP2GO)": (3, 2, 0), "replace (MailerSend)": (3, 2, 1),
                "3-item in-place": (5, 3, 1), "3-item replace": (4, 3, 4)}


def secret_service() -> tuple[Any, str]:
    """The Secret Service backend, or None and why it cannot be used here."""
    try:
        from keyring.backends import SecretService

        backend: Any = SecretService.Keyring()  # type: ignore[no-untyped-call]
        if backend.priority < 1:  # raises when no D-Bus / secretstorage
            return None, "not usable here"
        backend.set_password("smtpcreds-bench-probe", "probe", "ok")
        backend.delete_password("smtpcreds-bench-probe", "probe")
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"
    return backend, ""


def fill(backend: Any, service: str, items: int) -> None:
    have = getattr(backend, "_bench_items", 0)
    for i in range(have, items):
        backend.set_password(service, f"filler-{i:05d}", "x" * 24)
    backend._bench_items = max(have, items)


def measure(backend: Any, ops: int, tag: str) -> dict[str, float]:
    """Median seconds of put (write + read-back), get and delete through the secret store."""
    import keyring
    from pydantic import SecretStr

    from smtpcreds.client import secret_store
    from smtpcreds.models import SmtpLogin
    from smtpcreds.store import reset_backend_check

    keyring.set_keyring(backend)
    reset_backend_check()
    store = secret_store(f"bench-{tag}", allow_insecure=True)
    login = SmtpLogin(host="smtp.example.com", port=587, username="user@example.com",
                      password=SecretStr("p" * 24))
    out: dict[str, list[float]] = {"put": [], "get": [], "delete": []}
    steps: list[tuple[str, Callable[[int], object]]] = [
        ("put", lambda i: store.put(f"cred-{i}", login, "pending")),
        ("get", lambda i: store.get(f"cred-{i}", "pending")),
        ("delete", lambda i: store.delete(f"cred-{i}", "pending")),
    ]
    for i in range(ops):
        for name, fn in steps:
            t0 = time.perf_counter()
            fn(i)
            out[name].append(time.perf_counter() - t0)
    return {k: Spread.of(v).median for k, v in out.items()}


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, help="operations of each kind per round (default 30; --quick 10)")
    p.add_argument("--rounds", type=int, help="rounds per backend and size (default 5; --quick 2)")
    p.add_argument("--items", default="0,500", help="entries already in the collection (default 0,500)")
    args = p.parse_args()
    ops = args.ops or (10 if args.quick else 30)
    rounds = args.rounds or (2 if args.quick else 5)
    sizes = [int(s) for s in args.items.split(",")]
    header("Keyring cost per stored secret", args)
    os.environ.setdefault("SMTPCREDS_STATE_DIR", tempfile.mkdtemp(prefix="smtpcreds-bench-"))

    from smtpcreds.testing.support import MemoryKeyring

    backends: dict[str, Any] = {"memory (MemoryKeyring)": MemoryKeyring()}
    ss, why = secret_service()
    if ss is not None:
        backends["Secret Service (gnome-keyring)"] = ss
    else:
        print(f"Secret Service: unavailable ({why}); run under dbus-run-session -- "
              "tests/scripts/with-secret-service.sh for its figures.")
        print()
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    try:
        for items in sizes:
            for backend in backends.values():
                fill(backend, "smtpcreds-bench-filler", items)
            for r in range(rounds):
                for name, backend in backends.items():
                    got = measure(backend, ops, f"{items}-{r}")
                    bucket = results.setdefault((name, items), {k: [] for k in got})
                    for k, v in got.items():
                        bucket[k].append(v)
    finally:
        for backend in backends.values():
            for i in range(getattr(backend, "_bench_items", 0)):
                try:
                    backend.delete_password("smtpcreds-bench-filler", f"filler-{i:05d}")
                except Exception:
                    break

    print(f"{ops} operations of each kind per round, {rounds} rounds; median of the round medians "
          "(min-max of the rounds).")
    print()
    rows = []
    for (name, items), res in results.items():
        put, get, delete = (Spread.of(res[k]) for k in ("put", "get", "delete"))
        per = []
        for strategy, (reads, writes, deletes) in PER_ROTATION.items():
            cost = writes * put.median + (reads - writes) * get.median + deletes * delete.median
            per.append(f"{strategy.split(' (')[0]} {seconds(cost)}")
        rows.append([name, str(items), put.fmt(seconds), get.fmt(seconds), delete.fmt(seconds), "; ".join(per)])
    print(table(["backend", "entries before", "write + read-back", "read", "delete",
                 "keyring time per rotation"], rows))


if __name__ == "__main__":
    main()
