"""The contract suite every provider plugin runs against itself (ours and third parties').

Subclass :class:`IssuerContract` or :class:`ConsumerContract` in a test module and provide two
fixtures: ``profile_fields`` (a dict of profile fields, ``provider`` included, pointing at a
running emulator or a temporary target) and ``emulator`` (the running EmulatorServer, or None)::

    class TestMyProviderContract(IssuerContract):
        @pytest.fixture
        def emulator(self, smtp_server):
            with MyEmulator(smtp=smtp_server) as emu:
                yield emu

        @pytest.fixture
        def profile_fields(self, emulator):
            return emulator.client_profile()

The tests check that declared capabilities and implemented methods agree, that missing
capabilities fail before any request, a CRUD round trip, a new secret (set in place, regenerated
or by replacement) accepted by SMTP, error mapping, and that no secret reaches a repr.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from smtpcreds.capabilities import CONSUMER, ISSUER, METHODS, Capability
from smtpcreds.client import Connection, connect
from smtpcreds.errors import AuthError, NotFound, ProviderError, UnsupportedOperation
from smtpcreds.interfaces import implemented
from smtpcreds.models import EmailSettings, SmtpLogin
from smtpcreds.plugins import plugins
from smtpcreds.rotation.engine import choose_strategy, rotate

__all__ = [
    "ConsumerContract", "IssuerContract", "ProviderContract",
]


class ProviderContract:
    """Checks common to every provider."""

    @pytest.fixture
    def conn(self, profile_fields: dict[str, Any]) -> Any:
        fields = dict(profile_fields)
        c = connect("contract", provider=fields.pop("provider"), **fields)
        yield c
        c.close()

    def test_declared_capabilities_match_implemented_methods(self, conn: Connection) -> None:
        cls = type(conn.provider)
        for cap, method in METHODS.items():
            if method is None:
                continue
            assert implemented(cls, method) == (cap in cls.capabilities), (
                f"{cls.__name__}: capability {cap.value} declared={cap in cls.capabilities} but "
                f"{method} implemented={implemented(cls, method)}"
            )

    def test_profile_fields_are_documented(self, conn: Connection) -> None:
        model = type(conn.provider).profile_model
        for name, field in model.model_fields.items():
            if name == "provider":
                continue
            assert field.description, f"{model.__name__}.{name} has no description"

    def test_repr_of_the_provider_holds_no_secret(self, conn: Connection,
                                                  profile_fields: dict[str, Any]) -> None:
        text = repr(conn.provider) + repr(conn) + repr(conn.profile) + str(conn.profile)
        for field in type(conn.profile).secret_fields:
            value = profile_fields.get(field)
            if isinstance(value, str):
                assert value not in text, f"{field} appears in a repr"


class IssuerContract(ProviderContract):
    """Checks for providers that issue SMTP logins (need a running emulator)."""

    def new_name(self) -> str:
        return f"contract-{secrets.token_hex(4)}"

    def test_crud_round_trip(self, conn: Connection, emulator: Any) -> None:
        caps = conn.capabilities
        if not {Capability.CREATE, Capability.LIST, Capability.DELETE} <= caps:
            pytest.skip("provider lacks create/list/delete")
        created = conn.credentials.create(self.new_name())
        assert created.password is not None
        assert created.password.get_secret_value() not in repr(created)
        stored = conn.store.get(created.credential or created.id)
        assert stored is not None and stored.password.get_secret_value() == created.password.get_secret_value()
        got = conn.credentials.get(created.id)
        assert got.id == created.id and got.password is None
        assert created.id in {c.id for c in conn.credentials.list()}
        if Capability.UPDATE in caps:
            updated = conn.credentials.update(created.id, enabled=False)
            assert updated.enabled is False
        conn.credentials.delete(created.id)
        with pytest.raises(NotFound):
            conn.credentials.get(created.id)
        assert conn.store.get(created.credential or created.id) is None

    def test_issued_login_is_accepted_by_the_smtp_server(self, conn: Connection, emulator: Any) -> None:
        smtp = getattr(emulator, "smtp", None)
        if smtp is None or Capability.CREATE not in conn.capabilities:
            pytest.skip("no SMTP server attached")
        created = conn.credentials.create(self.new_name())
        assert created.password is not None
        assert smtp.accepts(created.username, created.password.get_secret_value())

    def test_set_password_changes_the_accepted_login(self, conn: Connection, emulator: Any) -> None:
        """A login's password set in place. A provider that makes the secret itself (an API key)
        rotates by replacement instead, so for it the counterpart runs: the new login works, the
        old one no longer does, and the name has one login left."""
        if Capability.SET_PASSWORD not in conn.capabilities:
            if Capability.REGENERATE_PASSWORD in conn.capabilities or choose_strategy(conn) != "replace":
                pytest.skip("provider cannot set passwords")
            self.check_replacement(conn, emulator)
            return
        created = conn.credentials.create(self.new_name())
        login = conn.credentials.set_password(created.id)
        smtp = getattr(emulator, "smtp", None)
        if smtp is not None:
            assert smtp.accepts(login.username, login.password.get_secret_value())
        assert conn.store.get(created.credential or created.id, "previous") is not None

    def check_replacement(self, conn: Connection, emulator: Any) -> None:
        created = conn.credentials.create(self.new_name())
        assert created.password is not None
        result = rotate(conn, created.id)
        assert (result.strategy, result.status, result.verified, result.retired) == ("replace", "done", True, True)
        new = conn.store.get(result.name)
        assert new is not None and result.new_credential != created.id
        smtp = getattr(emulator, "smtp", None)
        if smtp is not None:
            assert smtp.accepts(new.username, new.password.get_secret_value())
            assert not smtp.accepts(created.username, created.password.get_secret_value())
        named = [c.id for c in conn.credentials.list() if conn.provider.credential_name(c) == result.name]
        assert named == [result.new_credential]
        with pytest.raises(NotFound):
            conn.credentials.get(created.id)

    def test_regenerate_adds_a_login_beside_the_old_one_until_it_is_retired(
            self, conn: Connection, emulator: Any) -> None:
        if Capability.REGENERATE_PASSWORD not in conn.capabilities:  # then it must say so, not act
            with pytest.raises(UnsupportedOperation):
                conn.provider.regenerate_password("no-such-login-000")
            return
        created = conn.credentials.create(self.new_name())
        stored = conn.store.get(created.credential or created.id)
        assert stored is not None
        old = conn.provider.plan_regenerate(created.id, stored.username)
        assert old == stored.username
        new = conn.provider.regenerate_password(created.id, keep=old)
        assert new.password is not None and new.password.get_secret_value() not in repr(new)
        smtp = getattr(emulator, "smtp", None)
        if smtp is not None:
            assert smtp.accepts(new.username, new.password.get_secret_value())
            assert smtp.accepts(old, stored.password.get_secret_value())
        conn.provider.retire_password(created.id, old)
        conn.provider.retire_password(created.id, old)  # already gone is fine
        if smtp is not None:
            assert not smtp.accepts(old, stored.password.get_secret_value())
            assert smtp.accepts(new.username, new.password.get_secret_value())

    def test_unknown_credential_is_not_found(self, conn: Connection, emulator: Any) -> None:
        with pytest.raises(NotFound):
            conn.credentials.get("no-such-login-000")

    def test_server_error_is_a_provider_error(self, conn: Connection, emulator: Any) -> None:
        emulator.faults.inject(status=500, times=20)
        with pytest.raises(ProviderError):
            list(conn.credentials.list())
        emulator.faults.clear()

    def test_bad_api_secret_is_an_auth_error(self, profile_fields: dict[str, Any], emulator: Any) -> None:
        fields = dict(profile_fields)
        cls_name = fields.pop("provider")
        secret_field = plugins().provider(cls_name).profile_model.secret_fields[0]
        fields[secret_field] = "wrong-" + secrets.token_hex(8)
        with connect("contract", provider=cls_name, **fields) as bad, pytest.raises(AuthError):
            list(bad.credentials.list())

    def test_missing_capabilities_fail_before_any_request(self, conn: Connection, emulator: Any) -> None:
        before = len(emulator.requests)
        calls: dict[Capability, Callable[[], object]] = {
            Capability.SET_PASSWORD: lambda: conn.credentials.set_password("x", "Secret-Pass-123456789"),
            Capability.SETTINGS_SHOW: lambda: conn.settings.get(),
            Capability.SETTINGS_SET: lambda: conn.settings.set(EmailSettings(host="h")),
            Capability.SETTINGS_DELETE: lambda: conn.settings.delete(),
            Capability.SETTINGS_TEST: lambda: conn.settings.test(),
        }
        for cap, call in calls.items():
            if cap in conn.capabilities:
                continue
            with pytest.raises(UnsupportedOperation, match=f"{conn.profile.provider} cannot"):
                call()
        assert len(emulator.requests) == before

    def test_declares_only_issuer_capabilities_it_can_list(self, conn: Connection) -> None:
        if conn.capabilities & ISSUER:
            assert Capability.LIST in conn.capabilities, "an issuer must be able to list its logins"


class ConsumerContract(ProviderContract):
    """Checks for providers that store email settings."""

    def login(self) -> SmtpLogin:
        return SmtpLogin(host="127.0.0.1", port=2525, security="none", username="contract@example.com",
                         password=SecretStr("Contract-Pass-" + secrets.token_hex(8)))

    def test_push_then_show_round_trip(self, conn: Connection) -> None:
        login = self.login()
        result = conn.settings.push(login)
        assert result.changed is True
        if Capability.SETTINGS_SHOW in conn.capabilities:
            shown = conn.settings.get()
            assert shown.host == login.host and shown.port == login.port
            assert shown.username == login.username
            assert shown.password is not None
            assert shown.password.get_secret_value() == login.password.get_secret_value()
            assert login.password.get_secret_value() not in repr(shown)

    def test_pushing_the_same_login_twice_reports_unchanged(self, conn: Connection) -> None:
        if Capability.SETTINGS_SHOW not in conn.capabilities:
            pytest.skip("a write-only consumer cannot tell whether anything changed")
        login = self.login()
        conn.settings.push(login)
        assert conn.settings.push(login).changed is False

    def test_missing_capabilities_fail_before_anything(self, conn: Connection) -> None:
        calls: dict[Capability, Callable[[], object]] = {
            Capability.SETTINGS_SHOW: lambda: conn.settings.get(),
            Capability.SETTINGS_DELETE: lambda: conn.settings.delete(),
            Capability.LIST: lambda: conn.credentials.list(),
            Capability.CREATE: lambda: conn.credentials.create("x"),
        }
        for cap, call in calls.items():
            if cap not in conn.capabilities:
                with pytest.raises(UnsupportedOperation):
                    call()

    def test_declares_consumer_capabilities(self, conn: Connection) -> None:
        assert conn.capabilities & CONSUMER
