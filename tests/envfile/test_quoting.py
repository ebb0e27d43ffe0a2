"""Values are quoted so that python-dotenv reads back exactly what was written."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from smtpcreds.errors import ValidationError
from smtpcreds.models import EmailSettings
from smtpcreds.passwords import generate

from .conftest import APP_ENV, FAKE_PASSWORD, MakeProvider

#: Characters dotenv readers treat specially, line breaks and control characters among them,
#: mixed with anything else Unicode has.
AWKWARD = st.sampled_from(list("'\"\\$#={}` !\n\r\t\x00\x0b\x85\u2028=abcXYZ019"))
VALUES = st.text(alphabet=st.one_of(AWKWARD, st.characters(blacklist_categories=("Cs",))), max_size=40)
OTHERS = {k: v for k, v in dotenv_values(stream=io.StringIO(APP_ENV)).items() if not k.startswith("SMTP_")}


def write_password(make_provider: MakeProvider, value: str) -> None:
    make_provider().set_settings(EmailSettings(password=SecretStr(value)))


def refusable(value: str) -> bool:
    """What no quoting can carry: control characters, ``${...}``, or a trailing backslash."""
    return bool(re.search(r"[\x00-\x1f\x7f]|\$\{", value)) or value.endswith("\\")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=VALUES)
@example(password=FAKE_PASSWORD)
@example(password="ends with a backslash\\")
@example(password="${HOME}")
@example(password="two\nlines")
def test_any_password_reads_back_the_same_or_is_refused_untouched(
    app_env: Path, make_provider: MakeProvider, password: str
) -> None:
    app_env.write_text(APP_ENV)
    os.chmod(app_env, 0o600)

    try:
        write_password(make_provider, password)
    except ValidationError:
        assert refusable(password)
        assert app_env.read_text() == APP_ENV
        return

    found = dotenv_values(app_env)  # the default reader: interpolation on
    assert found["SMTP_PASSWORD"] == password
    assert {k: v for k, v in found.items() if not k.startswith("SMTP_")} == OTHERS


@pytest.mark.parametrize(
    "password",
    [
        "has#hash",
        "has #comment",
        " leading and trailing ",
        "single'quote",
        'double"quote',
        "'starts-with-quote",
        "dollar$HOME and $$",
        "back\\slash and \\' and \\\\ inside",
        "equals=sign==",
        "pässwörd-ünïcode",
        "",
    ],
)
def test_tricky_passwords_round_trip(env_path: Path, make_provider: MakeProvider, password: str) -> None:
    write_password(make_provider, password)

    read_back = make_provider().get_settings().password  # an empty value reads as None

    assert dotenv_values(env_path)["SMTP_PASSWORD"] == password
    assert (read_back.get_secret_value() if read_back else "") == password


def test_generated_passwords_are_written_bare(env_path: Path, make_provider: MakeProvider) -> None:
    password = generate()
    write_password(make_provider, password)

    assert env_path.read_text() == f"SMTP_PASSWORD={password}\n"


def test_values_without_quote_or_backslash_use_single_quotes_literal_everywhere(
    env_path: Path, make_provider: MakeProvider
) -> None:
    write_password(make_provider, "a $b #c")

    assert env_path.read_text() == "SMTP_PASSWORD='a $b #c'\n"


def test_a_quoted_value_followed_directly_by_a_comment_stays_quoted(
    env_path: Path, make_provider: MakeProvider
) -> None:
    env_path.write_text("SMTP_HOST='old.example.test'#no space before the comment\n")
    make_provider().set_settings(EmailSettings(host="new.example.test"))

    assert dotenv_values(env_path)["SMTP_HOST"] == "new.example.test"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("line\nbreak", "control characters"),
        ("tab\there", "control characters"),
        ("pre${HOME}post", "python-dotenv would expand it"),
        ("blank and backslash \\", "must not end with a backslash"),
    ],
)
def test_unwritable_passwords_are_refused_without_echoing_them(
    app_env: Path, make_provider: MakeProvider, password: str, rule: str
) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        write_password(make_provider, password)

    assert password not in caught.value.message
    assert caught.value.fields["password"]
    assert app_env.read_text() == APP_ENV


def test_a_trailing_backslash_without_blanks_is_written_bare(
    env_path: Path, make_provider: MakeProvider
) -> None:
    write_password(make_provider, "pa'ss\\")

    assert dotenv_values(env_path)["SMTP_PASSWORD"] == "pa'ss\\"
