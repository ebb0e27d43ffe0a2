"""The documentation site: generated references cover the code, every page is reachable, the
build is clean under ``--strict``, and the plugin guide's example really works."""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("smtpcreds_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()


def _cli_paths(cmd: click.Command, ctx: click.Context, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command path below ``cmd``, found through click's own API (not the docs hook's)."""
    if not isinstance(cmd, click.Group):
        return
    for name in cmd.list_commands(ctx):
        sub = cmd.get_command(ctx, name)
        path = (*prefix, name)
        assert sub is not None, f"{' '.join(path)} is listed but cannot be loaded"
        yield " ".join(path)
        yield from _cli_paths(sub, click.Context(sub, info_name=name, parent=ctx), path)


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _nav_files(nav: Any) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_files(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_files(value)


def _providers() -> dict[str, Any]:
    from smtpcreds.plugins import plugins

    return dict(plugins().providers)


def _provider_section(reference: str, provider: str) -> str:
    start = reference.index(f"### {provider} profiles")
    end = reference.find("\n### ", start + 1)
    return reference[start:] if end == -1 else reference[start:end]


# -- the CLI reference -------------------------------------------------------------------------
def test_every_cli_command_path_appears_in_the_cli_reference() -> None:
    from smtpcreds.cli import cli

    reference = hooks.cli_reference()
    paths = list(_cli_paths(cli, click.Context(cli, info_name="smtpcreds")))
    assert {"creds rotate", "mailersend users invite", "rotations resume"} <= set(paths)
    missing = [p for p in paths if f"### smtpcreds {p} {{#" not in reference]
    assert not missing, f"commands missing from the CLI reference: {missing}"


def test_every_option_of_a_command_appears_in_its_reference_section() -> None:
    from smtpcreds.cli import cli

    reference = hooks.cli_reference()
    ctx = click.Context(cli, info_name="smtpcreds")
    for path in _cli_paths(cli, ctx):
        cmd: click.Command = cli
        sub_ctx = ctx
        for part in path.split():
            assert isinstance(cmd, click.Group)
            found = cmd.get_command(sub_ctx, part)
            assert found is not None
            cmd, sub_ctx = found, click.Context(found, info_name=part, parent=sub_ctx)
        section = reference.split(f"### smtpcreds {path} {{#", 1)[1].split("\n### ", 1)[0]
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in section, f"{path}: option {param.opts[0]} not documented"


def test_cli_reference_lists_plugin_groups_with_their_plugin() -> None:
    reference = hooks.cli_reference()
    mailersend = reference.split("### smtpcreds mailersend {#", 1)[1].split("\n### ", 1)[0]
    assert "Added by the plugin `smtpcreds_mailersend`" in mailersend


# -- hooks -------------------------------------------------------------------------------------
def test_every_hookspec_is_documented_in_the_plugin_guide() -> None:
    from smtpcreds import hookspecs

    names = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("smtpcreds_")]
    expected = {"smtpcreds_register_providers", "smtpcreds_register_commands", "smtpcreds_rotation_step"}
    assert expected <= set(names)
    page = _page("plugins.md")
    missing = [n for n in names if f"`{n}`" not in page]
    assert not missing, f"hooks not documented in docs/plugins.md: {missing}"
    for name in names:
        assert f"### `{name}`" in page, f"{name} has no section of its own in docs/plugins.md"


# -- the configuration reference ---------------------------------------------------------------
def test_every_profile_field_of_every_provider_appears_in_the_config_reference() -> None:
    reference = hooks.config_reference()
    providers = _providers()
    assert {"mailersend", "smtp2go", "webitel", "envfile", "exec"} <= set(providers)
    for name, cls in providers.items():
        section = _provider_section(reference, name)
        for field in cls.profile_model.model_fields:
            assert f"| `{field}`" in section, f"{name}: field {field} missing from the config reference"
            env = f"SMTPCREDS_PROFILES__<PROFILE>__{field.upper()}"
            assert env in section, f"{name}: {env} missing"


def test_secret_fields_are_marked_in_the_config_reference() -> None:
    reference = hooks.config_reference()
    for name, cls in _providers().items():
        section = _provider_section(reference, name)
        for field in cls.profile_model.secret_fields:
            assert f"| `{field}` (secret)" in section, f"{name}: {field} not marked secret"


def test_top_level_settings_appear_in_the_config_reference() -> None:
    from smtpcreds.config import Config

    reference = hooks.config_reference()
    tables = hooks.table_models()
    assert set(tables) >= {"agent", "rotation"}
    settings = [n for n in Config.model_fields if n not in ("profiles", "path", "tables", *tables)]
    assert settings == ["default_profile", "allow_insecure_keyring"]
    for name in settings:
        assert f"| `{name}`" in reference
        assert f"`SMTPCREDS_{name.upper()}`" in reference


def test_every_field_of_a_top_level_table_appears_in_the_config_reference() -> None:
    reference = hooks.config_reference()
    for name, model in hooks.table_models().items():
        section = reference.split(f"### The `[{name}]` table", 1)[1].split("\n### ", 1)[0]
        for field in model.model_fields:
            assert f"| `{field}`" in section, f"[{name}] {field} missing from the config reference"
            assert f"`SMTPCREDS_{name.upper()}__{field.upper()}`" in section
    assert '| `rollout_timeout` | `duration` | `"15m"` |' in reference


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    read = set()
    for folder in ("smtpcreds", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"[\"'](SMTPCREDS_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert "SMTPCREDS_STATE_DIR" in read
    page = _page("configuration.md")
    missing = sorted(v for v in read if f"`{v}`" not in page)
    assert not missing, f"environment variables not in docs/configuration.md: {missing}"


# -- the capability matrix ---------------------------------------------------------------------
def test_capability_matrix_covers_every_provider_and_capability() -> None:
    from smtpcreds.capabilities import Capability

    matrix = hooks.capability_matrix()
    for name in _providers():
        assert f"`{name}`" in matrix
    for cap in Capability:
        assert f"| `{cap.value}` |" in matrix


def test_capability_matrix_marks_exactly_the_declared_capabilities() -> None:
    from smtpcreds.capabilities import Capability

    matrix = hooks.capability_matrix()
    names = list(_providers())
    for cap in Capability:
        row = next(line for line in matrix.splitlines() if line.startswith(f"| `{cap.value}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")][2:]
        for name, cell in zip(names, cells, strict=True):
            declared = cap in _providers()[name].capabilities
            assert cell == ("✓" if declared else "·"), f"{name} {cap.value}"


# -- placeholders and pages --------------------------------------------------------------------
@pytest.mark.parametrize("page,placeholder", [
    ("configuration.md", "config-reference"),
    ("cli.md", "cli-reference"),
    ("index.md", "capability-matrix"),
])
def test_each_generated_section_is_asked_for_by_its_page(page: str, placeholder: str) -> None:
    text = _page(page)
    assert f"<!-- smtpcreds:{placeholder} -->" in text
    assert "<!-- smtpcreds:" not in hooks.render(text, page)


def test_an_unknown_placeholder_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    text = "# Page\n\n<!-- smtpcreds:no-such-thing -->\n"
    assert hooks.render(text, "x.md") == text
    assert "unknown placeholder smtpcreds:no-such-thing" in caplog.text


def test_rest_roles_in_docstrings_render_as_code() -> None:
    html = "see :class:<code>~smtpcreds.errors.NotFound</code> and :func:<code>smtpcreds.connect</code>"
    assert hooks.strip_rest_roles(html) == "see <code>NotFound</code> and <code>smtpcreds.connect</code>"


def test_every_page_in_docs_is_in_the_nav() -> None:
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    in_nav = set(_nav_files(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - in_nav == set(), "pages missing from the nav in mkdocs.yml"
    assert in_nav - pages == set(), "nav entries without a page"


def test_exit_code_table_names_every_error_class_with_its_code() -> None:
    from smtpcreds import errors

    page = _page("cli.md")
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\| (\d) \|.*$", page, re.MULTILINE)}
    assert sorted(rows) == list(range(9))
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls is errors.SmtpCredsError:
            continue
        assert f"`{name}`" in rows[cls.exit_code], f"{name} (exit {cls.exit_code}) not in its exit-code row"


def test_the_documented_completion_variable_works() -> None:
    code = "import sys; from smtpcreds.cli import main; main([])"
    env = {**os.environ, "_SMTPCREDS_COMPLETE": "bash_source"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "_smtpcreds_completion" in out.stdout
    assert '_SMTPCREDS_COMPLETE=bash_source smtpcreds' in _page("cli.md")


# -- the plugin guide's example ----------------------------------------------------------------
_TITLED_BLOCK = re.compile(r'^```python title="([^"]+)"\n(.*?)^```$', re.MULTILINE | re.DOTALL)

_REGISTER_EXAMPLE = '''\
import smtpcreds_acme
from smtpcreds.plugins import new_plugin_manager, reset_plugin_manager

pm = new_plugin_manager()
pm.register(smtpcreds_acme, name="acme")
reset_plugin_manager(pm)
'''


def test_plugin_guide_example_passes_the_contract_suite(tmp_path: Path) -> None:
    """Write the guide's files out, register the plugin as its entry point would, run its tests."""
    files = dict(_TITLED_BLOCK.findall(_page("plugins.md")))
    assert {"smtpcreds_acme/__init__.py", "smtpcreds_acme/provider.py", "tests/test_contract.py",
            "tests/test_my_script.py", "tests/test_unit.py"} <= set(files)
    imported = {m for text in files.values() for m in re.findall(r"^\s*(?:from|import) (smtpcreds\.\w+)", text, re.M)}
    assert imported == {"smtpcreds.plugin"}, "the guide's plugin imports the core only through smtpcreds.plugin"
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(_REGISTER_EXAMPLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
    env.update(PYTHONPATH=str(tmp_path), SMTPCREDS_STATE_DIR=str(tmp_path / "state"),
               SMTPCREDS_CONFIG=str(tmp_path / "none.toml"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "tests"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout[-2000:]


# -- the build ---------------------------------------------------------------------------------
def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr, result.stderr[-4000:]
    cli_page = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="smtpcreds-creds-rotate"' in cli_page
    assert "smtpcreds:cli-reference" not in cli_page
