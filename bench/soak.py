"""Soak: a bounded, randomized, reproducible run of smtpcreds against the emulators.

    python bench/soak.py [--ops 2000] [--seed S] [--kill-rate 0.1] [--fault-rate 0.35] [-v]

A lab (MailerSend, SMTP2GO and Webitel emulators, a real SMTP server) plus an envfile consumer
in a temporary directory. Each step is one random operation — create, update, delete, rotate,
resume (a failed or killed rotation), push (a stored login into a consumer) — often with a fault
injected into one of its requests (5xx, 429 with Retry-After 0 or 1, latency, a connection
dropped before or after the server acted). Some rotations and resumes run in a child process
that is SIGKILLed at a random step boundary. Parent and children share a file keyring
(keyrings.alt, opted in as insecure), the config file and the journal directory.

After every step the invariants are checked:

* every login a provider has is backed by the keyring: its current slot (or, while a rotation
  of it is open, its current or pending slot) holds a login the SMTP server accepts;
* no open journal past ``plan`` lacks its pending secret; an open journal past ``promote`` has
  its target's current slot;

and at the end every open rotation is resumed (no faults) and all logins must have a working
current slot. Everything the run printed or logged, every child's output, every error message
and every journal is scanned for every password, API key and session token seen. The summary
table gives the figures; the exit status is 1 if a credential was lost, a secret leaked or an
invariant failed. The seed is printed first; the same seed replays the same operations.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpcreds.client import Connection
    from smtpcreds.emulator.http import Fault
    from smtpcreds.emulator.lab import Lab
    from smtpcreds.rotation.engine import RotationResult
    from smtpcreds.rotation.events import RotationEvent
    from smtpcreds.rotation.journal import Journal

HERE = Path(__file__).resolve()
ISSUERS = {"ms": "mailersend", "relay": "smtp2go"}
CONSUMERS = ("pbx", "app-env")
#: Step boundaries a child is killed at (right after the step is recorded in the journal).
BOUNDARIES = ("plan", "create_pending", "set", "verify", "push", "promote")
#: The profiles' timeout: latency faults are either well below it or well above it.
TIMEOUT = 1.0
#: Logins alive at both issuers together, at most (creates turn into deletes beyond it).
MAX_LIVE = 16
OPERATIONS = {"create": 14, "update": 10, "delete": 8, "rotate": 30, "resume": 14, "push": 14}
#: The requests of each emulator a fault can hit: (method, path regex, what it is).
REQUESTS: dict[str, list[tuple[str, str, str]]] = {
    "mailersend": [("GET", r"/smtp-users$", "list"), ("GET", r"/smtp-users/[^/]+$", "get"),
                   ("POST", r"/smtp-users$", "create"), ("PUT", r"/smtp-users/[^/]+$", "update"),
                   ("DELETE", r"/smtp-users/[^/]+$", "delete")],
    "smtp2go": [("POST", r"^/users/smtp/view$", "view"), ("POST", r"^/users/smtp/add$", "add"),
                ("PATCH", r"^/users/smtp/edit$", "edit"), ("POST", r"^/users/smtp/remove$", "remove")],
    "webitel": [("POST", r"^/login$", "login"), ("GET", r"^/api/v2/email/settings$", "get"),
                ("POST", r"^/api/v2/email/settings$", "set")],
}
#: Requests a fault may answer only after the client's timeout (the handler still runs, late).
LATE_OK = frozenset({"mailersend:list", "mailersend:get", "mailersend:create", "smtp2go:view", "smtp2go:add",
                     "webitel:login", "webitel:get"})
#: The requests each operation makes, as ``emulator:request``: a fault goes to one of them.
TARGETS: dict[str, list[str]] = {
    "create-ms": ["mailersend:list", "mailersend:create", "mailersend:create"],
    "create-relay": ["smtp2go:add", "smtp2go:add", "smtp2go:view"],
    "update-ms": ["mailersend:get", "mailersend:update"],
    "update-relay": ["smtp2go:edit"],
    "delete-ms": ["mailersend:delete"],
    "delete-relay": ["smtp2go:remove"],
    "rotate-ms": ["mailersend:get", "mailersend:list", "mailersend:create", "mailersend:delete"],
    "rotate-relay": ["smtp2go:view", "smtp2go:edit", "smtp2go:edit", "smtp2go:add", "smtp2go:remove"],
    "push-pbx": ["webitel:login", "webitel:get", "webitel:set"],
}


# -- the child: one rotation or resume, SIGKILLed at a step boundary ---------------------------
def child(argv: list[str]) -> int:
    """``--child rotate PROFILE REF STEP STRATEGY KEEP_OLD [PUSH...]`` or ``--child resume ID STEP``."""
    import smtpcreds
    from smtpcreds.errors import SmtpCredsError
    from smtpcreds.hookspecs import hookimpl
    from smtpcreds.plugins import get_plugin_manager
    from smtpcreds.rotation import engine

    engine.VERIFY_DELAY = 0.0
    kind, *rest = argv
    kill_at = rest[2] if kind == "rotate" else rest[1]

    class Killer:
        @hookimpl
        def smtpcreds_rotation_step(self, event: RotationEvent) -> None:
            if event.step == kill_at and event.outcome in ("done", "skipped"):
                os.kill(os.getpid(), signal.SIGKILL)

    get_plugin_manager().register(Killer())
    try:
        if kind == "rotate":
            profile, ref, _step, strategy, keep_old, *push = rest
            with smtpcreds.connect(profile) as conn:
                smtpcreds.rotate(conn, ref, push=push or None, keep_old=keep_old == "1",
                                 strategy=None if strategy == "auto" else strategy)
        else:
            engine.resume(rest[0])
    except SmtpCredsError as e:
        print(f"child: {type(e).__name__}: {e.message}", file=sys.stderr)
        return e.exit_code
    print("child: finished without reaching the kill point", file=sys.stderr)
    return 0


# -- figures --------------------------------------------------------------------------------------
@dataclass
class Figures:
    ops: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    faults_fired: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    children: int = 0
    resumed: int = 0
    resumes_completed: int = 0
    adopted: int = 0
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)
    leaked: set[str] = field(default_factory=set)
    secrets_scanned: int = 0
    bytes_scanned: int = 0
    journals_scanned: int = 0


class Soak:
    """One soak run: the lab, the shared keyring and config, the operations and the checks."""

    def __init__(self, *, ops: int, seed: int, kill_rate: float, fault_rate: float, verbose: bool,
                 root: Path, write: Callable[[str], None]) -> None:
        self.n_ops, self.seed = ops, seed
        self.kill_rate, self.fault_rate, self.verbose = kill_rate, fault_rate, verbose
        self.rng = random.Random(seed)
        self.root = root
        self.write = write
        self.fig = Figures()
        self.haystack: list[str] = []  # everything printed, logged or raised, for the leak scan
        self.secrets: set[str] = set()
        self.counter = 0
        #: profile -> (login id, credential name) of every login the provider has
        self.live: dict[str, list[tuple[str, str]]] = {p: [] for p in ISSUERS}
        self._journal_cache: dict[Path, tuple[int, Journal]] = {}
        self._conns: dict[str, Connection] = {}
        self.log = io.StringIO()  # the smtpcreds loggers' output, at DEBUG
        self.child_env: dict[str, str] = {}
        self.wall = 0.0
        self.keyring_file = root / "xdg" / "python_keyring" / "keyring_pass.cfg"
        self.leak_canary = False
        #: Logins whose password waits in the pending slot (a create that got no answer in time).
        self.waiting: set[tuple[str, str]] = set()

    # -- set-up -----------------------------------------------------------------------------
    def configure(self, lab: Lab) -> dict[str, str]:
        """Write the config file and choose the shared keyring; return the children's environment."""
        import keyring
        from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-untyped]

        from smtpcreds.config import load_config
        from smtpcreds.store import reset_backend_check

        self.lab = lab
        env_file = self.root / "app" / ".env"
        env_file.parent.mkdir()
        env_file.write_text("# app settings\nAPP_NAME=billing\nSMTP_HOST=old.example.com\n")
        env_file.chmod(0o600)
        profiles = {name: lab.profile(provider, timeout=TIMEOUT) for name, provider in
                    (("ms", "mailersend"), ("relay", "smtp2go"), ("pbx", "webitel"))}
        profiles["app-env"] = {"provider": "envfile", "path": str(env_file)}
        for prof in profiles.values():
            for key in ("api_token", "api_key", "password"):
                if isinstance(prof.get(key), str):
                    self.secrets.add(prof[key])
        config = self.root / "config.toml"
        config.write_text(_toml({"default_profile": "relay", "profiles": profiles}))
        config.chmod(0o600)
        xdg = self.root / "xdg"
        state = self.root / "state"
        os.environ.update(SMTPCREDS_CONFIG=str(config), SMTPCREDS_STATE_DIR=str(state),
                          SMTPCREDS_ALLOW_INSECURE_KEYRING="1")
        backend = PlaintextKeyring()
        self.keyring_file = xdg / "python_keyring" / "keyring_pass.cfg"
        backend.file_path = str(self.keyring_file)
        keyring.set_keyring(backend)
        reset_backend_check()
        self.cfg = load_config(config)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
        env.update(SMTPCREDS_CONFIG=str(config), SMTPCREDS_STATE_DIR=str(state), XDG_DATA_HOME=str(xdg),
                   SMTPCREDS_ALLOW_INSECURE_KEYRING="1",
                   PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
        return env

    def conn(self, name: str) -> Connection:
        from smtpcreds.client import Connection

        if name not in self._conns:
            self._conns[name] = Connection(name, self.cfg.profile(name), config=self.cfg)
        return self._conns[name]

    def close(self) -> None:
        for c in self._conns.values():
            c.close()

    # -- faults -----------------------------------------------------------------------------
    @contextmanager
    def fault(self, *targets: str) -> Iterator[None]:
        """Maybe inject one fault into one of ``targets`` (``emulator:request``); count whether it fired."""
        injected: tuple[str, Fault, int] | None = None
        if targets and self.rng.random() < self.fault_rate:
            emulator, what = self.rng.choice(targets).split(":")
            method, path = next((m, p) for m, p, w in REQUESTS[emulator] if w == what)
            kind, fault = self._random_fault(f"{emulator}:{what}")
            fault.method, fault.path = method, path
            self.lab.emulators[emulator].faults.inject(fault)
            self.fig.faults_injected[kind] += 1
            injected = (kind, fault, fault.times or 0)
            self.say(f"    fault {kind} on {emulator} {method} {path} x{fault.times}")
        try:
            yield
        finally:
            if injected is not None:
                kind, fault, initial = injected
                if (fault.times or 0) < initial:
                    self.fig.faults_fired[kind] += 1
            for emu in self.lab.emulators.values():
                emu.faults.clear()

    def _random_fault(self, emulator_request: str) -> tuple[str, Fault]:
        from smtpcreds.emulator.http import Fault

        rng = self.rng
        kind = rng.choice(["5xx", "429", "latency", "drop", "drop_after"])
        times = 1
        if kind == "5xx":
            fault = Fault(status=rng.choice([500, 502, 503, 504]))
            times = rng.choice([1, 1, 4])
        elif kind == "429":
            fault = Fault(status=429, headers={"Retry-After": rng.choice(["0", "1"])})
            times = rng.choice([1, 2])
        elif kind == "latency":
            # Beyond the timeout only on reads, creates and Webitel's login: a PUT/PATCH the provider
            # applies after the client gave up and the rotation was resumed and followed by another
            # can undo the later one (docs/reliability.md, "What is left"). A MailerSend create is
            # answered 1.3 x the timeout late: within the 2 x timeout the client watches for it.
            slow = emulator_request in LATE_OK and rng.random() < 0.3
            fault = Fault(latency=TIMEOUT * 1.3 if slow else rng.uniform(0.02, TIMEOUT * 0.4))
            kind = "latency>timeout" if slow else "latency"
        elif kind == "drop":
            fault = Fault(drop=True)
            times = rng.choice([1, 1, 4])
        else:
            fault = Fault(drop_after=True)
        fault.times = times
        return kind, fault

    # -- output -----------------------------------------------------------------------------
    def out(self, text: str) -> None:
        self.haystack.append(text)
        self.write(text)

    def say(self, text: str) -> None:
        self.haystack.append(text)
        if self.verbose:
            self.write(text)

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> int:
        from smtpcreds.rotation import engine

        engine.VERIFY_DELAY = 0.0
        started = time.monotonic()
        self.check()
        for i in range(1, self.n_ops + 1):
            op = self._choose()
            self.fig.ops[op] += 1
            self.say(f"[{i}] {op}")
            try:
                getattr(self, f"op_{op}")()
                self.fig.ok[op] += 1
            except Exception as e:
                from smtpcreds.errors import SmtpCredsError

                if not isinstance(e, SmtpCredsError):
                    self.violation(f"op {i} {op}: unexpected {type(e).__name__}: {e}")
                self.fig.failed[op] += 1
                self.fig.errors[type(e).__name__] += 1
                self.say(f"    -> {type(e).__name__}: {e}")
            self.check()
            if self.n_ops >= 10 and i % (self.n_ops // 10) == 0:
                self.out(f"  [{i:>{len(str(self.n_ops))}}/{self.n_ops}] checks {self.fig.checks}, "
                         f"kills {self.fig.kills}, open rotations {len(self._open())}, "
                         f"violations {len(self.fig.violations)}")
        if self.leak_canary and self.lab.smtp.logins():
            self.out(f"(leak canary) {sorted(self.lab.smtp.logins().values())[0]}")  # proves the scan finds it
        self.drain()
        self.check(final=True)
        self.scan()
        self.wall = time.monotonic() - started
        self.summary()
        return 1 if (self.fig.violations or self.fig.lost or self.fig.leaked) else 0

    def _choose(self) -> str:
        ops, weights = list(OPERATIONS), list(OPERATIONS.values())
        while True:
            op: str = self.rng.choices(ops, weights)[0]
            if op == "resume" and not self._open():
                continue
            if op in ("update", "delete", "rotate", "push") and not any(self.live.values()):
                op = "create"
            elif op == "create" and sum(map(len, self.live.values())) >= MAX_LIVE:
                op = "delete"  # bounded, so every check costs about the same
            return op

    def _pick(self, *, free: bool = True) -> tuple[str, str, str] | None:
        """A random (profile, login id, credential name) the provider has; ``free``: of a credential
        without an open rotation."""
        busy = {(j.profile, j.name) for j in self._open()}
        choices = [(p, i, n) for p, creds in sorted(self.live.items()) for i, n in creds
                   if not (free and (p, n) in busy)]
        return self.rng.choice(choices) if choices else None

    # -- operations -------------------------------------------------------------------------
    def op_create(self) -> None:
        profile = self.rng.choice(sorted(ISSUERS))
        self.counter += 1
        self.say(f"    create {profile}/soak{self.counter}")
        with self.fault(*TARGETS[f"create-{profile}"]):
            cred = self.conn(profile).credentials.create(f"soak{self.counter}")
        self.say(f"    created {profile}/{cred.id}")

    def op_update(self) -> None:
        picked = self._pick(free=False)
        if picked is None:
            return self.op_create()
        profile, ref, name = picked
        self.say(f"    update {profile}/{ref}")
        with self.fault(*TARGETS[f"update-{profile}"]):
            if profile == "ms":
                self.conn(profile).credentials.update(ref, name=f"{name.split('~')[0]}~{self.counter}")
            else:
                self.conn(profile).credentials.update(ref, description=f"soak update {self.counter}")
        self.counter += 1

    def op_delete(self) -> None:
        picked = self._pick()
        if picked is None:
            return self.op_create()
        profile, ref, _ = picked
        self.say(f"    delete {profile}/{ref}")
        with self.fault(*TARGETS[f"delete-{profile}"]):
            self.conn(profile).credentials.delete(ref)

    def op_rotate(self) -> None:
        from smtpcreds.rotation.engine import Rotator

        picked = self._pick(free=self.rng.random() < 0.9)
        if picked is None:
            return self.op_create()
        profile, ref, _ = picked
        push = [c for c in CONSUMERS if self.rng.random() < 0.5]
        strategy = "replace" if profile == "relay" and self.rng.random() < 0.25 else None
        keep_old = profile == "ms" and self.rng.random() < 0.1
        emulators = TARGETS[f"rotate-{profile}"] + (TARGETS["push-pbx"] if "pbx" in push else [])
        self.say(f"    rotate {profile}/{ref} strategy {strategy or 'auto'} push {push} keep_old {keep_old}")
        if self.rng.random() < self.kill_rate:
            step = self.rng.choice(BOUNDARIES)
            with self.fault(*emulators):
                self._child(["rotate", profile, ref, step, strategy or "auto", "1" if keep_old else "0", *push])
            return
        with self.fault(*emulators):
            result = Rotator(self.conn(profile), consumer=self.conn).rotate(
                ref, push=push, keep_old=keep_old, strategy=strategy)
        self._rotated(result)

    def op_resume(self) -> None:
        from smtpcreds.rotation.engine import Rotator

        j = self.rng.choice(self._open())
        self.fig.resumed += 1
        self.say(f"    resume {j.id} of {j.profile}/{j.ref} at {j.next}")
        emulators = TARGETS[f"rotate-{j.profile}"] + (TARGETS["push-pbx"] if "pbx" in j.push else [])
        if self.rng.random() < self.kill_rate:
            with self.fault(*emulators):
                self._child(["resume", j.id, self.rng.choice(BOUNDARIES)])
            return
        with self.fault(*emulators):
            result = Rotator(self.conn(j.profile), consumer=self.conn).run(j)
        self.fig.resumes_completed += result.status == "done"
        self._rotated(result)

    def op_push(self) -> None:
        picked = self._pick(free=False)
        if picked is None:
            return self.op_create()
        profile, _, name = picked
        login = self.conn(profile).store.get(name)
        if login is None:
            return None
        consumer = self.rng.choice(CONSUMERS)
        self.say(f"    push {profile}/{name} to {consumer}")
        with self.fault(*(TARGETS["push-pbx"] if consumer == "pbx" else [])):
            self.conn(consumer).settings.push(login)
        return None

    def _rotated(self, result: RotationResult) -> None:
        self.say(f"    rotation {result.rotation_id}: {result.status} at {result.step}")

    def _child(self, args: list[str]) -> None:
        self.fig.children += 1
        proc = subprocess.run([sys.executable, str(HERE), "--child", *args], env=self.child_env,
                              capture_output=True, text=True, timeout=180)
        self.haystack += [proc.stdout, proc.stderr]
        if proc.returncode == -signal.SIGKILL:
            self.fig.kills += 1
            self.say(f"    child {' '.join(args[:2])} killed after step {args[-1] if args[0] == 'resume' else args[3]}")
        elif proc.returncode != 0:
            if "Traceback" in proc.stderr:
                self.violation(f"child {args[0]} crashed: {proc.stderr.strip().splitlines()[-1]}")
            self.say(f"    child exit {proc.returncode}: {proc.stderr.strip()[-200:]}")

    # -- finishing --------------------------------------------------------------------------
    def drain(self) -> None:
        """Resume every open rotation without faults, as an operator would after the storm."""
        from smtpcreds.errors import SmtpCredsError
        from smtpcreds.rotation.engine import Rotator

        for profile, name in sorted(self.waiting):
            if name in {n for _, n in self.live[profile]} and self.conn(profile).store.get(name) is None:
                self.fig.adopted += 1
                try:  # as the create's error message advises: the rotation reuses the pending password
                    Rotator(self.conn(profile), consumer=self.conn).rotate(name)
                except SmtpCredsError as e:
                    self.say(f"    adopt {profile}/{name}: {e.message}")
        for _ in range(3):
            for j in self._open():
                self.fig.resumed += 1
                try:
                    result = Rotator(self.conn(j.profile), consumer=self.conn).run(j)
                    self.fig.resumes_completed += result.status == "done"
                except SmtpCredsError as e:
                    self.say(f"    drain {j.id}: {e.message}")
            self.check()
        for j in self._open():
            self.violation(f"rotation {j.id} of {j.profile}/{j.ref} cannot be finished (next step {j.next}): {j.error}")

    # -- invariants -------------------------------------------------------------------------
    def violation(self, text: str) -> None:
        if text not in self.fig.violations:  # reported once, not at every later check
            self.fig.violations.append(text)
            self.out(f"  INVARIANT FAILED: {text}")

    def journals(self) -> list[Journal]:
        from smtpcreds.rotation.journal import Journal, journal_store
        from smtpcreds.store.keyring.journals import FileJournals

        docs = journal_store().docs
        assert isinstance(docs, FileJournals)  # the soak runs on the keyring backend
        out = []
        for path in sorted([*docs.root.glob("r*.json"), *docs.done.glob("r*.json")]):
            stamp = path.stat().st_mtime_ns
            cached = self._journal_cache.get(path)
            if cached is None or cached[0] != stamp:
                cached = (stamp, Journal.model_validate_json(path.read_bytes()))
                self._journal_cache[path] = cached
            out.append(cached[1])
        return out

    def _open(self) -> list[Journal]:
        return [j for j in self.journals() if j.open]

    def check(self, *, final: bool = False) -> None:
        """The invariants, against the providers, the keyring, the SMTP server and the journals."""
        from smtpcreds.rotation.engine import promoted_login
        from smtpcreds.rotation.steps import Step

        self.fig.checks += 1
        smtp = self.lab.smtp
        self.secrets.update(smtp.logins().values())
        for emu in self.lab.emulators.values():
            for k in getattr(emu, "keys", {}).values():
                self.secrets.update(s for s in (getattr(k, "key", None), getattr(k, "token", None)) if s)
        journals = self.journals()
        open_js = [j for j in journals if j.open]
        rotating = {(j.profile, j.name) for j in open_js}
        has_current: dict[tuple[str, str], bool] = {}
        for profile in sorted(ISSUERS):
            conn = self.conn(profile)
            creds = list(conn.credentials.list())
            self.live[profile] = [(c.id, c.credential or c.id) for c in creds]
            for name in sorted({c.credential or c.id for c in creds}):  # one record per credential
                ids = sorted(c.id for c in creds if c.credential == name)
                record = conn.store.record(name)
                current, pending = record.current, record.pending
                has_current[(profile, name)] = current is not None
                slots = [s for s in (current, pending) if s is not None]
                self.secrets.update(s.password.get_secret_value() for s in slots)
                works = [s for s in slots if smtp.accepts(s.username, s.password.get_secret_value())]
                where = f"{profile}/{name} ({', '.join(ids)})"
                if (profile, name) in rotating and not final:
                    if not works:
                        self.lose(where, "neither its current nor its pending login is accepted by SMTP")
                elif current is None and pending is not None and works and not final:
                    self.waiting.add((profile, name))  # an unanswered create: kept, adopted at the end
                elif current is None:
                    self.lose(where, "exists at the provider without a stored password")
                elif record.id is not None and record.id not in ids:
                    self.lose(where, f"its stored login {record.id} is not at the provider")
                elif not smtp.accepts(current.username, current.password.get_secret_value()):
                    self.lose(where, "its stored current login is refused by the SMTP server")
        for j in open_js:
            conn = self.conn(j.profile)
            past_plan = j.next in (Step.SET, Step.VERIFY, Step.PUSH, Step.PROMOTE)
            # (the journal is not written at promotion: a promoted rotation has current, not pending)
            if past_plan and conn.store.get(j.name, "pending") is None and promoted_login(conn.store, j) is None:
                self.violation(f"open rotation {j.id} at {j.next} has no pending secret for {j.target}")
                self.explain(f"{j.profile}/{j.target}")
            if j.next is Step.RETIRE and conn.store.get(j.name) is None:
                self.violation(f"open rotation {j.id} past promote has no current slot for {j.target}")
        for j in journals:  # (a replace rotation may create a login of a retired one's name again)
            key = (j.profile, j.name)
            if j.status == "done" and has_current.get(key) is False and key not in rotating | self.waiting:
                self.violation(f"finished rotation {j.id}: its login {j.target} has no current slot")

    def lose(self, where: str, why: str) -> None:
        if where not in self.fig.lost:
            self.fig.lost.add(where)
            self.violation(f"credential lost: {where} {why}")
            self.explain(where.split(" ")[0])

    def explain(self, where: str) -> None:
        """What happened to a credential: its requests, slots and journals (secrets as fingerprints)."""
        import hashlib

        def fp(secret: Any) -> str:
            return hashlib.sha256(str(secret).encode()).hexdigest()[:8] if secret else "-"

        profile, ref = where.split("/", 1)
        emulator = self.lab.emulators[ISSUERS[profile]]
        for r in list(emulator.requests):
            body = r.json() if r.body and r.body.lstrip().startswith(b"{") else None
            if ref in r.path or (isinstance(body, dict) and ref in (body.get("username"), body.get("name"))):
                secret = body.get("email_password") if isinstance(body, dict) else None
                self.out(f"    request {r.method} {r.path} password#{fp(secret)}")
        store = self.conn(profile).store
        name = next((n for i, n in self.live[profile] if ref in (i, n)), ref)
        for slot in ("current", "pending", "previous"):
            login = store.get(name, slot)
            self.out(f"    slot {slot}: password#{fp(login.password.get_secret_value() if login else None)}")
        issued = self.lab.smtp.logins()
        self.out(f"    SMTP server holds password#{fp(issued.get(ref))}")
        for j in self.journals():
            if j.profile == profile and ref in (j.ref, j.new_id, j.name):
                steps = " ".join(f"{h.step}:{h.outcome}" for h in j.history)
                self.out(f"    journal {j.id} {j.strategy} {j.status}: {steps}")

    # -- secret hygiene ---------------------------------------------------------------------
    def scan(self) -> None:
        """Look for every secret seen in everything printed, logged or raised, and in the journals."""
        from smtpcreds import paths

        self.secrets.update(self._keyring_values())
        journals = list((paths.state_dir() / "rotations").rglob("*.json"))  # live and done/
        texts = self.haystack + [self.log.getvalue()] + [p.read_text() for p in journals]
        haystack = "\n".join(texts)
        secrets = {s for s in self.secrets if len(s) >= 8}
        self.fig.secrets_scanned, self.fig.bytes_scanned = len(secrets), len(haystack)
        self.fig.journals_scanned = len(journals)
        self.fig.leaked = {s[:4] + "…" for s in secrets if s in haystack}

    def figures(self) -> dict[str, Any]:
        """The figures of the summary table, as data."""
        f = self.fig
        return {
            "seed": self.seed, "operations": sum(f.ops.values()), "by_kind": _counts(f.ops),
            "ok": _counts(f.ok), "failed": _counts(f.failed), "errors": _counts(f.errors),
            "faults_injected": _counts(f.faults_injected), "faults_fired": _counts(f.faults_fired),
            "children": f.children, "kills": f.kills, "rotations_resumed": f.resumed,
            "resumes_completed": f.resumes_completed, "late_creates": len(self.waiting), "adopted": f.adopted,
            "invariant_checks": f.checks,
            "invariant_failures": f.violations, "credentials_lost": len(f.lost),
            "secrets_leaked": len(f.leaked), "secrets_scanned": f.secrets_scanned,
            "bytes_scanned": f.bytes_scanned, "journals_scanned": f.journals_scanned,
            "wall_seconds": round(self.wall, 1),
        }

    def _keyring_values(self) -> set[str]:
        """Every secret in the shared keyring file: login passwords, API secrets, session tokens."""
        import base64
        import configparser

        parser = configparser.RawConfigParser()
        parser.read(self.keyring_file, encoding="utf-8")
        found: set[str] = set()
        for section in parser.sections():
            for _user, raw in parser.items(section):
                value = base64.decodebytes(raw.encode()).decode("utf-8", "replace")
                try:
                    data = json.loads(value)
                except ValueError:
                    data = None
                if isinstance(data, dict):
                    found.update(v for k, v in data.items()
                                 if k in ("password", "key", "token") and isinstance(v, str))
                else:
                    found.add(value)
        return found

    def summary(self) -> None:
        f = self.fig
        rows: list[tuple[str, object, str]] = [("operations run", sum(f.ops.values()), "")]
        for op in OPERATIONS:
            rows.append((f"  {op}", f.ops[op], f"ok {f.ok[op]}, failed {f.failed[op]}"))
        rows.append(("errors raised (all SmtpCredsError)", sum(f.errors.values()),
                     ", ".join(f"{k} {v}" for k, v in f.errors.most_common())))
        rows.append(("faults injected", sum(f.faults_injected.values()),
                     f"fired {sum(f.faults_fired.values())}"))
        for kind in sorted(f.faults_injected):
            rows.append((f"  {kind}", f.faults_injected[kind], f"fired {f.faults_fired[kind]}"))
        rows += [
            ("child processes", f.children, ""),
            ("kills (SIGKILL at a step boundary)", f.kills, ""),
            ("rotations resumed", f.resumed, f"completed {f.resumes_completed}"),
            ("creates completed after the timeout", len(self.waiting),
             f"password kept as pending; adopted by a rotation at the end: {f.adopted}"),
            ("invariant checks run", f.checks, ""),
            ("invariant failures", len(f.violations), ""),
            ("credentials lost", len(f.lost), "must be 0"),
            ("secrets leaked", len(f.leaked),
             f"{f.secrets_scanned} secrets x {f.bytes_scanned} bytes of output, {f.journals_scanned} journals"),
            ("wall time (s)", f"{self.wall:.1f}", ""),
        ]
        width = max(len(r[0]) for r in rows)
        self.out("")
        self.out(f"smtpcreds soak — seed {self.seed}, {self.n_ops} operations")
        for name, value, note in rows:
            self.out(f"  {name:<{width}}  {value!s:>8}  {note}")
        if f.leaked:
            self.out(f"  LEAKED: {sorted(f.leaked)}")
        self.out("RESULT: " + ("PASS" if not (f.violations or f.lost or f.leaked) else "FAIL"))


def _counts(c: Counter[str]) -> dict[str, int]:
    return dict(sorted(c.items()))


def _toml(data: dict[str, Any]) -> str:
    lines = []
    for key, value in data.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {json.dumps(value)}")
    for name, prof in data["profiles"].items():
        lines.append(f"\n[profiles.{json.dumps(name)}]")
        for key, value in prof.items():
            lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else json.dumps(value)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        return child(args[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ops", type=int, default=int(os.environ.get("SOAK_OPS", "2000")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED") or random.randrange(10**6)))
    parser.add_argument("--kill-rate", type=float, default=0.1, help="share of rotations run in a killed child")
    parser.add_argument("--fault-rate", type=float, default=0.35, help="share of operations with a fault")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every operation")
    parser.add_argument("--summary-json", type=Path, help="also write the figures to this file as JSON")
    parser.add_argument("--leak-canary", action="store_true",
                        help="print one password on purpose: the run must then FAIL (tests the scan)")
    opts = parser.parse_args(args)
    print(f"smtpcreds soak: seed {opts.seed} (replay with --seed {opts.seed}), {opts.ops} operations",
          flush=True)

    import keyring

    from smtpcreds.emulator.lab import Lab

    saved_env = dict(os.environ)
    saved_keyring = keyring.get_keyring()
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("smtpcreds")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        with tempfile.TemporaryDirectory(prefix="smtpcreds-soak-") as tmp, \
                Lab(["mailersend", "smtp2go", "webitel"]) as lab:
            soak = Soak(ops=opts.ops, seed=opts.seed, kill_rate=opts.kill_rate, fault_rate=opts.fault_rate,
                        verbose=opts.verbose, root=Path(tmp), write=lambda s: print(s, flush=True))
            soak.log = log
            soak.leak_canary = opts.leak_canary
            soak.child_env = soak.configure(lab)
            try:
                status = soak.run()
            finally:
                soak.close()
            if opts.summary_json:
                opts.summary_json.write_text(json.dumps(soak.figures(), indent=2) + "\n")
            return status
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        os.environ.clear()
        os.environ.update(saved_env)
        keyring.set_keyring(saved_keyring)


if __name__ == "__main__":
    sys.exit(main())
