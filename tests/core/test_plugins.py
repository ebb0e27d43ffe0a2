"""The plugin system: lazy manager, entry points, hooks, blocking, misspelt hooks."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pluggy
import pytest

from smtpcreds import hookspecs
from smtpcreds.hookspecs import hookimpl
from smtpcreds.plugins import Plugins, new_plugin_manager, plugins, reset_plugin_manager

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def fresh_pm() -> Any:
    """A manager with no entry points loaded, installed as the process-wide one for the test."""
    pm = new_plugin_manager(load_entry_points=False)
    reset_plugin_manager(pm)
    yield pm
    reset_plugin_manager()


def test_builtin_providers_load_through_entry_points() -> None:
    names = set(Plugins(new_plugin_manager()).providers)
    assert {"mailersend", "smtp2go", "webitel", "envfile", "exec"} <= names


def test_register_providers_hook_adds_a_provider(fresh_pm: pluggy.PluginManager) -> None:
    from smtpcreds.interfaces import Provider

    class Dummy(Provider):
        name = "dummy"
        capabilities = frozenset()

    plugin = ModuleType("dummy_plugin")
    plugin.smtpcreds_register_providers = hookimpl(lambda register: register(Dummy))  # type: ignore[attr-defined]
    fresh_pm.register(plugin)
    assert Plugins(fresh_pm).providers == {"dummy": Dummy}


def test_register_commands_hook_adds_a_cli_group(fresh_pm: pluggy.PluginManager) -> None:
    @click.group()
    def extra() -> None:
        """Extra."""

    plugin = ModuleType("cmd_plugin")
    plugin.smtpcreds_register_commands = hookimpl(lambda cli: cli.add_command(extra))  # type: ignore[attr-defined]
    fresh_pm.register(plugin)
    group = click.Group("root")
    Plugins(fresh_pm).register_commands(group)
    assert "extra" in group.commands


def test_rotation_step_hook_receives_events_and_cannot_break_rotation(fresh_pm: pluggy.PluginManager) -> None:
    from smtpcreds.rotation.events import RotationEvent

    seen: list[RotationEvent] = []

    class Observer:
        @hookimpl
        def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
            seen.append(event)

    class Broken:
        @hookimpl
        def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
            raise RuntimeError("observer bug")

    fresh_pm.register(Observer())
    fresh_pm.register(Broken())
    event = RotationEvent(rotation_id="r1", profile="p", provider="x", credential="c", strategy="in-place",
                          step="plan", outcome="done")
    Plugins(fresh_pm).rotation_step(event)
    assert seen == [event]


def test_a_misspelt_hook_is_rejected() -> None:
    pm = new_plugin_manager(load_entry_points=False)

    class Typo:
        @hookimpl
        def smtpcreds_register_provider(self, register: Any) -> None:  # missing "s"
            pass

    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_disable_plugins_blocks_named_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_DISABLE_PLUGINS", "exec, envfile")
    names = set(Plugins(new_plugin_manager()).providers)
    assert "exec" not in names and "envfile" not in names and "smtp2go" in names


def test_manager_is_built_lazily_and_once() -> None:
    from smtpcreds import plugins as plugins_mod

    reset_plugin_manager()
    assert plugins_mod._pm is None
    first = plugins_mod.get_plugin_manager()
    assert plugins_mod.get_plugin_manager() is first
    reset_plugin_manager()


def test_core_never_imports_a_plugin() -> None:
    core = Path(hookspecs.__file__).parent
    for path in core.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) smtpcreds_\w+", text, re.M), path


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    guide = (DOCS / "plugins.md").read_text()
    hooks = [name for name in dir(hookspecs) if name.startswith("smtpcreds_")]
    assert hooks
    for name in hooks:
        assert f"`{name}" in guide, f"{name} is not documented in docs/plugins.md"


def test_entry_points_are_read_as_importlib_metadata_reads_them() -> None:
    import importlib.metadata

    from smtpcreds.plugins import entry_points

    found = entry_points("smtpcreds")
    assert found is not None
    expected = {(ep.name, ep.value) for ep in importlib.metadata.entry_points(group="smtpcreds")}
    assert set(found) == expected


def _fresh_python(code: str) -> str:
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SMTPCREDS_CONFIG": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_help_reads_entry_points_without_importlib_metadata() -> None:
    out = _fresh_python(
        "import sys, io, contextlib\nfrom smtpcreds.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "print('importlib.metadata' in sys.modules)"
    )
    assert out == "False"


def test_looking_up_one_provider_imports_only_its_plugin() -> None:
    out = _fresh_python(
        "import sys\nfrom smtpcreds.plugins import plugins\n"
        "cls = plugins().provider('mailersend')\n"
        "print(cls.name, sorted(m for m in sys.modules if m.endswith('.provider')))"
    )
    assert out == "mailersend ['smtpcreds_mailersend.provider']"


def test_a_provider_from_a_differently_named_plugin_is_found(fresh_pm: pluggy.PluginManager) -> None:
    from smtpcreds.interfaces import Provider

    class Dummy(Provider):
        name = "dummy"
        capabilities = frozenset()

    plugin = ModuleType("dummy_plugin")
    plugin.smtpcreds_register_providers = hookimpl(lambda register: register(Dummy))  # type: ignore[attr-defined]
    fresh_pm.register(plugin, name="not-dummy")
    assert Plugins(fresh_pm).provider("dummy") is Dummy
    assert "dummy" in Plugins(fresh_pm).providers and "other" not in Plugins(fresh_pm).providers


def test_the_public_plugin_surface_lists_and_loads_every_name() -> None:
    import smtpcreds.plugin as surface

    assert sorted(surface.__all__) == sorted(surface._NAMES)
    for name in surface.__all__:
        assert getattr(surface, name) is not None


def test_built_in_plugins_import_the_core_only_through_the_public_surface() -> None:
    import re
    from pathlib import Path

    plugins_dir = Path(__file__).resolve().parents[2] / "plugins"
    private = [f"{path.relative_to(plugins_dir)}: {m}" for path in sorted(plugins_dir.rglob("*.py"))
               for m in re.findall(r"^\s*(?:from|import) (smtpcreds(?:\.\w+)*)", path.read_text(), re.M)
               if m not in ("smtpcreds", "smtpcreds.plugin")]
    assert not private, private


def test_no_issuer_plugin_touches_the_secret_store() -> None:
    """The core keeps every new secret (smtpcreds.newsecret); an issuer only sends what it is given."""
    import importlib
    from pathlib import Path

    from smtpcreds.capabilities import ISSUER

    issuers = [cls for cls in plugins().providers.values() if cls.capabilities & ISSUER]
    assert len(issuers) >= 5
    for cls in issuers:
        package = Path(importlib.import_module(cls.__module__.split(".")[0]).__file__ or "").parent
        users = [p.name for p in package.rglob("*.py") if "secret_store" in p.read_text()]
        assert not users, f"{cls.name}: {users}"
