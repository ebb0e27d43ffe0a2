"""A lab: every installed provider emulator plus one SMTP server, all on loopback.

Used by ``smtpcreds demo``, the test suite and the pytest plugin. The lab writes nothing
outside a temporary directory; :meth:`Lab.profiles` gives profiles pointing at each emulator
(with SMTP verification aimed at the lab's SMTP server), :meth:`Lab.config` a validated
:class:`~smtpcreds.config.Config` of them.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from smtpcreds.capabilities import ISSUER
from smtpcreds.config import Config
from smtpcreds.emulator.http import EmulatorServer
from smtpcreds.emulator.smtp import Mode, SmtpServer
from smtpcreds.errors import ConfigError
from smtpcreds.plugins import plugins

__all__ = [
    "Lab", "emulator_class",
]


def emulator_class(provider: str) -> type[EmulatorServer]:

    spec = plugins().provider(provider).emulator
    if spec is None:
        raise ConfigError(f"provider {provider!r} has no emulator")
    module, _, attr = spec.partition(":")
    cls: type[EmulatorServer] = getattr(importlib.import_module(module), attr)
    return cls


class Lab:
    """Start with ``with Lab() as lab:``; ``lab.emulators[name]`` and ``lab.smtp`` are live."""

    def __init__(self, providers: list[str] | None = None, *, smtp_mode: Mode = "none",
                 rate_limits: bool = False) -> None:

        installed = [n for n, c in plugins().providers.items() if c.emulator]
        self.provider_names = providers if providers is not None else installed
        self.smtp = SmtpServer(smtp_mode)
        self.emulators: dict[str, EmulatorServer] = {}
        self.rate_limits = rate_limits

    def start(self) -> Lab:
        self.smtp.start()
        try:
            for name in self.provider_names:
                emu = emulator_class(name)(smtp=self.smtp)
                if not self.rate_limits:
                    emu.rate_limit_per_minute = None
                self.emulators[name] = emu.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for emu in self.emulators.values():
            emu.stop()
        self.emulators.clear()
        self.smtp.stop()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def profile(self, provider: str, **overrides: Any) -> dict[str, Any]:
        """Profile fields for ``provider``'s emulator; issuers verify against the lab's SMTP server."""

        fields = self.emulators[provider].client_profile()
        if plugins().provider(provider).capabilities & ISSUER:
            fields.update(smtp_host=self.smtp.host, smtp_port=self.smtp.port, smtp_security=self.smtp.mode)
        fields.update(overrides)
        return fields

    def profiles(self) -> dict[str, dict[str, Any]]:
        """Conventional profile names: ``ms`` (MailerSend), ``relay`` (SMTP2GO), ``pbx`` (Webitel)."""
        names = {"mailersend": "ms", "smtp2go": "relay", "webitel": "pbx"}
        return {names.get(p, p): self.profile(p) for p in self.emulators}

    def config(self, extra_profiles: dict[str, dict[str, Any]] | None = None, **top: Any) -> Any:
        """A validated Config with :meth:`profiles` (plus ``extra_profiles``)."""

        raw = {**self.profiles(), **(extra_profiles or {})}
        registry = plugins().providers
        profiles = {n: registry[p["provider"]].profile_model.model_validate(p) for n, p in raw.items()}
        cfg = Config.model_validate(top)
        cfg.profiles = profiles
        return cfg

    def toml(self, extra_profiles: dict[str, dict[str, Any]] | None = None, default: str | None = None) -> str:
        """The same profiles as a config.toml text (secrets included: for temporary files only)."""
        lines = [f'default_profile = "{default}"', ""] if default else []
        for name, prof in {**self.profiles(), **(extra_profiles or {})}.items():
            lines.append(f"[profiles.{name}]")
            for k, v in prof.items():
                lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
        return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v))
