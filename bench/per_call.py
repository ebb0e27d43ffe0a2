"""Per-call overhead: one MailerSend SMTP user fetched through smtpcreds, bare requests and the SDK.

    python bench/per_call.py [--quick] [--calls N] [--rounds R] [--in-process]

Each round times ``--calls`` GETs of the same SMTP user through each client, A B C A B C ...:
``conn.provider.get_credential`` (``smtpcreds.client.connect(provider="mailersend", ...)``),
a bare ``requests.Session`` sending the same request (status checked, JSON parsed), and the
official SDK (``MailerSendClient(...).smtp_users.get_smtp_user``). The emulator runs in a child
process (``--in-process``: a thread of this one), so the client's CPU is what is measured; the
thread CPU of the calling thread is reported too. Ratios are taken round by round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from _harness import Remote, Spread, header, pairwise, parser, ratio, seconds, table

TARGET_VS_REQUESTS = 1.10


def start_emulator() -> Any:
    from smtpcreds_mailersend.emulator import MailerSendEmulator

    emu = MailerSendEmulator(rate_limit_per_minute=None).start()
    emu.seed_smtp_users(1)
    return emu


def describe(emu: Any) -> dict[str, str]:
    from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_DOMAIN_ID

    (sid,) = list(emu.smtp_users[DEFAULT_DOMAIN_ID])
    return {"base_url": emu.base_url, "token": API_TOKEN, "domain": DEFAULT_DOMAIN_ID, "id": sid}


def count_and_clear(emu: Any) -> int:
    n = len(emu.requests)
    emu.requests.clear()
    return n


def clients(info: dict[str, str]) -> tuple[dict[str, Callable[[], Any]], Callable[[], None]]:
    import requests
    from mailersend import MailerSendClient, SmtpUsersBuilder

    import smtpcreds.client

    base, token, domain, sid = info["base_url"], info["token"], info["domain"], info["id"]
    conn = smtpcreds.client.connect(provider="mailersend", base_url=base, api_token=token, domain_id=domain)
    provider = conn.provider
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    url = f"{base}/domains/{domain}/smtp-users/{sid}"

    def bare() -> Any:
        resp = session.get(url, timeout=(5, 30))
        resp.raise_for_status()
        return resp.json()

    sdk = MailerSendClient(api_key=token, base_url=base + "/")
    request = SmtpUsersBuilder().domain_id(domain).smtp_user_id(sid).build_smtp_user_get()

    def close() -> None:
        conn.close()
        session.close()
        sdk.session.close()

    return {
        "smtpcreds": lambda: provider.get_credential(sid),
        "requests": bare,
        "mailersend SDK": lambda: sdk.smtp_users.get_smtp_user(request),
    }, close


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, help="calls per client per round (default 1000; --quick 200)")
    p.add_argument("--rounds", type=int, help="rounds (default 9; --quick 3)")
    p.add_argument("--in-process", action="store_true", help="run the emulator in a thread of this process")
    args = p.parse_args()
    calls = args.calls or (200 if args.quick else 1000)
    rounds = args.rounds or (3 if args.quick else 9)
    header("Per-call overhead: GET one MailerSend SMTP user", args)

    if args.in_process:
        emu = start_emulator()
        info = describe(emu)
        counted: Callable[[], int] = lambda: count_and_clear(emu)  # noqa: E731
        stop: Callable[[], None] = emu.stop
    else:
        remote = Remote(start_emulator)
        info = remote.call(describe)
        counted = lambda: remote.call(count_and_clear)  # noqa: E731
        stop = remote.close
    fns, close = clients(info)
    try:
        for fn in fns.values():  # warm up: connections open, code paths taken
            for _ in range(max(20, calls // 20)):
                fn()
        counted()
        wall: dict[str, list[float]] = {k: [] for k in fns}
        cpu: dict[str, list[float]] = {k: [] for k in fns}
        sent: dict[str, int] = dict.fromkeys(fns, 0)
        for _ in range(rounds):
            for name, fn in fns.items():
                t0, c0 = time.perf_counter(), time.thread_time()
                for _ in range(calls):
                    fn()
                c1, t1 = time.thread_time(), time.perf_counter()
                wall[name].append((t1 - t0) / calls)
                cpu[name].append((c1 - c0) / calls)
                sent[name] += counted()
    finally:
        close()
        stop()

    where = "in this process" if args.in_process else "in a child process"
    print(f"{calls} calls per client per round, {rounds} rounds, interleaved; emulator {where}.")
    print()
    rows = []
    for name in fns:
        rows.append([name, Spread.of(wall[name]).fmt(seconds), Spread.of(cpu[name]).fmt(seconds),
                     f"{sent[name] / (calls * rounds):.2f}"])
    print(table(["client", "per call: median (min-max)", "client CPU per call", "requests per call"], rows))
    print()
    pairs = [("smtpcreds", "requests"), ("smtpcreds", "mailersend SDK"), ("mailersend SDK", "requests")]
    rrows = []
    for a, b in pairs:
        w, c = pairwise(wall[a], wall[b]), pairwise(cpu[a], cpu[b])
        rrows.append([f"{a} / {b}", w.fmt(ratio), c.fmt(ratio)])
    print(table(["ratio (round by round)", "time: median (min-max)", "client CPU"], rrows))
    print()
    vs_requests = pairwise(wall["smtpcreds"], wall["requests"]).median
    vs_sdk = pairwise(wall["smtpcreds"], wall["mailersend SDK"]).median
    print(f"target smtpcreds <= {TARGET_VS_REQUESTS:.2f} x requests: {ratio(vs_requests)} -> "
          f"{'met' if vs_requests <= TARGET_VS_REQUESTS else 'MISSED'}")
    print(f"target smtpcreds faster than the SDK: {ratio(vs_sdk)} -> {'met' if vs_sdk < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
