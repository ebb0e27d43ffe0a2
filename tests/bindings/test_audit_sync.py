"""creds audit shows each bound consumer's state; settings sync puts stale ones right."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

import smtpcreds
from smtpcreds.emulator.lab import Lab

from .conftest import Configure, hook_received, stored


def consumers(rows: Any, ref: str) -> dict[str, dict[str, Any]]:
    [row] = [r for r in rows if r["id"] == ref]
    return {c["consumer"]: c for c in row["consumers"]}


def rotated_pair(run_cli: Any) -> None:
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0
    assert run_cli("creds", "rotate", "--all").code == 0


def test_audit_reports_each_consumer_under_its_own_credential_in_sync(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", shop_env="relay/shop-app", pbx="relay/shop-app")
    rotated_pair(run_cli)

    rows = run_cli("--json", "creds", "audit").json()

    assert {k: v["state"] for k, v in consumers(rows, "billing-app").items()} == {"billing-env": "in sync"}
    assert {k: v["state"] for k, v in consumers(rows, "shop-app").items()} == {"pbx": "in sync", "shop-env": "in sync"}


def test_a_hand_edited_env_file_is_stale_naming_the_login_it_holds_and_sync_repairs_it(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", shop_env="relay/shop-app")
    rotated_pair(run_cli)
    shop = stored(run_cli, "shop-app")
    path = env_files["billing"]
    path.write_text(path.read_text().replace(dotenv_values(path)["SMTP_USER"] or "", shop["username"])
                    .replace(dotenv_values(path)["SMTP_PASSWORD"] or "", shop["password"]))

    stale = consumers(run_cli("--json", "creds", "audit").json(), "billing-app")["billing-env"]
    dry = run_cli("--json", "settings", "sync", "--dry-run").json()
    after_dry_run = path.read_text()
    synced = run_cli("--json", "settings", "sync")

    assert (stale["state"], stale["holds"]) == ("stale", "relay/shop-app")
    assert [(a["consumer"], a["action"]) for a in dry["actions"]] == [("billing-env", "would push"),
                                                                       ("shop-env", "none")]
    assert f"SMTP_USER={shop['username']}" in after_dry_run
    assert synced.code == 0, synced
    assert [(a["consumer"], a["action"]) for a in synced.json()["actions"]] == [("billing-env", "pushed"),
                                                                                 ("shop-env", "none")]
    billing = stored(run_cli, "billing-app")
    assert dotenv_values(path)["SMTP_PASSWORD"] == billing["password"]
    after = consumers(run_cli("--json", "creds", "audit").json(), "billing-app")["billing-env"]
    assert after["state"] == "in sync"


def test_a_consumer_still_holding_the_previous_login_is_stale_naming_it(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure(pbx="relay/billing-app")
    assert run_cli("creds", "create", "billing-app").code == 0
    assert run_cli("creds", "rotate", "billing-app").code == 0
    assert run_cli("creds", "rotate", "billing-app", "--no-push").code == 0

    pbx = consumers(run_cli("--json", "creds", "audit").json(), "billing-app")["pbx"]
    text = run_cli("creds", "audit").out

    assert (pbx["state"], pbx["holds"]) == ("stale", "the previous login of relay/billing-app")
    assert "pbx: stale" in text


def test_an_unreadable_consumer_shows_its_error_on_one_line(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app")
    assert run_cli("creds", "create", "billing-app").code == 0
    env_files["billing"].write_text("SMTP_PORT=twenty-five\n")

    state = consumers(run_cli("--json", "creds", "audit").json(), "billing-app")["billing-env"]

    assert state["state"] == "unreadable" and "\n" not in state["detail"] and state["detail"]


def test_an_exec_hook_is_unknown_with_the_last_push_and_sync_pushes_it_only_when_named(
    lab: Lab, configure: Configure, hook_log: Path, run_cli: Any
) -> None:
    configure(hook="relay/*")
    rotated_pair(run_cli)
    hook_log.unlink()

    rows = run_cli("--json", "creds", "audit").json()
    by_default = run_cli("--json", "settings", "sync").json()
    named = run_cli("--json", "settings", "sync", "hook").json()

    hook = consumers(rows, "billing-app")["hook"]
    assert hook["state"] == "unknown" and hook["last_push"] and hook["last_push_at"]
    assert {a["action"] for a in by_default["actions"]} == {"none"}
    assert sorted((a["credential"], a["action"]) for a in named["actions"]) == [
        ("billing-app", "pushed"), ("shop-app", "pushed")]
    assert sorted(r["credential"] for r in hook_received(hook_log)) == ["billing-app", "shop-app"]


def test_a_consumer_pushed_without_a_binding_is_listed_apart(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure()
    assert run_cli("creds", "create", "billing-app").code == 0
    assert run_cli("creds", "rotate", "billing-app", "--push", "billing-env").code == 0

    [row] = [r for r in run_cli("--json", "creds", "audit").json() if r["id"] == "billing-app"]

    assert row["consumers"] == [] and row["unbound_pushes"] == ["billing-env"]


def test_the_python_api_rotates_to_bound_consumers_audits_and_syncs(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app")
    with smtpcreds.connect("relay") as relay:
        relay.credentials.create("billing-app")
        result = smtpcreds.rotate(relay, "billing-app")
    env_files["billing"].write_text("SMTP_USER=someone\n")

    report = smtpcreds.audit(["relay"])
    actions = smtpcreds.sync(["billing-env"])

    assert result.pushed == ["billing-env"]
    assert [(c.consumer, c.state, c.holds) for c in report.credentials[0].consumers] == [
        ("billing-env", "stale", "username someone")]
    assert [(a.consumer, a.action) for a in actions] == [("billing-env", "pushed")]
    assert smtpcreds.audit(["relay"]).credentials[0].consumers[0].state == "in sync"


def test_sync_of_an_unbound_consumer_is_a_usage_error(lab: Lab, configure: Configure, run_cli: Any) -> None:
    configure()

    result = run_cli("settings", "sync", "billing-env")

    assert result.code == 2 and "not bound" in result.err


def test_no_secret_reaches_audit_or_sync_output(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", hook="relay/*")
    assert run_cli("creds", "create", "billing-app").code == 0
    env_files["billing"].write_text("SMTP_USER=x\n")
    outputs = [run_cli(*m, "creds", "audit") for m in ([], ["--json"])]
    outputs += [run_cli(*m, "settings", "sync", "billing-env", "hook") for m in ([], ["--json"])]
    secret = stored(run_cli, "billing-app")["password"]

    assert all(r.code == 0 for r in outputs), outputs
    assert [r for r in outputs if secret in r.out + r.err] == []
    assert json.loads(outputs[3].out)["actions"][0]["action"] == "none"  # repaired by the first sync


def test_sync_gives_a_rebuilt_pbx_the_login_bound_to_it(lab: Lab, configure: Configure, run_cli: Any) -> None:
    configure(pbx="relay/shop-app")
    rotated_pair(run_cli)
    assert run_cli("--profile", "pbx", "settings", "delete", "--yes").code == 0

    before = consumers(run_cli("--json", "creds", "audit").json(), "shop-app")["pbx"]
    synced = run_cli("--json", "settings", "sync", "pbx").json()

    assert before["state"] == "stale"
    assert [(a["consumer"], a["credential"], a["action"]) for a in synced["actions"]] == [
        ("pbx", "shop-app", "pushed")]
    shop = stored(run_cli, "shop-app")
    pbx = run_cli("--json", "--profile", "pbx", "settings", "show", "--reveal").json()
    assert (pbx["username"], pbx["password"]) == (shop["username"], shop["password"])
