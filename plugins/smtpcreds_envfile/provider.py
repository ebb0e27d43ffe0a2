"""The ``envfile`` consumer: an application's SMTP settings as keys of its dotenv file.

Only the keys named in the profile are read or written; every other byte of the file stays.
There is no scope: one profile is one file, and a ``--scope`` is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    EmailSettings,
    NotFound,
    Provider,
    ProviderError,
    SecretFile,
    Security,
    SetResult,
    ValidationError,
    keyed_updates,
    register_secret,
)
from smtpcreds_envfile.dotenv_format import UnwritableValue, check_value, rewrite, values
from smtpcreds_envfile.profile import EnvFileProfile

_SECURITY: tuple[Security, ...] = ("ssl", "starttls", "none")


class EnvFileProvider(Provider):
    """Keeps SMTP settings in a dotenv file: rewrites only its keys, atomically."""

    name = "envfile"
    profile_model = EnvFileProfile
    capabilities = frozenset({Capability.SETTINGS_SHOW, Capability.SETTINGS_SET, Capability.SETTINGS_DELETE})
    description = "SMTP settings in an application's dotenv (.env) file"
    emulator = None

    @property
    def envfile(self) -> EnvFileProfile:
        return cast(EnvFileProfile, self.profile)

    # -- read -------------------------------------------------------------------------------
    def get_settings(self, scope: str | None = None) -> EmailSettings:
        """The settings as the application reads them (``${...}`` is shown unexpanded)."""
        path = self.envfile.file()
        return self._parse(path, _file(path).read_text())

    def _parse(self, path: Path, text: str) -> EmailSettings:
        found = values(text)
        raw: dict[str, str] = {}
        for field, key in self.envfile.keys().items():
            value = found.get(key)
            if value:
                raw[field] = value
        port: int | None = None
        if "port" in raw:
            try:
                port = int(raw["port"])
            except ValueError:
                raise ProviderError(
                    f"{path}: {self.envfile.port_key}={raw['port']!r} is not a port number",
                    provider=self.name,
                ) from None
        security: Security | None = None
        if "security" in raw:
            sec = raw["security"].strip().lower()
            if sec not in _SECURITY:
                raise ProviderError(
                    f"{path}: {self.envfile.security_key}={raw['security']!r} is not ssl, starttls or none",
                    provider=self.name,
                )
            security = sec
        password = raw.get("password")
        register_secret(password)
        return EmailSettings(
            host=raw.get("host"),
            port=port,
            security=security,
            username=raw.get("username"),
            password=SecretStr(password) if password is not None else None,
            from_address=raw.get("from_address"),
            extra={"path": str(path)},
        )

    # -- write ------------------------------------------------------------------------------
    def set_settings(
        self,
        changes: EmailSettings,
        scope: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> SetResult:
        """Write the given fields under their keys; an unchanged file is not touched."""
        updates = self._updates(changes, options)
        path = self.envfile.file()
        if not updates:
            return SetResult(changed=False, detail="none of the given fields has a key in this profile")
        file = _file(path)
        with file.locked():
            snapshot = file.read_for_update()
            old = snapshot.text or ""
            new = self._render(path, old, updates, frozenset())
            if snapshot.text is not None and new == old:
                return SetResult(
                    changed=False, settings=self._parse(path, new), detail=f"{path} is up to date"
                )
            file.write(new.encode("utf-8"), snapshot.stat)
        return SetResult(
            changed=True, settings=self._parse(path, new), detail=f"wrote {', '.join(updates)} to {path}"
        )

    def delete_settings(self, scope: str | None = None) -> int:
        """Remove the profile's keys (every occurrence); return how many keys were present."""
        path = self.envfile.file()
        file = _file(path)
        with file.locked():
            snapshot = file.read_for_update()
            if snapshot.text is None:
                raise NotFound(f"{path} does not exist", provider=self.name)
            present = frozenset(self.envfile.keys().values()) & set(values(snapshot.text))
            if not present:
                return 0
            new = self._render(path, snapshot.text, {}, present)
            file.write(new.encode("utf-8"), snapshot.stat)
        return len(present)

    def _updates(self, changes: EmailSettings, options: Mapping[str, Any] | None) -> dict[str, str]:
        """Dotenv key -> value for the fields given, validated before the file is opened."""
        return keyed_updates(self.name, changes, options, self.envfile.keys(), _dotenv_rules)

    def _render(self, path: Path, old: str, updates: Mapping[str, str], remove: frozenset[str]) -> str:
        """The new text, checked to read back as intended before anything is written."""
        try:
            new = rewrite(old, updates, remove)
        except UnwritableValue as e:
            raise ValidationError(f"cannot write to {path}: a value {e}", provider=self.name) from None
        except ValueError:
            raise ProviderError(
                f"python-dotenv cannot parse {path} losslessly; refusing to rewrite it", provider=self.name
            ) from None
        before, after = values(old), values(new)
        expected = {k: v for k, v in before.items() if k not in remove and k not in updates}
        expected.update(updates)
        if after != expected:
            raise ProviderError(
                f"refusing to write {path}: the result would not read back as written", provider=self.name
            )
        return new


def _file(path: Path) -> SecretFile:
    return SecretFile(path, "envfile", kind="dotenv file")


def _dotenv_rules(field: str, value: Any, text: str) -> list[str]:
    """What a dotenv value may not be (beyond the models' own rules)."""
    rules: list[str] = []
    if field == "port" and not 1 <= int(value) <= 65535:
        rules.append("must be between 1 and 65535")
    if field == "host" and not text.strip():
        rules.append("must not be empty")
    try:
        check_value(text)
    except UnwritableValue as e:
        rules.append(str(e))
    return rules
