"""The agent's least-privilege policy, against a real OpenBao: the agent works with exactly the
policy docs/fleet.md ships (and no API key), which denies it API secrets, journals, leases, other
hosts' reports and any write outside its own path."""

from __future__ import annotations

import re
from pathlib import Path

from smtpcreds.client import connect, secret_store, stored_login
from smtpcreds.fleet import agent_policy, rotator_policy
from smtpcreds.store import login_identity
from smtpcreds.testing.openbao import OpenBao

from .conftest import MakeHost, env_consumer

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fleet.md"


def test_the_agent_works_with_only_its_policy_and_no_api_key(
        rotator: Path, make_fleet_host: MakeHost, tmp_path: Path) -> None:
    with connect("relay") as relay:
        relay.credentials.create("billing-app")
    login = stored_login("relay", "billing-app")
    app = tmp_path / "app.env"
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app")})
    assert "api_key" not in host.config.read_text() and "relay]" not in host.config.read_text()

    report = host.once()

    assert f"SMTP_PASSWORD={login.password.get_secret_value()}" in app.read_text()
    assert report["consumers"][0]["holds"] == login_identity("relay", "billing-app", login)
    assert host.report() == {k: v for k, v in report.items() if k != "failed"}


def test_the_policy_denies_api_secrets_journals_leases_and_other_hosts(
        rotator: Path, make_fleet_host: MakeHost, prefix: str, openbao: OpenBao, tmp_path: Path) -> None:
    from .hosts import api, status

    with connect("relay") as relay:
        relay.credentials.create("billing-app")
    web1 = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "1.env", "relay/billing-app")})
    web2 = make_fleet_host("web2", {"app-env": env_consumer(tmp_path / "2.env", "relay/billing-app")})
    web2.once()
    api(openbao, "POST", f"secret/data/{prefix}/profiles/relay:api_key", data={"value": "Api-Key-0123456789"})
    api(openbao, "POST", f"secret/data/{prefix}/rotations/r1", data={"journal": "{}"})
    api(openbao, "POST", f"secret/data/{prefix}/leases/relay/billing-app", data={"host": "x"})
    data, meta = f"secret/data/{prefix}", f"secret/metadata/{prefix}"
    token = web1.token

    allowed = {
        ("GET", f"{data}/logins/relay/billing-app"): 200,
        ("LIST", f"{meta}/logins/relay"): 200,
        ("POST", f"{data}/hosts/web1"): 200,
        ("GET", f"{data}/hosts/web1"): 200,
        ("POST", f"{data}/hosts/web1/note"): 200,
        ("DELETE", f"{meta}/hosts/web1/note"): 204,
    }
    denied = [
        ("GET", f"{data}/profiles/relay:api_key"), ("LIST", f"{meta}/profiles"),
        ("GET", f"{data}/rotations/r1"), ("LIST", f"{meta}/rotations"),
        ("GET", f"{data}/leases/relay/billing-app"), ("POST", f"{data}/leases/relay/billing-app"),
        ("GET", f"{data}/hosts/web2"), ("POST", f"{data}/hosts/web2"), ("LIST", f"{meta}/hosts"),
        ("DELETE", f"{meta}/hosts/web2"), ("DELETE", f"{meta}/hosts/web1"),
        ("POST", f"{data}/logins/relay/billing-app"), ("DELETE", f"{meta}/logins/relay/billing-app"),
        ("POST", f"{data}/write-check/relay/x"), ("GET", f"{data}/blobs/relay/session"),
    ]
    body = {"data": {"note": "x"}}
    seen = {key: status(openbao, key[0], key[1], token, **(body if key[0] == "POST" else {})) for key in allowed}
    assert seen == allowed
    refused = {key: status(openbao, key[0], key[1], token, **(body if key[0] == "POST" else {})) for key in denied}
    assert refused == {key: 403 for key in denied}
    assert secret_store("relay").get("billing-app") is not None  # (the rotator still reads everything)


def _hcl_blocks(page: str) -> list[str]:
    return re.findall(r"^```hcl\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)


def test_the_documented_policies_are_the_tested_ones() -> None:
    blocks = _hcl_blocks(DOCS.read_text(encoding="utf-8"))
    assert agent_policy("web1") in blocks
    assert rotator_policy() in blocks
