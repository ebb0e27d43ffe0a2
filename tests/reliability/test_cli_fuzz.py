"""Bad command lines: random argument lists, built from the real command tree (every command,
subcommand and option, plus hostile values), run through the real entry point against the lab.

Every run must exit with a documented code (0-8), never print a traceback (unless -v asked for
one), never report an unexpected exception, and with --json print nothing or exactly one JSON
document on stdout (and its error as one JSON line on stderr).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from smtpcreds.emulator.lab import Lab

SCALE = float(os.environ.get("SMTPCREDS_FUZZ_SCALE", "1"))
DOCUMENTED_EXIT_CODES = set(range(9))
#: ``demo`` starts its own lab: covered by its own tests, too slow to run a hundred times here.
SKIPPED = {("demo",)}
VALUES = [
    "", " ", "-", "--", "x", "0", "-1", "1", "10", "101", "99999999999999999999", "1.5", "nan",
    "k=v", "=v", "k=", "description=fuzz", "status=blocked", "replace_all=true", "port=0", "tls.x=1",
    "ms", "relay", "pbx", "app-env", "hook", "nosuch", "RELAY", "90d", "0d", "-5d", "12x", "1y",
    "a@b.example", "not-an-email", "ssl", "starttls", "none", "in-place", "replace", "admin", "x" * 300,
    "r20250101000000-abcdef", "../etc/passwd", ".hidden", "a/b", "\x7f", "ü", "%00", "fuzz-app",
    "fuzz_app_clone", "7nxe3yjmeq28vp0k", "/nonexistent/config.toml",
]
#: How main() reports an exception that is not an SmtpCredsError (a bug), plain or --json.
UNEXPECTED = re.compile(r'^error: unexpected [A-Za-z_.]+:|"message": "unexpected [A-Za-z_.]+:', re.M)
GLOBAL = ["-v", "-vv", "--profile", "--profile", "--profile", "--config", "--version", "--help", "-h"]
PROFILES = ["ms", "relay", "pbx", "app-env", "hook"]


@dataclass
class Leaf:
    """A command as the fuzzer sees it: positional arguments, flags, options taking a value."""

    arguments: int = 0
    flags: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


@cache
def command_tree() -> dict[tuple[str, ...], Leaf]:
    """Every command's path (groups too: a missing subcommand is a case) from the click tree."""
    from smtpcreds.cli import cli

    ctx = click.Context(cli)
    out: dict[tuple[str, ...], Leaf] = {}

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            out[path] = Leaf()
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    walk(sub, (*path, name))
            return
        if path in SKIPPED:
            return
        leaf = out[path] = Leaf()
        for param in cmd.params:
            if isinstance(param, click.Argument):
                leaf.arguments += 1
            elif isinstance(param, click.Option):
                names = [*param.opts, *param.secondary_opts]
                (leaf.flags if param.is_flag or param.count else leaf.options).extend(names)

    walk(cli, ())
    return out


@st.composite
def argvs(draw: st.DrawFn, refs: list[str]) -> list[str]:
    """Mostly well-formed command lines with hostile values, some plain noise."""
    tree = command_tree()
    path = draw(st.sampled_from(sorted(tree)))
    leaf = tree[path]
    noise = st.one_of(st.sampled_from(VALUES), st.text(max_size=12),
                      st.sampled_from(sorted({o for lf in tree.values() for o in lf.options + lf.flags})))
    value = st.one_of(st.sampled_from(refs), st.sampled_from(VALUES), st.text(max_size=12))
    argv: list[str] = []
    if draw(st.booleans()):
        argv.append("--json")
    for _ in range(draw(st.integers(0, 2))):
        opt = draw(st.sampled_from(GLOBAL))
        argv.append(opt)
        if opt == "--profile":
            argv.append(draw(st.one_of(st.sampled_from(PROFILES), value)))
        elif opt == "--config":
            argv.append(draw(st.sampled_from(["/nonexistent.toml", "/", "/dev/null", ""])))
    argv += path
    argv += [draw(value) for _ in range(leaf.arguments)]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flag", "option", "option", "noise"]))
        if kind == "flag" and leaf.flags:
            argv.append(draw(st.sampled_from(leaf.flags)))
        elif kind == "option" and leaf.options:
            argv += [draw(st.sampled_from(leaf.options)), draw(value)]
        else:
            argv.append(draw(noise))
    return argv


def check(argv: list[str], code: int, out: str, err: str) -> None:
    assert code in DOCUMENTED_EXIT_CODES, f"exit {code} for {argv}: {err[-500:]}"
    verbose = any(a in ("-v", "-vv", "--verbose") for a in argv)
    if not verbose:
        assert "Traceback" not in err, f"traceback for {argv}: {err[-2000:]}"
    assert not UNEXPECTED.search(err), f"unexpected exception for {argv}: {err[-2000:]}"
    cut = argv[: argv.index("--")] if "--" in argv else argv
    asks_for_text = any(a in ("--help", "-h", "--version") for a in argv)
    if "--json" in cut and not asks_for_text:
        if out.strip():
            json.loads(out)  # exactly one document: a second one would not parse
        elif code != 0 and not verbose:  # (bulk rotate reports failures in its stdout document)
            lines = [line for line in err.splitlines() if line.startswith('{"error"')]
            assert len(lines) == 1, f"--json error is not one JSON line for {argv}: {err[-800:]}"
            assert set(json.loads(lines[0])["error"]) >= {"type", "message", "status", "provider", "fields"}


@pytest.fixture(autouse=True)
def work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths the fuzzer hands to options that write (``metrics --textfile x``) land here,
    not in the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def refs(lab: Lab, lab_config: dict[str, Any], run_cli: Any, fast_verify: None) -> list[str]:
    """Credentials that exist at both issuers, so random commands also hit real ones."""
    made = [run_cli("--json", "creds", "create", "fuzz-app").json(),
            run_cli("--json", "--profile", "ms", "creds", "create", "fuzz-app").json()]
    return [c["id"] for c in made]  # type: ignore[index]


@settings(max_examples=max(1, int(150 * SCALE)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), stdin=st.sampled_from(["", "\n", "Stdin-Secret-0123456789\n", "x"]))
def test_any_command_line_exits_with_a_documented_code(data: st.DataObject, stdin: str, run_cli: Any,
                                                        refs: list[str]) -> None:
    argv = data.draw(argvs(refs), label="argv")
    r = run_cli(*argv, stdin=stdin)
    event(f"exit {r.code}")
    check(argv, r.code, r.out, r.err)


@pytest.mark.parametrize("argv", [
    ["--json"], ["--json", "creds"], ["--json", "nosuch"], ["--json", "--profile"],
    ["--json", "creds", "list", "--limit", "x"], ["--json", "--config", "/", "creds", "list"],
    ["--json", "--profile", "nosuch", "creds", "list"], ["--json", "rotations", "resume", "../x"],
    ["--json", "creds", "rotate"], ["--json", "creds", "rotate", "--older-than", "soon", "--all"],
    ["--json", "settings", "set", "--profile", "pbx"], ["--json", "creds", "create", "x" * 300],
], ids=lambda a: " ".join(a)[:40])
def test_bad_command_lines_give_one_json_error_and_a_usage_code(argv: list[str], run_cli: Any,
                                                                lab_config: dict[str, Any]) -> None:
    r = run_cli(*argv)
    check(argv, r.code, r.out, r.err)
    assert r.code in (2, 3, 5) and r.out == ""
