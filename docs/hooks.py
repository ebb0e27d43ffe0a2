"""MkDocs hook: generated reference sections, so the site cannot drift from the code.

A page asks for a section with an HTML comment on a line of its own; :func:`on_page_markdown`
replaces it with Markdown built from the installed package and its plugins:

* ``<!-- smtpcreds:config-reference -->`` — :func:`config_reference`: the top-level settings and
  every registered provider's profile fields (type, default, secret, environment variable);
* ``<!-- smtpcreds:cli-reference -->`` — :func:`cli_reference`: every command of the click CLI,
  plugin groups included, with usage, help and options;
* ``<!-- smtpcreds:capability-matrix -->`` — :func:`capability_matrix`: what each provider can do,
  from the same data ``smtpcreds providers`` prints.

An unknown ``smtpcreds:`` placeholder is logged as a warning, which fails ``mkdocs build --strict``.
The generators are plain functions, importable by tests (``tests/docs/test_docs.py``).
"""

from __future__ import annotations

import datetime
import enum
import functools
import inspect
import json
import logging
import re
import types
import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Union

import click

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo

log = logging.getLogger("mkdocs.hooks.smtpcreds")

PLACEHOLDER = re.compile(r"^<!--\s*smtpcreds:([a-z-]+)\s*-->[ \t]*$", re.MULTILINE)
ENV_PREFIX = "SMTPCREDS_"
#: Field keys of the top-level ``Config`` that are not user settings (``store``: its own page section).
_NOT_SETTINGS = frozenset({"profiles", "path", "store"})


# -- Markdown helpers ------------------------------------------------------------------------
_CODE_SPAN = re.compile(r"(`[^`]*`)")
_ESCAPE = re.compile(r"([\\*_\[\]<>|])")


def md_text(text: str) -> str:
    """Escape prose for Markdown (and table cells); reST ````code```` becomes a code span."""
    text = text.replace("``", "`")
    parts = _CODE_SPAN.split(text)
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1 else _ESCAPE.sub(r"\\\1", p)
                   for p in parts)


def code(text: str) -> str:
    """``text`` as a code span (safe inside a table cell)."""
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def docstring(obj: Any) -> str:
    """The cleaned docstring of ``obj`` with reST roles reduced to code spans."""
    raw = inspect.cleandoc(getattr(obj, "__doc__", None) or "")
    raw = re.sub(r":(?:class|func|meth|mod|data|attr|exc):`~?([^`]+)`", r"``\1``", raw)
    return raw


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("\n", " ") or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# -- configuration reference -----------------------------------------------------------------
def type_name(tp: Any) -> str:
    """A short, readable name of a type annotation: ``str | None``, ``"eu" | "us"``, ``list[str]``."""
    if tp is None or tp is type(None):
        return "None"
    if tp is datetime.timedelta:
        return "duration"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Literal:
        return " | ".join(json.dumps(a.value if isinstance(a, enum.Enum) else a) for a in args)
    if origin is Union or origin is types.UnionType:
        return " | ".join(type_name(a) for a in args)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else name
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def constraints(field: FieldInfo) -> list[str]:
    """The field's numeric and length rules, in words."""
    out: list[str] = []
    symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
    for meta in field.metadata:
        for attr, sym in symbols.items():
            value = getattr(meta, attr, None)
            if value is not None:
                out.append(f"{sym} {value}")
        for attr, word in (("min_length", "min length"), ("max_length", "max length")):
            value = getattr(meta, attr, None)
            if value is not None:
                out.append(f"{word} {value}")
    return out


def toml_value(value: Any) -> str:
    """A default value as it would be written in config.toml."""
    from pydantic import SecretStr

    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, datetime.timedelta):
        return json.dumps(duration_text(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value)
    return json.dumps(str(value))


def duration_text(value: datetime.timedelta) -> str:
    """A duration as it is written in config.toml: ``90s``, ``15m``, ``12h``, ``90d``."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def table_models() -> dict[str, type[BaseModel]]:
    """The top-level tables validated by a model of their own (``[agent]``, ``[rotation]``, ...)."""
    from pydantic import BaseModel

    from smtpcreds.config import Config

    out: dict[str, type[BaseModel]] = {}
    for name, field in Config.model_fields.items():
        tp = field.annotation
        if name not in _NOT_SETTINGS and isinstance(tp, type) and issubclass(tp, BaseModel):
            out[name] = tp
    return out


def default_of(field: FieldInfo) -> str:
    """``required``, or the default as TOML (computed from a default factory when there is one)."""
    from pydantic_core import PydanticUndefined

    if field.default_factory is not None:
        factory = typing.cast(Callable[[], Any], field.default_factory)
        return code(toml_value(factory()))
    if field.default is PydanticUndefined:
        return "**required**"
    if field.default is None:
        return "unset"
    return code(toml_value(field.default))


def env_var(field: str, profile: bool = True) -> str:
    if profile:
        return f"{ENV_PREFIX}PROFILES__<PROFILE>__{field.upper()}"
    return f"{ENV_PREFIX}{field.upper()}"


def profile_fields(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo]]:
    yield from model.model_fields.items()


def _provider_row(provider: str) -> list[str]:
    return [code("provider"), code(json.dumps(provider)), "**required**",
            code(env_var("provider")),
            f"Selects this provider: {code(f'provider = {json.dumps(provider)}')}."]


def profile_table(provider: str, model: type[BaseModel]) -> str:
    secret_fields: tuple[str, ...] = getattr(model, "secret_fields", ())
    rows: list[list[str]] = []
    for name, field in profile_fields(model):
        if name == "provider":
            rows.append(_provider_row(provider))
            continue
        kind = type_name(field.annotation)
        rules = constraints(field)
        type_cell = code(kind) + ("" if not rules else " (" + ", ".join(rules) + ")")
        label = code(name) + (" (secret)" if name in secret_fields else "")
        rows.append([label, type_cell, default_of(field), code(env_var(name)),
                     md_text(field.description or "")])
    return table(["Field", "Type", "Default", "Environment variable", "Description"], rows)


def config_reference() -> str:
    """Markdown for the top-level settings and every registered provider's profile model."""
    from smtpcreds.capabilities import roles
    from smtpcreds.config import Config
    from smtpcreds.plugins import plugins

    out = ["### Top-level settings", "",
           "Keys at the top of `config.toml`, outside any `[profiles.*]` table.", ""]
    rows = []
    tables = table_models()
    for name, field in Config.model_fields.items():
        if name in _NOT_SETTINGS or name in tables:
            continue
        rows.append([code(name), code(type_name(field.annotation)), default_of(field),
                     code(env_var(name, profile=False)), md_text(field.description or "")])
    out += [table(["Setting", "Type", "Default", "Environment variable", "Description"], rows), ""]
    for name, model in tables.items():
        out += [f"### The `[{name}]` table", "", md_text(docstring(model)), ""]
        rows = []
        for field_name, field in model.model_fields.items():
            rules = constraints(field)
            kind = code(type_name(field.annotation)) + ("" if not rules else " (" + ", ".join(rules) + ")")
            rows.append([code(field_name), kind, default_of(field),
                         code(f"{ENV_PREFIX}{name.upper()}__{field_name.upper()}"), md_text(field.description or "")])
        out += [table(["Field", "Type", "Default", "Environment variable", "Description"], rows), ""]

    for name, cls in plugins().providers.items():
        model = cls.profile_model
        secret_fields: tuple[str, ...] = getattr(model, "secret_fields", ())
        scope_field: str | None = getattr(model, "scope_field", None)
        out += [f"### {name} profiles", ""]
        summary = f"`provider = \"{name}\"` — {md_text(cls.description)}" if cls.description else \
            f"`provider = \"{name}\"`"
        out += [summary + f" (role: {', '.join(roles(cls.capabilities)) or 'none'}; "
                f"profile model `{model.__module__}.{model.__qualname__}`).", ""]
        doc = docstring(model)
        if doc:
            out += [md_text(doc), ""]
        out += [profile_table(name, model), ""]
        if secret_fields:
            listed = ", ".join(code(f) for f in secret_fields)
            out += [
                f"Secret fields: {listed}. Each may be left out of the file and the environment "
                f"and kept in the keyring instead (service `smtpcreds`, user `<profile>:<field>`), "
                f"stored with `smtpcreds auth set PROFILE` (default field {code(secret_fields[0])}; "
                f"others with `--field`).",
                "",
            ]
        else:
            out += ["This provider has no secret fields.", ""]
        if scope_field:
            out += [f"Default scope: {code(scope_field)} (the `--scope` option overrides it).", ""]
    return "\n".join(out).rstrip() + "\n"


# -- command-line reference ------------------------------------------------------------------
def walk_commands(root: click.Command | None = None) -> Iterator[tuple[click.Context, click.Command]]:
    """Every command with its context, depth first, the root first (plugin groups included)."""
    if root is None:
        from smtpcreds.cli import cli

        root = cli

    def visit(ctx: click.Context, cmd: click.Command) -> Iterator[tuple[click.Context, click.Command]]:
        yield ctx, cmd
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is None or sub.hidden:
                    continue
                yield from visit(click.Context(sub, info_name=name, parent=ctx, **sub.context_settings), sub)

    yield from visit(click.Context(root, info_name="smtpcreds", **root.context_settings), root)


def command_paths() -> list[str]:
    """``["creds", "creds rotate", "mailersend users invite", ...]`` (the root left out)."""
    return [ctx.command_path.partition(" ")[2] for ctx, _ in walk_commands() if ctx.parent is not None]


def _help_text(cmd: click.Command) -> str:
    text = (cmd.help or "").split("\f")[0]
    text = inspect.cleandoc(text)
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b")


def _anchor(path: str) -> str:
    return path.replace(" ", "-")


def command_section(ctx: click.Context, cmd: click.Command) -> str:
    path = ctx.command_path
    out = [f"### {path} {{#{_anchor(path)}}}", ""]
    usage = " ".join([path, *cmd.collect_usage_pieces(ctx)])
    out += ["```text", usage, "```", ""]
    help_text = _help_text(cmd)
    if help_text:
        out += [md_text(help_text), ""]
    module = getattr(cmd.callback, "__module__", "") or ""
    top_level = ctx.parent is not None and ctx.parent.parent is None
    if top_level and module and not module.startswith("smtpcreds."):
        plugin = module.partition(".")[0]
        out += [f"Added by the plugin `{plugin}` (hook `smtpcreds_register_commands`).", ""]
    arguments = [p for p in cmd.get_params(ctx) if isinstance(p, click.Argument)]
    if arguments:
        described = []
        for arg in arguments:
            name = arg.human_readable_name
            if arg.nargs == -1 and not name.endswith("..."):
                name += "..."
            how = "one or more" if arg.nargs == -1 and arg.required else \
                "any number" if arg.nargs == -1 else "required" if arg.required else "optional"
            described.append(f"{code(name)} ({how})")
        out += [f"Arguments: {', '.join(described)}.", ""]
    option_rows = []
    for param in cmd.get_params(ctx):
        if not isinstance(param, click.Option):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        opts, help_ = record
        option_rows.append([code(opts), md_text(help_)])
    if option_rows:
        out += [table(["Option", "Description"], option_rows), ""]
    if isinstance(cmd, click.Group):
        subs = [n for n in cmd.list_commands(ctx)
                if (c := cmd.get_command(ctx, n)) is not None and not c.hidden]
        if subs:
            links = ", ".join(f"[`{n}`](#{_anchor(f'{path} {n}')})" for n in subs)
            out += [f"Commands: {links}.", ""]
    return "\n".join(out)


def cli_reference() -> str:
    """Markdown for every command and subcommand of ``smtpcreds``."""
    return "\n".join(command_section(ctx, cmd) for ctx, cmd in walk_commands()).rstrip() + "\n"


# -- capability matrix -----------------------------------------------------------------------
def capability_matrix() -> str:
    """Markdown tables: the installed providers, then capability by provider."""
    from smtpcreds.capabilities import METHODS, Capability
    from smtpcreds.cli.info import capability_matrix as rows_of

    rows = rows_of()
    summary = [[code(r["name"]), ", ".join(r["roles"]) or "-", md_text(r["description"] or ""),
                "yes" if r["emulator"] else "no"] for r in rows]
    out = [table(["Provider", "Role", "Description", "Emulator"], summary), ""]
    matrix = []
    for cap in Capability:
        method = METHODS.get(cap)
        cells = ["✓" if r["capabilities"][cap.value] else "·" for r in rows]
        matrix.append([code(cap.value), code(method) if method else "(a property)", *cells])
    out += [table(["Capability", "Provider method", *(code(r["name"]) for r in rows)], matrix)]
    return "\n".join(out) + "\n"


# -- the hook --------------------------------------------------------------------------------
GENERATORS: dict[str, Callable[[], str]] = {
    "config-reference": config_reference,
    "cli-reference": cli_reference,
    "capability-matrix": capability_matrix,
}


@functools.cache
def generated(name: str) -> str:
    """One generated section, built once per process."""
    return GENERATORS[name]()


def render(markdown: str, where: str = "") -> str:
    """Replace every ``<!-- smtpcreds:NAME -->`` line; warn about unknown names."""

    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in GENERATORS:
            log.warning("%s: unknown placeholder smtpcreds:%s (known: %s)", where or "page", name,
                        ", ".join(GENERATORS))
            return m.group(0)
        return generated(name)

    return PLACEHOLDER.sub(replace, markdown)


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs event: fill the generated sections of a page."""
    return render(markdown, page.file.src_uri)


#: A reST cross-reference role as mkdocstrings renders it from a docstring: ``:class:<code>x</code>``.
_ROLE_HTML = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):<code>(~?)([^<]*)</code>")


def strip_rest_roles(html: str) -> str:
    """``:class:`~a.b.C``` in a docstring reads as ``C`` (``a.b.C`` without the tilde), as in Sphinx."""

    def replace(m: re.Match[str]) -> str:
        target = m.group(2).rpartition(".")[2] if m.group(1) else m.group(2)
        return f"<code>{target}</code>"

    return _ROLE_HTML.sub(replace, html)


def on_page_content(html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    """MkDocs event: tidy the reST roles that docstrings use (the core's docstrings are reST-flavoured)."""
    return strip_rest_roles(html)
