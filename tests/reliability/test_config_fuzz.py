"""Bad configuration of any shape: random TOML documents, random bytes and random SMTPCREDS_*
environment values all end in a valid Config or a one-line ConfigError — never another exception.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpcreds.config import Config, load_config
from smtpcreds.errors import ConfigError

PROVIDERS = ["mailersend", "smtp2go", "webitel", "envfile", "exec"]
FIELDS = [
    "provider", "base_url", "timeout", "verify_tls", "smtp_host", "smtp_port", "smtp_security",
    "api_key", "api_token", "domain_id", "region", "subaccount_id", "username", "password", "key",
    "token", "domain", "path", "host_key", "port_key", "password_key", "from_key", "security_key",
    "command", "env", "cwd", "input",
]
INTERESTING = [
    *PROVIDERS, "", " ", "http://127.0.0.1:1/v1", "http://example.com/v1", "https://api.example.com",
    "ftp://127.0.0.1", "http://", "http://[::1]:8/x", "eu", "mars", "ssl", "starttls", "none",
    "true", "0", "-1", "1e999", "nan", "mlsn.0123456789", "api-ABCDEF", "/dev/null", "~/x.env",
    "{}", "[]", '{"provider": "smtp2go"}', "null",
]

_text = st.text(max_size=20)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.sampled_from(INTERESTING),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), _text), inner, max_size=3),
    ),
    max_leaves=8,
)
profile_tables = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(st.sampled_from(INTERESTING), values),
    max_size=6,
).map(lambda d: d if "provider" in d else {**d, "provider": "smtp2go"} if len(d) % 2 else d)
profile_names = st.one_of(st.sampled_from(["relay", "ms", "pbx", "RELAY", "a.b", ""]), _text)
documents = st.fixed_dictionaries(
    {},
    optional={
        "default_profile": st.one_of(profile_names, values),
        "allow_insecure_keyring": st.one_of(st.booleans(), values),
        "profiles": st.one_of(st.dictionaries(profile_names, st.one_of(profile_tables, values), max_size=3),
                              values),
        "unknown_setting": values,
    },
)

env_name_part = st.one_of(st.sampled_from(["RELAY", "MS", "PBX", "X", "", "A__B"]),
                          st.text(alphabet="ABCXYZ_019", max_size=6))
env_names = st.one_of(
    st.sampled_from(["SMTPCREDS_DEFAULT_PROFILE", "SMTPCREDS_ALLOW_INSECURE_KEYRING", "SMTPCREDS_PROFILES",
                     "SMTPCREDS_PROFILE"]),
    env_name_part.map(lambda p: f"SMTPCREDS_PROFILES__{p}"),
    st.tuples(env_name_part, st.sampled_from([f.upper() for f in FIELDS])).map(
        lambda t: f"SMTPCREDS_PROFILES__{t[0]}__{t[1]}"),
    st.tuples(env_name_part, st.sampled_from([f.upper() for f in FIELDS]), env_name_part).map(
        lambda t: f"SMTPCREDS_PROFILES__{t[0]}__{t[1]}__{t[2]}"),
)
env_values = st.one_of(
    st.sampled_from(INTERESTING),
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30),
    values.map(lambda v: json.dumps(v, allow_nan=True)),
)
environments = st.dictionaries(env_names, env_values, max_size=4)


def toml_value(v: Any) -> str:
    """A TOML literal for ``v`` (inline tables for dicts); TOML has no null, so None is skipped."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_document(doc: dict[str, Any]) -> str:
    return "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items()) + "\n"


@contextmanager
def config_file(content: str | bytes, mode: int) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        path.chmod(mode)
        yield path


def load_outcome(path: Path, env: dict[str, str]) -> Config | ConfigError:
    """Load with ``env`` added to the environment; the outcome must be a Config or a ConfigError."""
    with mock.patch.dict(os.environ, env):
        try:
            cfg = load_config(path)
        except ConfigError as e:
            assert e.message and "\n" not in e.message, f"not one line: {e.message!r}"
            assert e.exit_code == 2
            return e
        # What the CLI does next with a loaded config must hold up too.
        try:
            name = cfg.active_name()
            cfg.profile(name)
        except ConfigError as e:
            assert e.message and "\n" not in e.message
    return cfg


#: SMTPCREDS_FUZZ_SCALE=20 runs twenty times more examples (a deeper search than the suite's).
SCALE = float(os.environ.get("SMTPCREDS_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])



@fuzz(120)
@given(doc=documents, env=environments, mode=st.sampled_from([0o600, 0o644]))
def test_any_toml_document_and_environment_loads_or_is_a_config_error(
        doc: dict[str, Any], env: dict[str, str], mode: int) -> None:
    with config_file(toml_document(doc), mode) as path:
        load_outcome(path, env)


@fuzz(60)
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200),
                         st.sampled_from(["[profiles", "profiles = 1", "[[profiles]]\nx=1", "a = {", "\xff",
                                          "\ufeffdefault_profile = 'x'", "[profiles.x]\nprovider=1"])),
       mode=st.sampled_from([0o600, 0o644]))
def test_any_file_content_loads_or_is_a_config_error(content: str | bytes, mode: int) -> None:
    with config_file(content, mode) as path:
        load_outcome(path, {})


@fuzz(80)
@given(env=environments)
def test_any_environment_without_a_file_loads_or_is_a_config_error(env: dict[str, str]) -> None:
    load_outcome(Path(tempfile.gettempdir()) / "smtpcreds-no-such-config.toml", env)


# -- regressions found by the tests above ---------------------------------------------------------
def test_profiles_variable_that_is_not_json_is_a_config_error(tmp_path: Path) -> None:
    outcome = load_outcome(tmp_path / "none.toml", {"SMTPCREDS_PROFILES": "not json"})
    assert isinstance(outcome, ConfigError) and "SMTPCREDS_" in outcome.message


def test_provider_that_is_a_table_is_a_config_error(tmp_path: Path) -> None:
    with config_file('[profiles.x]\nprovider = {a = 1}\n', 0o600) as path:
        outcome = load_outcome(path, {})
    assert isinstance(outcome, ConfigError) and "unknown provider" in outcome.message


def test_provider_from_the_environment_that_is_a_table_is_a_config_error(tmp_path: Path) -> None:
    outcome = load_outcome(tmp_path / "none.toml", {"SMTPCREDS_PROFILES__X__PROVIDER__Y": "1"})
    assert isinstance(outcome, ConfigError)


def test_readable_file_whose_profiles_is_not_a_table_is_a_config_error() -> None:
    with config_file("profiles = [1, 2]\n", 0o644) as path:
        outcome = load_outcome(path, {})
    assert isinstance(outcome, ConfigError) and "must be a table" in outcome.message
