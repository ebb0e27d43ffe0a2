"""Rotations on the emulators with the real SMTP server: both strategies, push, promote, retire."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dotenv import dotenv_values

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import RotationError, UnsupportedOperation
from smtpcreds.rotation.engine import Rotator, rotate
from smtpcreds.rotation.journal import journal_store
from smtpcreds.rotation.steps import Step

Connect = Callable[[str], Connection]


def accepted(lab: Lab, conn: Connection, ref: str, slot: str = "current") -> bool:
    """Whether the SMTP server accepts the stored ``slot`` login of credential ``ref`` (a name or an id)."""
    name = conn.credentials.get(ref).credential or ref
    login = conn.store.get(name, slot)  # type: ignore[arg-type]
    assert login is not None, f"no {slot} login for {ref}"
    return lab.smtp.accepts(login.username, login.password.get_secret_value())


def test_in_place_rotation_ends_with_new_login_accepted_and_old_rejected(lab: Lab, connect: Connect) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    old = relay.store.get(cred.credential)
    result = Rotator(relay, consumer=connect).rotate(cred.id, push=["pbx"])
    assert result.status == "done" and result.strategy == "in-place" and result.verified
    assert accepted(lab, relay, "billing-app")
    assert not accepted(lab, relay, "billing-app", "previous")
    assert relay.store.get(cred.credential, "previous").password.get_secret_value() == old.password.get_secret_value()  # type: ignore[union-attr]
    assert relay.store.get(cred.credential, "pending") is None
    pbx = connect("pbx").settings.get()
    assert pbx.password.get_secret_value() == relay.store.get(cred.credential).password.get_secret_value()  # type: ignore[union-attr]


def test_replace_rotation_creates_new_login_and_retires_the_old(lab: Lab, connect: Connect) -> None:
    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    old_login = ms.store.get(cred.credential)
    result = Rotator(ms, consumer=connect).rotate(cred.id, push=["pbx"])
    assert result.status == "done" and result.strategy == "replace" and result.retired
    new_id = result.new_credential
    assert new_id != cred.id
    assert accepted(lab, ms, "billing-app")
    assert not lab.smtp.accepts(old_login.username, old_login.password.get_secret_value())  # type: ignore[union-attr]
    record = ms.store.record("billing-app")  # one record, keyed by the name, with the new id
    assert record.id == new_id and record.previous.username == old_login.username  # type: ignore[union-attr]
    ids = [c.id for c in ms.credentials.list()]
    assert ids == [new_id]
    assert ms.credentials.get(new_id).name == "billing-app"
    assert ms.credentials.get("billing-app").id == new_id
    pbx = connect("pbx").settings.get()
    assert pbx.username == ms.store.get("billing-app").username  # type: ignore[union-attr]


def test_keep_old_keeps_the_old_login_until_retire(lab: Lab, connect: Connect) -> None:
    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    rotator = Rotator(ms, consumer=connect)
    result = rotator.rotate(cred.id, keep_old=True)
    assert result.status == "done" and not result.retired
    assert len(list(ms.credentials.list())) == 2
    j = journal_store().load(result.rotation_id)
    assert rotator.retire(j).retired
    assert [c.id for c in ms.credentials.list()] == [result.new_credential]


def test_a_later_rotation_retires_a_kept_old_login(lab: Lab, connect: Connect) -> None:
    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    first = Rotator(ms, consumer=connect).rotate(cred.id, keep_old=True)
    second = Rotator(ms, consumer=connect).rotate(first.new_credential)
    assert [c.id for c in ms.credentials.list()] == [second.new_credential]


def test_push_to_pbx_env_file_and_hook_at_once(lab: Lab, connect: Connect, env_file: Path,
                                               hook_script: Path) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    before = env_file.read_text().splitlines()
    result = Rotator(relay, consumer=connect).rotate(cred.id, push=["pbx", "app-env", "hook"])
    assert result.pushed == ["pbx", "app-env", "hook"]
    current = relay.store.get(cred.credential)
    assert current is not None
    secret = current.password.get_secret_value()
    assert lab.smtp.accepts(current.username, secret)
    assert connect("pbx").settings.get().password.get_secret_value() == secret  # type: ignore[union-attr]
    values = dotenv_values(env_file)
    assert values["SMTP_PASSWORD"] == secret and values["SMTP_USER"] == current.username
    after = env_file.read_text().splitlines()
    for line in before:
        if not line.startswith("SMTP_HOST"):
            assert line in after
    assert oct(env_file.stat().st_mode & 0o777) == oct(0o640)
    received = json.loads((hook_script.parent / "hook-received.json").read_text())
    assert received["password"] == secret and received["username"] == current.username
    argv = (hook_script.parent / "hook-received.json.argv").read_text()
    environ = (hook_script.parent / "hook-received.json.env").read_text()
    assert secret not in argv and secret not in environ


@pytest.mark.parametrize(("issuer", "strategy"), [("ms", None), ("relay", "replace")])
def test_failing_hook_stops_replace_rotation_before_retire_then_resume_pushes_only_to_it(
        lab: Lab, connect: Connect, hook_script: Path, issuer: str, strategy: str | None) -> None:
    conn = connect(issuer)
    cred = conn.credentials.create("billing-app")
    old = conn.store.get(cred.credential)
    assert old is not None
    flag = hook_script.parent / "hook-fail"
    flag.write_text("1")
    pbx_writes_before = lab.emulators["webitel"].count("POST", r"^/api/v2/email/settings$")
    with pytest.raises(RotationError) as e:
        Rotator(conn, consumer=connect).rotate(cred.id, push=["pbx", "hook"], strategy=strategy)
    assert e.value.exit_code == 8 and e.value.step == "push"
    assert "hook" in e.value.message and "app config is read-only" in e.value.message
    assert lab.smtp.accepts(old.username, old.password.get_secret_value())  # old login still works
    flag.unlink()
    j = journal_store().load(e.value.rotation_id)
    assert j.pushed == ["pbx"]
    pbx_writes = lab.emulators["webitel"].count("POST", r"^/api/v2/email/settings$")
    result = Rotator(conn, consumer=connect).run(j)
    assert result.status == "done" and result.retired
    assert lab.emulators["webitel"].count("POST", r"^/api/v2/email/settings$") == pbx_writes
    assert pbx_writes == pbx_writes_before + 1
    assert not lab.smtp.accepts(old.username, old.password.get_secret_value())
    assert accepted(lab, conn, result.new_credential)


def test_smtp2go_replace_strategy_alternates_usernames(lab: Lab, connect: Connect) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    first = Rotator(relay, consumer=connect).rotate(cred.id, strategy="replace")
    assert first.new_credential != cred.id
    second = Rotator(relay, consumer=connect).rotate(first.new_credential, strategy="replace")
    assert second.new_credential == cred.id
    assert [c.id for c in relay.credentials.list()] == [cred.id]
    assert accepted(lab, relay, cred.id)


def test_failed_verification_stops_before_promotion_and_keeps_the_old_login(
        lab: Lab, connect: Connect, monkeypatch: pytest.MonkeyPatch) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    old = relay.store.get(cred.credential)
    assert old is not None
    real_issue = lab.smtp.issue
    monkeypatch.setattr(lab.smtp, "issue", lambda user, pw: None)  # the SMTP side never learns the new one
    with pytest.raises(RotationError) as e:
        Rotator(relay, consumer=connect).rotate(cred.id)
    assert e.value.step == "verify"
    assert relay.store.get(cred.credential).password.get_secret_value() == old.password.get_secret_value()  # type: ignore[union-attr]
    assert lab.smtp.accepts(old.username, old.password.get_secret_value())
    pending = relay.store.get(cred.credential, "pending")
    assert pending is not None
    monkeypatch.setattr(lab.smtp, "issue", real_issue)
    result = Rotator(relay, consumer=connect).run(journal_store().load(e.value.rotation_id))
    assert result.status == "done"
    assert relay.store.get(cred.credential).password.get_secret_value() == pending.password.get_secret_value()  # type: ignore[union-attr]


def test_no_verify_skips_the_smtp_check_visibly(lab: Lab, connect: Connect) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    result = Rotator(relay, consumer=connect).rotate(cred.id, verify=False)
    assert result.status == "done" and not result.verified
    j = journal_store().load(result.rotation_id)
    assert any(h.step == "verify" and h.outcome == "skipped" for h in j.history)


def test_a_second_rotation_of_a_credential_with_an_unfinished_one_is_refused(
        lab: Lab, connect: Connect, hook_script: Path) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    (hook_script.parent / "hook-fail").write_text("1")
    with pytest.raises(RotationError) as first:
        Rotator(relay, consumer=connect).rotate(cred.id, push=["hook"])
    with pytest.raises(RotationError) as second:
        Rotator(relay, consumer=connect).rotate(cred.id)
    assert first.value.rotation_id in second.value.message and "unfinished" in second.value.message


def test_abort_of_a_replace_rotation_deletes_the_new_login(lab: Lab, connect: Connect,
                                                           hook_script: Path) -> None:
    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    (hook_script.parent / "hook-fail").write_text("1")
    with pytest.raises(RotationError) as e:
        Rotator(ms, consumer=connect).rotate(cred.id, push=["pbx", "hook"])
    rotator = Rotator(ms, consumer=connect)
    actions = rotator.abort(journal_store().load(e.value.rotation_id))
    assert any("deleted the new login" in a for a in actions)
    assert any("pushed the previous login back to pbx" in a for a in actions)
    assert [c.id for c in ms.credentials.list()] == [cred.id]
    assert accepted(lab, ms, cred.id)
    assert connect("pbx").settings.get().username == ms.store.get(cred.credential).username  # type: ignore[union-attr]


def test_abort_of_an_in_place_rotation_restores_the_old_password(lab: Lab, connect: Connect,
                                                                 hook_script: Path) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    (hook_script.parent / "hook-fail").write_text("1")
    with pytest.raises(RotationError) as e:
        Rotator(relay, consumer=connect).rotate(cred.id, push=["hook"])
    actions = Rotator(relay, consumer=connect).abort(journal_store().load(e.value.rotation_id))
    assert any("restored the previous password" in a for a in actions)
    assert accepted(lab, relay, cred.id)
    assert relay.store.get(cred.credential, "pending") is None


def test_rotate_api_function_and_journal_hold_no_secret(lab: Lab, connect: Connect) -> None:
    relay = connect("relay")
    cred = relay.credentials.create("billing-app")
    result = rotate(relay, cred.id, push=["pbx"])
    current = relay.store.get(cred.credential)
    assert current is not None
    journal_text = journal_store().docs.path(result.rotation_id).read_text()
    assert current.password.get_secret_value() not in journal_text
    assert relay.store.get(cred.credential, "previous").password.get_secret_value() not in journal_text  # type: ignore[union-attr]
    mode = journal_store().docs.path(result.rotation_id).stat().st_mode & 0o777
    assert mode == 0o600 and (journal_store().docs.root.stat().st_mode & 0o777) == 0o700


def test_rotation_steps_are_reported_to_hooks_in_order(lab: Lab, connect: Connect) -> None:
    from smtpcreds.hookspecs import hookimpl
    from smtpcreds.plugins import get_plugin_manager
    from smtpcreds.rotation.events import RotationEvent

    seen: list[str] = []

    class Observer:
        @hookimpl
        def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
            seen.append(f"{event.step}:{event.outcome}")

    observer = Observer()
    get_plugin_manager().register(observer)
    try:
        relay = connect("relay")
        cred = relay.credentials.create("billing-app")
        rotate(relay, cred.id, push=["pbx"])
    finally:
        get_plugin_manager().unregister(observer)
    assert seen == ["plan:done", "create_pending:done", "set:done", "verify:done", "push:done",
                    "push:done", "promote:done", "rollout:skipped", "retire:skipped"]


def test_consumers_cannot_be_rotated(connect: Connect) -> None:
    with pytest.raises(UnsupportedOperation):
        rotate(connect("pbx"), "x")


class _Interrupted(BaseException):
    """Stands in for a crash: nothing in the engine catches it."""


@pytest.mark.parametrize("where", ["after-promote", "after-retire-request"])
def test_abort_refuses_a_rotation_promoted_after_its_journal_was_written(
        lab: Lab, connect: Connect, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The journal is not written at promotion, so it can say 'verify' while the keyring holds the
    new login as current and the old login is gone: abort must not delete the new one too."""
    from smtpcreds.hookspecs import hookimpl
    from smtpcreds.plugins import get_plugin_manager
    from smtpcreds.rotation.events import RotationEvent

    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    real_delete = ms.provider.delete_credential

    class Crash:
        @hookimpl
        def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
            if where == "after-promote" and event.step == "promote":
                raise _Interrupted

    if where == "after-retire-request":
        def delete_then_crash(ref: str, scope: str | None = None) -> None:
            real_delete(ref, scope)
            raise _Interrupted

        monkeypatch.setattr(ms.provider, "delete_credential", delete_then_crash)
    crash = Crash()
    get_plugin_manager().register(crash)
    try:
        with pytest.raises(_Interrupted):
            Rotator(ms, consumer=connect).rotate(cred.id, push=["pbx"])
    finally:
        get_plugin_manager().unregister(crash)
        monkeypatch.setattr(ms.provider, "delete_credential", real_delete)
    (j,) = journal_store().all()
    assert j.next in (Step.PUSH, Step.PROMOTE) and j.open, "the journal lags behind the promotion"
    with pytest.raises(RotationError, match="past promotion"):
        Rotator(ms, consumer=connect).abort(journal_store().load(j.id))
    assert accepted(lab, ms, j.target), "the new login still works after the refused abort"
    result = Rotator(ms, consumer=connect).run(journal_store().load(j.id))
    assert result.status == "done" and result.retired
    assert [c.id for c in ms.credentials.list()] == [j.target]
    assert accepted(lab, ms, j.target)


def test_a_delete_whose_answer_was_lost_completes_and_clears_the_keyring(lab: Lab, connect: Connect) -> None:
    """The DELETE reached MailerSend and its answer was lost; the re-sent one gets 404."""
    ms = connect("ms")
    cred = ms.credentials.create("lost-answer-app")
    lab.emulators["mailersend"].faults.inject(method="DELETE", path=r"/smtp-users/[^/]+$", drop_after=True,
                                              times=1)
    ms.credentials.delete(cred.id)
    assert list(ms.credentials.list()) == []
    assert ms.store.get(cred.credential) is None


def test_deleting_a_login_that_never_existed_is_still_not_found(connect: Connect) -> None:
    from smtpcreds.errors import NotFound

    with pytest.raises(NotFound):
        connect("ms").credentials.delete("nosuchlogin00000")
