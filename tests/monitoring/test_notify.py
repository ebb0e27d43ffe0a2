"""Notifications through Apprise's json:// target, received by a loopback HTTP server."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import smtpcreds
from smtpcreds.errors import RotationError
from smtpcreds.notify.send import message, notify_end
from smtpcreds.notify.settings import NotifySettings
from smtpcreds.rotation.events import RotationEvent
from smtpcreds.rotation.journal import journal_store
from smtpcreds.testing.support import MemoryKeyring

from .conftest import Configure, Receiver


def notify_table(*urls: str, on: list[str] | None = None) -> str:
    table = "[notify]\nurls = [" + ", ".join(f'"{u}"' for u in urls) + "]\n"
    if on is not None:
        table += "on = [" + ", ".join(f'"{e}"' for e in on) + "]\n"
    return table


def rotate_one_ok_one_failing(run_cli: Any, hook_flag: Path) -> tuple[Any, Any]:
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0
    ok = run_cli("creds", "rotate", "billing-app")
    hook_flag.write_text("down")
    failed = run_cli("creds", "rotate", "shop-app")
    return ok, failed


def test_the_failed_rotation_sends_one_message_naming_it_and_its_failure_and_no_secret(
    configure: Configure, receiver: Receiver, hook_flag: Path, run_cli: Any, memory_keyring: MemoryKeyring
) -> None:
    configure(notify_table(receiver.url))

    ok, failed = rotate_one_ok_one_failing(run_cli, hook_flag)

    assert (ok.code, failed.code) == (0, 8)
    [body] = receiver.bodies  # the rotation that succeeded sends nothing by default
    [j] = [j for j in journal_store().all() if j.open]
    assert body["type"] == "failure"
    assert body["title"] == "smtpcreds: rotation of relay/shop-app failed at push"
    assert body["message"].splitlines() == [
        f"Rotation {j.id} of relay/shop-app (smtp2go) failed at step push: push to 'hook' failed: profile 'hook': "
        f"command '{_python()}' exited with status 3: hook: secret store unavailable; consumers still holding the "
        "old login: hook",
        f"Resume with: smtpcreds rotations resume {j.id}",
    ]
    secrets = memory_keyring.secrets()
    assert secrets and [s for s in secrets if any(s.encode() in raw for raw in receiver.raw)] == []


def test_an_unreachable_target_changes_neither_the_rotation_nor_the_exit_code(
    configure: Configure, closed_port: int, hook_flag: Path, run_cli: Any
) -> None:
    configure(notify_table(f"json://127.0.0.1:{closed_port}/notify", on=["failed", "held", "done"]))

    ok, failed = rotate_one_ok_one_failing(run_cli, hook_flag)

    assert (ok.code, failed.code) == (0, 8)
    journals = {j.name: j for j in journal_store().all()}
    assert (journals["billing-app"].status, journals["shop-app"].status) == ("done", "failed")
    assert str(journals["shop-app"].next) == "push"
    assert "was not delivered" in ok.err and "was not delivered" in failed.err
    assert "resume with: smtpcreds rotations resume" in failed.err


def test_done_sends_a_message_only_when_asked(
    configure: Configure, receiver: Receiver, hook_flag: Path, run_cli: Any
) -> None:
    configure(notify_table(receiver.url, on=["done"]))

    rotate_one_ok_one_failing(run_cli, hook_flag)

    assert [(b["type"], b["title"]) for b in receiver.bodies] == [
        ("success", "smtpcreds: rotation of relay/billing-app done")]


def test_the_python_api_notifies_too(
    configure: Configure, receiver: Receiver, hook_flag: Path
) -> None:
    configure(notify_table(receiver.url))
    hook_flag.write_text("down")

    with smtpcreds.connect("relay") as relay:
        for name in ("billing-app", "shop-app"):
            relay.credentials.create(name)
        with pytest.raises(RotationError):
            smtpcreds.rotate(relay, "shop-app")

    assert [b["title"] for b in receiver.bodies] == ["smtpcreds: rotation of relay/shop-app failed at push"]


def test_urls_may_come_from_the_environment(
    configure: Configure, receiver: Receiver, hook_flag: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure()
    monkeypatch.setenv("SMTPCREDS_NOTIFY__URLS", f'["{receiver.url}"]')

    rotate_one_ok_one_failing(run_cli, hook_flag)

    assert len(receiver.bodies) == 1


def test_disabling_the_notify_plugin_sends_nothing(
    configure: Configure, receiver: Receiver, hook_flag: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(notify_table(receiver.url))
    monkeypatch.setenv("SMTPCREDS_DISABLE_PLUGINS", "notify")

    _, failed = rotate_one_ok_one_failing(run_cli, hook_flag)

    assert failed.code == 8 and receiver.bodies == []


def test_a_bad_notify_table_is_a_warning_when_the_run_ends_and_changes_nothing(
    configure: Configure, receiver: Receiver, hook_flag: Path, run_cli: Any
) -> None:
    configure(notify_table(receiver.url, on=["failed", "sometimes"]))

    _, failed = rotate_one_ok_one_failing(run_cli, hook_flag)

    assert failed.code == 8 and receiver.bodies == []
    assert "not sent: [notify] on.1:" in failed.err


def test_a_notify_value_that_is_not_a_table_is_a_config_error(configure: Configure, run_cli: Any) -> None:
    path = configure()
    path.write_text('notify = "json://127.0.0.1:9/x"\n' + path.read_text())

    result = run_cli("profiles")

    assert result.code == 2 and "[notify] must be a table" in result.err


# -- the message and its delivery, alone ---------------------------------------------------------
def event(ended: str | None, **fields: Any) -> RotationEvent:
    base: dict[str, Any] = dict(rotation_id="r1", profile="ms", provider="mailersend", credential="q3v8",
                                name="billing-app", strategy="replace", step="retire", outcome="failed",
                                message="old login AKIA1 was used\n  after the push began", ended=ended)
    return RotationEvent(**{**base, **fields})


def test_a_held_message_names_the_credential_by_name_and_id_and_the_error_on_one_line() -> None:
    title, body = message(event("held"))

    assert title == "smtpcreds: rotation of ms/billing-app (id q3v8) held at retire"
    assert body.splitlines()[0] == ("Rotation r1 of ms/billing-app (id q3v8) (mailersend) held at step retire: "
                                    "old login AKIA1 was used after the push began")


def test_a_message_masks_a_registered_secret() -> None:
    from smtpcreds.redact import register

    register("S3cret-Value-123")

    _, body = message(event("failed", message="bad S3cret-Value-123"))

    assert "S3cret-Value-123" not in body and "***" in body


def test_events_that_end_nothing_or_ends_not_asked_for_send_nothing(receiver: Receiver) -> None:
    settings = NotifySettings(urls=[receiver.url])

    sent = [notify_end(event(None), settings), notify_end(event("done"), settings),
            notify_end(event("aborted"), settings)]

    assert sent == [False, False, False] and receiver.bodies == []


def test_without_apprise_a_notification_is_logged_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, receiver: Receiver
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "apprise", None)

    with caplog.at_level(logging.WARNING, logger="smtpcreds.notify"):
        sent = notify_end(event("failed"), NotifySettings(urls=[receiver.url]))

    assert sent is False and receiver.bodies == []
    assert "pip install 'smtpcreds[notify]'" in caplog.text


def test_a_url_apprise_cannot_use_is_logged_without_the_url(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="smtpcreds.notify"):
        sent = notify_end(event("failed"), NotifySettings(urls=["nosuchscheme://tok3n-Secret@host"]))

    assert sent is False
    assert "entry 1 is not an Apprise URL" in caplog.text and "tok3n-Secret" not in caplog.text


def _python() -> str:
    import sys

    return sys.executable
