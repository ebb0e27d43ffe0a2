"""``smtpcreds demo`` end to end, in-process."""

from __future__ import annotations

from typing import Any

import keyring


def test_demo_json_reports_every_step_and_the_smtp_checks(run_cli: Any) -> None:
    before = keyring.get_keyring()
    r = run_cli("--json", "demo")
    assert r.code == 0, r
    doc = r.json()
    assert doc["ok"] is True
    steps = {s["step"]: s for s in doc["steps"]}
    assert {"create", "push", "rotate relay", "rotate ms", "consumers hold the new logins", "clean up"} <= set(steps)
    checks = [s for s in doc["steps"] if s["step"].startswith("smtp check")]
    assert len(checks) == 4 and all(s["ok"] for s in checks)
    assert [s["accepted"] for s in checks] == [False, True, False, True]
    assert keyring.get_keyring() is before  # the user's keyring backend is back in place


def test_demo_narrative_on_a_terminal_ends_with_all_checks_passed(run_cli: Any) -> None:
    r = run_cli("demo")
    assert r.code == 0 and "all checks passed" in r.out
