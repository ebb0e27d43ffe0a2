"""Reading and rewriting a Postfix SASL password map source (``host user:password`` lines).

The format is postmap(1)'s (docs/reference/postfix.md §Map source format): a key, whitespace,
the value up to the end of the line; a line that starts with whitespace continues the one
before; empty lines and lines whose first non-blank character is ``#`` are ignored. postmap
folds keys to lower case, so a key matches case-insensitively.

A rewrite replaces only the entries for one key (every occurrence, continuation lines
included) by ``<key as written><separator as written>user:password``; every other byte stays:
other entries, comments, blank lines, order and line endings. A missing key is appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)?")
_ENTRY = re.compile(r"(?P<key>[^\s#][^\s]*)(?P<sep>[ \t]+)(?P<value>.*?)[ \t]*(?P<eol>\r\n|\n|\r)?\Z", re.S)


class UnwritableLogin(ValueError):
    """A user name or password the map format cannot carry."""


@dataclass(frozen=True)
class Entry:
    """One logical entry: its key, its value (continuations joined) and its span in the text."""

    key: str
    value: str
    start: int
    end: int
    sep: str
    eol: str


def check_login(username: str, password: str) -> None:
    """Refuse values a map line cannot hold exactly (the SMTP client splits at the first ``:``)."""
    if not username or not password:
        raise UnwritableLogin("user name and password must not be empty")
    if ":" in username:
        raise UnwritableLogin("the user name must not contain ':' (Postfix splits user:password at the first ':')")
    for what, text in (("user name", username), ("password", password)):
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise UnwritableLogin(f"the {what} must not contain control characters (newlines, tabs)")
        if text != text.strip():
            raise UnwritableLogin(f"the {what} must not start or end with a blank")
    if any(c.isspace() for c in username):
        raise UnwritableLogin("the user name must not contain blanks")


def entries(text: str) -> list[Entry]:
    """Every entry of the map source, in order (comments and blank lines skipped)."""
    out: list[Entry] = []
    pos = 0
    current: dict[str, object] | None = None
    for m in _LINE.finditer(text):
        line = m.group(0)
        if not line:
            break
        start, pos = m.start(), m.end()
        body = line.rstrip("\r\n")
        if not body.strip() or body.lstrip().startswith("#"):
            if current is not None:
                out.append(_close(current))
                current = None
            continue
        if body[0] in " \t":
            if current is not None:  # a continuation line
                current["value"] = f"{current['value']} {body.strip()}".strip()
                current["end"] = pos
                current["eol"] = line[len(body):]
            continue
        if current is not None:
            out.append(_close(current))
        e = _ENTRY.match(line)
        if e is None:  # a key alone: postmap warns and skips it
            current = {"key": body.strip(), "value": "", "start": start, "end": pos, "sep": " ",
                       "eol": line[len(body):]}
        else:
            current = {"key": e["key"], "value": e["value"], "start": start, "end": pos, "sep": e["sep"],
                       "eol": e["eol"] or ""}
    if current is not None:
        out.append(_close(current))
    return out


def _close(d: dict[str, object]) -> Entry:
    return Entry(key=str(d["key"]), value=str(d["value"]), start=int(str(d["start"])), end=int(str(d["end"])),
                 sep=str(d["sep"]), eol=str(d["eol"]))


def lookup(text: str, key: str) -> str | None:
    """The value postmap would index for ``key`` (the first entry; postmap warns on duplicates)."""
    for e in entries(text):
        if e.key.lower() == key.lower():
            return e.value
    return None


def _newline(text: str) -> str:
    m = re.search(r"\r\n|\n|\r", text)
    return m.group(0) if m else "\n"


def rewrite(text: str, key: str, username: str, password: str) -> str:
    """``text`` with every entry for ``key`` holding ``username:password`` (appended when missing)."""
    check_login(username, password)
    value = f"{username}:{password}"
    out: list[str] = []
    pos = 0
    found = False
    for e in entries(text):
        if e.key.lower() != key.lower():
            continue
        out.append(text[pos:e.start])
        out.append(f"{e.key}{e.sep}{value}{e.eol or ''}")
        pos = e.end
        found = True
    out.append(text[pos:])
    result = "".join(out)
    if not found:
        nl = _newline(text)
        if result and not result.endswith(("\n", "\r")):
            result += nl
        result += f"{key} {value}{nl}"
    return result
