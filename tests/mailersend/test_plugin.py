"""The plugin registers through the entry point, stays light, and its profile reads like the docs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from smtpcreds_mailersend.profile import MailerSendProfile
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.plugins import Plugins, new_plugin_manager


def test_registered_through_the_entry_point() -> None:
    assert Plugins(new_plugin_manager()).provider("mailersend") is MailerSendProvider


def test_importing_the_plugin_and_its_cli_stays_light() -> None:
    code = (
        "import sys, smtpcreds_mailersend, smtpcreds_mailersend.cli;"
        "heavy = {'requests', 'pydantic', 'rich', 'keyring'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_profile_defaults_and_scope() -> None:
    p = MailerSendProfile(domain_id="7nxe3yjmeq28vp0k")
    assert p.api_root == "https://api.mailersend.com/v1"
    assert p.default_scope == "7nxe3yjmeq28vp0k"
    assert MailerSendProfile.secret_fields == ("api_token",)


def test_profile_token_is_masked() -> None:
    p = MailerSendProfile(api_token="mlsn.fake-token-for-tests")
    assert "fake-token" not in repr(p)


def test_profile_refuses_plain_http_to_a_remote_host() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="plain http"):
        MailerSendProfile(base_url="http://api.mailersend.com/v1")


def test_every_profile_field_is_documented() -> None:
    for name, field in MailerSendProfile.model_fields.items():
        assert field.description or name == "provider", name


def test_building_the_provider_needs_no_token() -> None:
    from smtpcreds.testing.support import provider_for

    p = provider_for({"provider": "mailersend"})
    assert p.capabilities  # nothing resolved or sent yet


def test_the_lab_runs_the_emulator() -> None:
    from smtpcreds.emulator.lab import Lab

    with Lab(["mailersend"]) as lab:
        profile = lab.profile("mailersend")
        assert profile["domain_id"] == "7nxe3yjmeq28vp0k"
        assert profile["base_url"] == lab.emulators["mailersend"].base_url
