"""The rotation engine: plan → create_pending → set → verify → push → promote → retire.

After AWS Secrets Manager's createSecret / setSecret / testSecret / finishSecret (pending,
current and previous labels) with a Vault-style write-ahead journal: the new secret is in the
keyring (read back) before any provider mutation, the journal records the step reached (never
a secret), and every step is idempotent, so :meth:`Rotator.run` rolls forward from wherever a
crash left a rotation, reusing the pending secret instead of generating a second one.

Strategies, chosen from capabilities:

* **in-place** (SET_PASSWORD, e.g. SMTP2GO): generate, store pending, set at the provider, verify.
* **replace** (CREATE + DELETE, e.g. MailerSend): create a new login, store the password it
  comes with as pending at once, verify, and retire the old login after promotion.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from pydantic import BaseModel, SecretStr

from smtpcreds import passwords
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, connect
from smtpcreds.errors import (
    NotFound,
    RotationError,
    SmtpCredsError,
    TransportError,
    UnsupportedOperation,
)
from smtpcreds.models import SmtpCredential, SmtpLogin, utcnow
from smtpcreds.rotation.events import Outcome, RotationEvent
from smtpcreds.rotation.journal import Journal, JournalStore, Strategy, journal_store, new_id
from smtpcreds.secretstore import SecretStore

log = logging.getLogger("smtpcreds.rotation")

#: SMTP verification attempts (a new password can take a moment to reach the SMTP servers).
VERIFY_ATTEMPTS = 3
VERIFY_DELAY = 1.0


class RotationResult(BaseModel):
    """The outcome of one rotation, as printed by ``--json``."""

    rotation_id: str
    profile: str
    provider: str
    credential: str
    new_credential: str
    strategy: str
    status: str
    step: str
    verified: bool
    pushed: list[str]
    retired: bool
    message: str = ""

    @classmethod
    def of(cls, j: Journal, message: str = "") -> RotationResult:
        return cls(rotation_id=j.id, profile=j.profile, provider=j.provider, credential=j.ref,
                   new_credential=j.target, strategy=j.strategy, status=j.status, step=j.step,
                   verified=j.verified, pushed=list(j.pushed), retired=j.retired,
                   message=message or (j.error or ""))


def choose_strategy(conn: Connection, requested: str | None = None) -> Strategy:
    caps = conn.capabilities
    can_replace = Capability.CREATE in caps and Capability.DELETE in caps
    if requested == "replace":
        if not can_replace:
            raise UnsupportedOperation(f"{conn.profile.provider} cannot rotate by replacement "
                                       "(needs create and delete)", provider=conn.profile.provider)
        return "replace"
    if requested == "in-place" or requested is None:
        if Capability.SET_PASSWORD in caps:
            return "in-place"
        if requested is None and can_replace:
            return "replace"
        raise UnsupportedOperation(f"{conn.profile.provider} cannot rotate passwords "
                                   "(needs set-password, or create and delete)", provider=conn.profile.provider)
    raise UnsupportedOperation(f"unknown strategy {requested!r} (in-place or replace)")


class Gate:
    """A shared pause: a 429 in one rotation slows the whole batch instead of failing items."""

    def __init__(self) -> None:
        self._until = 0.0

    def pause(self, seconds: float) -> None:
        self._until = max(self._until, time.monotonic() + seconds)

    def wait(self) -> None:
        delay = self._until - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class Rotator:
    """Runs rotations of one issuer connection."""

    def __init__(self, conn: Connection, *, journals: JournalStore | None = None,
                 consumer: Callable[[str], Connection] | None = None, gate: Gate | None = None) -> None:
        self.conn = conn
        self.store = conn.store
        self.journals = journals or journal_store()  # (store) keyring: state dir; vault: KV
        self._consumer_factory = consumer
        self._consumers: dict[str, Connection] = {}
        self.gate = gate or Gate()
        self._pending: dict[str, SmtpLogin] = {}
        #: The credential read by plan(), by rotation id, so the steps that follow in this process
        #: need not read it again (a resumed rotation reads it afresh).
        self._planned: dict[str, SmtpCredential] = {}

    # -- entry points -----------------------------------------------------------------------
    def rotate(self, ref: str, scope: str | None = None, *, push: list[str] | None = None,
               verify: bool = True, keep_old: bool = False, strategy: str | None = None,
               known_ids: set[str] | None = None) -> RotationResult:
        """Start and run a rotation of ``ref``; raise RotationError if it stops before the end."""
        # (store change) the credential's lease is taken before the plan (which checks for an open
        # rotation and, in place, stores the pending secret), and records are cached throughout.
        rotation_id = new_id()
        with self.journals.lease_ref(self.conn.profile_name, ref, rotation_id), self.store.caching():
            j = self.plan(ref, scope, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                          known_ids=known_ids, rotation_id=rotation_id)
            return self.run(j)

    def plan(self, ref: str, scope: str | None = None, *, push: list[str] | None = None,
             verify: bool = True, keep_old: bool = False, strategy: str | None = None,
             known_ids: set[str] | None = None, rotation_id: str | None = None) -> Journal:
        """Check everything that can be checked before a change, and write the journal."""
        conn = self.conn
        chosen = choose_strategy(conn, strategy)
        open_j = self.journals.open_for(conn.profile_name, ref)
        if open_j is not None:
            raise RotationError(
                f"credential {ref!r} has an unfinished rotation {open_j.id} (last step {open_j.step}); "
                f"run 'smtpcreds rotations resume {open_j.id}' or 'smtpcreds rotations abort {open_j.id}'",
                rotation_id=open_j.id, step=open_j.step,
            )
        # Refuse a store that cannot keep the new secret before the journal exists. In place, the
        # pending write below is the proof; a replacement needs a canary write first (store
        # change: the pending write doubles as the writability proof).
        if chosen == "replace":
            self.store.check_writable()
        else:
            self.store.check()
        for name in push or []:
            self.consumer(name)  # fail on an unknown consumer profile before any change
        unretired = self.journals.unretired_for(conn.profile_name, ref)
        if unretired is not None:
            self.retire(unretired)
        cred = conn.credentials.get(ref, scope)
        scope = scope if scope is not None else cred.scope
        known: set[str] = set()
        if chosen == "replace" and Capability.SET_PASSWORD not in conn.capabilities:
            known = known_ids if known_ids is not None else conn.credentials._ids_named(cred.name, scope)
        template = conn.login_for(cred, SecretStr("x"))
        j = Journal(id=rotation_id or new_id(), profile=conn.profile_name, provider=conn.profile.provider, ref=cred.id,
                    scope=scope, name=cred.name, strategy=chosen, push=list(push or []), verify=verify,
                    keep_old=keep_old, known_ids=sorted(known | {cred.id}))
        j.history.append(_entry("plan", "done", f"{template.host}:{template.port} {template.security}"))
        self._planned[j.id] = cred
        if chosen == "in-place":  # (store change) pending stored, read back, before the journal
            try:
                self._pending_login(j, create=True)
            except BaseException:
                self._planned.pop(j.id, None)
                self._pending.pop(j.id, None)
                raise
        self.journals.save(j)
        self._event(j, "plan", "done", f"strategy {chosen}")
        return j

    def run(self, j: Journal) -> RotationResult:
        """Roll ``j`` forward to the end; on failure record it and raise RotationError."""
        with self._locked(j):
            if j.status in ("done", "aborted"):
                return RotationResult.of(j)
            if j.status != "running":
                j.status, j.error = "running", None
                self.journals.save(j)
            current = "create_pending"
            try:
                for step, fn in (("plan", self._create_pending), ("create_pending", self._set),
                                 ("set", self._verify), ("verify", self._push),
                                 ("push", self._promote), ("promote", self._retire)):
                    if j.step == step:
                        current = _next(step)
                        self.gate.wait()
                        fn(j)
            except SmtpCredsError as e:
                j.status, j.error = "failed", e.message
                j.history.append(_entry(current, "failed", e.message))
                self.journals.save(j)
                self._event(j, current, "failed", e.message)
                raise RotationError(
                    f"rotation {j.id} of {j.ref} stopped at {current}: {e.message}; "
                    f"resume with 'smtpcreds rotations resume {j.id}'",
                    rotation_id=j.id, step=current, provider=e.provider, status=e.status,
                ) from e
            finally:
                self._pending.pop(j.id, None)
                self._planned.pop(j.id, None)
        return RotationResult.of(j)

    # -- steps ------------------------------------------------------------------------------
    def _create_pending(self, j: Journal) -> None:
        if j.strategy == "in-place":
            self._pending_login(j, create=True)
            self._done(j, "create_pending")
            return
        p = self.conn.provider
        if Capability.SET_PASSWORD in p.capabilities:
            self._create_chosen(j)
        else:
            self._create_returned(j)
        self._done(j, "create_pending", f"new login {j.new_id}")

    def _create_chosen(self, j: Journal) -> None:
        """Replace where we choose the password: pending stored under the predicted id first."""
        p = self.conn.provider
        old = self._credential(j)
        new_name = p.replacement_name(old)
        predicted = p.predict_id(new_name, j.scope)
        if predicted is None:
            raise SmtpCredsError(f"{p.name} cannot tell the id of a new login", provider=p.name)
        j.new_id = predicted
        self.journals.save(j)
        login = self._pending_login(j, create=True, username=predicted)
        if j.creating and self._exists(predicted, j.scope):
            j.creating = False
            return
        j.creating = True
        self.journals.save(j)
        try:
            p.create_credential(new_name, j.scope, password=login.password, options=p.clone_options(old))
        except TransportError:
            if not self._exists(predicted, j.scope):
                raise
        j.creating = False

    def _create_returned(self, j: Journal) -> None:
        """Replace where the provider returns the password: store it the moment it arrives."""
        creds = self.conn.credentials
        if j.creating and j.new_id is None:
            self._adopt_or_discard(j)
        if j.new_id is not None:
            return
        j.creating = True
        self.journals.save(j)
        cred = creds.create_returning_password(j.name, j.scope, known_ids=set(j.known_ids))
        assert cred.password is not None
        login = self.conn.login_for(cred, cred.password)
        creds.store_or_discard(cred, login, "pending", j.scope)
        self._pending[j.id] = login
        j.new_id, j.creating = cred.id, False
        self.journals.save(j)

    def _adopt_or_discard(self, j: Journal) -> None:
        """After a crash during a create: keep a new login whose password we stored, delete the rest."""
        p = self.conn.provider
        for cred in list(p.list_credentials(j.scope)):
            if cred.name != j.name or cred.id in j.known_ids:
                continue
            if j.new_id is None and self.store.get(cred.id, "pending") is not None:
                j.new_id = cred.id
                log.info("rotation %s: adopting %s created before the interruption", j.id, cred.id)
            else:
                log.warning("rotation %s: deleting %s, created by an interrupted request whose "
                            "password was never stored", j.id, cred.id)
                p.delete_credential(cred.id, j.scope)
        j.creating = False
        self.journals.save(j)

    def _set(self, j: Journal) -> None:
        if j.strategy == "in-place":
            login = self._pending_login(j)
            self.conn.provider.set_password(j.ref, login.password, j.scope)
            self._done(j, "set")
        else:
            self._done(j, "set", "the new login was created with its password", outcome="skipped")

    def _verify(self, j: Journal) -> None:
        if not j.verify:
            self._done(j, "verify", "verification skipped (--no-verify)", outcome="skipped")
            return
        from smtpcreds.rotation.verify import verify_login

        login = self._pending_login(j)
        verify_tls = self.conn.profile.verify_tls
        for attempt in range(VERIFY_ATTEMPTS):
            try:
                verify_login(login, verify_tls=verify_tls)
                break
            except SmtpCredsError:
                if attempt + 1 < VERIFY_ATTEMPTS:
                    time.sleep(VERIFY_DELAY * (attempt + 1))
                    continue
                if j.strategy == "in-place":
                    self._restore_old(j)
                raise
        j.verified = True
        self._done(j, "verify", f"SMTP login accepted by {login.host}:{login.port}")

    def _restore_old(self, j: Journal) -> None:
        """In-place: the new password failed verification; put the old one back at the provider."""
        old = self.store.get(j.ref)
        if old is None:
            return
        try:
            self.conn.provider.set_password(j.ref, old.password, j.scope)
        except SmtpCredsError as e:
            log.error("rotation %s: could not restore the previous password: %s", j.id, e)
            return
        j.restored_old, j.step = True, "create_pending"
        self.journals.save(j)

    def _push(self, j: Journal) -> None:
        login = self._pending_login(j)
        for name in j.push:
            if name in j.pushed:
                continue
            try:
                result = self.consumer(name).settings.push(login)
            except RotationError:
                raise
            except SmtpCredsError as e:
                missing = ", ".join(n for n in j.push if n not in j.pushed)
                e.message = f"push to {name!r} failed: {e.message}; consumers still holding the old login: {missing}"
                raise
            j.pushed.append(name)
            self.journals.save(j)
            self._event(j, "push", "done", f"{name}: {'updated' if result.changed else 'already current'}")
        self._done(j, "push", ", ".join(j.pushed) or "no consumers", outcome="done" if j.push else "skipped")

    def _promote(self, j: Journal) -> None:
        pending = self._pending.get(j.id) or self.store.get(j.target, "pending")
        if pending is not None:
            if j.strategy == "in-place":
                self.store.promote(j.ref, pending=pending)
            else:  # (store change) one write: the old login becomes the new record's previous
                self.store.promote(j.target, pending=pending, current=self.store.get(j.ref))
        self._done(j, "promote")

    def _retire(self, j: Journal) -> None:
        if j.strategy == "in-place":
            j.retired = True
            j.status = "done"
            self._done(j, "retire", "the old password stopped working when the new one was set",
                       outcome="skipped", persist=True)
            return
        if j.keep_old and not j.retired and j.step == "promote":
            j.status = "done"
            self.journals.save(j)
            self._event(j, "retire", "skipped", f"old login {j.ref} kept (--keep-old)")
            return
        with suppress(NotFound):
            self.conn.provider.delete_credential(j.ref, j.scope)
        if j.ref != j.target:
            self.store.forget(j.ref)  # (store change) the old login's whole record, one delete
        j.retired, j.status = True, "done"
        self._done(j, "retire", f"deleted old login {j.ref}", persist=True)

    def retire(self, j: Journal) -> RotationResult:
        """Retire the old login of a finished ``--keep-old`` rotation."""
        with self._locked(j):
            if j.strategy == "replace" and j.status == "done" and not j.retired:
                j.keep_old = False
                self._retire(j)
        return RotationResult.of(j)

    # -- abort ------------------------------------------------------------------------------
    def abort(self, j: Journal) -> list[str]:
        """Roll back what can be rolled back; return what was done, one line each."""
        actions: list[str] = []
        with self._locked(j):
            if not j.open:
                raise RotationError(f"rotation {j.id} is {j.status}; nothing to abort",
                                    rotation_id=j.id, step=j.step)
            # The journal may lag behind a promotion (and the retire that follows it): the keyring
            # tells, and undoing then could delete the only working login.
            if j.step in ("promote", "retire") or promoted_login(self.store, j) is not None:
                raise RotationError(f"rotation {j.id} is past promotion (the keyring holds the new login "
                                    f"as current); resume it instead: 'smtpcreds rotations resume {j.id}'",
                                    rotation_id=j.id, step=j.step)
            old = self.store.get(j.ref)
            if j.pushed and old is not None:
                for name in j.pushed:
                    self.consumer(name).settings.push(old)
                    actions.append(f"pushed the previous login back to {name}")
            if j.strategy == "in-place":
                # The journal may lag a step behind the provider, so the old password is put back
                # whenever it is known (setting an unchanged password again does no harm).
                if old is not None and not j.restored_old:
                    self.conn.provider.set_password(j.ref, old.password, j.scope)
                    actions.append(f"restored the previous password of {j.ref} at {j.provider}")
                if self.store.delete(j.ref, "pending"):
                    actions.append("removed the pending secret from the keyring")
            else:
                if j.creating and j.new_id is None:
                    self._adopt_or_discard(j)
                if j.new_id is not None:
                    try:
                        self.conn.provider.delete_credential(j.new_id, j.scope)
                        actions.append(f"deleted the new login {j.new_id} at {j.provider}")
                    except NotFound:
                        pass
                    if self.store.delete(j.new_id, "pending"):
                        actions.append("removed the pending secret from the keyring")
            j.status = "aborted"
            j.history.append(_entry("abort", "aborted", "; ".join(actions)))
            self.journals.save(j)
            self._event(j, j.step, "aborted", "; ".join(actions) or "nothing to undo")
        return actions

    # -- helpers ----------------------------------------------------------------------------
    def consumer(self, name: str) -> Connection:
        if name not in self._consumers:
            if self._consumer_factory is not None:
                conn = self._consumer_factory(name)
            else:
                conn = connect(name, config=self.conn.config)
            if Capability.SETTINGS_SET not in conn.capabilities:
                raise UnsupportedOperation(f"profile {name!r} ({conn.profile.provider}) cannot receive logins")
            self._consumers[name] = conn
        return self._consumers[name]

    def close(self) -> None:
        for conn in self._consumers.values():
            conn.close()

    def _pending_login(self, j: Journal, *, create: bool = False, username: str | None = None) -> SmtpLogin:
        """The pending login: from memory, else the keyring; generated and stored only if absent."""
        login = self._pending.get(j.id)
        if login is None:
            login = self.store.get(j.target, "pending")
        if login is None and j.id not in self._planned:  # (planned in this process: not promoted yet)
            login = promoted_login(self.store, j, pending_read=True)
        if login is None:
            if not create:
                raise RotationError(f"rotation {j.id}: the pending secret of {j.target} is missing "
                                    "from the keyring; abort this rotation", rotation_id=j.id, step=j.step)
            cred = self._credential(j)
            template = self.conn.login_for(cred, SecretStr(passwords.generate(self.conn.provider.password_length)))
            login = template.model_copy(update={"username": username or template.username,
                                                "created_at": utcnow()})
            self.store.put(j.target, login, "pending")
        self._pending[j.id] = login
        return login

    def _credential(self, j: Journal) -> SmtpCredential:
        """The credential being rotated: as plan() read it in this process, else from the provider."""
        cred = self._planned.get(j.id)
        return cred if cred is not None else self.conn.credentials.get(j.ref, j.scope)

    def _exists(self, ref: str, scope: str | None) -> bool:
        try:
            self.conn.provider.get_credential(ref, scope)
            return True
        except NotFound:
            return False

    def _done(self, j: Journal, step: str, message: str = "", outcome: Outcome = "done",
              persist: bool = False) -> None:
        """Record a finished step. Only what a resume cannot redo safely is written at once (the
        plan, a create in flight, its new id, each consumer pushed, the end): every other step is
        idempotent, so a journal that lags one step behind is rolled forward by redoing it."""
        j.step = step
        j.history.append(_entry(step, outcome, message))
        if persist:
            self.journals.save(j)
        self._event(j, step, outcome, message)

    def _event(self, j: Journal, step: str, outcome: Outcome, message: str) -> None:
        from smtpcreds.plugins import plugins

        plugins().rotation_step(RotationEvent(
            rotation_id=j.id, profile=j.profile, provider=j.provider, credential=j.ref,
            strategy=j.strategy, step=step, outcome=outcome, message=message,
        ))

    @contextmanager
    def _locked(self, j: Journal) -> Iterator[None]:
        """One rotation at a time per credential, on any machine (store change: the journal store's
        lease, a lock file or a vault lease record; a second one is refused naming the holder)."""
        with self.journals.lease(j), self.store.caching():  # records cached while the lease is held
            yield


def promoted_login(store: SecretStore, j: Journal, *, pending_read: bool = False) -> SmtpLogin | None:
    """The new login if the keyring shows ``j`` promoted, else None.

    The journal is not written at promotion (every step is idempotent, see :meth:`Rotator._done`),
    so it may lag behind one: pending is deleted only after it was copied to current, and a
    current login made during this rotation is then the pending one. ``pending_read``: the
    caller has just found the pending slot empty (saves a keyring read).
    """
    if not pending_read and store.get(j.target, "pending") is not None:
        return None
    current = store.get(j.target)
    return current if current is not None and current.created_at >= j.created_at else None


def _next(step: str) -> str:
    from smtpcreds.rotation.events import STEPS

    return STEPS[STEPS.index(step) + 1]


def _entry(step: str, outcome: str, message: str) -> Any:
    from smtpcreds.rotation.journal import HistoryEntry

    return HistoryEntry(step=step, outcome=outcome, message=message)


def rotate(client: Connection, ref: str, *, push: list[str] | None = None, verify: bool = True,
           keep_old: bool = False, strategy: str | None = None, scope: str | None = None) -> RotationResult:
    """Rotate credential ``ref`` of a connected issuer; see the module docstring.

    Raises RotationError (resumable, with ``rotation_id``) if a step fails.
    """
    rotator = Rotator(client)
    try:
        return rotator.rotate(ref, scope, push=push, verify=verify, keep_old=keep_old, strategy=strategy)
    finally:
        rotator.close()


def resume(rotation_id: str, *, config: Any = None) -> RotationResult:
    """Roll an unfinished rotation forward."""
    journals = journal_store()
    j = journals.load(rotation_id)
    with connect(j.profile, config=config) as conn:
        rotator = Rotator(conn, journals=journals)
        try:
            return rotator.run(j)
        finally:
            rotator.close()
