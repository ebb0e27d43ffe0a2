"""MailerSend account roles and permissions, as data.

Source: the users API page (seed ``001``/``002``, "Roles" and "Permissions" tables); the 36
slugs match NODE ``UserPermission`` and PHP ``src/Common/Permissions.php``
(reference: docs/reference/mailersend.md §4).
"""

from __future__ import annotations

from typing import NamedTuple


class Role(NamedTuple):
    name: str
    description: str


class Permission(NamedTuple):
    slug: str
    description: str
    group: str


#: The five roles, with the exact names the API accepts.
ROLES: tuple[Role, ...] = (
    Role("Admin", "Administrator has full access and can perform all actions in the account."),
    Role("Manager", "Has full access, access API and billing."),
    Role("Designer", "Designers can only view and create templates."),
    Role("Accountant", "Can only manage payments and access invoices."),
    Role("Custom User", "Select the sections of your account that the user should have access to."),
)

CUSTOM_USER = "Custom User"

#: Every permission slug, in the documented order.
PERMISSIONS: tuple[Permission, ...] = (
    Permission("read-all-templates", "View all templates", "Templates"),
    Permission("read-own-templates", "View specific templates", "Templates"),
    Permission("manage-template", "Manage templates", "Templates"),
    Permission("read-filemanager", "View the file manager", "Templates"),
    Permission("manage-domain", "Manage domain", "Domains"),
    Permission("manage-inbound", "Manage inbound routes", "Domains"),
    Permission("manage-webhook", "Manage webhooks", "Domains"),
    Permission("control-sendings", "Control sendings", "Domains"),
    Permission("control-tracking-options", "Control tracking option", "Domains"),
    Permission("access-smtp-credentials", "Access SMTP credentials", "Domains"),
    Permission("view-smtp-users", "View SMTP users", "Domains"),
    Permission("manage-smtp-users", "Manage SMTP users", "Domains"),
    Permission("read-recipient", "View recipients", "Recipient"),
    Permission("read-activity", "View email activity", "Activity"),
    Permission("read-email", "View email content", "Activity"),
    Permission("read-analytics", "View email analytics", "Analytics"),
    Permission("read-sender-identities", "View sender identities", "Sender identities"),
    Permission("manage-sender-identities", "Manage sender identities", "Sender identities"),
    Permission("read-email-verification", "View email verifications lists", "Email verification"),
    Permission("manage-email-verification", "Manage email verification lists", "Email verification"),
    Permission("manage-sms", "Manage numbers", "SMS"),
    Permission("read-sms", "View SMS activity", "SMS"),
    Permission("manage-verified-recipients", "Manage verified recipients", "SMS"),
    Permission("view-sms-webhooks", "View number webhooks", "SMS"),
    Permission("manage-sms-webhooks", "Manage number webhooks", "SMS"),
    Permission("view-sms-inbound", "View number inbound routes", "SMS"),
    Permission("manage-sms-inbound", "Manage number inbound routes", "SMS"),
    Permission("update-plan", "Manage plans", "Plan and Billing"),
    Permission("manage-account", "Edit account settings", "Plan and Billing"),
    Permission("read-invoice", "View invoices", "Account settings"),
    Permission("manage-api-token", "Manage API tokens", "Account settings"),
    Permission("read-suppressions", "View suppressions lists", "Account settings"),
    Permission("manage-suppressions", "Manage suppressions", "Account settings"),
    Permission("read-ip-addresses", "View IP allowlist", "Account settings"),
    Permission("manage-ip-addresses", "Manage IP allowlist", "Account settings"),
    Permission("read-error-log", "View error log", "Account settings"),
)

ROLE_NAMES: tuple[str, ...] = tuple(r.name for r in ROLES)
PERMISSION_SLUGS: frozenset[str] = frozenset(p.slug for p in PERMISSIONS)
#: Holding one of these lets a user be given specific templates (reference: docs/reference/mailersend.md §4, #MS42224).
TEMPLATE_PERMISSIONS: frozenset[str] = frozenset({"read-own-templates", "read-all-templates"})


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


_ROLE_BY_KEY = {_key(name): name for name in ROLE_NAMES}


def canonical_role(text: str) -> str | None:
    """The exact role name for ``text`` in any case (``custom-user`` → ``Custom User``), else None."""
    return _ROLE_BY_KEY.get(_key(text))
