"""The rotation engine: plan, then retire_leftover → create_pending → set → verify → push →
promote → rollout → retire (:mod:`smtpcreds.rotation.steps`; rollout: :mod:`.rollout`).

After AWS Secrets Manager's createSecret / setSecret / testSecret / finishSecret (pending,
current and previous labels) with a Vault-style write-ahead journal: the new secret is in the
store (the write confirmed) before any provider mutation, the journal records the step reached (never
a secret), and every step is idempotent, so :meth:`Rotator.run` rolls forward from wherever a
crash left a rotation, reusing the pending secret instead of generating a second one.

Strategies, chosen from capabilities:

* **in-place** (SET_PASSWORD, e.g. SMTP2GO): generate, store pending, set at the provider, verify.
* **replace** (CREATE + DELETE, e.g. MailerSend): create a new login, store the password it
  comes with as pending at once, verify, and retire the old login after promotion.
* **regenerate** (REGENERATE_PASSWORD, e.g. SES's alternate access keys): the provider makes a
  second secret beside the first (the username changes), stored as pending at once; verify,
  push, promote, then retire the old secret, unless it was used after the push began.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretStr

from smtpcreds.bindings import bound_push, listing, preflight
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, connect
from smtpcreds.config import RotationTable
from smtpcreds.errors import (
    ConfigError,
    NotFound,
    RotationError,
    SmtpCredsError,
    TransportError,
    UnsupportedOperation,
)
from smtpcreds.models import SmtpCredential, SmtpLogin, utcnow
from smtpcreds.plugins import plugins
from smtpcreds.rotation import rollout
from smtpcreds.rotation.events import RotationEnd, RotationEvent, StepOutcome
from smtpcreds.rotation.journal import (
    HistoryEntry,
    Journal,
    JournalStore,
    Strategy,
    journal_store,
    make_rotation_id,
)
from smtpcreds.rotation.names import SameNames
from smtpcreds.rotation.steps import ORDER, Step, following
from smtpcreds.rotation.verify import verify_login
from smtpcreds.store import SecretStore
from smtpcreds.store.newsecret import ChosenSecret, keep_returned

__all__ = [
    "VERIFY_ATTEMPTS",
    "VERIFY_DELAY",
    "VERIFY_MAX_DELAY",
    "Gate",
    "RotationResult",
    "Rotator",
    "StepResult",
    "choose_strategy",
    "preview",
    "promoted_login",
    "resume",
    "rotate",
]

log = logging.getLogger("smtpcreds.rotation")

#: SMTP verification attempts (a new password can take a moment to reach the SMTP servers).
#: A profile may set ``verify_attempts`` / ``verify_delay`` (SES does: new IAM keys take seconds).
VERIFY_ATTEMPTS = 3
VERIFY_DELAY = 1.0
VERIFY_MAX_DELAY = 5.0


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

    #: The credential's name (``credential`` and ``new_credential`` are the provider ids of its
    #: old and new login).
    name: str = ""

    @classmethod
    def of(cls, j: Journal, message: str = "") -> RotationResult:
        return cls(rotation_id=j.id, profile=j.profile, provider=j.provider, credential=j.ref, name=j.name,
                   new_credential=j.target, strategy=j.strategy, status=j.status, step=str(j.next),
                   verified=j.verified, pushed=list(j.pushed), retired=j.retired,
                   message=message or (j.error or ""))


def choose_strategy(conn: Connection, requested: str | None = None) -> Strategy:
    caps = conn.capabilities
    can_replace = Capability.CREATE in caps and Capability.DELETE in caps
    if requested == "regenerate" or (requested is None and Capability.REGENERATE_PASSWORD in caps
                                     and Capability.SET_PASSWORD not in caps):
        if Capability.REGENERATE_PASSWORD not in caps:
            raise UnsupportedOperation(f"{conn.profile.provider} cannot regenerate passwords",
                                       provider=conn.profile.provider)
        return "regenerate"
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
    raise UnsupportedOperation(f"unknown strategy {requested!r} (in-place, replace or regenerate)")


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
                 consumer: Callable[[str], Connection] | None = None, gate: Gate | None = None,
                 names: SameNames | None = None, watch: rollout.HostWatch | None = None,
                 rollout_timeout: float | None = None) -> None:
        self.conn = conn
        self.store = conn.store
        self.journals = journals or journal_store(conn.config)  # keyring: state dir; vault: KV
        self._consumer_factory = consumer
        self._consumers: dict[str, Connection] = {}
        self.gate = gate or Gate()
        #: Who bears which name at the issuer (replace rotations tell orphans by it); a batch
        #: shares one, a single rotation lists for itself.
        self.names = names or SameNames()
        #: The host reports the rollout waits on (a batch shares one watch); the timeout in seconds
        #: (None: the config's [rotation] rollout_timeout).
        self.watch = watch or rollout.HostWatch(self.store.backend.hosts())
        self.rollout_timeout = rollout_timeout
        self._pending: dict[str, SmtpLogin] = {}
        #: The credential read by plan(), by rotation id, so the steps that follow in this process
        #: need not read it again (a resumed rotation reads it afresh).
        self._planned: dict[str, SmtpCredential] = {}
        self._steps: dict[Step, Callable[[Journal], StepResult]] = {
            Step.RETIRE_LEFTOVER: self._retire_leftover, Step.CREATE_PENDING: self._create_pending,
            Step.SET: self._set, Step.VERIFY: self._verify, Step.PUSH: self._push,
            Step.PROMOTE: self._promote, Step.ROLLOUT: self._rollout, Step.RETIRE: self._retire,
        }

    # -- entry points -----------------------------------------------------------------------
    def rotate(self, ref: str, scope: str | None = None, *, push: list[str] | None = None,
               verify: bool = True, keep_old: bool = False, strategy: str | None = None,
               push_bound: bool = True, force_retire: bool = False, allow_gap: bool = False) -> RotationResult:
        """Start and run a rotation of credential ``ref`` (its name, or the id of one of its
        logins); raise RotationError if it stops before the end."""
        cred = self.conn.credentials.get(ref, scope)
        name = cred.credential or cred.id
        # The credential's lease is taken before the plan (which checks for an open rotation and, in
        # place, stores the pending secret), and records are cached throughout.
        rotation_id = make_rotation_id()
        with self.journals.lease_ref(self.conn.profile_name, name, rotation_id), self.store.caching():
            cred = self._current_login(cred, name, scope)
            j = self.plan(cred, scope, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                          push_bound=push_bound, force_retire=force_retire, rotation_id=rotation_id,
                          allow_gap=allow_gap)
            return self.run(j)

    def _current_login(self, cred: SmtpCredential, name: str, scope: str | None) -> SmtpCredential:
        """The login of credential ``name`` to rotate, given the login ``cred`` a ref named: the
        current one the store records (``cred`` may be the old login a ``--keep-old`` rotation
        kept). A second login bearing the name of a credential whose current login is another is
        refused (exit 2): one name, one credential."""
        current = self.store.record(name).id
        if current is None or current == cred.id:
            return cred
        try:
            found = self.conn.credentials.get(current, scope)
        except NotFound:
            return cred  # the stored login is gone at the provider: this one takes its place
        kept = self.journals.unretired_for(self.conn.profile_name, name)
        if kept is None or kept.ref != cred.id:
            raise ConfigError(f"login {cred.id} bears the name {name!r}, which is credential {name!r} whose current "
                              f"login is {current}: a name identifies one credential, so smtpcreds does not rotate "
                              f"a second login of it; delete or rename {cred.id}", provider=self.conn.profile.provider)
        found.credential = name
        return found

    def plan(self, cred: SmtpCredential, scope: str | None = None, *, push: list[str] | None = None,
             verify: bool = True, keep_old: bool = False, strategy: str | None = None,
             push_bound: bool = True, force_retire: bool = False, rotation_id: str | None = None,
             allow_gap: bool = False) -> Journal:
        """Check everything that can be checked before a change, and write the journal of a
        rotation of ``cred`` (the current login of its credential, as ``credentials.get`` found it).

        Changes nothing at the provider. In place, the new secret is stored as pending (confirmed)
        before the journal is written: that write is the proof the store can keep it. An old login
        that an earlier ``--keep-old`` rotation left is retired by the rotation's first step. In
        place, a credential bound on other hosts is refused unless ``allow_gap`` (:func:`.rollout.refuse_gap`).
        """
        conn = self.conn
        name = cred.credential or cred.id
        chosen = choose_strategy(conn, strategy)
        open_j = self.journals.open_for(conn.profile_name, name)
        if open_j is not None:
            raise RotationError(
                f"credential {name!r} has an unfinished rotation {open_j.id} (next step {open_j.next}); "
                f"run 'smtpcreds rotations resume {open_j.id}' or 'smtpcreds rotations abort {open_j.id}'",
                rotation_id=open_j.id, step=open_j.next,
            )
        # Refuse a store that cannot keep the new secret before the journal exists. In place, the
        # pending write below is the proof; where the provider makes the secret, a canary write.
        if chosen == "in-place":
            self.store.check()
        else:
            self.store.check_writable()
        if chosen == "in-place" and not allow_gap:  # its old password dies at set: hosts would hold a dead login
            rollout.refuse_gap(self.watch.current(), conn.profile_name, {cred.id, name}, name)
        # Bindings: the consumers bound to this credential join the ad-hoc --push ones (none of
        # them with push_bound=False, --no-push); a refused --push raises here, before any change.
        push = bound_push(conn, cred, push, push_bound)
        for consumer in push:
            self.consumer(consumer)  # fail on an unknown consumer profile before any change
        leftover = self.journals.unretired_for(conn.profile_name, name)
        scope = scope if scope is not None else cred.scope
        known: set[str] = set()
        if chosen == "replace" and Capability.SET_PASSWORD not in conn.capabilities:
            known = self.names.ids(conn, name, scope)
        old_username = None
        if chosen == "regenerate":  # refuses, before any change, a secret unknown to smtpcreds
            stored = self.store.get(name)
            old_username = conn.provider.plan_regenerate(cred.id, stored.username if stored else None, scope)
        template = conn.login_for(cred, SecretStr("x"))
        j = Journal(id=rotation_id or make_rotation_id(), profile=conn.profile_name,
                    provider=conn.profile.provider, ref=cred.id, scope=scope, name=name, strategy=chosen,
                    push=list(push or []), verify=verify,
                    keep_old=keep_old, known_ids=sorted(known | {cred.id}), old_username=old_username,
                    force_retire=force_retire, leftover=leftover.id if leftover is not None else None,
                    next=Step.RETIRE_LEFTOVER if leftover is not None else Step.CREATE_PENDING)
        j.history.append(_entry("plan", "done", f"{template.host}:{template.port} {template.security}"))
        self._planned[j.id] = cred
        if chosen == "in-place":  # pending stored (confirmed) before the journal
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
            try:
                while j.next is not Step.DONE:
                    if j.next is Step.RETIRE and j.keep_old and not j.retired and j.strategy != "in-place":
                        j.status = "done"  # the old login stays until 'rotations retire'
                        self.journals.save(j)
                        self._event(j, "retire", "skipped", f"old login {j.ref} kept (--keep-old)", ended="done")
                        break
                    self.gate.wait()
                    self._run_step(j)
            except SmtpCredsError as e:
                j.status, j.error = "failed", e.message
                j.history.append(_entry(j.next, "failed", e.message))
                self.journals.save(j)
                self._event(j, j.next, "failed", e.message, ended="held" if e.code == "RetireHeld" else "failed")
                raise RotationError(
                    f"rotation {j.id} of {j.ref} stopped at {j.next}: {e.message}; "
                    f"resume with 'smtpcreds rotations resume {j.id}'",
                    rotation_id=j.id, step=j.next, provider=e.provider, status=e.status,
                ) from e
            finally:
                self._pending.pop(j.id, None)
                self._planned.pop(j.id, None)
        return RotationResult.of(j)

    def _run_step(self, j: Journal) -> None:
        """Run the next step and move the journal one step on (never back).

        Only what a resume cannot redo safely is written at once (the plan, a create in flight,
        its new id, each consumer pushed, the end): every other step is idempotent, so a journal
        that lags one step behind is rolled forward by redoing it.
        """
        step = j.next
        result = self._steps[step](j)
        j.next = following(step)
        ends = j.next is Step.DONE and j.status != "done"  # (a later 'rotations retire' ended it already)
        if j.next is Step.DONE:
            j.status = "done"
        j.history.append(_entry(step, result.outcome, result.message))
        if result.persist or j.next is Step.DONE:
            self.journals.save(j)
        self._event(j, step, result.outcome, result.message, ended="done" if ends else None)

    # -- steps ------------------------------------------------------------------------------
    def _retire_leftover(self, j: Journal) -> StepResult:
        """Delete the old login an earlier ``--keep-old`` rotation of this credential kept."""
        if j.leftover is None:
            return StepResult("skipped", "no old login left by an earlier rotation")
        earlier = self.journals.load(j.leftover)
        if earlier.retired:
            return StepResult("skipped", f"{earlier.ref} already retired")
        self.retire(earlier)
        return StepResult("done", f"deleted old login {earlier.ref} kept by rotation {earlier.id}")

    def _create_pending(self, j: Journal) -> StepResult:
        if j.strategy == "in-place":
            self._pending_login(j, create=True)
            return StepResult("done")
        if j.strategy == "regenerate":
            self._create_regenerated(j)
            return StepResult("done", f"new username {j.new_username}")
        if Capability.SET_PASSWORD in self.conn.provider.capabilities:
            self._create_chosen(j)
        else:
            self._create_returned(j)
        return StepResult("done", f"new login {j.new_id}")

    def _create_chosen(self, j: Journal) -> None:
        """Replace where we choose the password: pending stored (for the predicted id) first."""
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
        self.names.add(self.conn, j.name, j.scope, cred.id)  # not an orphan for a later rotation
        login = self.conn.login_for(cred, cred.password)
        creds.keep_returned(j.name, cred, login, "pending", j.scope)
        self._pending[j.id] = login
        j.new_id, j.creating = cred.id, False
        self.journals.save(j)

    def _create_regenerated(self, j: Journal) -> None:
        """Regenerate: the provider makes a second secret; store it as pending the moment it arrives.

        A crash or lost answer during the request (``creating`` still set) leaves at most a secret
        nobody holds: the next attempt asks the provider to remove it first (``replace_orphans``).
        """
        if j.new_username is not None:
            return
        orphans = j.creating
        j.creating = True
        self.journals.save(j)
        p = self.conn.provider
        cred = p.regenerate_password(j.ref, j.scope, keep=j.old_username or None, replace_orphans=orphans)
        assert cred.password is not None
        login = self.conn.login_for(cred, cred.password)
        keep_returned(self.store, j.name, login, "pending", j.ref,
                      lambda: p.retire_password(j.ref, cred.username, j.scope))
        self._pending[j.id] = login
        j.new_username, j.creating = cred.username, False
        self.journals.save(j)

    def _adopt_or_discard(self, j: Journal) -> None:
        """After a crash during a create: keep a new login whose password we stored, delete the rest."""
        p = self.conn.provider
        pending_of = self.store.record(j.name).pending_id
        for cred in list(p.list_credentials(j.scope)):
            if p.credential_name(cred) != j.name or cred.id in j.known_ids:
                continue
            if j.new_id is None and pending_of == cred.id:
                j.new_id = cred.id
                log.info("rotation %s: adopting %s created before the interruption", j.id, cred.id)
            else:
                log.warning("rotation %s: deleting %s, created by an interrupted request whose "
                            "password was never stored", j.id, cred.id)
                p.delete_credential(cred.id, j.scope)
        j.creating = False
        self.journals.save(j)

    def _set(self, j: Journal) -> StepResult:
        if j.strategy != "in-place":
            return StepResult("skipped", "the new login was created with its password")
        self._set_pending(j)
        return StepResult("done")

    def _set_pending(self, j: Journal) -> None:
        login = self._pending_login(j)
        self.conn.provider.set_password(j.ref, login.password, j.scope)
        if j.restored_old:
            j.restored_old = False
            self.journals.save(j)

    def _verify(self, j: Journal) -> StepResult:
        if not j.verify:
            return StepResult("skipped", "verification skipped (--no-verify)")
        if j.restored_old:  # an earlier verify failed and put the old password back: set ours again
            self._set_pending(j)
        login = self._pending_login(j)
        verify_tls = self.conn.profile.verify_tls
        attempts = int(getattr(self.conn.profile, "verify_attempts", VERIFY_ATTEMPTS))
        delay = float(getattr(self.conn.profile, "verify_delay", VERIFY_DELAY))
        for attempt in range(attempts):
            try:
                verify_login(login, verify_tls=verify_tls)
                break
            except SmtpCredsError:
                if attempt + 1 < attempts:
                    time.sleep(min(delay * (attempt + 1), VERIFY_MAX_DELAY))
                    continue
                if j.strategy == "in-place":
                    self._restore_old(j)
                raise
        j.verified = True
        return StepResult("done", f"SMTP login accepted by {login.host}:{login.port}")

    def _restore_old(self, j: Journal) -> None:
        """In-place: the new password failed verification; put the old one back at the provider.

        The journal stays at verify: a resume sets the pending password again before verifying.
        """
        old = self.store.get(j.name)
        if old is None:
            return
        try:
            self.conn.provider.set_password(j.ref, old.password, j.scope)
        except SmtpCredsError as e:
            log.error("rotation %s: could not restore the previous password: %s", j.id, e)
            return
        j.restored_old = True
        self.journals.save(j)

    def _push(self, j: Journal) -> StepResult:
        if j.strategy == "regenerate" and j.push_started_at is None:
            j.push_started_at = utcnow()  # a use of the old secret after this holds its retire
            self.journals.save(j)
        # Named, so a multi-login consumer (an exec hook) can tell which login it receives.
        login = self._pending_login(j).model_copy(update={"issuer": j.profile, "credential": j.name})
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
        if not j.push:
            return StepResult("skipped", "no consumers")
        return StepResult("done", ", ".join(j.pushed))

    def _promote(self, j: Journal) -> StepResult:
        pending = self._pending.get(j.id) or self.store.get(j.name, "pending")
        if pending is not None:  # one write: the old login becomes previous, the new id the credential's
            self.store.promote(j.name, pending=pending)
        return StepResult("done")

    def _rollout(self, j: Journal) -> StepResult:
        """Wait until every host that binds the credential reports holding its new login."""
        new = self.store.get(j.name)
        if new is None:
            raise SmtpCredsError(f"the store holds no current login of {j.name} after promotion")
        timeout = self.rollout_timeout
        if timeout is None:
            table = self.conn.config.rotation if self.conn.config is not None else RotationTable()
            timeout = table.rollout_timeout.total_seconds()
        done = rollout.wait(self.watch, j.profile, {j.name, j.ref, j.target}, new, timeout, force=j.force_retire,
                            note=lambda text: log.info("rotation %s: rollout %s", j.id, text))
        if done.remote and j.rollout_done_at is None:
            j.rollout_done_at = utcnow()
        return StepResult(done.outcome, done.message, persist=done.remote)

    def _retire(self, j: Journal) -> StepResult:
        if j.strategy == "in-place":
            j.retired = True
            return StepResult("skipped", "the old password stopped working when the new one was set")
        if j.strategy == "regenerate":
            return self._retire_old_secret(j)
        if self.store.record(j.name).id == j.ref:  # the current login again (its replacement was deleted)
            j.retired = True
            return StepResult("skipped", f"old login {j.ref} is the credential's current login again")
        with suppress(NotFound):
            self.conn.provider.delete_credential(j.ref, j.scope)
        j.retired = True
        return StepResult("done", f"deleted old login {j.ref}")

    def _retire_old_secret(self, j: Journal) -> StepResult:
        """Regenerate: retire the old username's secret, unless it was used after the push began."""
        p, old = self.conn.provider, j.old_username
        if old:
            used = p.password_last_used(j.ref, old, j.scope)
            since = j.retire_held_at or j.rollout_done_at or j.push_started_at or j.created_at
            if used is not None and used > since and not j.force_retire:
                what = ("the retire was last held" if j.retire_held_at
                        else "every host held the new login" if j.rollout_done_at else "the push began")
                j.retire_held_at = utcnow()  # a resume retires it if unused from now on
                self.journals.save(j)
                raise SmtpCredsError(
                    f"old login {old} of {j.ref} was used at {used:%Y-%m-%d %H:%M:%S}Z, after {what}: something "
                    "still sends with it; retire held (update that sender and resume, or resume with "
                    "--force-retire)", provider=p.name, code="RetireHeld")
            p.retire_password(j.ref, old, j.scope)
        j.retired = True
        return StepResult("done", f"retired old login {old or '-'}")

    def retire(self, j: Journal) -> RotationResult:
        """Retire the old login of a finished ``--keep-old`` rotation."""
        with self._locked(j):
            if j.strategy in ("replace", "regenerate") and j.status == "done" and not j.retired \
                    and j.next is Step.RETIRE:
                self._run_step(j)
        return RotationResult.of(j)

    # -- abort ------------------------------------------------------------------------------
    def abort(self, j: Journal) -> list[str]:
        """Roll back what can be rolled back; return what was done, one line each."""
        actions: list[str] = []
        with self._locked(j):
            if not j.open:
                raise RotationError(f"rotation {j.id} is {j.status}; nothing to abort",
                                    rotation_id=j.id, step=j.next)
            # The journal may lag behind a promotion (and the retire that follows it): the keyring
            # tells, and undoing then could delete the only working login.
            if j.next in (Step.ROLLOUT, Step.RETIRE, Step.DONE) or promoted_login(self.store, j) is not None:
                raise RotationError(f"rotation {j.id} is past promotion (the keyring holds the new login "
                                    f"as current); resume it instead: 'smtpcreds rotations resume {j.id}'",
                                    rotation_id=j.id, step=j.next)
            old = self.store.get(j.name)
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
                if self.store.delete(j.name, "pending"):
                    actions.append("removed the pending secret from the keyring")
            elif j.strategy == "regenerate":
                if j.new_username is not None:
                    self.conn.provider.retire_password(j.ref, j.new_username, j.scope)
                    actions.append(f"retired the new login {j.new_username} at {j.provider}")
                elif j.creating:
                    actions.append("a request for a new secret got no answer: 'smtpcreds creds show "
                                   f"{j.ref}' tells whether {j.provider} made one")
                if self.store.delete(j.name, "pending"):
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
                    if self.store.delete(j.name, "pending"):
                        actions.append("removed the pending secret from the keyring")
            j.status = "aborted"
            j.history.append(_entry("abort", "aborted", "; ".join(actions)))
            self.journals.save(j)
            self._event(j, j.next, "aborted", "; ".join(actions) or "nothing to undo", ended="aborted")
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
            login = self.store.get(j.name, "pending")
        if login is None and j.id not in self._planned:  # (planned in this process: not promoted yet)
            login = promoted_login(self.store, j, pending_read=True)
        if login is None:
            if not create:
                raise RotationError(f"rotation {j.id}: the pending secret of {j.name} ({j.target}) is missing "
                                    "from the keyring; abort this rotation", rotation_id=j.id, step=j.next)
            template = self.conn.login_for(self._credential(j), SecretStr(""))
            if username is not None:
                template = template.model_copy(update={"username": username})
            login = ChosenSecret.prepare(self.store, j.name, template, reuse=False, id=j.target,
                                         length=self.conn.provider.password_length).login
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

    def _event(self, j: Journal, step: str, outcome: StepOutcome, message: str,
               ended: RotationEnd | None = None) -> None:
        plugins().rotation_step(RotationEvent(
            rotation_id=j.id, profile=j.profile, provider=j.provider, credential=j.ref,
            strategy=j.strategy, step=str(step), outcome=outcome, message=message, name=j.name, ended=ended,
        ))

    @contextmanager
    def _locked(self, j: Journal) -> Iterator[None]:
        """One rotation at a time per credential, on any machine (store change: the journal store's
        lease, a lock file or a vault lease record; a second one is refused naming the holder)."""
        j.name = self.conn.provider.credential_name(  # journals of earlier releases: the provider's name
            SmtpCredential(provider=j.provider, id=j.ref, name=j.name, username=j.name))
        self.store.alias(j.name, j.ref, pending_id=j.new_id)  # records of earlier releases: by id
        with self.journals.lease(j), self.store.caching():  # records cached while the lease is held
            yield


def promoted_login(store: SecretStore, j: Journal, *, pending_read: bool = False) -> SmtpLogin | None:
    """The new login if the keyring shows ``j`` promoted, else None.

    The journal is not written at promotion (every step is idempotent, see :meth:`Rotator._done`),
    so it may lag behind one: pending is deleted only after it was copied to current, and a
    current login made during this rotation is then the pending one. ``pending_read``: the
    caller has just found the pending slot empty (saves a keyring read).
    """
    if not pending_read and store.get(j.name, "pending") is not None:
        return None
    current = store.get(j.name)
    return current if current is not None and current.created_at >= j.created_at else None


@dataclass(frozen=True)
class StepResult:
    """How a step ended, for the journal's history and the rotation event."""

    outcome: StepOutcome
    message: str = ""
    #: write the journal at once (a step a resume cannot redo safely)
    persist: bool = False


def _entry(step: str, outcome: str, message: str) -> HistoryEntry:
    return HistoryEntry(step=str(step), outcome=outcome, message=message)


def preview(conn: Connection, ref: str, *, push: list[str] | None = None, verify: bool = True,
            keep_old: bool = False, strategy: str | None = None,
            journals: JournalStore | None = None) -> tuple[Strategy, list[str]]:
    """The strategy and the steps a rotation of credential ``ref`` (its name) would run
    (``--dry-run``); reads only."""
    chosen = choose_strategy(conn, strategy)
    leftover = (journals or journal_store(conn.config)).unretired_for(conn.profile_name, ref)
    notes = {
        Step.RETIRE_LEFTOVER: (f"delete old login {leftover.ref} kept by rotation {leftover.id}"
                               if leftover is not None else None),
        Step.SET: "implicit: the new login is created with its password" if chosen == "replace" else "",
        Step.VERIFY: "" if verify else "skipped: --no-verify",
        Step.PUSH: ", ".join(push) if push else "skipped: no consumers",
        Step.RETIRE: "kept: --keep-old" if keep_old and chosen == "replace" else "",
    }
    steps = ["plan"]
    for step in ORDER[:-1]:
        note = notes.get(step, "")
        if note is None:
            continue
        steps.append(f"{step} ({note})" if note else str(step))
    return chosen, steps


def rotate(client: Connection, ref: str, *, push: list[str] | None = None, verify: bool = True,
           keep_old: bool = False, strategy: str | None = None, scope: str | None = None,
           push_bound: bool = True, force_retire: bool = False, allow_gap: bool = False,
           rollout_timeout: float | None = None) -> RotationResult:
    """Rotate credential ``ref`` of a connected issuer; see the module docstring.

    The new login goes to every consumer bound to the credential (``login = "<issuer>/<id>"``)
    unless ``push_bound`` is false, and to the consumers in ``push``; the old login is retired once
    every host that binds it holds the new one (``rollout_timeout`` seconds at most; in place, a
    credential bound on other hosts needs ``allow_gap``).
    Raises RotationError (resumable, with ``rotation_id``) if a step fails.
    """
    rotator = Rotator(client, rollout_timeout=rollout_timeout)
    try:
        # Bindings (smtpcreds.bindings): dangling ones and refused pushes fail here, before any change.
        preflight(client.config, [(client.profile_name, ref)], push or [],
                  lambda _issuer: listing(client) if scope is None else None)
        return rotator.rotate(ref, scope, push=push, verify=verify, keep_old=keep_old, strategy=strategy,
                              push_bound=push_bound, force_retire=force_retire, allow_gap=allow_gap)
    finally:
        rotator.close()


def resume(rotation_id: str, *, config: Any = None, force_retire: bool = False,
           rollout_timeout: float | None = None) -> RotationResult:
    """Roll an unfinished rotation forward (``force_retire``: retire an old secret still in use, or
    one some host does not hold the replacement of yet)."""
    journals = journal_store(config)
    j = journals.load(rotation_id)
    if force_retire and not j.force_retire:
        j.force_retire = True
        journals.save(j)
    with connect(j.profile, config=config) as conn:
        rotator = Rotator(conn, journals=journals, rollout_timeout=rollout_timeout)
        try:
            return rotator.run(j)
        finally:
            rotator.close()
