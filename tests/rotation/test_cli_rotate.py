"""``creds rotate``, ``creds audit``, ``creds login`` and ``rotations ...`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab


@pytest.fixture
def cli_config(lab: Lab, tmp_path: Path, env_file: Path, hook_script: Path,
               monkeypatch: pytest.MonkeyPatch) -> Path:
    import sys

    path = tmp_path / "config.toml"
    path.write_text(lab.toml({
        "app-env": {"provider": "envfile", "path": str(env_file)},
        "hook": {"provider": "exec", "command": [sys.executable, str(hook_script)]},
    }, default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path


def create(run_cli: Any, profile: str, name: str) -> str:
    r = run_cli("--json", "--profile", profile, "creds", "create", name)
    assert r.code == 0, r
    return str(r.json()["id"])


def test_rotate_json_summary_and_login_afterwards(lab: Lab, cli_config: Path, run_cli: Any) -> None:
    ref = create(run_cli, "relay", "billing-app")
    r = run_cli("--json", "creds", "rotate", ref, "--push", "pbx", "--push", "app-env")
    assert r.code == 0, r
    summary = r.json()
    assert summary["total"] == 1 and summary["done"] == 1 and summary["failed"] == 0
    item = summary["results"][0]
    assert item["ok"] and item["verified"] and item["pushed"] == ["pbx", "app-env"]
    login = run_cli("--json", "creds", "login", ref, "--reveal").json()
    assert lab.smtp.accepts(login["username"], login["password"])
    masked = run_cli("--json", "creds", "login", ref).json()
    assert masked["password"] == "**********"
    assert login["password"] not in r.out + r.err


def test_rotate_all_rotates_every_credential(lab: Lab, cli_config: Path, run_cli: Any) -> None:
    refs = {create(run_cli, "ms", f"app-{i}") for i in range(3)}
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", "--all", "--concurrency", "2")
    assert r.code == 0, r
    summary = r.json()
    assert summary["done"] == 3
    assert {x["credential"] for x in summary["results"]} == refs


def test_dry_run_prints_the_plan_and_changes_nothing(lab: Lab, cli_config: Path, run_cli: Any) -> None:
    ref = create(run_cli, "ms", "billing-app")
    emulator = lab.emulators["mailersend"]
    before = [(r.method, r.path) for r in emulator.requests]
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", ref, "--push", "pbx", "--dry-run")
    assert r.code == 0, r
    plan = r.json()["plan"]
    assert plan[0]["strategy"] == "replace" and plan[0]["push"] == ["pbx"]
    after = [(req.method, req.path) for req in emulator.requests][len(before):]
    assert all(method == "GET" for method, _ in after)


def test_failed_push_exits_8_naming_the_rotation(lab: Lab, cli_config: Path, run_cli: Any,
                                                 hook_script: Path) -> None:
    ref = create(run_cli, "ms", "billing-app")
    (hook_script.parent / "hook-fail").write_text("1")
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", ref, "--push", "hook")
    assert r.code == 8
    summary = r.json()
    rotation_id = summary["incomplete_rotations"][0]
    assert f"smtpcreds rotations resume {rotation_id}" in r.err
    listed = run_cli("--json", "rotations", "list", "--open").json()
    assert [x["id"] for x in listed] == [rotation_id]
    (hook_script.parent / "hook-fail").unlink()
    resumed = run_cli("--json", "rotations", "resume", rotation_id)
    assert resumed.code == 0 and resumed.json()["status"] == "done"


def test_abort_from_the_cli_says_what_it_undid(lab: Lab, cli_config: Path, run_cli: Any,
                                               hook_script: Path) -> None:
    ref = create(run_cli, "ms", "billing-app")
    (hook_script.parent / "hook-fail").write_text("1")
    rotation_id = run_cli("--json", "--profile", "ms", "creds", "rotate", ref, "--push", "hook") \
        .json()["incomplete_rotations"][0]
    r = run_cli("--json", "rotations", "abort", rotation_id, "--yes")
    assert r.code == 0, r
    assert any("deleted the new login" in a for a in r.json()["actions"])


def test_older_than_selects_by_stored_secret_age(lab: Lab, cli_config: Path, run_cli: Any) -> None:
    create(run_cli, "relay", "billing-app")
    r = run_cli("--json", "creds", "rotate", "--all", "--older-than", "90d")
    assert r.code == 0 and r.json()["total"] == 0
    r = run_cli("--json", "creds", "rotate", "--all", "--older-than", "bogus")
    assert r.code == 2


def test_audit_lists_stored_secrets_ages_consumers_and_open_rotations(lab: Lab, cli_config: Path,
                                                                     run_cli: Any) -> None:
    ref = create(run_cli, "relay", "billing-app")
    lab.emulators["smtp2go"].add_user("unmanaged-user")  # created outside smtpcreds: no stored secret
    assert run_cli("--json", "creds", "rotate", ref, "--push", "pbx").code == 0
    rows = run_cli("--json", "creds", "audit", "--profile", "relay").json()
    by_id = {row["id"]: row for row in rows}
    assert by_id[ref]["secret_stored"] is True and by_id[ref]["unbound_pushes"] == ["pbx"]  # pushed, not bound
    assert by_id[ref]["consumers"] == []
    assert by_id[ref]["secret_age_days"] == 0
    assert by_id["unmanaged-user"]["secret_stored"] is False
    assert by_id[ref]["open_rotations"] == []


def test_rotate_needs_refs_or_all(cli_config: Path, run_cli: Any) -> None:
    assert run_cli("creds", "rotate").code == 2


def test_rotate_text_output_is_one_line_per_credential(lab: Lab, cli_config: Path, run_cli: Any) -> None:
    ref = create(run_cli, "relay", "billing-app")
    r = run_cli("creds", "rotate", ref)
    assert r.code == 0 and f"rotated relay/{ref}" in r.out
    assert json.dumps(r.out)  # plain text, nothing secret
    login = run_cli("--json", "creds", "login", ref, "--reveal").json()
    assert login["password"] not in r.out
