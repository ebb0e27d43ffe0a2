"""Neutral :class:`~smtpcreds.models.EmailSettings` ⇄ the engine's settings document.

The document (reference: docs/reference/webitel.md §3 "Document shape", §4)::

    {"_id": "574d…", "provider": "smtp", "description": "…", "from": "pbx@example.com",
     "domain": "example.com",
     "options": {"host": "smtp.example.com", "port": 465, "secure": true, "debug": false,
                 "tls": {"rejectUnauthorized": false},
                 "auth": {"user": "pbx@example.com", "pass": "…"}}}

Mapping: ``host``/``port`` ⇄ ``options.host``/``options.port``; ``security`` ``ssl`` ⇄
``options.secure: true``, ``starttls`` and ``none`` ⇄ ``false`` (the engine cannot tell them
apart, so ``false`` reads back as ``starttls``); ``verify_tls`` ⇄
``options.tls.rejectUnauthorized``; ``from_address`` ⇄ ``from``; ``username``/``password`` ⇄
``options.auth.user``/``pass``. Everything else is kept as it is and shown in ``extra`` under
its dotted path (``options.debug``), never a password.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from smtpcreds.plugin import EmailSettings, Security, ValidationError
from smtpcreds.plugin import register_secret as register

log = logging.getLogger("smtpcreds.webitel")

PROVIDER = "webitel"
#: The only transport the engine has. reference: docs/reference/webitel.md §4 "provider"
SMTP = "smtp"
#: Set by the server; never sent. reference: docs/reference/webitel.md §3 "Never send _id"
SERVER_FIELDS = ("_id", "domain")
#: Credentials the engine reads from a body before the headers, so a copy stored in the document
#: by some other client would replace ours; secrets, never shown and never sent back.
#: reference: docs/reference/webitel.md §2 "validateRequestV2", §3 "Keep access_token/x_key out"
BODY_CREDENTIALS = ("access_token", "x_key")
MASK = "**********"

#: Raw option paths with a type every reader relies on (ACR's Go reader drops other types:
#: reference: docs/reference/webitel.md §4 "ACR sendEmail ... port (int), secure (bool)").
BOOL_OPTIONS = frozenset({"secure", "tls.rejectUnauthorized", "debug", "ignoreTLS", "requireTLS", "pool"})
STR_OPTIONS = frozenset({"host", "auth.user", "auth.pass", "name", "authMethod"})


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


# -- document → neutral ---------------------------------------------------------------------
def to_settings(doc: Mapping[str, Any], scope: str | None) -> EmailSettings:
    """Read a stored document; unknown fields go to ``extra`` (secrets masked)."""
    rest = copy.deepcopy(dict(doc))
    options = rest.pop("options", None)
    opts = copy.deepcopy(options) if isinstance(options, dict) else {}
    tls = opts.pop("tls", None)
    auth = opts.pop("auth", None)
    extra: dict[str, Any] = {}

    host = opts.pop("host", None)
    port = opts.pop("port", None)
    secure = opts.pop("secure", None)
    if host is not None and not isinstance(host, str):
        extra["options.host"], host = host, None
    if isinstance(port, str) and port.isdigit():  # reference: §4 "ACR ... options.port (int)"
        log.warning("%s: options.port is stored as a string; ACR sendEmail ignores it "
                    "(setting the port again stores a number)", PROVIDER)
        extra["options.port"], port = port, int(port)
    elif port is not None and not _is_int(port):
        extra["options.port"], port = port, None
    security: Security | None = None
    if isinstance(secure, bool):
        # secure:false means "plain, STARTTLS if offered": starttls and none look the same.
        # reference: docs/reference/webitel.md §4 "secure:true: implicit TLS ... false: plain"
        security = "ssl" if secure else "starttls"
    elif secure is not None:
        log.warning("%s: options.secure is not a boolean (%r); ACR sendEmail ignores it", PROVIDER, secure)
        extra["options.secure"] = secure

    verify_tls: bool | None = None
    if isinstance(tls, dict):
        reject = tls.pop("rejectUnauthorized", None)
        if isinstance(reject, bool):
            verify_tls = reject
        elif reject is not None:
            extra["options.tls.rejectUnauthorized"] = reject
        extra.update({f"options.tls.{k}": v for k, v in tls.items()})
    elif tls is not None:
        extra["options.tls"] = tls

    username: str | None = None
    password: SecretStr | None = None
    if isinstance(auth, dict):
        user, secret = auth.pop("user", None), auth.pop("pass", None)
        username = user if isinstance(user, str) else None
        if isinstance(secret, str):
            register(secret)
            password = SecretStr(secret)
        # Other auth keys (XOAUTH2 tokens and the like) may be secrets too: names only.
        extra.update({f"options.auth.{k}": MASK for k in auth})
    elif auth is not None:
        extra["options.auth"] = MASK
    extra.update({f"options.{k}": v for k, v in opts.items()})

    provider = rest.pop("provider", None)
    if provider != SMTP:
        log.warning("%s: stored provider is %r; the engine sends only with %r", PROVIDER, provider, SMTP)
    from_address, description = rest.pop("from", None), rest.pop("description", None)
    domain = rest.pop("domain", None)
    top = {k: MASK if k in BODY_CREDENTIALS else v for k, v in rest.items()}
    extra = {"provider": provider, **top, **extra}
    return EmailSettings(
        host=host,
        port=port,
        security=security,
        verify_tls=verify_tls,
        from_address=from_address if isinstance(from_address, str) else None,
        username=username,
        password=password,
        description=description if isinstance(description, str) else None,
        scope=domain if isinstance(domain, str) and domain else scope,
        extra=extra,
    )


# -- neutral (+ raw options) → document -------------------------------------------------------
def check_changes(changes: EmailSettings) -> None:
    """Local rules for the neutral fields (the engine itself checks none of them)."""
    fields: dict[str, list[str]] = {}
    if changes.port is not None and not 1 <= changes.port <= 65535:
        fields["port"] = ["must be between 1 and 65535"]
    if changes.host is not None and (not changes.host.strip() or any(c.isspace() for c in changes.host)):
        fields["host"] = ["must be a host name or address without spaces"]
    if changes.from_address is not None and changes.from_address and "@" not in changes.from_address:
        fields["from_address"] = ["must be an email address (name@domain)"]
    if fields:
        detail = "; ".join(f"{k} {v[0]}" for k, v in fields.items())
        raise ValidationError(f"{PROVIDER}: invalid email settings: {detail}", fields=fields,
                              provider=PROVIDER)


def coerce_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check raw option paths and turn command-line strings into JSON types.

    Keys are paths below ``options`` (``tls.rejectUnauthorized``); the ``options.`` prefix
    used in :attr:`EmailSettings.extra` may be included.

    ``"true"``/``"false"`` become booleans, an integer literal a number, ``"null"`` (or None)
    removes the key. Known typed options must have their type: ``port`` a number in
    1..65535, ``secure`` and ``tls.rejectUnauthorized`` booleans.
    """
    out: dict[str, Any] = {}
    fields: dict[str, list[str]] = {}
    for raw_key, raw in (options or {}).items():
        key = str(raw_key).strip()
        if key.startswith("options."):
            key = key[len("options."):]  # the path as shown in ``extra`` is accepted too
        if not key or any(not part for part in key.split(".")):
            fields[f"options.{key}"] = ["must be a dotted path like tls.rejectUnauthorized"]
            continue
        value = _from_text(raw) if isinstance(raw, str) and key not in STR_OPTIONS else raw
        if value is not None:
            if key == "port" and not (_is_int(value) and 1 <= value <= 65535):
                fields["options.port"] = ["must be a number between 1 and 65535"]
            elif key in BOOL_OPTIONS and not isinstance(value, bool):
                fields[f"options.{key}"] = ["must be true or false"]
            elif key in STR_OPTIONS and not isinstance(value, str):
                fields[f"options.{key}"] = ["must be a string"]
        if key == "auth.pass" and isinstance(value, str):
            register(value)
        out[key] = value
    if fields:
        detail = "; ".join(f"{k} {v[0]}" for k, v in fields.items())
        raise ValidationError(f"{PROVIDER}: invalid options: {detail}", fields=fields, provider=PROVIDER)
    return out


def _from_text(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return text


def writable(doc: Mapping[str, Any] | None) -> dict[str, Any]:
    """A deep copy of a stored document without the fields the server owns or reads as credentials."""
    out = copy.deepcopy(dict(doc or {}))
    for name in SERVER_FIELDS + BODY_CREDENTIALS:
        out.pop(name, None)
    return out


def merge(
    doc: Mapping[str, Any] | None, changes: EmailSettings, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The document to POST: ``doc`` with the non-None fields of ``changes``, then ``options``.

    ``options`` must come from :func:`coerce_options`. Fields nobody changed, known or not,
    stay as they are.
    """
    new: dict[str, Any] = writable(doc) if doc is not None else {"provider": SMTP}
    if not isinstance(new.get("options"), dict):
        new["options"] = {}
    opts: dict[str, Any] = new["options"]
    if changes.host is not None:
        opts["host"] = changes.host
    if changes.port is not None:
        opts["port"] = int(changes.port)  # always a JSON number (see BOOL_OPTIONS note)
    if changes.security is not None:
        opts["secure"] = changes.security == "ssl"  # always a JSON boolean
    if changes.verify_tls is not None:
        _put(opts, ["tls", "rejectUnauthorized"], bool(changes.verify_tls))
    if changes.username is not None:
        _put(opts, ["auth", "user"], changes.username)
    if changes.password is not None:
        secret = changes.password.get_secret_value()
        register(secret)
        _put(opts, ["auth", "pass"], secret)
    if changes.from_address is not None:
        new["from"] = changes.from_address
    if changes.description is not None:
        new["description"] = changes.description
    for key, value in options.items():
        path = key.split(".")
        if value is None:
            _remove(opts, path)
        else:
            _put(opts, path, value, dotted=key)
    return new


def _put(opts: dict[str, Any], path: list[str], value: Any, dotted: str | None = None) -> None:
    node = opts
    for i, part in enumerate(path[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            where = ".".join(path[: i + 1])
            name = f"options.{dotted or '.'.join(path)}"
            raise ValidationError(
                f"{PROVIDER}: cannot set {name}: options.{where} holds a "
                f"{type(child).__name__}, not an object",
                fields={name: [f"options.{where} is not an object"]}, provider=PROVIDER,
            )
        node = child
    node[path[-1]] = value


def _remove(opts: dict[str, Any], path: list[str]) -> None:
    node: Any = opts
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)
