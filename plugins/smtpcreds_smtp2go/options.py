"""Per-user SMTP2GO settings, typed and checked locally before anything is sent.

Every field is named exactly as the API names it, so a valid option reaches the wire
unchanged. The rules mirror the provider's documentation
(reference: docs/reference/smtp2go.md §4); a broken rule raises
:class:`smtpcreds.errors.ValidationError` naming the field and the rule.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal

import email_validator
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError

from smtpcreds.plugin import ValidationError, entropy_bits

log = logging.getLogger("smtpcreds.smtp2go")

PROVIDER = "smtp2go"
#: add; a full POST edit; a PATCH edit; or an update, which is "edit" with replace_all, else "patch".
Operation = Literal["add", "edit", "patch", "update"]
Status = Literal["allowed", "blocked", "sandbox"]

USERNAME_MIN, USERNAME_MAX = 5, 100  # reference: §4 username, length 5..100
RATELIMIT_MAX = 2_147_483_647  # reference: §4, POST edit states 1..2147483647
MIN_PASSWORD_BITS = 64  # reference: §4 email_password ">= 64 bits entropy"

_UNIT = r"(?:hour|day|week|month)s?"
_TIME = r"(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)"
# reference: §4 custom_ratelimit_period: add/PATCH write "<n> unit [hh:mm:ss]",
# POST edit writes "<n> unit[,hh:mm:ss]"; both are accepted, as is a bare "h:mm:ss".
_PERIOD = re.compile(
    rf"(?:(?P<n>\d{{1,6}}) {_UNIT}(?:[ ,](?P<th>\d{{1,2}}):[0-5]\d:[0-5]\d)?|{_TIME})"
)
PERIOD_HELP = (
    "use '<n> hour[s]|day[s]|week[s]|month[s]' optionally followed by ' hh:mm:ss' or "
    "',hh:mm:ss' (e.g. '2 days', '4 months 5:00:00', '1 week,12:00:00'), "
    "or a bare 'h:mm:ss' (e.g. '0:30:00')"
)


def check_period(value: str) -> str:
    """Return ``value`` when it is a rate-limit period in either documented syntax."""
    m = _PERIOD.fullmatch(value)
    if m is None:
        raise ValueError(f"{value!r} is not a period; {PERIOD_HELP}")
    hours = m.group("th") if m.group("n") is not None else m.group("h")
    if hours is not None and int(hours) > 23:
        raise ValueError(f"{value!r}: hours must be 0..23 in hh:mm:ss; {PERIOD_HELP}")
    if m.group("n") is not None and int(m.group("n")) == 0:
        raise ValueError(f"{value!r}: the count must be at least 1; {PERIOD_HELP}")
    if m.group("n") is None and not any(int(m.group(k)) for k in ("h", "m", "s")):
        raise ValueError(f"{value!r}: the period must be longer than 0:00:00; {PERIOD_HELP}")
    return value


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def check_feedback_domain(value: str) -> str:
    """Return ``value`` when it is ``default`` or a domain name (with at least one dot)."""
    # reference: §4 feedback_domain: "default", or the domain of the feedback links
    if value == "default":
        return value
    try:
        ascii_name = value.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"must be 'default' or a domain name such as 'feedback.example.com', got {value!r}")
    return value


def check_email(value: str) -> str:
    """Return ``value`` unchanged when it is a syntactically valid email address."""
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        raise ValueError(f"must be an email address ({e})") from None
    return value


def check_password(value: str) -> None:
    """Reject a password SMTP2GO would refuse: fewer than 64 bits of entropy."""
    bits = entropy_bits(value)
    if bits < MIN_PASSWORD_BITS:
        raise ValueError(
            f"has about {bits:.0f} bits of entropy; SMTP2GO requires at least {MIN_PASSWORD_BITS} "
            "(use 12+ characters mixing upper and lower case, digits and symbols)"
        )


def check_username(value: str) -> None:
    if not USERNAME_MIN <= len(value) <= USERNAME_MAX:
        raise ValueError(f"must be {USERNAME_MIN} to {USERNAME_MAX} characters long, got {len(value)}")


class Smtp2goOptions(BaseModel):
    """Settings of one SMTP2GO SMTP user (``--option KEY=VALUE`` / keyword options)."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, description="Free-text comment shown in the SMTP users list.")
    custom_ratelimit: bool | None = Field(
        None, description="Enable this user's own sending limit (custom_ratelimit_value per period)."
    )
    custom_ratelimit_value: int | None = Field(
        None, ge=1, le=RATELIMIT_MAX,
        description="Emails allowed per custom_ratelimit_period, 1..2147483647 "
        "(needs custom_ratelimit=true).",
    )
    custom_ratelimit_period: str | None = Field(
        None,
        description="Rate-limit period: '<n> hour[s]|day[s]|week[s]|month[s]' optionally followed by "
        "' hh:mm:ss' or ',hh:mm:ss', or a bare 'h:mm:ss' (needs custom_ratelimit=true).",
    )
    ip_pool: int | None = Field(
        None, ge=0, description="Dedicated IP pool id (from /dedicated_ips/view) this user sends through."
    )
    feedback_enabled: bool | None = Field(None, description="Add the custom unsubscribe feedback footer.")
    feedback_html: str | None = Field(
        None, description="HTML footer; placeholders %%UNSUBSCRIBE%% (unsubscribe URL) and %%EMAIL%%."
    )
    feedback_text: str | None = Field(
        None, description="Plain-text footer; placeholders %%UNSUBSCRIBE%% and %%EMAIL%%."
    )
    feedback_domain: str | None = Field(
        None,
        description="Deprecated: 'default' (keeps SMTP2GO's feedback handling) or the domain of the "
        "feedback links. Accepted on create and full edit (replace_all) only.",
    )
    open_tracking_enabled: bool | None = Field(None, description="Track opens of this user's mail.")
    click_tracking_enabled: bool | None = Field(None, description="Track clicks in this user's mail.")
    archive_enabled: bool | None = Field(None, description="Archive this user's mail (paid plans).")
    audit_email: str | None = Field(None, description="Address that gets a BCC of every message sent.")
    bounce_notifications: str | None = Field(
        None, description="'from' (return to sender, default), 'drop' (discard) or an email to forward to."
    )
    status: Status | None = Field(None, description="allowed, blocked or sandbox (accepted, not delivered).")
    email_password: SecretStr | None = Field(
        None, description="SMTP password, at least 64 bits of entropy (normally generated by smtpcreds)."
    )
    subaccount_id: str | None = Field(
        None, min_length=1, description="Act on behalf of this subaccount (same as --scope)."
    )
    replace_all: bool | None = Field(
        None,
        description="Update with a full POST edit instead of PATCH: settings not given reset to defaults.",
    )

    @field_validator("custom_ratelimit_value", "ip_pool", mode="before")
    @classmethod
    def _integer_not_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("must be an integer, not a boolean")
        return v

    @field_validator("custom_ratelimit_period")
    @classmethod
    def _period(cls, v: str | None) -> str | None:
        return None if v is None else check_period(v)

    @field_validator("feedback_domain")
    @classmethod
    def _feedback_domain(cls, v: str | None) -> str | None:
        return None if v is None else check_feedback_domain(v)

    @field_validator("audit_email")
    @classmethod
    def _audit_email(cls, v: str | None) -> str | None:
        return None if v is None else check_email(v)

    @field_validator("bounce_notifications")
    @classmethod
    def _bounce(cls, v: str | None) -> str | None:
        if v is None or v in ("from", "drop"):
            return v
        try:
            return check_email(v)
        except ValueError as e:
            raise ValueError(f"must be 'from', 'drop' or an email address; {e}") from None

    @field_validator("email_password")
    @classmethod
    def _password(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            check_password(v.get_secret_value())
        return v

    def wire(self) -> dict[str, Any]:
        """The settings as the API names them (no ``replace_all``), password revealed."""
        body = self.model_dump(exclude_none=True, exclude={"replace_all", "email_password"})
        if self.email_password is not None:
            body["email_password"] = self.email_password.get_secret_value()
        return body


def invalid(fields: dict[str, list[str]]) -> ValidationError:
    text = "; ".join(f"{k}: {m}" for k, msgs in fields.items() for m in msgs)
    return ValidationError(f"{PROVIDER}: invalid options: {text}", fields=fields, provider=PROVIDER)


def parse_options(raw: Mapping[str, Any] | None, operation: Operation) -> Smtp2goOptions:
    """Validate ``raw`` options for ``operation`` (add, full POST edit, PATCH edit or update)."""
    try:
        opts = Smtp2goOptions.model_validate(dict(raw or {}))
    except PydanticValidationError as e:
        fields: dict[str, list[str]] = {}
        for err in e.errors(include_input=False, include_url=False):
            name = ".".join(str(p) for p in err["loc"]) or "options"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown option (valid: {', '.join(Smtp2goOptions.model_fields)})"
            fields.setdefault(name, []).append(msg)
        raise invalid(fields) from None
    if operation == "update":
        operation = "edit" if opts.replace_all else "patch"
    fields = {}
    if opts.custom_ratelimit is not True:
        # reference: §4: value/period are "only stored when custom_ratelimit is
        # true", so setting them without it would be silently dropped by SMTP2GO.
        for name in ("custom_ratelimit_value", "custom_ratelimit_period"):
            if getattr(opts, name) is not None:
                fields[name] = ["needs custom_ratelimit=true in the same call (SMTP2GO stores "
                                "the limit only when custom_ratelimit is true)"]
    if opts.replace_all is not None and operation == "add":
        fields["replace_all"] = ["applies to update only"]
    if opts.feedback_domain is not None:
        if operation == "patch":
            # reference: §4 feedback_domain: add and POST edit only, not PATCH
            fields["feedback_domain"] = [
                "cannot be changed by a partial (PATCH) update; SMTP2GO accepts it only on create "
                "or a full edit (replace_all=true, which resets settings not given), and has "
                "deprecated it"
            ]
        else:
            log.warning(
                "smtp2go: feedback_domain is deprecated (SMTP2GO changelog 2025-04-03) and anything "
                "but 'default' disables SMTP2GO's feedback handling"
            )
    if fields:
        raise invalid(fields)
    return opts
