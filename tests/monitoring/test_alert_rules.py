"""docs/monitoring/alerts.yml: valid rules, unit tests that pass, and unit tests that would catch
an alert that never fires or always fires."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from smtpcreds.metrics.exposition import FAMILIES, GENERATED

from .conftest import RULE_TESTS, RULES

Promtool = Callable[..., subprocess.CompletedProcess[str]]


def alerts() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def names() -> list[str]:
    return [rule["alert"] for rule in alerts()]


def test_the_rules_are_valid(promtool: Promtool) -> None:
    checked = promtool("check", "rules", str(RULES))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout


def test_the_rule_unit_tests_pass(promtool: Promtool) -> None:
    tested = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_there_is_an_alert_for_each_thing_the_issue_asks_to_watch() -> None:
    assert names() == ["SmtpcredsLoginTooOld", "SmtpcredsRotationOpen", "SmtpcredsConsumerOutOfSync",
                       "SmtpcredsAgentSilent", "SmtpcredsRolloutPending", "SmtpcredsMetricsStale"]


def test_every_alert_has_a_case_where_it_fires_and_one_where_it_is_silent() -> None:
    doc = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    cases = [case for test in doc["tests"] for case in test["alert_rule_test"]]

    for name in names():
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case["exp_alerts"] for case in mine), f"{name} never expected to fire"
        assert any(not case["exp_alerts"] for case in mine), f"{name} never expected to be silent"


def test_the_rules_read_only_series_smtpcreds_exports() -> None:
    import re

    exported = {f.name for f in (*FAMILIES, GENERATED)}

    used = {m for rule in alerts() for m in re.findall(r"\bsmtpcreds_\w+", rule["expr"])}

    assert used and used <= exported


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("broken", ["vector(1)", "vector(0) > 1"], ids=["always-fires", "never-fires"])
def test_the_unit_tests_catch_an_alert_that_always_or_never_fires(
    name: str, broken: str, promtool: Promtool, tmp_path: Path
) -> None:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in doc["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == name:
                rule["expr"] = broken
    (tmp_path / RULES.name).write_text(yaml.safe_dump(doc), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)

    tested = promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)

    assert tested.returncode != 0 and name in tested.stdout + tested.stderr
