"""Push logins into a Postfix map again and again, for test_crash.py to SIGKILL.

Usage: crash_writer.py CONFIG_DIR PASSWORD_A PASSWORD_B [STAGE]

Pushes PASSWORD_A, PASSWORD_B, PASSWORD_A, ... printing ``wrote`` after each push. With STAGE
(``fsync-file``, ``before-replace``, ``after-replace``) the first push stops at that point of
the atomic replace, prints ``stage STAGE`` and waits to be killed.
"""

from __future__ import annotations

import sys

from pydantic import SecretStr

from smtpcreds.models import SmtpLogin
from smtpcreds.testing.support import provider_for
from tests.envfile.crash_writer import install_stage


def main() -> None:
    config_dir, first, second = sys.argv[1:4]
    if len(sys.argv) > 4:
        install_stage(sys.argv[4])
    provider = provider_for({"provider": "postfix", "postconf_dir": config_dir, "relayhost": "[relay.test]:587",
                             "map_type": "hash"})
    print("ready", flush=True)
    passwords = (first, second)
    turn = 0
    while True:
        provider.push_login(SmtpLogin(host="relay.test", port=587, username="relay-user",
                                      password=SecretStr(passwords[turn % 2])))
        print("wrote", flush=True)
        turn += 1


if __name__ == "__main__":
    main()
