"""Cost of one push to the postfix consumer, with Debian's real postmap (no daemon needed).

    python bench/postfix_push.py [--quick] [--entries 200]

A changed push rewrites the relay's entry of a map source holding ``--entries`` other entries
(atomic write, fsyncs), runs ``postmap``, ``postfix status`` and ``postmap -q``; an unchanged
push reads the source and runs ``postmap -q`` only. Both alternate, round by round, on a private
configuration directory in a temporary directory.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _harness import Spread, header, parser, seconds, table
from pydantic import SecretStr

from smtpcreds.models import SmtpLogin
from smtpcreds.testing.support import provider_for


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=200, help="other entries in the map source")
    args = p.parse_args()
    header("postfix consumer: one push", args)
    rounds = 5 if args.quick else 30
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        os.environ["SMTPCREDS_STATE_DIR"] = str(d / "state")
        (d / "main.cf").write_text("compatibility_level = 3.6\n")
        (d / "master.cf").write_text("")
        past = time.time() - 10  # Postfix waits for a main.cf changed this second to settle
        os.utime(d / "main.cf", (past, past))
        source = d / "sasl_passwd"
        source.write_text("".join(f"[relay{i}.test]:587 user{i}:Passw0rd-{i:06d}\n" for i in range(args.entries)))
        os.chmod(source, 0o600)
        provider = provider_for({"provider": "postfix", "postconf_dir": str(d), "relayhost": "[relay.test]:587",
                                 "map_type": "hash"})
        changed: list[float] = []
        unchanged: list[float] = []
        for i in range(rounds):
            login = SmtpLogin(host="relay.test", port=587, username="u", password=SecretStr(f"Bench-Pass-{i:04d}"))
            for samples, expect in ((changed, True), (unchanged, False)):
                start = time.perf_counter()
                assert provider.push_login(login).changed is expect
                samples.append(time.perf_counter() - start)
    print(table(["push", "median (min-max)"],
                [["changed: write, postmap, status, postmap -q", Spread.of(changed).fmt(seconds)],
                 ["unchanged: read, postmap -q", Spread.of(unchanged).fmt(seconds)]]))


if __name__ == "__main__":
    main()
