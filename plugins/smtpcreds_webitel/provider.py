"""The Webitel provider: a consumer that stores SMTP settings per PBX domain.

Endpoints (reference: docs/reference/webitel.md §3): ``GET|POST|DELETE
/api/v2/email/settings?domain=D`` and ``POST /api/v2/email/settings/test/:to``. A set is a
merge done here — GET, change, drop ``_id``/``domain``, POST — because the engine has no
partial update: its PUT replaces the whole document and answers 404 when nothing changed,
while POST upserts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import smtpcreds_webitel.mapping as mapping
from smtpcreds.plugin import (
    Capability,
    ConfigError,
    EmailSettings,
    NotFound,
    Provider,
    ProviderContext,
    ProviderError,
    SetResult,
    ValidationError,
    expect,
    parse_json,
)
from smtpcreds_webitel.envelope import parse_error
from smtpcreds_webitel.profile import WebitelProfile
from smtpcreds_webitel.session import Authenticator

log = logging.getLogger("smtpcreds.webitel")

SETTINGS = "/api/v2/email/settings"
#: reference: docs/reference/webitel.md §3 DELETE → ``{"status":"OK","Info":"Removed N record."}``
REMOVED = re.compile(r"Removed (\d+) record")


class WebitelProvider(Provider):
    """Email settings of a Webitel 3.x engine (one document per domain)."""

    name: ClassVar[str] = "webitel"
    profile_model = WebitelProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SETTINGS_SHOW, Capability.SETTINGS_SET, Capability.SETTINGS_DELETE,
         Capability.SETTINGS_TEST}
    )
    description: ClassVar[str] = "Webitel PBX engine 3.x: SMTP settings per domain (/api/v2/email/settings)"
    emulator: ClassVar[str | None] = "smtpcreds_webitel.emulator:WebitelEmulator"

    profile: WebitelProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        assert isinstance(ctx.profile, WebitelProfile)
        self.profile = ctx.profile
        self.http = ctx.http(
            self.profile.base_url,
            provider=self.name,
            timeout=self.profile.timeout,
            verify_tls=self.profile.verify_tls,
            error_parser=parse_error,
        )
        self.auth = Authenticator(self.http, ctx, self.profile)

    def close(self) -> None:
        self.http.close()

    def login(self, code: str | None = None) -> None:
        """Log in now, with the current two-factor ``code`` when the user has one, and cache the
        session (in the store) for the commands that follow (``smtpcreds webitel login``)."""
        if not self.profile.logs_in:
            raise ConfigError(f"{self.name}: profile {self.ctx.profile_name!r} uses a configured key/token "
                              "pair; there is nothing to log in to", provider=self.name)
        if code is not None and not (code.isdigit() and 4 <= len(code) <= 10):
            raise ValidationError(f"{self.name}: the two-factor code must be digits, e.g. 123456",
                                  provider=self.name, fields={"code": ["digits only"]})
        self.auth.login(code)

    def logout(self) -> None:
        """End the cached session at the engine (``POST /logout``) and forget it."""
        self.auth.logout()

    # -- domain rules ---------------------------------------------------------------------
    def _domain(self, scope: str | None) -> str:
        """The domain to send as ``?domain=``, refusing one the engine would silently ignore.

        reference: docs/reference/webitel.md §3 "Domain resolution": the caller's own domain
        wins over ``?domain=``; only root (no domain) can name another one.
        """
        wanted = self.scope(scope)
        session = self.auth.session()
        if session.knows_domain and session.domain is not None:
            if wanted is not None and wanted != session.domain:
                raise ValidationError(
                    f"{self.name}: {session.username!r} belongs to domain {session.domain!r}; the engine "
                    f"would silently use {session.domain!r} instead of {wanted!r} (only root can "
                    "manage other domains)",
                    fields={"scope": [f"must be {session.domain!r} for this user"]}, provider=self.name,
                )
            return session.domain
        if wanted is None:
            # Always send ?domain= (reference: docs/reference/webitel.md §6 "Client checklist").
            who = (f"{session.username!r} has no domain of its own (root)" if session.knows_domain
                   else "a configured key and token do not tell whose domain they are")
            raise ValidationError(
                f"{self.name}: {who}: name the domain with --scope or the profile's domain field",
                fields={"scope": ["required" if session.knows_domain else "required with key and token"]},
                provider=self.name,
            )
        return wanted

    def _probe(self, domain: str) -> None:
        """For a configured key/token pair, check that the engine acts on ``domain``.

        The pair may belong to a domain admin, whose own domain silently wins over ``?domain=``
        (reference: docs/reference/webitel.md §3 "Domain resolution"); a stored document tells
        which domain the engine uses. Nothing stored there means a delete or test finds nothing.
        """
        if self.auth.session().knows_domain:
            return
        with contextlib.suppress(NotFound):
            self._get_doc(domain)

    @staticmethod
    def _params(domain: str) -> dict[str, str]:
        return {"domain": domain}

    def _check_domain(self, doc: Mapping[str, Any], domain: str) -> None:
        got = doc.get("domain")
        if isinstance(got, str) and got and got != domain:
            raise ProviderError(
                f"{self.name}: asked for domain {domain!r} but the engine answered for {got!r} "
                "(a domain user's own domain overrides ?domain=); nothing was changed",
                provider=self.name,
            )

    # -- consumer -------------------------------------------------------------------------
    def _get_doc(self, domain: str) -> dict[str, Any]:
        try:
            resp = self.auth.request("GET", SETTINGS, params=self._params(domain), ok=(200,))
        except NotFound as e:
            raise NotFound(
                f"{self.name}: no email settings stored for domain {domain!r}",
                status=e.status, provider=self.name,
            ) from None
        doc = parse_json(resp, self.name)
        expect(isinstance(doc, dict), self.name, "settings are not a JSON object")
        self._check_domain(doc, domain)
        return dict(doc)

    def get_settings(self, scope: str | None = None) -> EmailSettings:
        domain = self._domain(scope)
        return mapping.to_settings(self._get_doc(domain), domain)

    def set_settings(
        self,
        changes: EmailSettings,
        scope: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> SetResult:
        mapping.check_changes(changes)
        raw = mapping.coerce_options(options)
        domain = self._domain(scope if scope is not None else changes.scope)
        try:
            current: dict[str, Any] | None = self._get_doc(domain)
        except NotFound:
            current = None
        new = mapping.merge(current, changes, raw)
        if current is not None and new == mapping.writable(current):
            return SetResult(changed=False, settings=mapping.to_settings(current, domain), detail="unchanged")
        if current is None and new == mapping.merge(None, EmailSettings(), {}):
            return SetResult(changed=False, settings=None, detail="nothing to set")
        if new.get("provider") != mapping.SMTP:
            log.warning("%s: the stored provider is %r; the engine sends only with %r (delete the "
                        "settings and set them again to fix it)",
                        self.name, new.get("provider"), mapping.SMTP)
        # POST upserts the whole document; PUT would 404 on a no-op and never creates. A
        # replacement with the same body is safe to resend, so it may be retried.
        # reference: docs/reference/webitel.md §3 "Storage"
        resp = self.auth.request("POST", SETTINGS, params=self._params(domain), json_body=new,
                                 idempotent=True, ok=(200,))
        doc = parse_json(resp, self.name)
        expect(isinstance(doc, dict), self.name, "saved settings are not a JSON object")
        if current is None:
            self._undo_foreign_create(doc, domain)
        return SetResult(changed=True, settings=mapping.to_settings(doc, domain),
                         detail="created" if current is None else "updated")

    def _undo_foreign_create(self, doc: Mapping[str, Any], domain: str) -> None:
        """Remove settings a configured pair's engine created in its own domain instead of ``domain``.

        Only a create can land there unseen (the GET before it found nothing to check); nothing
        was stored in that domain before, so deleting restores it. reference:
        docs/reference/webitel.md §3 "The server always sets the body's domain field".
        """
        try:
            self._check_domain(doc, domain)
        except ProviderError:
            self.auth.request("DELETE", SETTINGS, params=self._params(domain), ok=(200,))
            raise ProviderError(
                f"{self.name}: asked for domain {domain!r} but the engine stored the settings under "
                f"{doc.get('domain')!r} (a domain user's own domain overrides ?domain=); they were "
                "removed again", provider=self.name,
            ) from None

    def delete_settings(self, scope: str | None = None) -> int:
        domain = self._domain(scope)
        self._probe(domain)
        resp = self.auth.request("DELETE", SETTINGS, params=self._params(domain), ok=(200,))
        body = parse_json(resp, self.name)
        # Capital I. reference: docs/reference/webitel.md §3 "DELETE ... Note capital Info"
        info = body.get("Info") if isinstance(body, dict) else None
        found = REMOVED.search(info) if isinstance(info, str) else None
        expect(found is not None, self.name, "delete answer has no 'Removed N record' count")
        assert found is not None
        return int(found.group(1))

    def test_settings(self, scope: str | None = None, *, to: str | None = None) -> str:
        if not to or "@" not in to or any(c.isspace() for c in to):
            raise ValidationError(
                f"{self.name}: the test needs a recipient address (to=name@domain)",
                fields={"to": ["must be an email address"]}, provider=self.name,
            )
        domain = self._domain(scope)
        self._probe(domain)
        # reference: docs/reference/webitel.md §3 "POST /api/v2/email/settings/test/:to?"
        resp = self.auth.request("POST", f"{SETTINGS}/test/{quote(to, safe='@')}",
                                 params=self._params(domain), idempotent=False, ok=(200,))
        body = parse_json(resp, self.name)
        expect(isinstance(body, dict), self.name, "test answer is not a JSON object")
        info = body.get("info")
        if isinstance(info, str):
            return info
        if isinstance(info, dict) and isinstance(info.get("response"), str):
            return str(info["response"])
        return json.dumps(info, separators=(",", ":"))
