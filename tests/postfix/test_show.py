"""settings show: the relay entry, masked, with the postconf values and warnings about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcreds.errors import NotFound

from .conftest import RELAYHOST, MakeProvider, write_main_cf


def test_show_reads_the_relay_entry_and_the_relay_settings(make_provider: MakeProvider, map_source: Path) -> None:
    shown = make_provider().get_settings()

    assert (shown.host, shown.port, shown.username) == ("smtp.example.test", 587, "old-user")
    assert shown.password is not None and shown.password.get_secret_value() == "Old-Passw0rd-1234"
    assert shown.security == "starttls"
    assert "Old-Passw0rd-1234" not in repr(shown) and shown.public_dict()["password"] == "**********"
    assert shown.extra["postconf"]["relayhost"] == RELAYHOST
    assert shown.extra["warnings"] == []


def test_show_warns_about_settings_that_keep_postfix_from_using_the_map(
    make_provider: MakeProvider, map_source: Path, config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_main_cf(config_dir, f"relayhost = {RELAYHOST}\nsmtp_sasl_password_maps = hash:/etc/postfix/other\n")

    warnings = make_provider().get_settings().extra["warnings"]

    assert [w.split(" ")[0] for w in warnings] == ["smtp_sasl_auth_enable", "smtp_sasl_password_maps",
                                                   "smtp_tls_security_level"]
    assert "may cross the network in clear" in warnings[2]
    assert all(w in caplog.text for w in warnings)


def test_show_warns_when_postfix_relays_elsewhere(make_provider: MakeProvider, map_source: Path) -> None:
    warnings = make_provider(relayhost="[backup.example.test]:2525").get_settings().extra["warnings"]

    assert [w.split(" ")[:2] for w in warnings] == [["postconf", "relayhost"]]


def test_a_map_without_the_relay_entry_is_not_found(make_provider: MakeProvider, map_source: Path) -> None:
    with pytest.raises(NotFound, match=r"no entry for \[other.test\]:25"):
        make_provider(relayhost="[other.test]:25").get_settings()


def test_a_missing_map_is_not_found(make_provider: MakeProvider, config_dir: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        make_provider().get_settings()
