"""Records of releases before credential identity (keyed by the provider's id, no id inside) are
read where they are and moved under the credential's name at their next change, on the keyring
and on a real OpenBao; and an id wins over a name (docs/concepts.md)."""

from __future__ import annotations

from typing import Any

import pytest

from smtpcreds.client import store_backend
from smtpcreds.emulator.lab import Lab
from smtpcreds.store import LoginRecord


@pytest.fixture(params=["keyring", "vault"])
def backend(request: pytest.FixtureRequest, cli_config: Any) -> str:
    if request.param == "vault":
        request.getfixturevalue("vault_env")
    return str(request.param)


def as_an_earlier_release_kept_it(profile: str, name: str, login_id: str) -> None:
    """Move credential ``name``'s record under the login's id, without ids, as releases before
    credential identity wrote it."""
    records = store_backend().records(profile)
    record, version = records.read(name)
    assert record.current is not None
    records.delete(name, version)
    records.write(login_id, LoginRecord(current=record.current, previous=record.previous), records.ABSENT)


@pytest.mark.parametrize(("profile", "strategy"), [("ms", "replace"), ("relay", "replace"), ("relay", "in-place")])
def test_a_record_keyed_by_id_is_found_by_name_and_moved_at_its_next_change(
        backend: str, lab: Lab, run_cli: Any, profile: str, strategy: str) -> None:
    made = run_cli("--json", "--profile", profile, "creds", "create", "billing-app")
    assert made.code == 0, made
    old_id = made.json()["id"]  # type: ignore[index]
    before = run_cli("--json", "--profile", profile, "creds", "login", "billing-app", "--reveal").json()
    as_an_earlier_release_kept_it(profile, "billing-app", old_id)
    records = store_backend().records(profile)
    if old_id != "billing-app":
        assert records.read("billing-app")[0].empty

    found = run_cli("--json", "--profile", profile, "creds", "login", "billing-app", "--reveal")
    assert found.code == 0 and found.json() == before, found  # read where it is
    r = run_cli("--json", "--profile", profile, "creds", "rotate", "billing-app", "--strategy", strategy)
    assert r.code == 0, r
    new_id = r.json()["results"][0]["new_credential"]  # type: ignore[index]

    record = records.read("billing-app")[0]
    assert record.id == new_id and record.current is not None and record.previous is not None
    assert record.previous.password.get_secret_value() == before["password"]
    if old_id != "billing-app":
        assert records.read(old_id)[0].empty, "the record under the old id is gone"
    after = run_cli("--json", "--profile", profile, "creds", "login", "billing-app", "--reveal").json()
    assert lab.smtp.accepts(after["username"], after["password"])  # type: ignore[index]


def test_an_id_wins_over_a_name(backend: str, lab: Lab, run_cli: Any) -> None:
    """Credential ``alpha``'s login id is also the name of another credential: the id names alpha."""
    alpha_id = run_cli("--json", "--profile", "ms", "creds", "create", "alpha").json()["id"]  # type: ignore[index]
    other = run_cli("--json", "--profile", "ms", "creds", "create", alpha_id)
    assert other.code == 0 and other.json()["credential"] == alpha_id, other  # type: ignore[index]
    shown = run_cli("--json", "--profile", "ms", "creds", "show", alpha_id).json()
    assert (shown["id"], shown["credential"]) == (alpha_id, "alpha")  # type: ignore[index]
    r = run_cli("--json", "--profile", "ms", "creds", "rotate", alpha_id)
    assert r.code == 0 and r.json()["results"][0]["name"] == "alpha", r  # type: ignore[index]
    other_now = run_cli("--json", "--profile", "ms", "creds", "show", other.json()["id"]).json()  # type: ignore[index]
    assert other_now["credential"] == alpha_id  # untouched
