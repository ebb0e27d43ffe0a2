"""A rotation whose push to Postfix fails stops resumable (exit 8); resume finishes the push."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab

from .conftest import RELAYHOST, MakeProvider


@pytest.fixture
def flaky_postmap(tmp_path: Path) -> Path:
    """A postmap that fails while ``<tmp>/postmap-fails`` exists, else runs the real one."""
    flag = tmp_path / "postmap-fails"
    script = tmp_path / "postmap"
    script.write_text(f"#!/bin/sh\nif [ -e {flag} ]; then echo 'postmap: fatal: disk full' >&2; exit 1; fi\n"
                      'exec /usr/sbin/postmap "$@"\n')
    script.chmod(0o755)
    flag.touch()
    return flag


def test_a_failed_postmap_stops_the_rotation_resumably_and_resume_pushes_the_new_login(
    lab: Lab, map_source: Path, config_dir: Path, flaky_postmap: Path, make_provider: MakeProvider,
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"mta": {"provider": "postfix", "postconf_dir": str(config_dir),
                                        "postmap": str(tmp_path / "postmap")}}, default="relay"))
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    ref = run_cli("--json", "creds", "create", "cron-relay").json()["id"]

    stopped = run_cli("--json", "creds", "rotate", ref, "--push", "mta")

    assert stopped.code == 8, stopped
    message = stopped.json()["results"][0]["error"]["message"]
    assert "push to 'mta' failed" in message and "postmap: fatal: disk full" in message
    os.unlink(flaky_postmap)

    resumed = run_cli("--json", "rotations", "resume", stopped.json()["incomplete_rotations"][0])

    assert resumed.code == 0, resumed
    login = run_cli("--json", "creds", "login", ref, "--reveal").json()
    table = make_provider().table
    assert make_provider().postfix.query("postmap", RELAYHOST, table) == f"{login['username']}:{login['password']}"
