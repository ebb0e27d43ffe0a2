"""The SES emulator in the lab every plugin's emulators share (demo, pytest plugin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab


def test_the_lab_runs_the_ses_emulator_and_its_logins_pass_smtp_auth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    with Lab(["ses"]) as lab:
        config = tmp_path / "config.toml"
        config.write_text(lab.toml(default="ses"))
        config.chmod(0o600)
        monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))

        created = run_cli("--json", "creds", "create", "lab-app")
        assert created.code == 0, created
        login = run_cli("--json", "creds", "login", "lab-app", "--reveal").json()
        assert lab.smtp.accepts(login["username"], login["password"])
        assert run_cli("creds", "rotate", "lab-app").code == 0
        assert not lab.smtp.accepts(login["username"], login["password"])
