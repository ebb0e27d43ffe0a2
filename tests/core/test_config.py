"""Configuration: file + environment, profiles, provider union, secret resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcreds.client import resolve_secret
from smtpcreds.config import load_config
from smtpcreds.errors import ConfigError
from smtpcreds.testing.support import MemoryKeyring

CONFIG = """
default_profile = "relay"

[profiles.relay]
provider = "smtp2go"
region = "eu"

[profiles.ms]
provider = "mailersend"
domain_id = "7nxe3yjmeq28vp0k"
"""


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path


def test_default_profile_comes_from_the_file(config_file: Path) -> None:
    cfg = load_config()
    assert cfg.active_name() == "relay"
    assert cfg.profile("relay").provider == "smtp2go"


def test_switching_provider_by_environment_variable_alone(config_file: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILE", "ms")
    cfg = load_config()
    assert cfg.profile(cfg.active_name()).provider == "mailersend"


def test_explicit_profile_beats_the_environment(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILE", "ms")
    assert load_config().active_name("relay") == "relay"


def test_environment_overrides_a_file_field(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__RELAY__REGION", "au")
    assert load_config().profile("relay").region == "au"  # type: ignore[attr-defined]


def test_a_profile_may_exist_only_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__ENVONLY__PROVIDER", "mailersend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__ENVONLY__DOMAIN_ID", "abc")
    cfg = load_config()
    assert cfg.profile("envonly").provider == "mailersend"
    assert cfg.active_name() == "envonly"


def test_unknown_provider_names_the_valid_choices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[profiles.x]\nprovider = "sparkpost"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    with pytest.raises(ConfigError) as e:
        load_config()
    assert "unknown provider 'sparkpost'" in str(e.value)
    for name in ("mailersend", "smtp2go", "webitel"):
        assert name in str(e.value)
    assert e.value.exit_code == 2


def test_unknown_field_names_the_valid_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[profiles.x]\nprovider = "mailersend"\ndomain = "oops"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    with pytest.raises(ConfigError) as e:
        load_config()
    assert "unknown field 'domain'" in str(e.value) and "domain_id" in str(e.value)


def test_invalid_toml_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.x\nprovider=")
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config()


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[profiles.x]\nprovider = "mailersend"\nbase_url = "http://api.example.com/v1"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    with pytest.raises(ConfigError, match="plain http to a non-loopback host"):
        load_config()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:9/v1",
                                 "https://api.mailersend.com/v1/"])
def test_loopback_http_and_https_are_accepted(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__X__PROVIDER", "mailersend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__X__BASE_URL", url)
    assert load_config().profile("x").base_url == url.rstrip("/")


def test_secret_comes_from_the_environment_first(monkeypatch: pytest.MonkeyPatch,
                                                 memory_keyring: MemoryKeyring) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__API_TOKEN", "mlsn.from-env")
    memory_keyring.set_password("smtpcreds", "ms:api_token", "mlsn.from-keyring")
    cfg = load_config()
    assert resolve_secret("ms", cfg.profile("ms"), "api_token") == "mlsn.from-env"


def test_secret_falls_back_to_the_keyring(monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    memory_keyring.set_password("smtpcreds", "ms:api_token", "mlsn.from-keyring")
    cfg = load_config()
    assert resolve_secret("ms", cfg.profile("ms"), "api_token") == "mlsn.from-keyring"


def test_missing_secret_is_a_clear_error_with_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    cfg = load_config()
    with pytest.raises(ConfigError) as e:
        resolve_secret("ms", cfg.profile("ms"), "api_token")
    assert "smtpcreds auth set ms" in str(e.value)
    assert "SMTPCREDS_PROFILES__MS__API_TOKEN" in str(e.value)


def test_no_profile_selected_with_several_is_a_clear_error(config_file: Path) -> None:
    config_file.write_text(CONFIG.replace('default_profile = "relay"', ""))
    with pytest.raises(ConfigError, match="no profile selected"):
        load_config().active_name()


def test_unknown_profile_lists_the_configured_ones(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"profiles: ms, relay"):
        load_config().profile("nope")


def test_group_readable_config_with_secrets_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[profiles.x]\nprovider = "mailersend"\napi_token = "mlsn.file-secret"\n')
    path.chmod(0o644)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    load_config()
    assert "readable by group/others" in caplog.text
    assert "mlsn.file-secret" not in caplog.text


def test_environment_overrides_a_mixed_case_profile_of_the_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[profiles.MyRelay]\nprovider = "smtp2go"\nregion = "eu"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    monkeypatch.setenv("SMTPCREDS_PROFILES__MYRELAY__REGION", "us")
    cfg = load_config()
    assert list(cfg.profiles) == ["MyRelay"]
    assert cfg.profile("MyRelay").region == "us"  # type: ignore[attr-defined]
