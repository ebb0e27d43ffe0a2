"""Evidence lives in the repository: every citation names a page and section that exist.

Code, tests and docs cite provider quirks as ``docs/reference/<page>.md §N`` (or link to
``../reference/<page>.md`` from a docs page); a bare ``§N`` means the page named last before it
(docs/reference/index.md). Nothing may point outside the repository: no notes folder beside the
clone, no design document that is not in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
#: What a clone must be able to follow on its own.
SCANNED = ("smtpcreds", "plugins", "tests", "docs", "bench", "README.md")

SECTION_SIGN = "\u00a7"
OUTSIDE = ("shared/", "DESIGN")
#: Notes that used to live outside the repository, under their old names.
OLD_NOTES = re.compile(r"smtp2go-smtp-users\.md|webitel-email-settings\.md|mailersend-sdk-requests|"
                       r"next-providers\.md|\bseed \d{3}\b")
TOKEN = re.compile(rf"(?:docs/|\.\./)?reference/(?P<page>[\w-]+)\.md|{SECTION_SIGN}\s?(?P<section>\d+)")
#: A page cited without its place in the repository, e.g. "mailersend.md §6".
BARE_PAGE = re.compile(rf"(?<![\w/.-])[\w-]+\.md`?\s*{SECTION_SIGN}")
#: A section cited by a quoted name instead of its number, e.g. reference: "Errors".
NAMED_SECTION = re.compile(r'reference: "')
HEADING = re.compile(r"^#{2,3} (\d+)\. ", re.MULTILINE)
#: A web address is a public source, not a citation of this repository.
URL = re.compile(r"https?://\S+")


def _sections() -> dict[str, set[int]]:
    return {page.stem: {int(n) for n in HEADING.findall(page.read_text(encoding="utf-8"))}
            for page in REFERENCE.glob("*.md")}


def problems(text: str, sections: dict[str, set[int]], own_page: str | None = None) -> list[str]:
    """What is wrong with the citations in one file's text (empty when nothing is)."""
    found = [f"mentions {word!r}" for word in OUTSIDE if word in text]
    found += [f"cites a note that is not in the repository: {m.group(0)!r}" for m in OLD_NOTES.finditer(text)]
    text = URL.sub(" ", text)
    found += [f"cites a page without docs/reference/: {m.group(0)!r}" for m in BARE_PAGE.finditer(text)]
    found += ["cites a section by name, not number" for _ in NAMED_SECTION.finditer(text)]
    page = own_page
    for m in TOKEN.finditer(text):
        if m.group("page"):
            page = m.group("page")
            if page not in sections:
                found.append(f"cites docs/reference/{page}.md, which does not exist")
        elif page is None:
            found.append(f"{SECTION_SIGN}{m.group('section')} names no page before it")
        elif page in sections and int(m.group("section")) not in sections[page]:
            found.append(f"docs/reference/{page}.md has no {SECTION_SIGN}{m.group('section')}")
    return found


def _files() -> list[Path]:
    """Every file a clone ships under SCANNED, except this one: it spells the refused forms on purpose."""
    files: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        files += [p for p in candidates if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return [p for p in files if p != Path(__file__).resolve()]


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None  # binary data cites nothing


# -- the repository ------------------------------------------------------------------------------
def test_every_citation_names_an_existing_page_and_section_and_nothing_points_outside() -> None:
    sections = _sections()
    report = []
    for path in _files():
        text = _text(path)
        if text is None:
            continue
        own = path.stem if path.parent == REFERENCE else None
        report += [f"{path.relative_to(ROOT)}: {p}" for p in problems(text, sections, own)]
    assert report == []


def test_the_reference_pages_exist_with_numbered_sections() -> None:
    sections = _sections()
    for page in ("mailersend", "smtp2go", "webitel", "keyring-backends"):
        assert sections.get(page), f"docs/reference/{page}.md is missing or has no numbered sections"
        assert sorted(sections[page]) == list(range(1, len(sections[page]) + 1)), page


def test_the_code_actually_cites_the_reference_pages() -> None:
    # Guards the scan itself: if the pattern stopped matching, the first test would pass vacuously.
    cited = {m.group("page") for path in _files() if path.suffix == ".py"
             for m in TOKEN.finditer(_text(path) or "") if m.group("page")}
    assert {"mailersend", "smtp2go", "webitel", "keyring-backends"} <= cited


# -- the checker refuses what it should -------------------------------------------------------------
SECTIONS = {"mailersend": {1, 2, 6}, "webitel": {2, 7}}
S = SECTION_SIGN
#: the folder beside the clone, spelled apart so this file does not itself point outside the repository
BESIDE = "shared"


@pytest.mark.parametrize(("text", "expected"), [
    (f"# reference: docs/reference/nosuch.md {S}1", "does not exist"),
    (f"# reference: docs/reference/mailersend.md {S}9", f"has no {S}9"),
    (f"# reference: docs/reference/mailersend.md {S}1 and {S}7", f"has no {S}7"),
    (f"# see docs/reference/webitel.md {S}2\n# later: {S}6", f"webitel.md has no {S}6"),
    (f"# a bare {S}2 with no page", "names no page"),
    (f"# reference: mailersend.md {S}6", "without docs/reference/"),
    (f"reference `mailersend.md` {S}1", "without docs/reference/"),
    ('# reference: "Settings fields"', "by name"),
    (f"# see ../{BESIDE}/reference/x.md", "mentions"),
    (f"# (DESIGN {S}9)", "mentions"),
    ("# smtp2go-smtp-users.md", "not in the repository"),
    ("# (reference: seed 000)", "not in the repository"),
])
def test_the_checker_reports(text: str, expected: str) -> None:
    assert any(expected in p for p in problems(text, SECTIONS)), problems(text, SECTIONS)


@pytest.mark.parametrize("text", [
    f"# reference: docs/reference/mailersend.md {S}2 and {S}6",
    f"# reference: docs/reference/webitel.md {S}2\n# then {S}7 again",
    f"see the [reference](../reference/mailersend.md#1-transport-and-auth), then {S}6",
    "no citation at all",
    # a URL is a source, not a citation: the §6 still belongs to mailersend
    f"docs/reference/mailersend.md {S}2, https://example.com/reference/webitel.md, {S}6",
])
def test_the_checker_accepts(text: str) -> None:
    assert problems(text, SECTIONS) == []


def test_a_reference_page_cites_its_own_sections_bare() -> None:
    assert problems(f"as {S}2 says", SECTIONS, own_page="webitel") == []
    assert problems(f"as {S}6 says", SECTIONS, own_page="webitel") != []
