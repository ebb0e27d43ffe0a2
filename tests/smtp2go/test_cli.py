"""The documented command lines work against the emulator (the CLI itself is the core's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from smtpcreds_smtp2go.emulator import Smtp2goEmulator

from smtpcreds.cli import main

from .conftest import USER, sent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the smtpcreds console script in-process: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exc:
        main(["--profile", "relay", *args])
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def config(emulator: Smtp2goEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    profile = emulator.client_profile()
    path.write_text("[profiles.relay]\n" + "".join(f'{k} = "{v}"\n' for k, v in profile.items()))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path


def test_update_option_status_sandbox_patches_only_status(config: Path, seeded: Smtp2goEmulator,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", "creds", "update", USER, "--option", "status=sandbox")
    assert code == 0, err
    assert json.loads(out)["extra"]["status"] == "sandbox"
    assert sent(seeded, "PATCH") == [{"username": USER, "status": "sandbox"}]


def test_invalid_option_exits_5_and_sends_nothing(config: Path, seeded: Smtp2goEmulator,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "creds", "update", USER, "--option", "custom_ratelimit_period=1 fortnight")
    assert code == 5
    assert "custom_ratelimit_period" in err
    assert seeded.count() == 0


def test_rate_limit_option_without_custom_ratelimit_exits_5(config: Path, seeded: Smtp2goEmulator,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "creds", "update", USER, "--option", "custom_ratelimit_value=100")
    assert code == 5
    assert "needs custom_ratelimit=true" in err
    assert seeded.count() == 0
