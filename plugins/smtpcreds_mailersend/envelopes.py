"""MailerSend response envelopes (reference: docs/reference/mailersend.md §6).

* single object: ``{"data": {...}}``;
* smtp-users: Laravel's *simple* paginator, ``links.next`` tells whether a page follows
  (no ``total``/``last_page``);
* invites: the *length-aware* paginator (``meta.last_page``, ``meta.total``);
* users: live, only ``{"data": [...]}`` (no links/meta); a docs version shows a paginator.
"""

from __future__ import annotations

from typing import Any

from smtpcreds.plugin import expect

PROVIDER = "mailersend"


def data_object(body: Any, what: str) -> dict[str, Any]:
    """The ``data`` object of a single-object response."""
    expect(isinstance(body, dict) and isinstance(body.get("data"), dict), PROVIDER,
           f"{what}: expected {{\"data\": {{...}}}}")
    data: dict[str, Any] = body["data"]
    return data


def data_list(body: Any, what: str) -> list[dict[str, Any]]:
    """The ``data`` list of a list response (any envelope)."""
    expect(isinstance(body, dict) and isinstance(body.get("data"), list), PROVIDER,
           f"{what}: expected {{\"data\": [...]}}")
    items: list[Any] = body["data"]
    expect(all(isinstance(i, dict) for i in items), PROVIDER, f"{what}: list items must be objects")
    return items


def paging(body: dict[str, Any]) -> dict[str, Any]:
    """``page``, ``per_page``, ``has_next``, ``last_page``, ``total`` as far as the envelope tells."""
    links = body.get("links") if isinstance(body.get("links"), dict) else None
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else None
    out: dict[str, Any] = {"page": None, "per_page": None, "has_next": None, "last_page": None,
                           "total": None}
    if meta is not None:
        for key, name in (("current_page", "page"), ("per_page", "per_page"), ("last_page", "last_page"),
                          ("total", "total")):
            value = meta.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
    if links is not None and "next" in links:
        out["has_next"] = bool(links["next"])
    elif out["page"] is not None and out["last_page"] is not None:
        out["has_next"] = out["page"] < out["last_page"]
    return out
