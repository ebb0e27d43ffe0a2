"""Pushing a login into the map with Postfix's real postmap (no daemon needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.errors import ConfigError, ProviderError, ValidationError
from smtpcreds.models import EmailSettings, SmtpLogin

from .conftest import MAP_SOURCE, RELAYHOST, MakeProvider, mode, write_main_cf

NEW_PASSWORD = "New-Passw0rd-5678-zz"


def login(password: str = NEW_PASSWORD, username: str = "new-user") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.test", port=587, username=username, password=SecretStr(password))


def query(config_dir: Path, key: str, source: Path) -> str:
    import subprocess

    done = subprocess.run(["/usr/sbin/postmap", "-c", str(config_dir), "-q", key, f"hash:{source}"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_push_rewrites_only_the_relay_entry_and_postmap_answers_the_new_login(
    make_provider: MakeProvider, map_source: Path, config_dir: Path
) -> None:
    result = make_provider().push_login(login())

    assert result.changed is True
    assert map_source.read_text() == MAP_SOURCE.replace("old-user:Old-Passw0rd-1234", f"new-user:{NEW_PASSWORD}")
    assert query(config_dir, RELAYHOST, map_source) == f"new-user:{NEW_PASSWORD}"
    assert query(config_dir, "[backup.example.test]:2525", map_source) == "backup-user:backup-Passw0rd"
    assert mode(map_source) == 0o600 and mode(Path(f"{map_source}.db")) == 0o600
    assert NEW_PASSWORD not in result.detail + repr(result)


def test_a_readable_map_is_rewritten_with_mode_0600(make_provider: MakeProvider, map_source: Path) -> None:
    os.chmod(map_source, 0o644)

    make_provider().push_login(login())

    assert mode(map_source) == 0o600


def test_an_indexed_map_that_others_can_read_is_made_0600(
    make_provider: MakeProvider, map_source: Path, config_dir: Path
) -> None:
    import subprocess

    os.chmod(map_source, 0o644)  # postmap gives a new .db the source's read permissions
    subprocess.run(["/usr/sbin/postmap", "-c", str(config_dir), f"hash:{map_source}"], check=True)
    db = Path(f"{map_source}.db")
    assert mode(db) == 0o644

    result = make_provider().push_login(login())

    assert mode(db) == 0o600 and f"made {db} readable by its owner only" in result.detail


def test_a_missing_map_is_created_with_mode_0600(make_provider: MakeProvider, config_dir: Path) -> None:
    make_provider().push_login(login())

    path = config_dir / "sasl_passwd"
    assert path.read_text() == f"{RELAYHOST} new-user:{NEW_PASSWORD}\n"
    assert mode(path) == 0o600


def test_pushing_the_login_the_map_already_answers_writes_nothing(
    make_provider: MakeProvider, map_source: Path
) -> None:
    provider = make_provider()
    provider.push_login(login())
    before = os.stat(map_source), os.stat(f"{map_source}.db")

    again = make_provider().push_login(login())

    assert again.changed is False
    after = os.stat(map_source), os.stat(f"{map_source}.db")
    assert [(s.st_ino, s.st_mtime_ns) for s in after] == [(s.st_ino, s.st_mtime_ns) for s in before]


def test_a_source_changed_but_never_postmapped_is_indexed_on_the_next_push(
    make_provider: MakeProvider, map_source: Path, config_dir: Path
) -> None:
    map_source.write_text(MAP_SOURCE.replace("old-user:Old-Passw0rd-1234", f"new-user:{NEW_PASSWORD}"))

    result = make_provider().push_login(login())

    assert result.changed is True and "postmap" in result.detail
    assert query(config_dir, RELAYHOST, map_source) == f"new-user:{NEW_PASSWORD}"


def test_a_symlinked_map_is_refused(make_provider: MakeProvider, map_source: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(map_source)

    with pytest.raises(ConfigError, match="symlink") as e:
        make_provider(sasl_passwd=str(link)).push_login(login())
    assert e.value.provider == "postfix"
    assert map_source.read_text() == MAP_SOURCE


@pytest.mark.parametrize("bad_mode", [0o620, 0o602])
def test_a_group_or_world_writable_map_is_refused(
    make_provider: MakeProvider, map_source: Path, bad_mode: int
) -> None:
    os.chmod(map_source, bad_mode)

    with pytest.raises(ConfigError, match="group- or world-writable"):
        make_provider().push_login(login())
    assert map_source.read_text() == MAP_SOURCE


def test_a_failing_postmap_is_a_push_failure_with_its_last_stderr_line_and_no_secret(
    make_provider: MakeProvider, map_source: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "postmap"
    fake.write_text(f"#!/bin/sh\necho 'postmap: reading the map' >&2\necho 'postmap: fatal: bad {NEW_PASSWORD}' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)

    with pytest.raises(ProviderError) as e:
        make_provider(postmap=str(fake)).push_login(login())

    assert "postmap" in e.value.message and "fatal: bad ***" in e.value.message
    assert NEW_PASSWORD not in str(e.value)


def test_a_hanging_postmap_is_stopped_by_the_time_limit(
    make_provider: MakeProvider, map_source: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "postmap"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)

    with pytest.raises(ProviderError, match=r"timed out after 0\.5s"):
        make_provider(postmap=str(fake), timeout=0.5).push_login(login())


def test_every_command_gets_the_config_dir_and_no_command_gets_the_secret(
    make_provider: MakeProvider, map_source: Path, config_dir: Path, recording_programs: Path, tmp_path: Path
) -> None:
    programs = {n: str(recording_programs / n) for n in ("postfix", "postmap", "postconf")}
    provider = make_provider(relayhost=None, map_type=None, **programs)

    provider.push_login(login())
    provider.get_settings()

    argv = (tmp_path / "argv.log").read_text().splitlines()
    assert {line.split()[0] for line in argv} == {"postfix", "postmap", "postconf"}
    assert all(line.split()[1:3] == ["-c", str(config_dir)] for line in argv), argv
    assert NEW_PASSWORD not in "\n".join(argv) + (tmp_path / "argv.log.env").read_text()


def test_the_relayhost_and_map_type_default_to_postconf(make_provider: MakeProvider, map_source: Path) -> None:
    provider = make_provider()

    assert (provider.relayhost, provider.map_type) == (RELAYHOST, "hash")


def test_an_empty_relayhost_is_a_config_error(make_provider: MakeProvider, config_dir: Path) -> None:
    write_main_cf(config_dir, "compatibility_level = 3.6\n")

    with pytest.raises(ConfigError, match="relayhost is empty"):
        make_provider().push_login(login())


def test_settings_set_changes_only_the_password_when_only_it_is_given(
    make_provider: MakeProvider, map_source: Path, config_dir: Path
) -> None:
    make_provider().set_settings(EmailSettings(password=SecretStr(NEW_PASSWORD)))

    assert query(config_dir, RELAYHOST, map_source) == f"old-user:{NEW_PASSWORD}"


def test_settings_set_refuses_fields_the_map_cannot_hold(make_provider: MakeProvider, map_source: Path) -> None:
    with pytest.raises(ValidationError) as e:
        make_provider().set_settings(EmailSettings(username="u", verify_tls=False, description="x"))

    assert set(e.value.fields) == {"verify_tls", "description"}
    assert map_source.read_text() == MAP_SOURCE


def test_a_login_with_a_newline_is_refused_before_anything_is_written(
    make_provider: MakeProvider, map_source: Path
) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        make_provider().push_login(login(password="two\nlines-passw0rd"))
    assert map_source.read_text() == MAP_SOURCE
