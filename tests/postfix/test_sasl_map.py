"""The map source format: only the relay's entry changes, every other byte stays."""

from __future__ import annotations

import pytest
from smtpcreds_postfix.sasl_map import UnwritableLogin, entries, lookup, rewrite

from .conftest import MAP_SOURCE, RELAYHOST


def test_rewrite_replaces_only_the_relay_entry_keeping_its_key_and_separator() -> None:
    new = rewrite(MAP_SOURCE, RELAYHOST, "new-user", "New-Passw0rd-5678")

    assert new == MAP_SOURCE.replace("old-user:Old-Passw0rd-1234", "new-user:New-Passw0rd-5678")


def test_keys_match_case_insensitively_as_postmap_folds_them() -> None:
    new = rewrite(MAP_SOURCE, RELAYHOST.upper(), "u", "pass-word")

    assert f"{RELAYHOST}\tu:pass-word\n" in new
    assert lookup(new, RELAYHOST) == "u:pass-word"


def test_a_missing_entry_is_appended_with_the_file_line_ending() -> None:
    text = "a.example u1:p1\r\nb.example u2:p2"

    assert rewrite(text, "[c.example]:587", "u3", "pass3") == text + "\r\n[c.example]:587 u3:pass3\r\n"


def test_an_empty_source_gets_one_entry() -> None:
    assert rewrite("", RELAYHOST, "u", "pass") == f"{RELAYHOST} u:pass\n"


def test_a_continued_entry_is_read_whole_and_replaced_whole() -> None:
    assert lookup(MAP_SOURCE, "legacy.example.test") == "legacy-user: legacy-Passw0rd"

    new = rewrite(MAP_SOURCE, "legacy.example.test", "u", "pass")

    assert new.endswith("legacy.example.test   u:pass\n")
    assert "legacy-Passw0rd" not in new


def test_every_duplicate_of_the_key_is_rewritten() -> None:
    text = f"{RELAYHOST} a:one1\nx y:z\n{RELAYHOST} b:two2\n"

    assert rewrite(text, RELAYHOST, "c", "three") == f"{RELAYHOST} c:three\nx y:z\n{RELAYHOST} c:three\n"


def test_comments_are_not_entries() -> None:
    assert [e.key for e in entries(MAP_SOURCE)] == ["[backup.example.test]:2525", RELAYHOST, "legacy.example.test"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("user:x", "pass"), ("us er", "pass"), ("user", "pa\nss"), ("user", " pass"), ("user", "pass\t"), ("", "p")],
)
def test_logins_a_map_line_cannot_hold_are_refused(username: str, password: str) -> None:
    with pytest.raises(UnwritableLogin):
        rewrite(MAP_SOURCE, RELAYHOST, username, password)
