"""The ``exec`` profile: the command that receives a login, and an optional test command."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from smtpcreds.plugin import ConsumerProfile


def _argv(value: Any, field: str) -> Any:
    if isinstance(value, str):
        raise ValueError(
            f'{field} must be an argv list such as ["/usr/local/bin/update-smtp", "--reload"], '
            "not a string: no shell is used"
        )
    return value


class ExecProfile(ConsumerProfile):
    """A command that stores a login wherever an application needs it (run without a shell)."""

    multi_login: ClassVar[bool] = True

    provider: Literal["exec"] = "exec"
    command: list[str] = Field(
        min_length=1,
        description="argv of the command that receives the login as JSON on stdin; exit 0 means accepted.",
    )
    test_command: list[str] | None = Field(
        None,
        min_length=1,
        description="argv of a command that checks the application can send mail (gets no secret); "
        "used by settings test.",
    )

    timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds each command may run; then it is killed with its process group.",
    )

    @field_validator("command", "test_command", mode="before")
    @classmethod
    def _not_a_string(cls, v: Any, info: ValidationInfo) -> Any:
        return _argv(v, info.field_name or "command")

    @field_validator("command", "test_command")
    @classmethod
    def _program(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if not v[0].strip():
                raise ValueError("the program (first item) must not be empty")
            if any("\0" in arg for arg in v):
                raise ValueError("arguments must not contain NUL characters")
        return v
