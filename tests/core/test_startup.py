"""Start-up: ``--help`` and completion list plugin commands from a cache, and stay off heavy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from smtpcreds.cli import _help_width, plugin_commands
from smtpcreds.plugins import plugins, reset_plugin_manager

#: (modules the interpreter's own start-up imported, e.g. through a site .pth, do not count)
PROBE = (
    "import sys\n"
    "before = set(sys.modules)\n"
    "from smtpcreds.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    "print(sorted(m for m in ('pluggy', 'shutil', 'smtpcreds_mailersend') if m in set(sys.modules) - before),"
    " file=sys.stderr)\n"
)


def probe(tmp_path: Path, *args: str, **env: str) -> tuple[str, str]:
    """stdout, and the watched modules the process imported (last line of stderr)."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr.strip().splitlines()[-1]


def test_help_lists_plugin_commands_from_the_cache_without_loading_plugins(tmp_path: Path) -> None:
    first, imported_first = probe(tmp_path, "--help")
    assert "mailersend" in first and "creds" in first
    assert "smtpcreds_mailersend" in imported_first  # no cache yet: plugins loaded, cache written
    assert plugin_commands.cache_file() is not None and os.path.exists(str(plugin_commands.cache_file()))

    second, imported_second = probe(tmp_path, "--help")
    assert second == first
    assert imported_second == "[]"  # neither pluggy, nor a plugin, nor shutil


def test_completion_of_command_names_uses_the_cache(tmp_path: Path) -> None:
    env = {"_SMTPCREDS_COMPLETE": "bash_complete", "COMP_WORDS": "smtpcreds ", "COMP_CWORD": "1"}
    first, _ = probe(tmp_path, **env)
    second, imported = probe(tmp_path, **env)
    assert first == second
    names = {line.split(",", 1)[1] for line in second.split()}
    assert {"auth", "creds", "demo", "mailersend", "profiles", "providers", "rotations", "settings"} <= names
    assert imported == "[]"
    options, _ = probe(tmp_path, **{**env, "COMP_WORDS": "smtpcreds --js"})
    assert options.split() == ["plain,--json"]


def test_a_stale_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins().register_commands(click.Group())  # plugin packages imported, as when the cache is written
    plugin_commands.write([("mailersend", "from the cache")])
    assert plugin_commands.read() == [("mailersend", "from the cache")]

    monkeypatch.setenv("SMTPCREDS_DISABLE_PLUGINS", "exec")  # other entry points in use
    assert plugin_commands.read() is None
    monkeypatch.delenv("SMTPCREDS_DISABLE_PLUGINS")
    assert plugin_commands.read() is not None

    cache = Path(str(plugin_commands.cache_file()))
    stamped = [line.split(" ", 3)[3] for line in cache.read_text().splitlines() if line.startswith("file ")]
    assert any(p.endswith(os.path.join("smtpcreds_mailersend", "cli.py")) for p in stamped)
    edited = next(p for p in stamped if p.endswith("cli.py"))
    st = os.stat(edited)
    try:
        os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the plugin was edited
        assert plugin_commands.read() is None
    finally:
        os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))
    reset_plugin_manager()


def test_cache_can_be_turned_off_and_a_broken_file_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(str(plugin_commands.cache_file()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe not a cache")
    assert plugin_commands.read() is None
    monkeypatch.setenv("SMTPCREDS_CACHE_DIR", "off")
    assert plugin_commands.cache_file() is None
    plugin_commands.write([("x", "y")])  # nothing to write, nothing raised
    assert plugin_commands.read() is None


def test_the_cache_is_not_used_with_a_plugin_manager_given_by_a_test(run_cli: object) -> None:
    plugin_commands.write([("ghost", "a command no plugin provides")])
    from smtpcreds.plugins import new_plugin_manager

    reset_plugin_manager(new_plugin_manager())
    r = run_cli("--help")  # type: ignore[operator]
    assert "ghost" not in r.out and "mailersend" in r.out


@pytest.mark.parametrize("columns", ["40", "60", "100", "300"])
def test_help_width_is_clicks_own(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert _help_width(None) == click.HelpFormatter().width
    assert _help_width(120) == click.HelpFormatter(max_width=120).width
