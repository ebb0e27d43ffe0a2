"""Account users and invites: ``provider.users`` and ``provider.invites``.

Endpoints and rules: docs/reference/mailersend.md §2 and §4. Inputs are checked locally first
(:mod:`smtpcreds_mailersend.validation`); nothing is sent when a check fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import smtpcreds_mailersend.validation as validation
from smtpcreds.plugin import HttpTransport
from smtpcreds_mailersend.api import segment
from smtpcreds_mailersend.envelopes import data_list, data_object, paging
from smtpcreds_mailersend.models import Invite, Page, T, User, parse
from smtpcreds_mailersend.roles import CUSTOM_USER, canonical_role


def _query(page: int | None, limit: int | None) -> dict[str, int]:
    validation.paging(page, limit)
    q: dict[str, int] = {}
    if page is not None:
        q["page"] = page
    if limit is not None:
        q["limit"] = limit
    return q


def _page(model: type[T], body: Any, what: str) -> Page[T]:
    items = [parse(model, raw, what) for raw in data_list(body, what)]
    return Page[model](items=items, **paging(body))  # type: ignore[valid-type]


class AccountUsers:
    """``/users``: list, show, invite, update and remove account users."""

    def __init__(self, http: HttpTransport) -> None:
        self._http = http

    def list(self, page: int | None = None, limit: int | None = None) -> Page[User]:
        """One page of users; ``page``/``limit`` are sent only when given.

        The live API answered with bare ``data`` (reference: docs/reference/mailersend.md §6), so the paging
        fields of the result are None unless the server sends a paginator.
        """
        body = self._http.json("GET", "users", params=_query(page, limit))
        return _page(User, body, "user list")

    def get(self, user_id: str) -> User:
        body = self._http.json("GET", f"users/{segment(user_id, 'user_id')}")
        return parse(User, data_object(body, "user"), "user")

    def invite(
        self,
        email: str,
        role: str,
        *,
        permissions: Sequence[str] = (),
        templates: Sequence[str] = (),
        domains: Sequence[str] = (),
        requires_periodic_password_change: bool | None = None,
    ) -> Invite:
        """Invite ``email`` with ``role``; returns the invite (the user appears once accepted)."""
        body = validation.account_user(
            email=email, role=role, permissions=permissions, templates=templates, domains=domains,
            requires_periodic_password_change=requires_periodic_password_change, what="invalid invite",
        )
        # reference: docs/reference/mailersend.md §5 "Invite (POST /users): 200 vs 201"
        resp = self._http.json("POST", "users", json_body=body, ok=(200, 201))
        return parse(Invite, data_object(resp, "invite"), "invite")

    def update(
        self,
        user_id: str,
        *,
        role: str | None = None,
        permissions: Sequence[str] | None = None,
        templates: Sequence[str] | None = None,
        domains: Sequence[str] | None = None,
        requires_periodic_password_change: bool | None = None,
    ) -> User:
        """Change a user; fields left as None keep their current values.

        PUT /users requires ``role`` and may replace the lists wholesale (reference:
        docs/reference/mailersend.md §12 "Whether PUT /users is a full replace"), so when any of role,
        permissions, templates or domains is omitted the user is read first and the omitted
        ones are sent as they are. Moving a user off Custom User drops the permissions and
        templates it was not given explicitly: only a Custom User has them.
        """
        path = f"users/{segment(user_id, 'user_id')}"
        # Check what was given before reading the user, so bad input sends nothing.
        validation.account_user(role=role, permissions=permissions, templates=templates, domains=domains,
                                requires_periodic_password_change=None)
        if role is None or permissions is None or templates is None or domains is None:
            current = self.get(user_id)
            if role is None:
                role = current.role or ""
            custom = canonical_role(role) == CUSTOM_USER
            if permissions is None:
                permissions = current.permissions if custom else []
            if templates is None:
                templates = [t.id for t in current.templates] if custom else []
            if domains is None:
                domains = [d.id for d in current.domains]
        body = validation.account_user(
            role=role, permissions=permissions, templates=templates, domains=domains,
            requires_periodic_password_change=requires_periodic_password_change,
        )
        resp = self._http.json("PUT", path, json_body=body)
        return parse(User, data_object(resp, "user"), "user")

    def delete(self, user_id: str) -> None:
        # reference: docs/reference/mailersend.md §5 "Delete user: 200 vs 204"
        self._http.request("DELETE", f"users/{segment(user_id, 'user_id')}", ok=(200, 204))


class Invites:
    """``/invites``: list, show, resend and cancel pending invitations."""

    def __init__(self, http: HttpTransport) -> None:
        self._http = http

    def list(self, page: int | None = None, limit: int | None = None) -> Page[Invite]:
        """One page of invites (length-aware paginator, reference: docs/reference/mailersend.md §6: ``total``
        and ``last_page`` are known)."""
        body = self._http.json("GET", "invites", params=_query(page, limit))
        return _page(Invite, body, "invite list")

    def get(self, invite_id: str) -> Invite:
        body = self._http.json("GET", f"invites/{segment(invite_id, 'invite_id')}")
        return parse(Invite, data_object(body, "invite"), "invite")

    def resend(self, invite_id: str) -> Invite:
        """Send the invitation email again (reference: docs/reference/mailersend.md §2, §8: POST, empty body)."""
        body = self._http.json("POST", f"invites/{segment(invite_id, 'invite_id')}/resend")
        return parse(Invite, data_object(body, "invite"), "invite")

    def cancel(self, invite_id: str) -> None:
        # reference: docs/reference/mailersend.md §2 "cancel invite ... 204 (JAVA)"; 200 accepted too.
        self._http.request("DELETE", f"invites/{segment(invite_id, 'invite_id')}", ok=(200, 204))
