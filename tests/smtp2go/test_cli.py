"""The documented command lines work against the emulator (the CLI itself is the core's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_smtp2go.emulator import Smtp2goEmulator

from smtpcreds.cli import main

from .conftest import STRONG, USER, sent
from .test_options import VALID


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
    assert [(r.method, r.path, r.json()) for r in seeded.requests] == [
        ("PATCH", "/users/smtp/edit", {"username": USER, "status": "sandbox"})]


def _cli(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize(("case", "options"), VALID, ids=[c for c, _ in VALID])
def test_every_setting_given_as_option_reaches_the_patch_typed(
        config: Path, seeded: Smtp2goEmulator, capsys: pytest.CaptureFixture[str], case: str,
        options: dict[str, Any]) -> None:
    args = [a for k, v in options.items() for a in ("--option", f"{k}={_cli(v)}")]
    code, _, err = run(capsys, "--json", "creds", "update", USER, *args)
    assert code == 0, err
    assert sent(seeded, "PATCH") == [{"username": USER, **options}]


def test_unknown_option_is_refused_with_the_valid_ones(config: Path, seeded: Smtp2goEmulator,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "creds", "update", USER, "--option", "colour=blue")
    assert code == 5
    assert "colour" in err
    for name in ("custom_ratelimit_period", "bounce_notifications", "status", "replace_all"):
        assert name in err
    assert seeded.count() == 0


def test_show_prints_every_setting(config: Path, emulator: Smtp2goEmulator,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    settings: dict[str, Any] = {
        "description": "billing", "custom_ratelimit": True, "custom_ratelimit_value": 100,
        "custom_ratelimit_period": "1 day", "ippool": 1234, "feedback_enabled": True,
        "feedback_html": "<p>%%UNSUBSCRIBE%%</p>", "feedback_text": "%%EMAIL%%", "open_tracking_enabled": True,
        "click_tracking_enabled": True, "archive_enabled": True, "audit_email": "audit@example.com",
        "bounce_notifications": "drop", "status": "sandbox"}
    emulator.add_user(USER, STRONG, **settings)
    code, out, err = run(capsys, "--json", "creds", "show", USER)
    assert code == 0, err
    assert {k: json.loads(out)["extra"][k] for k in settings} == settings
    assert STRONG not in out
    code, out, err = run(capsys, "creds", "show", USER)
    assert code == 0, err
    for name in settings:
        assert f"extra.{name}" in out
    assert "audit@example.com" in out and "sandbox" in out and STRONG not in out


def test_replace_all_warns_on_stderr_that_omitted_settings_reset(
        config: Path, seeded: Smtp2goEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--json", "creds", "update", USER, "--option", "replace_all=true",
                       "--option", "description=x")
    assert code == 0, err
    assert "reset to their defaults" in err
    assert sent(seeded, "POST", "/users/smtp/edit") == [{"username": USER, "description": "x"}]


def test_feedback_domain_warns_on_stderr_that_it_is_deprecated(
        config: Path, emulator: Smtp2goEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", "creds", "create", USER, "--option", "feedback_domain=default")
    assert code == 0, err
    assert "feedback_domain is deprecated" in err
    [body] = sent(emulator, "POST", "/users/smtp/add")
    assert body["feedback_domain"] == "default"
    assert body["email_password"] not in out + err


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
