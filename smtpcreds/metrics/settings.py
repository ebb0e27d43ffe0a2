"""The ``[metrics]`` table: each issuer profile's maximum login age, exported for the alert rules.

```toml
[metrics]
max_login_age = "90d"                          # every issuer profile (default 90d)
max_login_age_by_profile = { relay = "30d" }   # exceptions
```

Also ``SMTPCREDS_METRICS__MAX_LOGIN_AGE``. The ages are exported as
``smtpcreds_login_max_age_seconds{profile}`` so the rule "login older than its profile's
maximum age" (``docs/monitoring/alerts.yml``) holds no number of its own.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smtpcreds.config import Config, read_table
from smtpcreds.rotation.bulk import parse_age
from smtpcreds.tables import settings_of

__all__ = [
    "MetricsSettings", "metrics_settings",
]


def _age(text: str) -> timedelta:
    return parse_age(text)


class MetricsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_login_age: str = Field("90d", description="How old a login may get before the alert rule fires "
                               "(90d, 12h, 2w), for every issuer profile not named below.")
    max_login_age_by_profile: dict[str, str] = Field(
        default_factory=dict, description="Issuer profile → its own maximum login age.")

    @field_validator("max_login_age")
    @classmethod
    def _check_age(cls, value: str) -> str:
        _age(value)  # ValueError names the form
        return value

    @field_validator("max_login_age_by_profile")
    @classmethod
    def _check_ages(cls, value: dict[str, str]) -> dict[str, str]:
        for profile, age in value.items():
            try:
                _age(age)
            except ValueError as e:
                raise ValueError(f"{profile}: {e}") from None
        return value

    def max_age(self, profile: str) -> timedelta:
        """The maximum login age of issuer ``profile``."""
        return _age(self.max_login_age_by_profile.get(profile, self.max_login_age))


def metrics_settings(config: Config | None = None) -> MetricsSettings:
    """The ``[metrics]`` table of the loaded config (else of the config file) and ``SMTPCREDS_METRICS__*``."""
    return settings_of("metrics", MetricsSettings, config.table("metrics") if config is not None
                       else read_table("metrics"))
