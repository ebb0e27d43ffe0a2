"""Reading and rewriting dotenv text without disturbing anything but the keys we own.

Parsing is python-dotenv's own (:func:`dotenv.parser.parse_stream`), so a file reads here
exactly as the application reads it. A rewrite replaces only the value of each owned key
(every occurrence; the last one wins for readers) and keeps every other byte: other lines,
comments, blank lines, ``export`` prefixes, trailing comments, line endings and order. An
owned key whose value already reads as the new one keeps its line as it is, quoting included,
so setting unchanged values changes no byte.

Quoting, chosen so that python-dotenv reads back exactly the value written:

* bare when the value uses only ``A-Z a-z 0-9 _ . , : / @ % + = ~ -`` (hosts, ports,
  addresses and generated passwords): every dotenv reader agrees on those;
* single quotes when the value has no ``'`` and no ``\\``: literal for python-dotenv, Docker
  Compose and POSIX shells alike;
* otherwise double quotes with ``\\`` and ``"`` escaped (python-dotenv and Compose both
  unescape them; Compose also expands ``$`` there).

Values no quoting can carry are refused: control characters (newlines, tabs), ``${...}``
(python-dotenv expands it in every quoting style), and a trailing backslash on a value that
also needs quotes (python-dotenv reads ``\\'`` before the closing quote as an escaped quote).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Set

from dotenv import dotenv_values
from dotenv.parser import Binding, Reader, parse_key, parse_stream, parse_value
from dotenv.variables import Variable, parse_variables

_BARE = re.compile(r"[A-Za-z0-9_.,:/@%+=~-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# python-dotenv's token rules, as in dotenv/parser.py (its regexes are private).
_LEADING_WS = re.compile(r"\s*")
_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_INLINE_WS = re.compile(r"[^\S\r\n]*")
_EQUAL = re.compile(r"=[^\S\r\n]*")
_UNQUOTED_COMMENT = re.compile(r"\s+#.*")  # what parse_unquoted_value strips


class UnwritableValue(ValueError):
    """The value cannot be written so that dotenv readers read it back unchanged."""


def check_value(value: str) -> None:
    """Raise :class:`UnwritableValue` (a message without the value) when ``value`` cannot be written."""
    if _CONTROL.search(value):
        raise UnwritableValue("must not contain control characters (newline, tab, ...)")
    if any(isinstance(atom, Variable) for atom in parse_variables(value)):
        raise UnwritableValue("must not contain ${...}: python-dotenv would expand it when reading")
    quote(value)


def quote(value: str, *, force: bool = False) -> str:
    """The value as it goes after ``KEY=`` (see the module docstring for the rules)."""
    if not force and _BARE.fullmatch(value):
        return value
    if "'" not in value and "\\" not in value:
        return f"'{value}'"
    if not value.endswith("\\"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # A closing quote right after a backslash reads as escaped, so such a value can only be
    # written bare: python-dotenv then keeps everything up to a blank followed by "#".
    if not force and not re.search(r"\s", value) and value[0] not in "'\"":
        return value
    raise UnwritableValue("must not end with a backslash when it also contains blanks or starts with a quote")


def values(text: str) -> dict[str, str | None]:
    """Key -> value as python-dotenv reads the text (last occurrence wins; no ``${}`` expansion)."""
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))


def _bindings(text: str) -> Iterator[Binding]:
    parts: list[str] = []
    for b in parse_stream(io.StringIO(text)):
        parts.append(b.original.string)
        yield b
    if "".join(parts) != text:  # every byte must belong to some binding, or a rewrite would drop it
        raise ValueError("python-dotenv did not account for every character of the file")


def _newline(text: str) -> str:
    m = re.search(r"\r\n|\n|\r", text)
    return m.group(0) if m else "\n"


def _replace(original: str, value: str) -> str:
    """``original`` (one binding's text) with its value replaced by ``value``."""
    reader = Reader(io.StringIO(original))
    reader.read_regex(_LEADING_WS)
    reader.read_regex(_EXPORT)
    parse_key(reader)
    key_end = reader.position.chars
    reader.read_regex(_INLINE_WS)
    if reader.peek(1) != "=":  # "KEY" alone, maybe with a comment: add "=value" after the key
        rest = original[key_end:]
        return (
            original[:key_end] + "=" + quote(value, force=rest[:1] not in ("", "\r", "\n", " ", "\t")) + rest
        )
    reader.read_regex(_EQUAL)
    start = reader.position.chars
    quoted = reader.peek(1) in ("'", '"')
    parse_value(reader)
    end = reader.position.chars
    if quoted:
        tail = ""
        rest = original[end:]
    else:
        raw = original[start:end]  # an unquoted value runs to the end of the line, comment included
        m = _UNQUOTED_COMMENT.search(raw)
        tail = raw[m.start() :] if m else raw[len(raw.rstrip()) :]
        rest = original[end:]
    # A quoted value may be followed directly by "#comment"; a bare value there would swallow it.
    force = rest[:1] not in ("", "\r", "\n", " ", "\t") and not tail
    return original[:start] + quote(value, force=force) + tail + rest


def _leading_lines(original: str) -> str:
    """The blank lines before a binding (kept when the binding is removed)."""
    lead = _LEADING_WS.match(original)
    ws = lead.group(0) if lead else ""
    cut = max(ws.rfind("\n"), ws.rfind("\r"))
    return ws[: cut + 1]


def rewrite(text: str, updates: Mapping[str, str], remove: Set[str] = frozenset()) -> str:
    """``text`` with each key of ``updates`` set (appended when missing) and ``remove`` keys dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for b in _bindings(text):
        original = b.original.string
        if b.key is not None and b.key in updates:
            # A value that already reads right keeps its bytes (its quoting style included).
            out.append(original if b.value == updates[b.key] else _replace(original, updates[b.key]))
            seen.add(b.key)
        elif b.key is not None and b.key in remove:
            out.append(_leading_lines(original))
        else:
            out.append(original)
    result = "".join(out)
    missing = [k for k in updates if k not in seen]
    if missing:
        nl = _newline(text)
        if result and not result.endswith(("\n", "\r")):
            result += nl
        result += "".join(f"{k}={quote(updates[k])}{nl}" for k in missing)
    return result
