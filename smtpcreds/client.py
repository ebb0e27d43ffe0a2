"""The Python API: :func:`connect` a profile and work through one neutral interface.

``connect("relay").credentials`` manages SMTP logins at an issuer, keeping every password
the provider returns or we generate in the store before anything can lose it;
``connect("pbx").settings`` reads and writes a consumer's email settings. Capabilities are
checked before any request: an operation the provider lacks raises UnsupportedOperation.

This is where configuration meets the store: :func:`store_backend` opens the backend the
``[store]`` table chooses, and :func:`resolve_secret` looks a profile's API secret up in it when
the configuration does not hold it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as PydanticValidationError

from smtpcreds import paths
from smtpcreds.capabilities import Capability
from smtpcreds.config import ENV_PREFIX, Config, describe_errors, load_config, read_table
from smtpcreds.errors import (
    ConfigError,
    NotFound,
    SmtpCredsError,
    TransportError,
    UnsupportedOperation,
    ValidationError,
)
from smtpcreds.interfaces import Provider, ProviderContext
from smtpcreds.models import EmailSettings, SetResult, SmtpCredential, SmtpLogin, security_for_port, utcnow
from smtpcreds.plugins import plugins
from smtpcreds.profiles import ProfileBase, is_loopback
from smtpcreds.redact import register
from smtpcreds.store import Backend, SecretStore, Slot, StoreSettings, from_table, open_backend, profile_secret_name
from smtpcreds.store.newsecret import ChosenSecret, keep_returned

__all__ = [
    "ORPHAN_CHECKS",
    "ORPHAN_GRACE",
    "Connection",
    "Credentials",
    "Settings",
    "connect",
    "parse_options",
    "resolve_secret",
    "secret_store",
    "store_backend",
    "store_settings",
    "stored_login",
]

log = logging.getLogger("smtpcreds")
#: After a create with no answer, where the provider chooses the password: watch for the login the
#: request may still make for this many times the profile's timeout, listing this many times more.
ORPHAN_GRACE = 2.0
ORPHAN_CHECKS = 6


def parse_options(model: type[BaseModel] | None, raw: Mapping[str, Any], provider: str) -> dict[str, Any]:
    """Validate provider options (``--option KEY=VALUE`` or keyword arguments)."""
    if not raw:
        return {}
    if model is None:
        raise ValidationError(f"{provider} takes no options (got: {', '.join(raw)})", provider=provider)
    unknown = sorted(set(raw) - set(model.model_fields))
    if unknown:
        valid = ", ".join(sorted(model.model_fields))
        raise ValidationError(
            f"unknown option(s) {', '.join(unknown)} for {provider} (valid: {valid})",
            provider=provider, fields={k: ["unknown option"] for k in unknown},
        )
    try:
        parsed = model.model_validate(dict(raw))
    except PydanticValidationError as e:
        fields: dict[str, list[str]] = {}
        for err in e.errors():
            key = ".".join(str(p) for p in err["loc"]) or "options"
            fields.setdefault(key, []).append(str(err["msg"]).removeprefix("Value error, "))
        summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
        raise ValidationError(f"invalid option: {summary}", provider=provider, fields=fields) from None
    return parsed.model_dump(exclude_unset=True)


class _Facade:
    """Capability checks before any request, shared by the two façades."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def provider(self) -> Provider:
        """The provider plugin object behind this connection."""
        return self._conn.provider

    def _require(self, cap: Capability, op: str) -> None:
        if cap not in self.provider.capabilities:
            raise UnsupportedOperation(f"{self.provider.name} cannot {op}", provider=self.provider.name)


class Credentials(_Facade):
    """SMTP logins at an issuer, with their secrets kept in the store.

    A credential is its name (docs/concepts.md): every method that takes a ``ref`` accepts the
    credential's name or the provider's id of one of its logins (an id wins over a name), and
    every credential returned carries its name in ``credential``.
    """

    def list(self, scope: str | None = None, *, limit: int | None = None,
             page: int | None = None) -> Iterator[SmtpCredential]:
        """Stream every login in the scope (one page when ``limit`` or ``page`` is given)."""
        self._require(Capability.LIST, "list credentials")
        return (self._named(c) for c in self.provider.list_credentials(scope, limit=limit, page=page))

    def get(self, ref: str, scope: str | None = None) -> SmtpCredential:
        """One login, with every provider setting in ``extra`` (never its password): the login
        whose id is ``ref``, else the current login of the credential named ``ref``."""
        self._require(Capability.LIST, "show credentials")
        p, store = self.provider, self._conn.store
        try:
            return self._named(p.get_credential(ref, scope))
        except (NotFound, ValidationError) as e:
            not_an_id = e  # a name, then
        record = store.record(ref)
        if record.id is not None:
            try:
                cred = p.get_credential(record.id, scope)
            except NotFound:
                cred = None  # the stored id is gone at the provider: find the name's logins
            if cred is not None:
                cred.credential = ref
                return cred
        named = [c for c in p.list_credentials(scope) if p.credential_name(c) == ref]
        if not named:
            not_an_id.message += f" (nor is a credential of profile {self._conn.profile_name!r} named {ref!r})"
            raise not_an_id
        if len(named) > 1:
            ids = ", ".join(sorted(c.id for c in named))
            raise ConfigError(f"{p.name}: {len(named)} logins are named {ref!r} ({ids}) and the store cannot "
                              "tell which is the credential: name the login by its id, or delete the others",
                              provider=p.name)
        cred = self._named(named[0])
        store.alias(ref, cred.id)  # a record an earlier release keyed by this id is the name's
        return cred

    def _named(self, cred: SmtpCredential) -> SmtpCredential:
        """``cred`` with the name of its credential; the store finds a record an earlier release
        kept under the login's id."""
        cred.credential = self.provider.credential_name(cred)
        self._conn.store.alias(cred.credential, cred.id)
        return cred

    def create(self, name: str, scope: str | None = None, *, enabled: bool = True,
               **options: Any) -> SmtpCredential:
        """Create a login and store its password (current slot, the write confirmed).

        Where the provider takes a password we choose (SET_PASSWORD), it is generated (or taken
        from the provider's password option) and stored as pending before the request, so it is
        never only in a response. After an ambiguous failure (timeout, dropped connection) the
        login is looked up instead of created again; when the provider does not show it (yet),
        the pending password stays, because a request the provider completes after our timeout
        creates the login with it. The next create of the same login reuses that password.
        """
        self._require(Capability.CREATE, "create credentials")
        p = self.provider
        opts = parse_options(p.options_model, options, p.name)
        chosen = _pop_password(p, opts)
        store = self._conn.store
        store.check()
        given = name
        name, others = self._check_new_name(given, scope)
        taken = not store.record(name).empty
        ref = p.predict_id(given, scope) if Capability.SET_PASSWORD in p.capabilities else None
        if ref is not None:
            template = self._conn.endpoint_login(ref)
            secret = ChosenSecret.prepare(store, name, template, password=chosen, length=p.password_length,
                                          reuse=chosen is None, id=ref)
            with secret.sending() as pw:
                try:
                    cred = p.create_credential(given, scope, enabled=enabled, password=pw, options=opts)
                except TransportError:
                    cred = self._reconcile_chosen(ref, scope)
            secret.keep_as_current(cred.id, username=cred.username, created_at=utcnow())
            cred.password, cred.credential = secret.password, name
            return cred
        if chosen is not None:
            raise ValidationError(f"{p.name} chooses the passwords of new logins itself; set your own "
                                  f"afterwards with 'smtpcreds creds update REF --password-stdin'", provider=p.name)
        store.check_writable()  # the provider returns the password once: be sure it can be kept
        cred = self.create_returning_password(given, scope, enabled=enabled, options=opts, known_ids=others)
        assert cred.password is not None
        cred.credential = name
        login = self._conn.login_for(cred, cred.password)
        self.keep_returned(name, cred, login, "current", scope, new=not taken)
        return cred

    def _check_new_name(self, name: str, scope: str | None) -> tuple[str, set[str] | None]:
        """The credential name a create of ``name`` makes (``billing@mg.example.com`` on Mailgun is
        ``billing``). Refused: a name that reads as another credential's replacement (exit 5), and
        a name another login at the provider bears (exit 2) where the provider would not refuse it
        itself (where it does not predict the id; a predicted id is unique at the provider). Also
        returns the ids of the logins of that name it found (none; None: not looked up)."""
        p = self.provider
        p.predict_id(name, scope)  # (a name the provider's id rules refuse fails here, before anything)
        canonical = p.credential_name(_probe(p.name, name))
        if canonical != name and p.replacement_name(_probe(p.name, canonical)) == name:
            raise ValidationError(f"{p.name}: {name!r} would read as the replacement login of credential "
                                  f"{canonical!r}; choose another name", provider=p.name,
                                  fields={"name": ["reserved for replacements"]})
        others: set[str] | None = None
        if p.predict_id(canonical, scope) is None:
            others = self.ids_named(canonical, scope)
        if others:
            raise ConfigError(f"profile {self._conn.profile_name!r} already has a credential named {canonical!r} "
                              f"({', '.join(sorted(others))} at {p.name}); a name identifies one credential: "
                              "choose another name, or rotate or delete that one", provider=p.name)
        return canonical, others

    def create_returning_password(self, name: str, scope: str | None, *, enabled: bool = True,
                                  options: Mapping[str, Any] | None = None,
                                  known_ids: set[str] | None = None) -> SmtpCredential:
        """Create where the provider chooses the password; after an ambiguous failure, delete what
        the lost request may have created (its password is unknowable), then re-raise.

        ``known_ids``: ids of logins with this name that existed before (saves a listing).
        """
        p = self.provider
        before = known_ids if known_ids is not None else self.ids_named(name, scope)
        try:
            cred = p.create_credential(name, scope, enabled=enabled, options=options)
        except TransportError as e:
            # Unanswered: the provider may still create the login, later. Watch for it a while
            # (the bound of how late we can catch it: docs/reliability.md, "What is left").
            grace = ORPHAN_GRACE * self._conn.profile.timeout if e.timed_out else 0.0
            self._discard_orphans(name, scope, before, grace)
            raise
        if cred.password is None:
            self._discard(cred, scope)
            raise SmtpCredsError(f"{p.name} returned no password for the new login {cred.id}",
                                 provider=p.name)
        return cred

    def keep_returned(self, name: str, cred: SmtpCredential, login: SmtpLogin, slot: Slot, scope: str | None,
                      *, new: bool = False) -> None:
        """Keep a provider-returned password in credential ``name``'s record, or delete the login so
        none exists without one. ``new``: the store holds no record of ``name`` (nothing to read)."""
        keep_returned(self._conn.store, name, login, slot, cred.id,
                      lambda: self.provider.delete_credential(cred.id, scope), new=new)

    def _discard(self, cred: SmtpCredential, scope: str | None) -> None:
        try:
            self.provider.delete_credential(cred.id, scope)
        except SmtpCredsError as e:
            log.error("could not delete %s whose password could not be stored: %s", cred.id, e)

    def _reconcile_chosen(self, ref: str, scope: str | None) -> SmtpCredential:
        try:
            return self.provider.get_credential(ref, scope)
        except NotFound:
            # Not deleted: the provider may still complete the request with this password.
            raise TransportError(
                f"{self.provider.name}: the create of {ref!r} got no answer and the provider does not "
                "show it (yet); its password stays in the keyring as pending: run the create again "
                f"(it reuses it), or, if {ref!r} appears, 'smtpcreds creds rotate {ref}' to verify and "
                "keep it", provider=self.provider.name,
            ) from None

    def ids_named(self, name: str, scope: str | None) -> set[str]:
        """The ids of the logins of credential ``name`` at the provider (empty if it cannot list)."""
        p = self.provider
        if Capability.LIST not in p.capabilities:
            return set()
        try:
            predicted = p.predict_id(name, scope)
            if predicted is not None and Capability.SET_PASSWORD not in p.capabilities:
                try:  # the name is the id (SES): one look-up instead of a listing
                    return {p.get_credential(predicted, scope).id}
                except NotFound:
                    return set()
            return {c.id for c in p.list_credentials(scope) if p.credential_name(c) == name}
        except SmtpCredsError:
            return set()

    def _discard_orphans(self, name: str, scope: str | None, before: set[str], grace: float = 0.0) -> None:
        """After an ambiguous create whose password we never saw, delete what it may have made:
        now, and for ``grace`` more seconds while the provider may still be carrying it out."""
        if Capability.LIST not in self.provider.capabilities:
            return
        deadline = time.monotonic() + grace
        if grace:
            log.warning("%s: the create of %r got no answer; watching for %.0fs for a login it may still "
                        "make (its password would be unknown)", self.provider.name, name, grace)
        first = True
        while True:
            try:
                for cred in list(self.provider.list_credentials(scope)):
                    if self.provider.credential_name(cred) == name and cred.id not in before:
                        log.warning("deleting %s: created by an interrupted request, its password was lost",
                                    cred.id)
                        self.provider.delete_credential(cred.id, scope)
                        before = before | {cred.id}  # (a listing may still show it once)
            except SmtpCredsError as e:
                if first:
                    raise
                log.warning("%s: stopped watching for a login the unanswered create of %r may make: %s; "
                            "'smtpcreds creds audit' shows any login without a stored password",
                            self.provider.name, name, e.message)
                return
            first = False
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(grace / ORPHAN_CHECKS, left))

    def update(self, ref: str, scope: str | None = None, *, name: str | None = None,
               enabled: bool | None = None, **options: Any) -> SmtpCredential:
        """Change name, state or provider options (validated locally before sending). A new name
        renames the credential: its record in the store moves with it."""
        self._require(Capability.UPDATE, "update credentials")
        opts = parse_options(self.provider.options_model, options, self.provider.name)
        chosen = _pop_password(self.provider, opts)
        p = self.provider
        if chosen is None and name is None:  # as an id first (an id wins, and it costs no look-up)
            try:
                return self._named(p.update_credential(ref, scope, enabled=enabled, options=opts))
            except NotFound:
                pass
        cred = self.get(ref, scope)
        if chosen is not None:
            self._require(Capability.SET_PASSWORD, "set passwords")
            self._set_password(cred, chosen, scope)
            if not opts and name is None and enabled is None:
                return cred
        old = cred.credential or p.credential_name(cred)
        store = self._conn.store
        new = p.credential_name(_probe(p.name, name)) if name is not None else old
        if new == old or store.record(old).id not in (None, cred.id):  # (an old login a rotation kept)
            return self._named(p.update_credential(cred.id, scope, name=name, enabled=enabled, options=opts))
        # Renaming the credential, while no rotation of it runs (its lease) or waits (a pending
        # login): its record is copied under the new name first, so whichever name the provider ends
        # with (a lost answer leaves it unknown) has the secret; then the old one goes.
        with self._conn.backend.journals().lease(self._conn.profile_name, old, "", "rename", False):
            if store.record(old).pending is not None:
                raise ConfigError(f"credential {old!r} has a rotation or a create in flight (a pending login): "
                                  "resume or abort it before renaming (see 'smtpcreds rotations list')",
                                  provider=p.name)
            taken = store.record(new)
            if not taken.empty and taken.id not in (None, cred.id):
                raise ConfigError(f"profile {self._conn.profile_name!r} already has a credential named {new!r}; "
                                  "choose another name", provider=p.name)
            store.rename(old, new, keep=True)
            try:
                updated = self._named(p.update_credential(cred.id, scope, name=name, enabled=enabled,
                                                          options=opts))
            except TransportError:
                raise  # both records stay: the next command finds the one the provider's name points to
            except SmtpCredsError:
                if taken.empty:
                    store.forget(new)
                raise
            store.forget(old)
        return updated

    def set_password(self, ref: str, password: str | None = None, scope: str | None = None) -> SmtpLogin:
        """Set a new password (generated unless given), pending in the store first, then current."""
        self._require(Capability.SET_PASSWORD, "set passwords")
        self._conn.store.check()
        cred = self.get(ref, scope)
        return self._set_password(cred, SecretStr(password) if password else None, scope)

    def _set_password(self, cred: SmtpCredential, password: SecretStr | None, scope: str | None) -> SmtpLogin:
        template = self._conn.login_for(cred, SecretStr(""))
        secret = ChosenSecret.prepare(self._conn.store, cred.credential or cred.id, template, password=password,
                                      length=self.provider.password_length, reuse=False, id=cred.id)
        with secret.sending() as pw:
            self.provider.set_password(cred.id, pw, scope)
        return secret.promote()

    def delete(self, ref: str, scope: str | None = None) -> None:
        """Delete the login at the provider; when it was its credential's current login, the
        credential's record goes too (one delete)."""
        self._require(Capability.DELETE, "delete credentials")
        cred = self.get(ref, scope)
        try:
            self.provider.delete_credential(cred.id, scope)
        except NotFound as e:
            if not e.after_lost_answer:
                raise
            log.info("%s: %s was deleted by a first request whose answer was lost", self.provider.name, cred.id)
        name, store = cred.credential or cred.id, self._conn.store
        record = store.record(name)
        if record.id not in (cred.id, None):
            return  # another login of the credential (an old one a rotation kept): its record stays
        if record.previous_id is not None and self._exists(record.previous_id, scope):
            store.revert(name)  # its old login, kept by --keep-old, is the credential's login again
        else:
            store.forget(name)

    def _exists(self, ref: str, scope: str | None) -> bool:
        try:
            self.provider.get_credential(ref, scope)
            return True
        except NotFound:
            return False

    def stored_login(self, ref: str) -> SmtpLogin:
        """The current login of credential ``ref`` from the store; an id is looked up at the provider."""
        login = self._conn.store.get(ref)
        if login is None:
            try:
                name = self.get(ref).credential
            except NotFound:
                name = None
            login = self._conn.store.get(name) if name is not None else None  # (found by id: a record of old)
        if login is None:
            raise NotFound(f"no stored login for {ref!r} in profile {self._conn.profile_name!r}")
        return login


class Settings(_Facade):
    """Email settings at a consumer."""

    def get(self, scope: str | None = None) -> EmailSettings:
        """The consumer's stored settings (password masked in reprs)."""
        self._require(Capability.SETTINGS_SHOW, "show email settings")
        return self.provider.get_settings(scope)

    def set(self, changes: EmailSettings | None = None, scope: str | None = None, *,
            options: Mapping[str, Any] | None = None, **fields: Any) -> SetResult:
        """Merge the given fields (or ``changes``) into the stored settings; unchanged sets write nothing."""
        self._require(Capability.SETTINGS_SET, "set email settings")
        if changes is None:
            try:
                changes = EmailSettings.model_validate(fields)
            except PydanticValidationError as e:
                raise ValidationError(f"invalid email settings: {e.errors()[0]['msg']}") from None
        return self.provider.set_settings(changes, scope, options=options)

    def delete(self, scope: str | None = None) -> int:
        """Remove the stored settings; returns how many records were removed."""
        self._require(Capability.SETTINGS_DELETE, "delete email settings")
        return self.provider.delete_settings(scope)

    def test(self, scope: str | None = None, *, to: str | None = None) -> str:
        """Ask the consumer to prove its settings work (e.g. Webitel sends a test message)."""
        self._require(Capability.SETTINGS_TEST, "test email settings")
        return self.provider.test_settings(scope, to=to)

    def push(self, login: SmtpLogin, scope: str | None = None) -> SetResult:
        """Write a login into the consumer, as a rotation's push step does."""
        self._require(Capability.SETTINGS_SET, "receive logins")
        return self.provider.push_login(login, scope)


class Connection:
    """A provider bound to a profile, with its keyring store."""

    def __init__(self, profile_name: str, profile: ProfileBase, *, config: Config | None = None) -> None:
        self.profile_name = profile_name
        self.profile = profile
        self.config = config
        self.backend = store_backend(config)
        self.store = secret_store(profile_name, config, backend=self.backend)
        cls = plugins().provider(profile.provider)
        ctx = ProviderContext(
            profile_name=profile_name,
            profile=profile,
            resolve_secret=lambda field: resolve_secret(profile_name, profile, field, self.backend),
            secret_store=lambda: self.store,
        )
        self.provider: Provider = cls(ctx)
        self.credentials = Credentials(self)
        self.settings = Settings(self)

    def __repr__(self) -> str:
        return f"<Connection profile={self.profile_name!r} provider={self.profile.provider!r}>"

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the provider's HTTP session."""
        self.provider.close()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the provider of this profile can do."""
        return self.provider.capabilities

    def endpoint_login(self, username: str) -> SmtpLogin:
        """A login of this issuer's SMTP endpoint for ``username``, its password still to be set."""
        host, port, security = self.provider.smtp_endpoint()
        return SmtpLogin(host=host, port=port, security=security, username=username, password=SecretStr(""))

    def login_for(self, cred: SmtpCredential, password: SecretStr) -> SmtpLogin:
        """The SmtpLogin of ``cred`` with ``password``: profile SMTP overrides, else the credential's."""
        host, port, security = self.provider.smtp_endpoint()
        p = self.profile
        if getattr(p, "smtp_host", None) is None and cred.host:
            host = cred.host
        if getattr(p, "smtp_port", None) is None and cred.port:
            port = cred.port
        if getattr(p, "smtp_security", None) is None:
            security = security_for_port(port)
        if security == "none" and not is_loopback(host):
            raise ConfigError(f"smtp_security = none is allowed only to loopback hosts, not {host!r}")
        return SmtpLogin(host=host, port=port, security=security, username=cred.username, password=password)


def _probe(provider: str, name: str) -> SmtpCredential:
    """A login named ``name``, to ask a provider what credential such a name belongs to."""
    return SmtpCredential(provider=provider, id=name, name=name, username=name)


def _pop_password(provider: Provider, options: dict[str, Any]) -> SecretStr | None:
    """Take the user's chosen password out of the provider options (see Provider.password_option)."""
    if provider.password_option is None or options.get(provider.password_option) is None:
        options.pop(provider.password_option or "", None)
        return None
    value = options.pop(provider.password_option)
    return value if isinstance(value, SecretStr) else SecretStr(str(value))


def connect(profile: str | None = None, *, provider: str | None = None, config: Config | None = None,
            **fields: Any) -> Connection:
    """Connect a configured profile, or an ad-hoc one: ``connect(provider="smtp2go", api_key=...)``."""
    if provider is not None:
        model = plugins().provider(provider).profile_model
        try:
            prof = model.model_validate({"provider": provider, **fields})
        except PydanticValidationError as e:
            raise ConfigError(f"{provider}: {describe_errors(e, model)}") from None
        return Connection(profile or provider, prof, config=config)
    if fields:
        raise ConfigError("profile fields can only be given with provider=...")
    cfg = config or load_config()
    name = cfg.active_name(profile)
    return Connection(name, cfg.profile(name), config=cfg)


def stored_login(profile: str, ref: str, *, config: Config | None = None) -> SmtpLogin:
    """The current SmtpLogin of credential ``ref`` (its name) from the store alone, no network; a
    provider id of one of its logins is looked up at the provider (one request)."""
    login = secret_store(profile, config).get(ref)
    if login is not None:
        return login
    try:
        cfg = config or load_config()
        profile_model = cfg.profile(profile)
    except ConfigError:
        raise NotFound(f"no stored login for {ref!r} in profile {profile!r}") from None
    with Connection(profile, profile_model, config=cfg) as conn:
        return conn.credentials.stored_login(ref)


def store_settings(config: Config | None = None) -> StoreSettings:
    """The ``[store]`` settings: the loaded config's table (else the config file's), then the
    environment's ``SMTPCREDS_STORE__*``. ConfigError for a bad one."""
    return from_table(config.table("store") if config is not None else read_table("store"))


def store_backend(config: Config | None = None) -> Backend:
    """The configured store backend, handed its settings and the state directory."""
    return open_backend(store_settings(config), paths.state_dir())


def secret_store(profile: str, config: Config | None = None, *, backend: Backend | None = None,
                 allow_insecure: bool = False) -> SecretStore:
    """The login records of ``profile`` in the configured store."""
    allow = allow_insecure or bool(config is not None and config.allow_insecure_keyring)
    return SecretStore(profile, backend or store_backend(config), allow_insecure=allow)


def resolve_secret(profile_name: str, profile: ProfileBase, field: str, backend: Backend | None = None) -> str:
    """A profile's secret field: its config/env value, else the store (``smtpcreds auth set``),
    else ConfigError with the hint."""
    value = getattr(profile, field, None)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not (isinstance(value, str) and value):
        value = (backend or store_backend()).profile_secrets().get(profile_secret_name(profile_name, field))
    if value:
        register(value)
        return value
    env_name = f"{ENV_PREFIX}PROFILES__{profile_name.upper()}__{field.upper()}"
    raise ConfigError(
        f"profile {profile_name!r}: {field} is not set; store it with "
        f"'smtpcreds auth set {profile_name}' or set {env_name}"
    )
