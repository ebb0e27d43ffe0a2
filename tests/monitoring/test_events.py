"""The last event of each run of a rotation says how it ended (``RotationEvent.ended``); no other does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import smtpcreds
from smtpcreds.client import Connection
from smtpcreds.errors import RotationError
from smtpcreds.hookspecs import hookimpl
from smtpcreds.plugins import new_plugin_manager, reset_plugin_manager
from smtpcreds.rotation.engine import Rotator, resume
from smtpcreds.rotation.events import RotationEvent
from smtpcreds.rotation.journal import journal_store

from .conftest import Configure


class Observer:
    def __init__(self) -> None:
        self.events: list[RotationEvent] = []

    @hookimpl
    def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
        self.events.append(event)

    def ends(self) -> list[tuple[str, str | None]]:
        return [(e.step, e.ended) for e in self.events if e.ended is not None]


@pytest.fixture
def observer(configure: Configure) -> Iterator[Observer]:
    configure()
    seen = Observer()
    pm = new_plugin_manager()
    pm.register(seen)
    reset_plugin_manager(pm)
    yield seen
    reset_plugin_manager()


@pytest.fixture
def relay(observer: Observer) -> Iterator[Connection]:
    """The issuer, with the two bound credentials created."""
    with smtpcreds.connect("relay") as conn:
        for name in ("billing-app", "shop-app"):
            conn.credentials.create(name)
        yield conn


def test_a_rotation_that_finishes_ends_done_on_its_last_event_only(observer: Observer, relay: Connection) -> None:
    smtpcreds.rotate(relay, "billing-app")

    assert observer.ends() == [("retire", "done")]
    assert observer.events[-1].ended == "done" and observer.events[-1].name == "billing-app"


def test_a_rotation_that_stops_ends_failed_at_its_step(observer: Observer, relay: Connection, hook_flag: Path) -> None:
    hook_flag.write_text("down")

    with pytest.raises(RotationError):
        smtpcreds.rotate(relay, "shop-app")

    assert observer.ends() == [("push", "failed")]
    assert "secret store unavailable" in observer.events[-1].message


def test_a_resume_is_a_run_of_its_own(observer: Observer, relay: Connection, hook_flag: Path) -> None:
    hook_flag.write_text("down")
    with pytest.raises(RotationError) as stopped:
        smtpcreds.rotate(relay, "shop-app")
    hook_flag.unlink()

    resume(str(stopped.value.rotation_id))

    assert observer.ends() == [("push", "failed"), ("retire", "done")]


def test_an_abort_ends_aborted(observer: Observer, relay: Connection, hook_flag: Path) -> None:
    hook_flag.write_text("down")
    with pytest.raises(RotationError) as stopped:
        smtpcreds.rotate(relay, "shop-app")

    Rotator(relay).abort(journal_store().load(str(stopped.value.rotation_id)))

    assert observer.ends() == [("push", "failed"), ("push", "aborted")]


def test_keep_old_ends_done_when_the_old_login_is_kept_and_its_later_retire_ends_nothing(
    observer: Observer, relay: Connection
) -> None:
    result = smtpcreds.rotate(relay, "billing-app", strategy="replace", keep_old=True)
    kept = len(observer.events)

    Rotator(relay).retire(journal_store().load(result.rotation_id))

    assert observer.ends() == [("retire", "done")]
    assert [e.step for e in observer.events[kept:]] == ["retire"]  # the retire ran, and ended nothing new
