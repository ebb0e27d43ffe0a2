"""Every issuer's rotation that gives a credential a new login (replace; SES: regenerate), twice in
a row, with a .env consumer bound to the credential by name: the binding holds, the store's one
record follows the login, the old one is refused, and the audit says in sync."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab

from .conftest import connect, holds

Bind = Callable[..., dict[str, Path]]


@pytest.mark.parametrize(("profile", "strategy"), [
    ("ms", "replace"), ("relay", "replace"), ("mailgun", "replace"), ("sendgrid", "replace"), ("ses", "regenerate"),
    ("resend", "replace"), ("mailtrap", "replace"),
])
def test_two_rotations_in_a_row_keep_the_binding_and_the_one_record(lab: Lab, bind: Bind, run_cli: Any,
                                                                     profile: str, strategy: str) -> None:
    bind(app_env=f"{profile}/billing")
    made = run_cli("--json", "--profile", profile, "creds", "create", "billing")
    assert made.code == 0, made
    ids = [made.json()["id"]]  # type: ignore[index]
    with connect(profile) as conn:
        logins = [conn.store.get("billing")]
    for night in (1, 2):
        r = run_cli("--json", "--profile", profile, "creds", "rotate", "billing", "--strategy", strategy)
        assert r.code == 0, (night, r)
        [result] = r.json()["results"]  # type: ignore[index]
        assert result["name"] == "billing" and result["pushed"] == ["app-env"], result
        ids.append(result["new_credential"])
        with connect(profile) as conn:
            record = conn.store.record("billing")
            current = record.current
            assert current is not None and record.pending is None and record.id == ids[-1]
            listed = [c for c in conn.credentials.list() if c.credential == "billing"]
            assert [c.id for c in listed] == [ids[-1]], "one login of the credential, the new one"
        assert holds("app-env", current), f"night {night}: the .env does not hold the current login"
        assert lab.smtp.accepts(current.username, current.password.get_secret_value())
        old = logins[-1]
        assert old is not None and old.password.get_secret_value() != current.password.get_secret_value()
        assert not lab.smtp.accepts(old.username, old.password.get_secret_value()), "the old login still works"
        logins.append(current)
        audit = run_cli("--json", "creds", "audit", "--profile", profile)
        [row] = [c for c in audit.json() if c["credential"] == "billing"]  # type: ignore[union-attr]
        assert (row["credential"], row["id"], row["current"]) == ("billing", ids[-1], True)
        assert [(c["consumer"], c["state"]) for c in row["consumers"]] == [("app-env", "in sync")], row
    if strategy == "regenerate":
        assert ids[0] == ids[1] == ids[2]  # the IAM user stays; its access key (the username) changes
    else:
        assert len(set(ids)) == (2 if profile in ("relay", "mailgun") else 3)  # (two alternate names)
