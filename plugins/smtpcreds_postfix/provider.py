"""The ``postfix`` consumer: the SASL login Postfix relays a host's mail with.

A push rewrites only the ``relayhost`` entry of the map source (``host user:password``),
atomically and with mode 0600, then builds the indexed map with ``postmap type:file``, reloads
Postfix when it runs, and confirms with ``postmap -q`` that the map answers the new login. Any
step failing raises a :class:`~smtpcreds_postfix.commands.PostfixCommandError` (or the file's
ConfigError), which a rotation reports as an incomplete push to resume. An unchanged login
whose map already answers it writes nothing and runs nothing but the query. Scope is ignored.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from pydantic import SecretStr

import smtpcreds_postfix.relay as relay
import smtpcreds_postfix.relay_test as relay_test
from smtpcreds.plugin import (
    Capability,
    ConfigError,
    EmailSettings,
    NotFound,
    Provider,
    SetResult,
    SmtpLogin,
    ValidationError,
    register_secret,
)
from smtpcreds_postfix.commands import Postfix, PostfixCommandError
from smtpcreds_postfix.map_file import map_source, tighten_indexed
from smtpcreds_postfix.profile import FILE_MAP_TYPES, PostfixProfile
from smtpcreds_postfix.sasl_map import UnwritableLogin, check_login, lookup, rewrite

log = logging.getLogger("smtpcreds.postfix")
#: EmailSettings fields with no place in Postfix's relay login (host, port, TLS: main.cf).
_NOT_IN_MAP = ("verify_tls", "description")


class PostfixProvider(Provider):
    """Keeps the relay login in Postfix's SASL password map (sasl_passwd + postmap + reload)."""

    name = "postfix"
    profile_model = PostfixProfile
    capabilities = frozenset({Capability.SETTINGS_SHOW, Capability.SETTINGS_SET, Capability.SETTINGS_TEST})
    description = "The login a Postfix relay sends with (sasl_passwd, postmap, postfix reload)"
    emulator = None

    @property
    def pf(self) -> PostfixProfile:
        return cast(PostfixProfile, self.profile)

    @functools.cached_property
    def postfix(self) -> Postfix:
        return Postfix(config_dir=self.pf.postconf_dir, timeout=self.pf.timeout)

    @functools.cached_property
    def relayhost(self) -> str:
        """The map key: the profile's relayhost, else Postfix's own."""
        if self.pf.relayhost is not None:
            return self.pf.relayhost
        value = self.postfix.postconf(self.pf.postconf, "relayhost").get("relayhost", "")
        return relay.check_relayhost(value, "postconf relayhost")

    @functools.cached_property
    def map_type(self) -> str:
        if self.pf.map_type is not None:
            return self.pf.map_type
        value = self.postfix.postconf(self.pf.postconf, "default_database_type").get("default_database_type", "")
        if value not in FILE_MAP_TYPES:
            raise ConfigError(f"postconf default_database_type is {value!r}; set map_type in the profile "
                              f"({', '.join(sorted(FILE_MAP_TYPES))})", provider=self.name)
        return value

    @property
    def table(self) -> str:
        return f"{self.map_type}:{self.pf.map_source()}"

    # -- read -------------------------------------------------------------------------------
    def get_settings(self, scope: str | None = None) -> EmailSettings:
        """The relay entry (user and password) with the relay-related postconf values and warnings."""
        path = self.pf.map_source()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"{path} does not exist", provider=self.name) from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}", provider=self.name) from None
        key = self.relayhost
        value = lookup(text, key)
        if value is None:
            raise NotFound(f"{path} has no entry for {key}", provider=self.name)
        username, _, password = value.partition(":")
        register_secret(password)
        conf = self.postfix.postconf(self.pf.postconf, *relay.POSTCONF_NAMES)
        warnings = relay.warnings(conf, key, self.table, self.map_type, path)
        for w in warnings:
            log.warning("profile %r: %s", self.ctx.profile_name, w)
        host, port = relay.host_port(key)
        return EmailSettings(
            host=host, port=port, security=relay.security(conf), username=username or None,
            password=SecretStr(password) if password else None,
            extra={"relayhost": key, "map": self.table, "postconf": conf, "warnings": warnings},
        )

    # -- write ------------------------------------------------------------------------------
    def push_login(self, login: SmtpLogin, scope: str | None = None) -> SetResult:
        """Write the login's user and password under relayhost (its host and port are main.cf's business)."""
        self._check_relay(login.host, login.port)
        return self._write(login.username, login.password)

    def _check_relay(self, host: str | None, port: int | None) -> None:
        relay_host, relay_port = relay.host_port(self.relayhost)
        if (host is not None and host.lower() != relay_host.lower()) or (port is not None and port != relay_port):
            log.warning("profile %r: the login is for %s:%s but Postfix relays through %s; writing it anyway",
                        self.ctx.profile_name, host or relay_host, port or relay_port, self.relayhost)

    def set_settings(
        self,
        changes: EmailSettings,
        scope: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> SetResult:
        """Set the relay entry's user and/or password (the other stays as it is in the map).

        Host and port are compared with relayhost (a warning when they differ), security and
        sender are main.cf's and the message's business: none of them is written.
        """
        errors: dict[str, list[str]] = {}
        for field in _NOT_IN_MAP:
            if getattr(changes, field) is not None:
                errors[field] = ["postfix has no place for this field (TLS settings live in main.cf)"]
        if changes.extra or options:
            errors["options"] = ["postfix takes no options"]
        if changes.username is None and changes.password is None:
            errors["username"] = ["give a user name and/or a password"]
        if errors:
            summary = "; ".join(f"{f}: {', '.join(r)}" for f, r in errors.items())
            raise ValidationError(f"invalid email settings for postfix: {summary}", fields=errors,
                                  provider=self.name)
        self._check_relay(changes.host, changes.port)
        username, password = changes.username, changes.password
        if username is None or password is None:
            current = self._current_entry()
            username = username if username is not None else current[0]
            password = password if password is not None else SecretStr(current[1])
        return self._write(username, password)

    def _current_entry(self) -> tuple[str, str]:
        shown = self.get_settings()
        if shown.username is None or shown.password is None:
            raise NotFound(f"the entry for {self.relayhost} has no user:password to keep", provider=self.name)
        return shown.username, shown.password.get_secret_value()

    def _write(self, username: str, password: SecretStr) -> SetResult:
        secret = password.get_secret_value()
        register_secret(secret, f"{username}:{secret}")
        try:
            check_login(username, secret)
        except UnwritableLogin as e:
            raise ValidationError(f"cannot write this login to a Postfix map: {e}", provider=self.name) from None
        key, table, path = self.relayhost, self.table, self.pf.map_source()
        wanted = f"{username}:{secret}"
        source = map_source(path)
        with source.locked():
            snapshot = source.read_for_update()
            old = snapshot.text or ""
            new = rewrite(old, key, username, secret)
            if snapshot.text is not None and new == old and self._indexed(key, table) == wanted:
                return SetResult(changed=False, settings=self._settings(key, username, password),
                                 detail=f"{table} already holds this login for {key}")
            if snapshot.text is None or new != old:
                source.write(new.encode("utf-8"), snapshot.stat)
            steps = [f"wrote {key} to {path}" if new != old or snapshot.text is None else f"{path} was current"]
            self.postfix.postmap(self.pf.postmap, table)
            steps.append(f"postmap {table}")
            steps += [f"made {p} readable by its owner only" for p in tighten_indexed(path)]
            if self.pf.reload and self.postfix.running(self.pf.postfix):
                self.postfix.reload(self.pf.postfix)
                steps.append("postfix reload")
            if self.postfix.query(self.pf.postmap, key, table) != wanted:
                raise PostfixCommandError(f"postmap -q {key} {table} does not answer the new login after postmap",
                                          provider=self.name)
        return SetResult(changed=True, settings=self._settings(key, username, password), detail="; ".join(steps))

    def _indexed(self, key: str, table: str) -> str | None:
        """What the built map answers for ``key``; None when absent, not built yet or unreadable."""
        try:
            return self.postfix.query(self.pf.postmap, key, table)
        except PostfixCommandError:
            return None  # postmap then rebuilds it, and reports what is wrong

    def _settings(self, key: str, username: str, password: SecretStr) -> EmailSettings:
        host, port = relay.host_port(key)
        return EmailSettings(host=host, port=port, username=username, password=password,
                             extra={"relayhost": key, "map": self.table})

    # -- test -------------------------------------------------------------------------------
    def test_settings(self, scope: str | None = None, *, to: str | None = None) -> str:
        """Send a message through the local Postfix; report whether the relay accepted it."""
        if not to:
            raise ValidationError("settings test on postfix needs a recipient (--to ADDRESS)",
                                  fields={"to": ["required"]}, provider=self.name)
        conf = self.postfix.postconf(self.pf.postconf, "myhostname", "maillog_file")
        sender = self.pf.test_sender or f"root@{conf.get('myhostname') or 'localhost'}"
        queue_id = relay_test.submit(self.pf.smtpd, sender, to, self.pf.timeout)
        log_file = Path(conf["maillog_file"]) if conf.get("maillog_file") else None
        return relay_test.watch(self.postfix, self.pf.postqueue, queue_id, log_file, self.pf.timeout)
