"""What ``creds rotate`` reports: one summary of a batch's outcomes, as data and as lines.

Kept out of the CLI so scripts get the same document (``smtpcreds.rotation.summary.summarize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smtpcreds.bindings import Bindings
from smtpcreds.rotation.bulk import ItemResult

__all__ = [
    "lines", "summarize",
]


def summarize(outcomes: Sequence[ItemResult], *, skipped: Bindings | None = None,
              unmanaged: Sequence[str] = ()) -> dict[str, Any]:
    """The ``--json`` document. ``skipped``: with ``--no-push``, the bindings whose consumers
    were left out; each result then names them in ``push_skipped``. ``unmanaged``: credentials
    (``profile/name``) that ``--all`` left out because the store holds no login of them."""
    results = []
    for o in outcomes:
        d = o.to_dict()
        if skipped is not None:
            d["push_skipped"] = skipped.consumers_of(o.item.profile, o.item.ref, str(d.get("name") or o.item.ref))
        results.append(d)
    failed = [o for o in outcomes if not o.ok]
    incomplete = sorted({str(d["rotation_id"]) for d in results if not d["ok"] and d.get("rotation_id")})
    return {"total": len(outcomes), "done": len(outcomes) - len(failed), "failed": len(failed),
            "incomplete_rotations": incomplete, "unmanaged": list(unmanaged), "results": results}


def lines(summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines) for a terminal."""
    out: list[str] = []
    err: list[str] = []
    for d in summary["results"]:
        if d["ok"]:
            ids = d["credential"] if d["credential"] == d["new_credential"] else \
                f"{d['credential']} -> {d['new_credential']}"
            line = (f"rotated {d['profile']}/{d.get('name') or d['credential']} ({ids}; {d['strategy']}; "
                    f"verified: {'yes' if d['verified'] else 'no'}; "
                    f"pushed: {', '.join(d['pushed']) or '-'}")
            if d.get("push_skipped"):
                line += f"; not pushed (--no-push): {', '.join(d['push_skipped'])}"
            out.append(line + ")")
        else:
            e: Any = d.get("error") or {}
            err.append(f"error: {d.get('profile')}/{d.get('credential')}: "
                       f"{e.get('message') if isinstance(e, dict) else d.get('message')}")
    if summary.get("unmanaged"):
        out.append(f"left out (the store holds no login of them; rotate one by name to take it over): "
                   f"{', '.join(summary['unmanaged'])}")
    out.append(f"{summary['done']} of {summary['total']} rotated")
    if summary["incomplete_rotations"]:
        err.append("resume with: " + "; ".join(f"smtpcreds rotations resume {i}"
                                               for i in summary["incomplete_rotations"]))
    return out, err
