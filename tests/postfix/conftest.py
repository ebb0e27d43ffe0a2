"""Fixtures: Postfix's real programs on a private configuration directory, and a running instance.

Tests that need the Postfix programs (``postmap``, ``postconf``) or a running private instance
(root) are skipped when they are missing, except under ``CI=true``, where such a skip fails the
run (tests/run.sh installs Debian's postfix and libsasl2-modules when run as root).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_postfix.provider import PostfixProvider

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.support import provider_for

from .instance import POSTCONF, POSTMAP, PostfixInstance, available

RELAYHOST = "[smtp.example.test]:587"
#: A map source with entries and comments smtpcreds must not touch.
MAP_SOURCE = (
    "# SASL logins for the relays (see SASL_README)\n"
    "[backup.example.test]:2525 backup-user:backup-Passw0rd\n"
    "\n"
    f"{RELAYHOST}\told-user:Old-Passw0rd-1234\n"
    "# the legacy relay, folded over two lines\n"
    "legacy.example.test   legacy-user:\n"
    "    legacy-Passw0rd\n"
)

MakeProvider = Callable[..., PostfixProvider]


def write_main_cf(directory: Path, text: str) -> None:
    """Write main.cf dated in the past: Postfix re-reads a main.cf changed this very second
    (every 0.3 s, up to about 2 s) before it trusts it."""
    path = directory / "main.cf"
    path.write_text(text)
    past = time.time() - 10
    os.utime(path, (past, past))


def need(reason: str | None) -> None:
    """Skip (or, under CI=true, fail) when a real-Postfix prerequisite is missing."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must not skip the real-Postfix tests")
    pytest.skip(reason)


@pytest.fixture
def postfix_programs() -> None:
    """postmap and postconf are installed (no daemon needed)."""
    missing = [p for p in (POSTMAP, POSTCONF) if not os.access(p, os.X_OK)]
    need(f"Postfix is not installed ({', '.join(missing)} missing)" if missing else None)


@pytest.fixture
def config_dir(tmp_path: Path, postfix_programs: None) -> Path:
    """A Postfix configuration directory of our own (main.cf relays through RELAYHOST)."""
    directory = tmp_path / "postfix"
    directory.mkdir(mode=0o700)
    write_main_cf(
        directory,
        f"compatibility_level = 3.6\nrelayhost = {RELAYHOST}\nsmtp_sasl_auth_enable = yes\n"
        f"smtp_sasl_password_maps = hash:$config_directory/sasl_passwd\nsmtp_tls_security_level = encrypt\n",
    )
    (directory / "master.cf").write_text("")
    return directory


@pytest.fixture
def map_source(config_dir: Path) -> Path:
    """The sample map source, mode 0600, in the configuration directory."""
    path = config_dir / "sasl_passwd"
    path.write_text(MAP_SOURCE)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def make_provider(config_dir: Path) -> MakeProvider:
    """The postfix provider on ``config_dir``, with profile overrides."""

    def make(**profile: Any) -> PostfixProvider:
        fields = {"provider": "postfix", "postconf_dir": str(config_dir), **profile}
        p = provider_for(fields, name="relay-mta")
        assert isinstance(p, PostfixProvider)
        return p

    return make


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def recording_programs(tmp_path: Path) -> Path:
    """Wrappers around postfix/postmap/postconf/postqueue that log their argv and environment, then run them."""
    directory = tmp_path / "bin"
    directory.mkdir()
    record = tmp_path / "argv.log"
    for name in ("postfix", "postmap", "postconf", "postqueue"):
        real = shutil.which(name, path="/usr/sbin:/usr/bin") or f"/usr/sbin/{name}"
        script = directory / name
        script.write_text(
            "#!/bin/sh\n"
            f'printf "%s\\n" "{name} $*" >> {record}\n'
            f"env >> {record}.env\n"
            f'exec {real} "$@"\n'
        )
        script.chmod(0o755)
    return directory


@pytest.fixture
def lab() -> Iterator[Lab]:
    """The SMTP2GO emulator with the lab SMTP server (the relay Postfix logs in to)."""
    with Lab(["smtp2go"]) as running:
        yield running


@pytest.fixture
def instance(lab: Lab) -> Iterator[PostfixInstance]:
    """A running private Postfix relaying to the lab SMTP server with SASL (root only)."""
    need(available())
    with PostfixInstance(f"[{lab.smtp.host}]:{lab.smtp.port}") as pf:
        yield pf
