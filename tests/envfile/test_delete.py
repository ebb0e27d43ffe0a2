"""Deleting settings removes the profile's keys and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smtpcreds.errors import ConfigError, NotFound

from .conftest import APP_ENV, MakeProvider


def test_delete_removes_the_owned_keys_and_keeps_every_other_line(
    app_env: Path, make_provider: MakeProvider
) -> None:
    removed = make_provider().delete_settings()

    assert removed == 4
    assert app_env.read_text() == (
        "# Compose settings for the dashboard\n"
        "COMPOSE_PROJECT_NAME=dashboard\n"
        "\n"
        "export DATABASE_URL='postgres://app@db/app'   # keep me\n"
        "   \n"
        'FEATURE_FLAGS="a,b"\n'
        "# trailing comment\n"
    )


def test_delete_keeps_the_file_mode(app_env: Path, make_provider: MakeProvider) -> None:
    os.chmod(app_env, 0o640)
    make_provider().delete_settings()

    assert os.stat(app_env).st_mode & 0o777 == 0o640


def test_delete_without_owned_keys_writes_nothing(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("APP=1\n")
    os.chmod(env_path, 0o600)
    before = os.stat(env_path)

    assert make_provider().delete_settings() == 0
    assert os.stat(env_path).st_mtime_ns == before.st_mtime_ns


def test_delete_of_a_missing_file_is_not_found(env_path: Path, make_provider: MakeProvider) -> None:
    with pytest.raises(NotFound):
        make_provider().delete_settings()


def test_delete_refuses_a_world_writable_file(app_env: Path, make_provider: MakeProvider) -> None:
    os.chmod(app_env, 0o666)

    with pytest.raises(ConfigError, match="world-writable"):
        make_provider().delete_settings()

    assert app_env.read_text() == APP_ENV
