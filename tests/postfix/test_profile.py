"""The postfix profile: bad values are configuration errors before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from smtpcreds_postfix.profile import PostfixProfile


@pytest.mark.parametrize(
    ("field", "value"),
    [("relayhost", "[a.test]:587, [b.test]:587"), ("relayhost", " "), ("map_type", "mysql"),
     ("map_type", "texthash"), ("smtpd", "localhost"), ("smtpd", "127.0.0.1:99999"), ("sasl_passwd", ""),
     ("postmap", "")],
)
def test_bad_values_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError, match=field):
        PostfixProfile.model_validate({"provider": "postfix", field: value})


def test_the_map_defaults_to_sasl_passwd_in_the_configuration_directory() -> None:
    assert str(PostfixProfile(provider="postfix").map_source()) == "/etc/postfix/sasl_passwd"
    assert str(PostfixProfile(provider="postfix", postconf_dir="/srv/pf").map_source()) == "/srv/pf/sasl_passwd"


def test_an_unknown_field_is_a_config_error_through_the_cli(run_cli: Any, tmp_path: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.mta]\nprovider = "postfix"\nmap_typ = "hash"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))

    result = run_cli("--profile", "mta", "settings", "show")

    assert result.code == 2 and "map_typ" in result.err
