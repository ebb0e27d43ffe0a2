"""``smtpcreds providers`` fits 80 columns; every command that reads state validates the config first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.capabilities import Capability
from smtpcreds.cli.info import render_matrix, short_names

ALL_CAPS = [c.value for c in Capability]
#: the table's columns: every capability, then whether a consumer may hold many logins
COLUMNS = [*ALL_CAPS, "multi-login"]


def test_providers_table_fits_80_columns_and_names_every_capability_whole(run_cli: Any) -> None:
    r = run_cli("providers")
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line.split() for line in lines[1:] if line and line.split()[0] in
            {"envfile", "exec", "mailersend", "smtp2go", "webitel"}]
    assert len(rows) == 5  # one line per provider
    by_name = {row[0]: row[2:] for row in rows}
    header = lines[0].split()[2:]
    codes = short_names(COLUMNS)
    assert header == [codes[c] for c in COLUMNS]
    assert by_name["smtp2go"][header.index(codes["set-password"])] == "✓"
    assert by_name["mailersend"][header.index(codes["set-password"])] == "·"
    legend = " ".join(lines[lines.index("") + 1:])
    assert by_name["exec"][header.index(codes["multi-login"])] == "✓"
    for cap in COLUMNS:  # the legend spells every heading out, none cut mid-word
        assert f"{codes[cap]} {cap}" in legend


def test_ten_providers_still_fit_80_columns() -> None:
    names = ["envfile", "exec", "mailersend", "smtp2go", "webitel", "ses", "mailgun", "sendgrid",
             "postfix", "vaultkv"]
    rows = [{"name": n, "roles": ["issuer", "consumer"] if i % 3 == 0 else ["issuer"],
             "capabilities": {c: (i + j) % 2 == 0 for j, c in enumerate(ALL_CAPS)}, "multi_login": i % 2 == 0}
            for i, n in enumerate(names)]
    lines = render_matrix(rows)
    assert max(len(line) for line in lines) <= 80
    assert [line.split()[0] for line in lines[1:11]] == names


def test_short_names_are_unique_for_new_capabilities() -> None:
    caps = [*ALL_CAPS, "settings-sync", "list-domains", "ls"]
    codes = short_names(caps)
    assert len(set(codes.values())) == len(caps)
    assert all(1 <= len(code) <= 3 for code in codes.values())


@pytest.mark.parametrize("args", [
    ["rotations", "list"], ["rotations", "list", "--open"], ["rotations", "resume", "r1"],
    ["rotations", "abort", "r1", "-y"], ["rotations", "retire", "r1", "-y"],
    ["creds", "list"], ["creds", "audit"], ["profiles"], ["settings", "show"],
], ids=" ".join)
def test_a_command_that_reads_state_rejects_an_invalid_config(run_cli: Any, tmp_path: Path,
                                                              args: list[str]) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[profiles.x]\nprovider = "no-such-provider"\n')
    r = run_cli("--config", str(cfg), *args)
    assert r.code == 2, r
    assert "no-such-provider" in r.err and r.out == ""
