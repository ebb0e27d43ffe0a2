"""The provider-neutral interface a plugin implements.

A provider is one class: it names itself, its profile model and its capabilities, and
implements the methods for those capabilities (see :data:`smtpcreds.capabilities.METHODS`).
Issuers (credential providers) implement the credential methods; consumers (systems that
store SMTP settings) implement the settings methods; a provider may be both. Every method a
provider does not implement raises :class:`~smtpcreds.errors.UnsupportedOperation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from smtpcreds.capabilities import Capability
from smtpcreds.errors import UnsupportedOperation, ValidationError
from smtpcreds.models import EmailSettings

if TYPE_CHECKING:
    from datetime import datetime

    from pydantic import BaseModel, SecretStr

    from smtpcreds.models import Security, SetResult, SmtpCredential, SmtpLogin
    from smtpcreds.profiles import ProfileBase
    from smtpcreds.store import SecretStore
    from smtpcreds.transport import HttpTransport

__all__ = [
    "AlternatingNames", "Provider", "ProviderContext", "check_key_create", "check_paging", "implemented", "local_page",
]


def _http_transport(base_url: str, **kwargs: Any) -> HttpTransport:
    from smtpcreds.transport import HttpTransport  # (requests: only for providers that speak HTTP)

    return HttpTransport(base_url, **kwargs)


@dataclass
class ProviderContext:
    """What the core hands a provider: its profile and access to secrets."""

    profile_name: str
    profile: ProfileBase
    #: Resolve a secret field (config/env value, else keyring, else ConfigError).
    resolve_secret: Callable[[str], str]
    #: The keyring store of this profile (for caching sessions, e.g. Webitel).
    secret_store: Callable[[], SecretStore]
    #: Builds the provider's HTTP transport (``HttpTransport``'s arguments). Tests replace it to
    #: answer requests from a function instead of a server (see ``smtpcreds.plugin``).
    http: Callable[..., HttpTransport] = _http_transport


class Provider:
    """Base class of every provider. Subclasses set the class attributes and implement methods."""

    #: Provider name, as used in ``provider = "..."`` in profiles.
    name: ClassVar[str]
    #: The pydantic profile model (subclass of ProfileBase with ``provider: Literal[name]``).
    profile_model: ClassVar[type[ProfileBase]]
    #: What this provider can do.
    capabilities: ClassVar[frozenset[Capability]]
    #: One line for ``smtpcreds providers``.
    description: ClassVar[str] = ""
    #: ``"module:Class"`` of the provider's emulator (a subclass of EmulatorServer), if any.
    emulator: ClassVar[str | None] = None
    #: Pydantic model of provider options accepted by create/update (``--option KEY=VALUE``).
    options_model: ClassVar[type[BaseModel] | None] = None
    #: Length of the passwords the core generates for this issuer (the provider's limit, if lower).
    password_length: ClassVar[int] = 24
    #: The option (``--option KEY=VALUE``) that carries a password the user chose, if any: the
    #: core takes it out of the options and keeps it in the store like one it generated.
    password_option: ClassVar[str | None] = None

    def __init__(self, ctx: ProviderContext) -> None:
        self.ctx = ctx
        self.profile = ctx.profile

    def __repr__(self) -> str:
        return f"<{type(self).__name__} profile={self.ctx.profile_name!r}>"

    def close(self) -> None:
        """Release connections."""

    def scope(self, scope: str | None) -> str | None:
        """The scope to act in: the given one, else the profile's default."""
        return scope if scope is not None else self.profile.default_scope

    def _unsupported(self, op: str) -> UnsupportedOperation:
        return UnsupportedOperation(f"{self.name} cannot {op}", provider=self.name)

    # -- issuer ---------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every SMTP login in the scope, streamed page by page (or one page when given)."""
        raise self._unsupported("list credentials")

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        raise self._unsupported("show a credential")

    def create_credential(
        self,
        name: str,
        scope: str | None = None,
        *,
        enabled: bool = True,
        password: SecretStr | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        """Create a login; the returned credential carries its password when the provider gives one."""
        raise self._unsupported("create credentials")

    def update_credential(
        self,
        ref: str,
        scope: str | None = None,
        *,
        name: str | None = None,
        enabled: bool | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        raise self._unsupported("update credentials")

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        raise self._unsupported("delete credentials")

    def set_password(self, ref: str, password: SecretStr, scope: str | None = None) -> None:
        raise self._unsupported("set passwords")

    # -- REGENERATE_PASSWORD: the provider makes a second secret beside the first ("alternate
    # keys", e.g. SES's two IAM access keys); the username may change with it.
    def plan_regenerate(self, ref: str, current: str | None, scope: str | None = None) -> str:
        """Check, changing nothing, that a regenerate can start; return the username it replaces.

        ``current``: the username smtpcreds stores for ``ref`` (None when none is stored). Raises
        (e.g. ValidationError) when a secret unknown to smtpcreds is in the way.
        """
        raise self._unsupported("regenerate passwords")

    def regenerate_password(self, ref: str, scope: str | None = None, *, keep: str | None = None,
                            replace_orphans: bool = False) -> SmtpCredential:
        """Make a new secret beside ``keep`` (which keeps working); return the credential with the
        NEW username and its password. ``replace_orphans``: an earlier attempt lost its answer, so
        secrets other than ``keep`` are its leftovers (nobody holds them): remove them first."""
        raise self._unsupported("regenerate passwords")

    def retire_password(self, ref: str, username: str, scope: str | None = None) -> None:
        """Disable, then remove, the secret of ``username`` (already gone is fine)."""
        raise self._unsupported("retire passwords")

    def password_last_used(self, ref: str, username: str, scope: str | None = None) -> datetime | None:
        """When the provider last saw ``username``'s secret used, if it tells."""
        return None

    def predict_id(self, name: str, scope: str | None = None) -> str | None:
        """The id a create of ``name`` will get, when the caller chooses it (SMTP2GO: the username)."""
        return None

    def credential_name(self, cred: SmtpCredential) -> str:
        """The name of the credential a login belongs to (docs/concepts.md): the name it was
        created with, which every login that replaces it keeps. Default: the provider's name of
        the login, else its username. Providers whose replacements alternate names (SMTP2GO's
        ``billing-app`` / ``billing-app_clone``) map both to the one credential."""
        return cred.name or cred.username or cred.id

    def replacement_name(self, cred: SmtpCredential) -> str:
        """Name of the login that replaces ``cred`` in a replace rotation (default: the same name).

        Providers whose names must be unique (SMTP2GO usernames) alternate between two names,
        as AWS Secrets Manager's alternating-users strategy does.
        """
        return cred.name

    def clone_options(self, cred: SmtpCredential) -> dict[str, Any]:
        """Provider options that give a replacement login the same settings as ``cred``."""
        return {}

    def smtp_endpoint(self) -> tuple[str, int, Security]:
        """Host, port and security used to verify this issuer's logins (profile overrides first)."""
        raise self._unsupported("tell its SMTP server")

    # -- consumer -------------------------------------------------------------------------
    def get_settings(self, scope: str | None = None) -> EmailSettings:
        raise self._unsupported("show email settings")

    def set_settings(
        self,
        changes: EmailSettings,
        scope: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> SetResult:
        """Merge the non-None fields of ``changes`` (and raw ``options``) into the stored settings."""
        raise self._unsupported("set email settings")

    def delete_settings(self, scope: str | None = None) -> int:
        raise self._unsupported("delete email settings")

    def test_settings(self, scope: str | None = None, *, to: str | None = None) -> str:
        raise self._unsupported("test email settings")

    def push_login(self, login: SmtpLogin, scope: str | None = None) -> SetResult:
        """Write a rotated login into this consumer (default: a merge-set of the login's fields)."""
        changes = EmailSettings.from_login(login)
        if login.from_address is None:
            changes.from_address = None
        return self.set_settings(changes, scope)


class AlternatingNames:
    """For a provider whose login names must be unique (SMTP2GO usernames, Mailgun logins per
    domain), so that a replacement cannot bear its predecessor's name: a replace rotation
    alternates ``NAME`` and ``NAME_clone`` (AWS Secrets Manager's alternating-users strategy),
    and both are logins of the one credential ``NAME`` (docs/concepts.md). List it before
    :class:`Provider` among the bases. :meth:`local` gives the part of a login's name that
    alternates (default: all of it; Mailgun: the part before ``@``)."""

    ALTERNATE_SUFFIX: ClassVar[str] = "_clone"

    def local(self, name: str) -> str:
        return name

    def credential_name(self, cred: SmtpCredential) -> str:
        local, suffix = self.local(cred.name), self.ALTERNATE_SUFFIX
        return local[: -len(suffix)] if local.endswith(suffix) and len(local) > len(suffix) else local

    def replacement_name(self, cred: SmtpCredential) -> str:
        base = self.credential_name(cred)
        return base + self.ALTERNATE_SUFFIX if self.local(cred.name) == base else base


def check_key_create(provider: str, name: str, *, enabled: bool, password: SecretStr | None,
                     options: Mapping[str, Any] | None, name_max: int, secret: str, maker: str,
                     from_profile: str = "") -> None:
    """The checks of a create whose SMTP password is an API secret the provider makes (SendGrid's,
    Resend's API keys, Mailtrap's API tokens): nothing but a name, and one of 1 to ``name_max``
    characters. ``secret``: what it is ("API key"); ``maker``: who makes it ("SendGrid");
    ``from_profile``: what the profile decides instead ("its domain comes from the profile")."""
    if password is not None:
        raise UnsupportedOperation(f"{provider} cannot set passwords: the {secret} is the password and "
                                   f"{maker} generates it", provider=provider)
    if options:
        where = f" ({from_profile})" if from_profile else ""
        raise ValidationError(f"{provider}: unknown option(s) {', '.join(sorted(options))}: an {secret} "
                              f"for SMTP takes only a name{where}", provider=provider,
                              fields={k: [f"is not a {maker} {secret} option"] for k in options})
    if not enabled:
        raise ValidationError(f"{provider}: enabled: an {secret} cannot be created disabled",
                              fields={"enabled": [f"{secret}s cannot be disabled"]}, provider=provider)
    if not name.strip() or len(name) > name_max:
        rule = f"must have 1 to {name_max} characters (got {len(name)}), not only spaces"
        raise ValidationError(f"{provider}: name: {rule}", fields={"name": [rule]}, provider=provider)


def check_paging(provider: str, limit: int | None, page: int | None, *, max_limit: int | None = None) -> None:
    """ValidationError unless ``limit`` and ``page`` (each optional) are at least 1, and ``limit``
    at most ``max_limit`` (the provider's largest page, when it has one)."""
    for field, value, top in (("limit", limit, max_limit), ("page", page, None)):
        if value is not None and (value < 1 or (top is not None and value > top)):
            rule = f"must be 1 to {top}" if top is not None else "must be >= 1"
            raise ValidationError(f"{provider}: {field}: {rule}", fields={field: [rule]}, provider=provider)


_T = TypeVar("_T")


def local_page(items: Sequence[_T], limit: int | None, page: int | None) -> Sequence[_T]:
    """Page ``page`` of ``limit`` items (everything without ``limit``), for providers that answer
    a listing in one piece."""
    start = (page - 1) * limit if page and limit else 0
    return items[start:start + limit if limit else None]


def implemented(cls: type[Provider], method: str) -> bool:
    """True when ``cls`` overrides ``method`` of :class:`Provider`."""
    return getattr(cls, method, None) is not getattr(Provider, method, None)
