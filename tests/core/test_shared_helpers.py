"""Small helpers the core and the plugins share: paging (smtpcreds.plugin) and one-line messages."""

from __future__ import annotations

import pytest

from smtpcreds.plugin import ValidationError, check_paging, local_page

ITEMS = list(range(1, 8))


@pytest.mark.parametrize(("limit", "page", "expected"), [
    (None, None, ITEMS),
    (3, None, [1, 2, 3]),
    (3, 1, [1, 2, 3]),
    (3, 3, [7]),
    (3, 4, []),
    (None, 2, ITEMS),  # a page needs a size: without one, everything
])
def test_local_page_is_the_page_asked_for(limit: int | None, page: int | None, expected: list[int]) -> None:
    assert list(local_page(ITEMS, limit, page)) == expected


@pytest.mark.parametrize(("limit", "page", "field", "rule"), [
    (0, None, "limit", "must be >= 1"),
    (None, 0, "page", "must be >= 1"),
    (-1, 0, "limit", "must be >= 1"),
])
def test_check_paging_refuses_values_below_one(limit: int | None, page: int | None, field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_paging("acme", limit, page)
    assert info.value.fields == {field: [rule]}
    assert info.value.message == f"acme: {field}: {rule}"
    assert info.value.provider == "acme"


def test_check_paging_refuses_a_page_larger_than_the_providers() -> None:
    check_paging("acme", 100, 2, max_limit=100)
    with pytest.raises(ValidationError) as info:
        check_paging("acme", 101, None, max_limit=100)
    assert info.value.fields == {"limit": ["must be 1 to 100"]}


def test_one_line_joins_lines_and_cuts_with_an_ellipsis() -> None:
    from smtpcreds.redact import one_line

    assert one_line("a\n  b\tc ") == "a b c"
    assert one_line("abcdef", 4) == "abc…"
    assert one_line("abcd", 4) == "abcd"
