"""No secret access key (nor a derived password, without --reveal) reaches output, logs or journals."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_ses.derive import smtp_password
from smtpcreds_ses.emulator import SesEmulator

from .conftest import keys_of


def test_secret_access_keys_never_reach_output_logs_or_journals(
    emulator: SesEmulator, configured: Path, profile_fields: dict[str, Any], run_cli: Any,
    isolated_env: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    written: list[str] = []
    secrets: set[str] = {profile_fields["aws_secret_access_key"]}

    def run(*args: str) -> Any:
        result = run_cli(*args)
        written.extend([result.out, result.err])
        for key in keys_of(emulator, "app") if "app" in emulator.backend.users else []:
            secrets.update({key.secret_access_key, smtp_password(key.secret_access_key, "eu-west-1")})
        return result

    for verbosity in ([], ["-vv"]):
        for fmt in ([], ["--json"]):
            assert run(*verbosity, *fmt, "creds", "create", "app").code == 0
            run(*verbosity, *fmt, "creds", "list")
            run(*verbosity, *fmt, "creds", "show", "app")
            run(*verbosity, *fmt, "creds", "login", "app")
            run(*verbosity, *fmt, "creds", "audit")
            emulator.faults.inject(path="CreateAccessKey", drop_after=True)  # a failure with a secret in flight
            run(*verbosity, *fmt, "creds", "rotate", "app", "--push", "app-env")
            run(*verbosity, *fmt, "rotations", "list")
            for j in run("--json", "rotations", "list", "--open").json():
                run(*verbosity, *fmt, "rotations", "resume", j["id"])
            assert run(*verbosity, *fmt, "creds", "rotate", "app", "--push", "app-env").code == 0
            run(*verbosity, *fmt, "creds", "delete", "app", "--yes")

    journals = [p.read_text() for p in (isolated_env / "state").rglob("*.json")]
    assert journals, "no journal was written"
    everything = "\n".join([*written, caplog.text, *journals])
    assert len(secrets) > 10
    for secret in secrets:
        assert secret not in everything
