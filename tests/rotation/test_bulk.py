"""Bulk rotation: many credentials across both issuers, bounded concurrency, rate limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation.bulk import Item, parse_age, rotate_many

Connect = Callable[[str], Connection]


def test_bulk_rotation_of_200_credentials_across_both_issuers(lab: Lab, connect: Connect) -> None:
    items = []
    old = {}
    for issuer in ("ms", "relay"):
        conn = connect(issuer)
        for i in range(100):
            cred = conn.credentials.create(f"app-{issuer}-{i:03d}")
            old[(issuer, cred.id)] = conn.store.get(cred.id)
            items.append(Item(issuer, cred.id))
    outcomes = rotate_many(items, connect, concurrency=8)
    assert len(outcomes) == 200
    assert all(o.ok for o in outcomes), [o.to_dict() for o in outcomes if not o.ok][:3]
    summary = [o.to_dict() for o in outcomes]
    assert {d["strategy"] for d in summary if d["profile"] == "ms"} == {"replace"}
    assert {d["strategy"] for d in summary if d["profile"] == "relay"} == {"in-place"}
    for o in outcomes:
        assert o.result is not None
        conn = connect(o.item.profile)
        current = conn.store.get(o.result.new_credential)
        assert current is not None and lab.smtp.accepts(current.username, current.password.get_secret_value())
        previous = old[(o.item.profile, o.item.ref)]
        assert previous is not None
        assert not lab.smtp.accepts(previous.username, previous.password.get_secret_value())
    assert len(list(connect("ms").credentials.list())) == 100


def test_rate_limits_slow_the_batch_instead_of_failing_items(lab: Lab, connect: Connect) -> None:
    conn = connect("ms")
    items = [Item("ms", conn.credentials.create(f"rl-app-{i}").id) for i in range(6)]
    # The creates (never retried by the transport) meet six 429s: each item pauses the batch
    # for the Retry-After and is resumed from its journal.
    emulator = lab.emulators["mailersend"]
    emulator.faults.inject(method="POST", path=r"/smtp-users$", status=429, headers={"Retry-After": "1"},
                           times=6)
    outcomes = rotate_many(items, connect, concurrency=3)
    assert all(o.ok for o in outcomes), [o.to_dict() for o in outcomes if not o.ok]
    assert emulator.count("POST", r"/smtp-users$") == 6 + 6 + 6  # setup creates, 429s, real creates


@pytest.mark.parametrize(("text", "seconds"), [("90d", 90 * 86400), ("12h", 43200), ("2w", 14 * 86400),
                                               ("30m", 1800)])
def test_parse_age(text: str, seconds: int) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "90", "d", "-3d", "1y", "1.5d"])
def test_parse_age_rejects_bad_values(text: str) -> None:
    with pytest.raises(ValueError, match="90d"):
        parse_age(text)
