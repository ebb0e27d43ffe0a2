"""Rotations push each new login to the consumers bound to it, and refuse pushes that would
put a login where another belongs (issue: thirteen logins, one .env, the last one wins)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from smtpcreds.emulator.lab import Lab

from .conftest import Configure, hook_received, stored


def two_logins(run_cli: Any) -> None:
    for name in ("billing-app", "shop-app"):
        assert run_cli("--json", "creds", "create", name).code == 0


def test_rotate_all_puts_each_new_login_in_its_own_env_file_and_the_pbx(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", shop_env="relay/shop-app", pbx="relay/shop-app")
    two_logins(run_cli)

    rotated = run_cli("--json", "creds", "rotate", "--all")

    assert rotated.code == 0, rotated
    pushed = {r["credential"]: r["pushed"] for r in rotated.json()["results"]}
    assert pushed == {"billing-app": ["billing-env"], "shop-app": ["pbx", "shop-env"]}
    billing, shop = stored(run_cli, "billing-app"), stored(run_cli, "shop-app")
    for app, login in (("billing", billing), ("shop", shop)):
        env = dotenv_values(env_files[app])
        assert (env["SMTP_USER"], env["SMTP_PASSWORD"]) == (login["username"], login["password"])
        assert lab.smtp.accepts(login["username"], login["password"])
    pbx = run_cli("--json", "--profile", "pbx", "settings", "show", "--reveal").json()
    assert (pbx["username"], pbx["password"]) == (shop["username"], shop["password"])


def test_rotate_all_with_push_to_a_bound_env_file_exits_2_and_changes_nothing(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", shop_env="relay/shop-app")
    two_logins(run_cli)
    before = {ref: stored(run_cli, ref) for ref in ("billing-app", "shop-app")}
    files = {app: path.read_text() for app, path in env_files.items()}

    refused = run_cli("creds", "rotate", "--all", "--push", "billing-env")

    assert refused.code == 2, refused
    assert "billing-env" in refused.err and "relay/billing-app" in refused.err
    assert {ref: stored(run_cli, ref) for ref in before} == before
    assert {app: path.read_text() for app, path in env_files.items()} == files
    assert run_cli("--json", "rotations", "list").json() == []


def test_push_to_an_unbound_single_login_consumer_is_refused_when_several_are_rotated(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure()
    two_logins(run_cli)

    refused = run_cli("creds", "rotate", "billing-app", "shop-app", "--push", "billing-env")

    assert refused.code == 2, refused
    assert "holds a single login" in refused.err and "billing-env" in refused.err


def test_push_to_a_consumer_bound_to_another_login_is_refused(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app")
    two_logins(run_cli)
    before = stored(run_cli, "shop-app")

    refused = run_cli("creds", "rotate", "shop-app", "--push", "billing-env")

    assert refused.code == 2
    assert "bound to relay/billing-app" in refused.err
    assert stored(run_cli, "shop-app") == before


def test_push_to_an_unbound_consumer_of_one_rotation_still_works(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure()
    two_logins(run_cli)

    rotated = run_cli("--json", "creds", "rotate", "billing-app", "--push", "billing-env")

    assert rotated.code == 0, rotated
    assert dotenv_values(env_files["billing"])["SMTP_PASSWORD"] == stored(run_cli, "billing-app")["password"]


def test_no_push_skips_bound_consumers_and_says_so(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", pbx="relay/billing-app")
    two_logins(run_cli)
    before = env_files["billing"].read_text()

    rotated = run_cli("creds", "rotate", "billing-app", "--no-push")
    as_json = run_cli("--json", "creds", "rotate", "billing-app", "--no-push").json()

    assert rotated.code == 0, rotated
    assert "not pushed (--no-push): billing-env, pbx" in rotated.out
    assert as_json["results"][0]["pushed"] == [] and as_json["results"][0]["push_skipped"] == ["billing-env", "pbx"]
    assert env_files["billing"].read_text() == before


def test_a_multi_login_hook_bound_to_every_credential_receives_each_login_with_its_id(
    lab: Lab, configure: Configure, hook_log: Path, run_cli: Any
) -> None:
    configure(hook="relay/*")
    two_logins(run_cli)

    rotated = run_cli("--json", "creds", "rotate", "--all")

    assert rotated.code == 0, rotated
    got = {r["credential"]: r for r in hook_received(hook_log)}
    assert set(got) == {"billing-app", "shop-app"}
    for ref, payload in got.items():
        login = stored(run_cli, ref)
        assert payload["issuer"] == "relay"
        assert (payload["username"], payload["password"]) == (login["username"], login["password"])


def test_a_hook_bound_to_a_list_gets_only_those_logins(
    lab: Lab, configure: Configure, hook_log: Path, run_cli: Any
) -> None:
    configure(hook=["relay/shop-app"])
    two_logins(run_cli)

    assert run_cli("creds", "rotate", "--all").code == 0

    assert [r["credential"] for r in hook_received(hook_log)] == ["shop-app"]


def test_resume_after_a_failed_bound_push_pushes_only_to_the_rest(
    lab: Lab, configure: Configure, env_files: dict[str, Path], hook_flag: Path, hook_log: Path, run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app", hook="relay/*")
    assert run_cli("creds", "create", "billing-app").code == 0
    hook_flag.touch()

    stopped = run_cli("--json", "creds", "rotate", "billing-app")

    assert stopped.code == 8, stopped
    assert "still holding the old login: hook" in stopped.json()["results"][0]["error"]["message"]
    hook_flag.unlink()
    env_files["billing"].write_text("hand edited\n")  # not rewritten: it already got the login
    rotation_id = stopped.json()["incomplete_rotations"][0]

    resumed = run_cli("--json", "rotations", "resume", rotation_id)

    assert resumed.code == 0, resumed
    assert resumed.json()["pushed"] == ["billing-env", "hook"]
    assert env_files["billing"].read_text() == "hand edited\n"
    login = stored(run_cli, "billing-app")
    assert [(r["credential"], r["password"]) for r in hook_received(hook_log)] == [("billing-app", login["password"])]


def test_dry_run_lists_each_credentials_bound_consumers(lab: Lab, configure: Configure, run_cli: Any) -> None:
    configure(billing_env="relay/billing-app", shop_env="relay/shop-app", hook="relay/*")
    two_logins(run_cli)

    plan = run_cli("--json", "creds", "rotate", "--all", "--dry-run").json()["plan"]
    skipped = run_cli("--json", "creds", "rotate", "--all", "--dry-run", "--no-push").json()["plan"]

    assert {p["credential"]: p["push"] for p in plan} == {"billing-app": ["billing-env", "hook"],
                                                          "shop-app": ["hook", "shop-env"]}
    assert [p["push"] for p in skipped] == [[], []]


def test_an_unbound_multi_login_hook_may_be_pushed_every_login_of_a_bulk_rotation(
    lab: Lab, configure: Configure, hook_log: Path, run_cli: Any
) -> None:
    configure()
    two_logins(run_cli)

    rotated = run_cli("--json", "creds", "rotate", "--all", "--push", "hook")

    assert rotated.code == 0, rotated
    assert sorted(r["credential"] for r in hook_received(hook_log)) == ["billing-app", "shop-app"]


def test_push_to_a_consumer_bound_to_the_rotated_login_pushes_it_once(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure(billing_env="relay/billing-app")
    two_logins(run_cli)

    rotated = run_cli("--json", "creds", "rotate", "billing-app", "--push", "billing-env")

    assert rotated.code == 0, rotated
    assert rotated.json()["results"][0]["pushed"] == ["billing-env"]


def test_a_misspelt_push_in_a_bulk_rotation_names_the_missing_profile(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure()
    two_logins(run_cli)

    result = run_cli("creds", "rotate", "--all", "--push", "biling-env")

    assert result.code == 2 and "no profile named 'biling-env'" in result.err
