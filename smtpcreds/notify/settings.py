"""The ``[notify]`` table: where notifications go, and which ends of a rotation send one.

Read when a rotation's run ends (``$SMTPCREDS_CONFIG`` or the default file, as the ``[store]``
is); a bad table is then a warning and no notification, never a change of the rotation's outcome.

Also ``SMTPCREDS_NOTIFY__URLS`` (one Apprise URL, several separated as Apprise allows, or a JSON
list) and ``SMTPCREDS_NOTIFY__ON`` (a JSON list), which keep tokens out of the config file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smtpcreds.config import read_table
from smtpcreds.tables import settings_of

__all__ = [
    "DEFAULT_ON", "End", "NotifySettings", "notify_settings",
]

#: The ends of a rotation that can send a notification.
End = Literal["failed", "held", "done"]
DEFAULT_ON: tuple[End, ...] = ("failed", "held")


class NotifySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(default_factory=list, description="Apprise URLs (Slack, Teams, email, ntfy, "
                            "json:// webhooks...); they may hold tokens: keep the file private.")
    on: list[End] = Field(default_factory=lambda: list(DEFAULT_ON),
                          description="Which ends send a message: failed, held, done.")

    @field_validator("urls", mode="before")
    @classmethod
    def _one_url(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not url.strip() for url in value):
            raise ValueError("an empty URL")
        return value


def notify_settings() -> NotifySettings:
    """The ``[notify]`` table of the config file (and ``SMTPCREDS_NOTIFY__*``)."""
    return settings_of("notify", NotifySettings, read_table("notify"))
