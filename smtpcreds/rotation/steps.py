"""The steps of a rotation, in the one order every rotation follows.

A journal stores the step to run next; running a step moves it to the following one and never
back. A step that does not apply to a rotation (``set`` when the new login was created with its
password, ``retire_leftover`` when no earlier rotation left an old login) is recorded as skipped.
"""

from __future__ import annotations

import enum

__all__ = [
    "ORDER", "Step", "following",
]


class Step(str, enum.Enum):
    """One step of a rotation. The value is the name journals, events and ``--json`` show."""

    #: retire the old login an earlier ``--keep-old`` rotation of this credential left
    RETIRE_LEFTOVER = "retire_leftover"
    #: store the new secret as pending (replace: create the new login, which returns or takes it)
    CREATE_PENDING = "create_pending"
    #: set the new password at the provider (in place)
    SET = "set"
    #: log in to the SMTP server with the new secret
    VERIFY = "verify"
    #: write the new login into every consumer
    PUSH = "push"
    #: pending becomes current, current becomes previous
    PROMOTE = "promote"
    #: wait until every host that binds the credential reports holding the new login
    ROLLOUT = "rollout"
    #: delete the old login (replace), or note that the old password is gone (in place)
    RETIRE = "retire"
    #: nothing left to run
    DONE = "done"

    def __str__(self) -> str:
        return self.value


ORDER: tuple[Step, ...] = tuple(Step)


def following(step: Step) -> Step:
    """The step after ``step`` (``DONE`` stays ``DONE``)."""
    return ORDER[min(ORDER.index(step) + 1, len(ORDER) - 1)]
