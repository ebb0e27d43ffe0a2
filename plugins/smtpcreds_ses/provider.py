"""Amazon SES as an issuer: each SMTP login is an IAM user under ``iam_path`` and its access key.

The credential id is the IAM user name; its ``username`` is the user's active access key id and
its password is derived from that key's secret for the profile's region (:mod:`.derive`). IAM
allows two keys per user, so a rotation alternates them (:meth:`SesProvider.regenerate_password`
makes the second, :meth:`SesProvider.retire_password` removes the first): the SMTP username
changes with every rotation. docs/reference/ses.md holds the evidence.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    NotFound,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    TransportError,
    ValidationError,
    register_secret,
    security_for_port,
)
from smtpcreds_ses.derive import smtp_password
from smtpcreds_ses.iam import as_utc, call, iam_clients
from smtpcreds_ses.profile import POLICY_NAME, SesProfile

if TYPE_CHECKING:
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_iam.type_defs import AccessKeyMetadataTypeDef, UserTypeDef

log = logging.getLogger("smtpcreds.ses")

# docs/reference/ses.md §SMTP endpoints: STARTTLS on 587 (465 is implicit TLS)
SMTP_PORT = 587
# docs/reference/ses.md §IAM limits: user names are 1-64 of letters, digits and +=,.@_-
_USER_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
#: Tags on the users smtpcreds creates: who made it, and whether its first key was made.
TAG_MANAGED, TAG_STATE = "managed-by", "smtpcreds-state"
MANAGED_BY = "smtpcreds"
_HAS_MOTO = importlib.util.find_spec("moto") is not None


class SesProvider(Provider):
    """Amazon SES SMTP logins: IAM users with one access key each (two during a rotation)."""

    name: ClassVar[str] = "ses"
    profile_model: ClassVar[type[SesProfile]] = SesProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.UPDATE, Capability.DELETE,
        Capability.REGENERATE_PASSWORD, Capability.MULTI_USER,
    })
    description: ClassVar[str] = "Amazon SES SMTP logins (IAM users' access keys), rotated by alternating keys"
    #: moto comes with the test extra, not with ``smtpcreds[ses]``: without it there is no emulator
    #: (so a lab of "every installed emulator" leaves SES out instead of failing).
    emulator: ClassVar[str | None] = "smtpcreds_ses.emulator:SesEmulator" if _HAS_MOTO else None

    profile: SesProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._clients: tuple[IAMClient, IAMClient] | None = None

    # -- wiring -----------------------------------------------------------------------------
    def _iam(self, *, once: bool = False) -> IAMClient:
        """The retrying IAM client, or (``once``) the one that never re-sends a request."""
        if self._clients is None:
            p = self.profile
            self._clients = iam_clients(
                region=p.region, endpoint_url=p.endpoint_url, aws_profile=p.aws_profile,
                key_id=p.aws_access_key_id, secret=lambda: self.ctx.resolve_secret("aws_secret_access_key"),
                timeout=p.timeout, verify_tls=p.verify_tls,
            )
        return self._clients[1 if once else 0]

    def close(self) -> None:
        if self._clients is not None:
            for client in self._clients:
                client.close()
            self._clients = None

    def smtp_endpoint(self) -> tuple[str, int, Security]:
        p = self.profile
        port = p.smtp_port or SMTP_PORT
        return p.smtp_host or p.smtp_default_host, port, p.smtp_security or security_for_port(port)

    # -- reading ----------------------------------------------------------------------------
    def _user(self, ref: str) -> UserTypeDef:
        """The IAM user ``ref``, if it is one of ours (under ``iam_path``); else NotFound."""
        if not _USER_NAME.match(ref):
            raise NotFound(f"ses: no login {ref!r} (not an IAM user name)", provider=self.name)
        user = call(f"GetUser {ref}", self._iam().get_user, UserName=ref)["User"]
        if not user.get("Path", "/").startswith(self.profile.iam_path):
            raise NotFound(f"ses: IAM user {ref!r} is not under {self.profile.iam_path} (not managed here)",
                           provider=self.name)
        return user

    def _keys(self, ref: str) -> list[AccessKeyMetadataTypeDef]:
        out = call(f"ListAccessKeys {ref}", self._iam().list_access_keys, UserName=ref)["AccessKeyMetadata"]
        return sorted(out, key=lambda k: (k.get("CreateDate") or datetime.min, k.get("AccessKeyId", "")))

    def _tags(self, ref: str) -> dict[str, str]:
        tags = call(f"ListUserTags {ref}", self._iam().list_user_tags, UserName=ref)["Tags"]
        return {t["Key"]: t["Value"] for t in tags}

    def _credential(self, user: UserTypeDef, *, password: SecretStr | None = None,
                    username: str | None = None) -> SmtpCredential:
        ref = user["UserName"]
        keys = self._keys(ref)
        active = [k for k in keys if k.get("Status") == "Active"]
        current = username or (active or keys or [{}])[-1].get("AccessKeyId", "")
        host, port, _ = self.smtp_endpoint()
        return SmtpCredential(
            provider=self.name, id=ref, scope=None, name=ref, username=current, password=password,
            host=host, port=port, enabled=bool(active),
            last_used_at=self.password_last_used(ref, current) if current else None,
            extra={
                "arn": user.get("Arn"), "path": user.get("Path"), "region": self.profile.region,
                "created_at": _iso(user.get("CreateDate")),
                "access_keys": [{"id": k.get("AccessKeyId"), "status": k.get("Status"),
                                 "created_at": _iso(k.get("CreateDate"))} for k in keys],
            },
        )

    def list_credentials(self, scope: str | None = None, *, limit: int | None = None,
                         page: int | None = None) -> Iterator[SmtpCredential]:
        users: list[UserTypeDef] = []
        paginator = self._iam().get_paginator("list_users")
        for result in call("ListUsers", lambda: list(paginator.paginate(PathPrefix=self.profile.iam_path))):
            users += result["Users"]
        users.sort(key=lambda u: u["UserName"])
        if limit is not None or page is not None:
            size = limit or 100
            start = ((page or 1) - 1) * size
            users = users[start:start + size]
        for user in users:
            try:
                yield self._credential(user)
            except NotFound:  # deleted while we listed
                continue

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        return self._credential(self._user(ref))

    # -- create, update, delete -------------------------------------------------------------
    def predict_id(self, name: str, scope: str | None = None) -> str | None:
        """The IAM user name is the id: a create of ``name`` makes login ``name``."""
        return name if _USER_NAME.match(name) else None

    def create_credential(self, name: str, scope: str | None = None, *, enabled: bool = True,
                          password: SecretStr | None = None,
                          options: Mapping[str, Any] | None = None) -> SmtpCredential:
        """Create the IAM user, its inline policy and one access key; return the derived password.

        A user left by an interrupted create (tagged ``smtpcreds-state=creating``) is adopted:
        keys whose secret nobody received are deleted and a new one is made.
        """
        if not _USER_NAME.match(name):
            raise ValidationError(f"ses: invalid name {name!r}: an IAM user name is 1-64 letters, digits "
                                  "or +=,.@_-", provider=self.name, fields={"name": ["invalid IAM user name"]})
        p = self.profile
        try:
            user = self._user(name)
        except NotFound:
            user = None
        if user is None:
            user = call(f"CreateUser {name}", self._iam(once=True).create_user, UserName=name, Path=p.iam_path,
                        Tags=[{"Key": TAG_MANAGED, "Value": MANAGED_BY},
                              {"Key": TAG_STATE, "Value": "creating"}])["User"]
        else:
            tags = self._tags(name)
            if tags.get(TAG_MANAGED) != MANAGED_BY or tags.get(TAG_STATE) != "creating":
                raise ValidationError(f"ses: login {name!r} already exists", provider=self.name,
                                      code="EntityAlreadyExists", fields={"name": ["already exists"]})
            for key in self._keys(name):
                log.warning("ses: %s: deleting access key %s left by an interrupted create (its secret was "
                            "never stored)", name, key.get("AccessKeyId"))
                self._delete_key(name, key["AccessKeyId"])
        call(f"PutUserPolicy {name}", self._iam().put_user_policy, UserName=name, PolicyName=POLICY_NAME,
             PolicyDocument=p.policy_document)
        key_id, secret = self._create_key(name, keep=set())
        if not enabled:
            call(f"UpdateAccessKey {key_id}", self._iam().update_access_key, UserName=name, AccessKeyId=key_id,
                 Status="Inactive")
        call(f"TagUser {name}", self._iam().tag_user, UserName=name, Tags=[{"Key": TAG_STATE, "Value": "ready"}])
        return self._credential(user, password=secret, username=key_id)

    def update_credential(self, ref: str, scope: str | None = None, *, name: str | None = None,
                          enabled: bool | None = None,
                          options: Mapping[str, Any] | None = None) -> SmtpCredential:
        """Enable or disable the login (all its keys); IAM user names are not renamed here."""
        if name is not None and name != ref:
            raise ValidationError("ses: a login cannot be renamed (the IAM user name is its id)",
                                  provider=self.name, fields={"name": ["cannot be changed"]})
        user = self._user(ref)
        if enabled is not None:
            for key in self._keys(ref):
                call(f"UpdateAccessKey {key['AccessKeyId']}", self._iam().update_access_key, UserName=ref,
                     AccessKeyId=key["AccessKeyId"], Status="Active" if enabled else "Inactive")
        return self._credential(user)

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        """Delete the keys, the inline and attached policies, then the user (IAM refuses otherwise)."""
        self._user(ref)
        iam = self._iam()
        for key in self._keys(ref):
            self._delete_key(ref, key["AccessKeyId"])
        for policy in call(f"ListUserPolicies {ref}", iam.list_user_policies, UserName=ref)["PolicyNames"]:
            call(f"DeleteUserPolicy {ref}", iam.delete_user_policy, UserName=ref, PolicyName=policy)
        attached = call(f"ListAttachedUserPolicies {ref}", iam.list_attached_user_policies, UserName=ref)
        for attachment in attached["AttachedPolicies"]:
            call(f"DetachUserPolicy {ref}", iam.detach_user_policy, UserName=ref,
                 PolicyArn=attachment["PolicyArn"])
        call(f"DeleteUser {ref}", iam.delete_user, UserName=ref)

    # -- rotation: alternate keys -----------------------------------------------------------
    def plan_regenerate(self, ref: str, current: str | None, scope: str | None = None) -> str:
        """Refuse (before any change) when the user holds a key smtpcreds does not know.

        ``current``: the username (key id) smtpcreds stores for ``ref``, if any. Returns the key the
        rotation will replace ("" when the user has none).
        """
        self._user(ref)
        keys = [k["AccessKeyId"] for k in self._keys(ref)]
        if current is None and len(keys) == 1:
            current = keys[0]
        unknown = [k for k in keys if k != current]
        if unknown:
            # docs/reference/ses.md §IAM limits: two access keys per user
            why = ("IAM allows two keys per user, so a rotation cannot add one" if len(keys) >= 2
                   else "a rotation would leave it in place")
            raise ValidationError(
                f"ses: IAM user {ref!r} holds access key(s) unknown to smtpcreds: {', '.join(unknown)}; "
                f"{why}; delete the unknown key (if nothing uses it) and run the rotation again",
                provider=self.name, code="UnknownAccessKey", fields={"access_keys": unknown},
            )
        return current or ""

    def regenerate_password(self, ref: str, scope: str | None = None, *, keep: str | None = None,
                            replace_orphans: bool = False) -> SmtpCredential:
        """Create the user's second access key; the old one (``keep``) keeps working.

        ``replace_orphans``: a previous attempt lost its answer, so keys other than ``keep`` were
        made by it and nobody holds their secret: delete them first. Otherwise such keys are
        refused (see :meth:`plan_regenerate`).
        """
        user = self._user(ref)
        if replace_orphans:
            for key in self._keys(ref):
                if key["AccessKeyId"] != keep:
                    log.warning("ses: %s: deleting access key %s made by an interrupted rotation (its secret "
                                "was never stored)", ref, key["AccessKeyId"])
                    self._delete_key(ref, key["AccessKeyId"])
        else:
            self.plan_regenerate(ref, keep, scope)
        key_id, secret = self._create_key(ref, keep={keep} if keep else set())
        return self._credential(user, password=secret, username=key_id)

    def retire_password(self, ref: str, username: str, scope: str | None = None) -> None:
        """Deactivate, then delete, access key ``username`` of ``ref`` (already gone is fine)."""
        self._delete_key(ref, username)

    def password_last_used(self, ref: str, username: str, scope: str | None = None) -> datetime | None:
        """When AWS last saw access key ``username`` used (docs/reference/ses.md §Last use)."""
        try:
            out = call(f"GetAccessKeyLastUsed {username}", self._iam().get_access_key_last_used,
                       AccessKeyId=username)
        except NotFound:
            return None
        return as_utc(out.get("AccessKeyLastUsed", {}).get("LastUsedDate"))

    # -- helpers ----------------------------------------------------------------------------
    def _create_key(self, ref: str, *, keep: set[str]) -> tuple[str, SecretStr]:
        """A new access key, sent once; after a lost answer, delete keys not in ``keep``, re-raise."""
        try:
            key = call(f"CreateAccessKey {ref}", self._iam(once=True).create_access_key, UserName=ref)["AccessKey"]
        except TransportError:
            try:
                for k in self._keys(ref):
                    if k["AccessKeyId"] not in keep:
                        log.warning("ses: %s: deleting access key %s whose creation lost its answer", ref,
                                    k["AccessKeyId"])
                        self._delete_key(ref, k["AccessKeyId"])
            except Exception as e:  # the caller's retry cleans up (replace_orphans / the creating tag)
                log.warning("ses: %s: could not check for a key made by the lost request: %s", ref, e)
            raise
        secret = key["SecretAccessKey"]
        register_secret(secret)
        password = smtp_password(secret, self.profile.region)
        register_secret(password)
        return key["AccessKeyId"], SecretStr(password)

    def _delete_key(self, ref: str, key_id: str) -> None:
        iam = self._iam()
        for action, fn, kw in (("UpdateAccessKey", iam.update_access_key, {"Status": "Inactive"}),
                               ("DeleteAccessKey", iam.delete_access_key, {})):
            try:
                call(f"{action} {key_id}", fn, UserName=ref, AccessKeyId=key_id, **kw)
            except NotFound:
                return


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
