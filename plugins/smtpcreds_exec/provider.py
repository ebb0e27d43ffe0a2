"""The ``exec`` consumer: a command of the user's that stores a login where an application reads it.

smtpcreds cannot read settings back from a command, so exec declares only ``settings-set``
(push) and ``settings-test``. Scope is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from smtpcreds.plugin import (
    Capability,
    ConfigError,
    EmailSettings,
    Provider,
    SetResult,
    SmtpLogin,
    ValidationError,
    security_for_port,
)
from smtpcreds.plugin import register_secret as mask
from smtpcreds_exec.profile import ExecProfile
from smtpcreds_exec.runner import run

_REQUIRED = ("host", "port", "username", "password")
#: EmailSettings fields a hook does not receive.
_NOT_PASSED = ("verify_tls", "description")


def register_secret(secret: str) -> None:
    """Mask ``secret`` in messages, also as a hook may echo it: JSON-escaped (how it got it) or repr'd."""
    mask(
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    )


class ExecProvider(Provider):
    """Runs a command with the login as JSON on stdin; its exit status is the verdict."""

    name = "exec"
    profile_model = ExecProfile
    capabilities = frozenset({Capability.SETTINGS_SET, Capability.SETTINGS_TEST})
    description = "Hands logins to a command on its stdin (any app, any config format)"
    emulator = None

    @property
    def hook(self) -> ExecProfile:
        return cast(ExecProfile, self.profile)

    def _label(self, argv: list[str]) -> str:
        return f"profile {self.ctx.profile_name!r}: command {argv[0]!r}"

    def push_login(self, login: SmtpLogin, scope: str | None = None) -> SetResult:
        """Run ``command`` with the login on stdin; exit 0 means the application took it.

        A login pushed by a rotation or ``settings sync`` also names its ``issuer`` profile and
        ``credential`` id, so a hook bound to several logins can tell which one it got.
        """
        password = login.password.get_secret_value()
        register_secret(password)
        payload: dict[str, Any] = {
            "host": login.host,
            "port": login.port,
            "security": login.security,
            "username": login.username,
            "password": password,
        }
        if login.from_address is not None:
            payload["from_address"] = login.from_address
        if login.issuer is not None and login.credential is not None:
            payload["issuer"], payload["credential"] = login.issuer, login.credential
        argv = self.hook.command
        done = run(argv, payload, timeout=self.hook.timeout, label=self._label(argv))
        return SetResult(changed=True, detail=done.last_stdout_line() or f"{argv[0]} accepted the login")

    def set_settings(
        self,
        changes: EmailSettings,
        scope: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> SetResult:
        """Hand a complete login (host, port, username and password required) to the command."""
        errors: dict[str, list[str]] = {}
        for field in _REQUIRED:
            if getattr(changes, field) is None:
                errors[field] = ["required: the command receives a complete login"]
        for field in _NOT_PASSED:
            if getattr(changes, field) is not None:
                errors[field] = ["exec does not pass this field to the command"]
        if changes.extra or options:
            errors["options"] = ["exec takes no options"]
        if changes.port is not None and not 1 <= changes.port <= 65535:
            errors["port"] = ["must be between 1 and 65535"]
        if changes.password is not None:
            register_secret(changes.password.get_secret_value())
        host, port, username, password = changes.host, changes.port, changes.username, changes.password
        if errors or host is None or port is None or username is None or password is None:
            summary = "; ".join(f"{f}: {', '.join(r)}" for f, r in errors.items())
            raise ValidationError(
                f"invalid email settings for exec: {summary}", fields=errors, provider=self.name
            )
        login = SmtpLogin(
            host=host,
            port=port,
            security=changes.security or security_for_port(port),
            username=username,
            password=password,
            from_address=changes.from_address,
        )
        return self.push_login(login, scope)

    def test_settings(self, scope: str | None = None, *, to: str | None = None) -> str:
        """Run ``test_command`` with ``{"to": ...}`` on stdin (never a secret); return its last line."""
        argv = self.hook.test_command
        if argv is None:
            raise ConfigError(
                f"profile {self.ctx.profile_name!r}: no test_command configured", provider=self.name
            )
        done = run(argv, {"to": to}, timeout=self.hook.timeout, label=self._label(argv))
        return done.last_stdout_line() or f"{argv[0]} succeeded"
