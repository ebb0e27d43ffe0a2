"""The public surface for provider plugins: import everything a plugin needs from here.

A plugin (ours or a third party's) imports only this module and :mod:`smtpcreds` itself, never
a core module's internals, so the core can move its rooms around without breaking plugins::

    from smtpcreds.plugin import Capability, IssuerProfile, Provider, hookimpl

What is here:

* writing a provider: :class:`Provider`, :class:`ProviderContext`, :class:`Capability`,
  :class:`AlternatingNames` (logins whose names must be unique), :func:`check_key_create`,
  :func:`check_paging` and :func:`local_page` (checks and paging several issuers share),
  :data:`hookimpl`, the profile bases (:class:`ProfileBase`, :class:`IssuerProfile`,
  :class:`ConsumerProfile`), the models, the error tree, and for its commands :class:`App` and
  :func:`pass_app`;
* talking HTTP: :class:`HttpTransport` (built through ``ctx.http(...)``), :class:`ErrorDetail`,
  :func:`parse_json`, :func:`expect`, :func:`register_secret` and :func:`redact` (redaction),
  :func:`generate_password` and :func:`entropy_bits` (an emulator's own passwords, a provider's
  password rules), :func:`state_dir`, and :class:`SecretFile` (a consumer's file of secrets: checked,
  locked, replaced atomically), :func:`child_environment` and :func:`last_line` (a command a
  consumer runs);
* emulating the provider: :class:`EmulatorServer`, :func:`route`, :class:`Request`,
  :class:`Response`, :class:`HttpError`, :class:`SmtpServer`;
* testing it: :class:`IssuerContract`, :class:`ConsumerContract` (the contract suite),
  :class:`MemoryKeyring`, :func:`provider_for`, and :func:`answering` (with :class:`Answer` and
  :class:`SentRequest`) to answer a provider's requests with a function instead of a server.

Names load on first use, so a plugin's entry module stays as cheap as ``import pluggy``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpcreds.capabilities import Capability as Capability
    from smtpcreds.child import child_environment as child_environment
    from smtpcreds.child import last_line as last_line
    from smtpcreds.cli.common import App as App
    from smtpcreds.cli.common import pass_app as pass_app
    from smtpcreds.emulator.http import EmulatorServer as EmulatorServer
    from smtpcreds.emulator.http import Fault as Fault
    from smtpcreds.emulator.http import HttpError as HttpError
    from smtpcreds.emulator.http import Request as Request
    from smtpcreds.emulator.http import Response as Response
    from smtpcreds.emulator.http import route as route
    from smtpcreds.emulator.smtp import SmtpServer as SmtpServer
    from smtpcreds.errors import AuthError as AuthError
    from smtpcreds.errors import ConfigError as ConfigError
    from smtpcreds.errors import NotFound as NotFound
    from smtpcreds.errors import ProviderError as ProviderError
    from smtpcreds.errors import RateLimited as RateLimited
    from smtpcreds.errors import SecretStoreError as SecretStoreError
    from smtpcreds.errors import SmtpCredsError as SmtpCredsError
    from smtpcreds.errors import TransportError as TransportError
    from smtpcreds.errors import UnsupportedOperation as UnsupportedOperation
    from smtpcreds.errors import ValidationError as ValidationError
    from smtpcreds.hookspecs import hookimpl as hookimpl
    from smtpcreds.interfaces import AlternatingNames as AlternatingNames
    from smtpcreds.interfaces import Provider as Provider
    from smtpcreds.interfaces import ProviderContext as ProviderContext
    from smtpcreds.interfaces import check_key_create as check_key_create
    from smtpcreds.interfaces import check_paging as check_paging
    from smtpcreds.interfaces import local_page as local_page
    from smtpcreds.keyed import keyed_updates as keyed_updates
    from smtpcreds.models import EmailSettings as EmailSettings
    from smtpcreds.models import Security as Security
    from smtpcreds.models import SetResult as SetResult
    from smtpcreds.models import SmtpCredential as SmtpCredential
    from smtpcreds.models import SmtpLogin as SmtpLogin
    from smtpcreds.models import security_for_port as security_for_port
    from smtpcreds.models import utcnow as utcnow
    from smtpcreds.passwords import entropy_bits as entropy_bits
    from smtpcreds.passwords import generate as generate_password
    from smtpcreds.paths import state_dir as state_dir
    from smtpcreds.profiles import ConsumerProfile as ConsumerProfile
    from smtpcreds.profiles import IssuerProfile as IssuerProfile
    from smtpcreds.profiles import ProfileBase as ProfileBase
    from smtpcreds.profiles import check_base_url as check_base_url
    from smtpcreds.profiles import check_region as check_region
    from smtpcreds.profiles import is_loopback as is_loopback
    from smtpcreds.redact import redact as redact
    from smtpcreds.redact import register as register_secret
    from smtpcreds.rotation.events import RotationEvent as RotationEvent
    from smtpcreds.secretfile import SecretFile as SecretFile
    from smtpcreds.secretfile import Snapshot as Snapshot
    from smtpcreds.testing.answering import Answer as Answer
    from smtpcreds.testing.answering import SentRequest as SentRequest
    from smtpcreds.testing.answering import answering as answering
    from smtpcreds.testing.contract import ConsumerContract as ConsumerContract
    from smtpcreds.testing.contract import IssuerContract as IssuerContract
    from smtpcreds.testing.support import MemoryKeyring as MemoryKeyring
    from smtpcreds.testing.support import provider_for as provider_for
    from smtpcreds.transport import ErrorDetail as ErrorDetail
    from smtpcreds.transport import HttpTransport as HttpTransport
    from smtpcreds.transport import expect as expect
    from smtpcreds.transport import parse_json as parse_json


#: public name -> (module, name in that module)
_NAMES: dict[str, tuple[str, str]] = {
    "Capability": ("smtpcreds.capabilities", "Capability"),
    **{n: ("smtpcreds.emulator.http", n) for n in ("EmulatorServer", "Fault", "HttpError", "Request", "Response",
                                                  "route")},
    "SmtpServer": ("smtpcreds.emulator.smtp", "SmtpServer"),
    **{n: ("smtpcreds.child", n) for n in ("child_environment", "last_line")},
    **{n: ("smtpcreds.cli.common", n) for n in ("App", "pass_app")},
    **{n: ("smtpcreds.errors", n) for n in ("AuthError", "ConfigError", "NotFound", "ProviderError", "RateLimited",
                                           "SecretStoreError", "SmtpCredsError", "TransportError",
                                           "UnsupportedOperation", "ValidationError")},
    "hookimpl": ("smtpcreds.hookspecs", "hookimpl"),
    "keyed_updates": ("smtpcreds.keyed", "keyed_updates"),
    "Provider": ("smtpcreds.interfaces", "Provider"),
    "AlternatingNames": ("smtpcreds.interfaces", "AlternatingNames"),
    "check_key_create": ("smtpcreds.interfaces", "check_key_create"),
    "check_paging": ("smtpcreds.interfaces", "check_paging"),
    "local_page": ("smtpcreds.interfaces", "local_page"),
    "ProviderContext": ("smtpcreds.interfaces", "ProviderContext"),
    **{n: ("smtpcreds.models", n) for n in ("EmailSettings", "Security", "SetResult", "SmtpCredential", "SmtpLogin",
                                           "security_for_port", "utcnow")},
    **{n: ("smtpcreds.profiles", n) for n in ("ConsumerProfile", "IssuerProfile", "ProfileBase", "check_base_url",
                                              "check_region", "is_loopback")},
    "entropy_bits": ("smtpcreds.passwords", "entropy_bits"),
    "generate_password": ("smtpcreds.passwords", "generate"),
    "redact": ("smtpcreds.redact", "redact"),
    "register_secret": ("smtpcreds.redact", "register"),
    "RotationEvent": ("smtpcreds.rotation.events", "RotationEvent"),
    "state_dir": ("smtpcreds.paths", "state_dir"),
    **{n: ("smtpcreds.secretfile", n) for n in ("SecretFile", "Snapshot")},
    **{n: ("smtpcreds.testing.answering", n) for n in ("Answer", "SentRequest", "answering")},
    "ConsumerContract": ("smtpcreds.testing.contract", "ConsumerContract"),
    "IssuerContract": ("smtpcreds.testing.contract", "IssuerContract"),
    "MemoryKeyring": ("smtpcreds.testing.support", "MemoryKeyring"),
    "provider_for": ("smtpcreds.testing.support", "provider_for"),
    **{n: ("smtpcreds.transport", n) for n in ("ErrorDetail", "HttpTransport", "expect", "parse_json")},
}

__all__ = [
    "AlternatingNames", "Answer", "App", "AuthError", "Capability", "ConfigError", "ConsumerContract",
    "ConsumerProfile", "EmailSettings", "EmulatorServer", "ErrorDetail", "Fault", "HttpError", "HttpTransport",
    "IssuerContract", "IssuerProfile", "MemoryKeyring", "NotFound", "ProfileBase", "Provider", "ProviderContext",
    "ProviderError", "RateLimited", "Request", "Response", "RotationEvent", "SecretFile", "SecretStoreError",
    "Security", "SentRequest", "SetResult", "SmtpCredential", "SmtpCredsError", "SmtpLogin", "SmtpServer",
    "Snapshot", "TransportError", "UnsupportedOperation", "ValidationError", "answering", "check_base_url",
    "check_key_create", "check_paging", "check_region", "child_environment", "entropy_bits", "expect",
    "generate_password", "hookimpl", "is_loopback", "keyed_updates", "last_line", "local_page", "parse_json",
    "pass_app", "provider_for", "redact",
    "register_secret", "route", "security_for_port", "state_dir", "utcnow",
]


def __getattr__(name: str) -> Any:
    where = _NAMES.get(name)
    if where is None:
        raise AttributeError(f"module 'smtpcreds.plugin' has no attribute {name!r}")
    value = getattr(importlib.import_module(where[0]), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
