"""Files and transport: what smtpcreds writes is private, what it sends is protected.

* a config file holding secrets that group or others can read gets a warning (with the fix);
* journals are 0600 in a 0700 directory, the state directory is 0700, even when it existed wider;
* TLS certificates are verified by default; ``verify_tls = false`` warns every time it is used;
* plain ``http://`` goes to loopback hosts only, through the config file and through
  ``connect(provider=..., base_url=...)`` alike.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import logging
import ssl
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcreds import paths
from smtpcreds.client import Connection, connect
from smtpcreds.config import load_config
from smtpcreds.emulator.lab import Lab
from smtpcreds.emulator.smtp import make_certificate
from smtpcreds.errors import ConfigError, TransportError
from smtpcreds.profiles import is_loopback
from smtpcreds.rotation.engine import Rotator
from smtpcreds.rotation.journal import journal_store
from smtpcreds.store.keyring.journals import FileJournals


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- config file permissions ----------------------------------------------------------------------
SECRET_CONFIG = '[profiles.ms]\nprovider = "mailersend"\napi_token = "mlsn.file-secret-4242"\n'
PLAIN_CONFIG = '[profiles.ms]\nprovider = "mailersend"\ndomain_id = "abc"\n'


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o666])
def test_a_config_file_with_secrets_readable_by_others_warns_with_the_fix(
        mode: int, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SECRET_CONFIG)
    path.chmod(mode)
    load_config(path)
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1 and "readable by group/others" in warning[0]
    assert f"chmod 600 {path}" in warning[0]
    assert "mlsn.file-secret-4242" not in caplog.text


@pytest.mark.parametrize(("content", "mode"), [(SECRET_CONFIG, 0o600), (SECRET_CONFIG, 0o400),
                                               (PLAIN_CONFIG, 0o644)])
def test_a_private_or_secret_free_config_file_does_not_warn(content: str, mode: int, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content)
    path.chmod(mode)
    load_config(path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_cli_shows_the_config_file_warning_on_stderr(tmp_path: Path, run_cli: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SECRET_CONFIG)
    path.chmod(0o644)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    r = run_cli("--json", "profiles")
    assert r.code == 0, r
    assert "readable by group/others" in r.err and "mlsn.file-secret-4242" not in r.err + r.out
    json.loads(r.out)  # the warning stays off stdout


# -- state directory and journals ------------------------------------------------------------------
def test_journals_are_0600_in_a_0700_directory(lab: Lab, fast_verify: None, isolated_env: Path) -> None:
    cfg = lab.config()
    with Connection("relay", cfg.profile("relay"), config=cfg) as relay:
        ref = relay.credentials.create("perm-app").id
        Rotator(relay).rotate(ref)
    state = isolated_env / "state"
    journals = journal_store().docs
    assert isinstance(journals, FileJournals)
    files = list(journals.root.rglob("*.json"))
    assert files, "the rotation wrote no journal"
    assert mode_of(state) == 0o700
    assert mode_of(journals.root) == 0o700 and mode_of(journals.done) == 0o700
    assert {mode_of(f) for f in files} == {0o600}
    assert not list(journals.root.rglob(".tmp-*")), "a temporary journal file was left behind"
    assert all(mode_of(p) & 0o077 == 0 for p in state.rglob("*") if p.is_file() and p.suffix == ".json")


def test_a_state_directory_created_wider_is_narrowed_to_0700(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    wide = tmp_path / "wide-state"
    (wide / "rotations").mkdir(parents=True)
    wide.chmod(0o755)
    (wide / "rotations").chmod(0o777)
    monkeypatch.setenv("SMTPCREDS_STATE_DIR", str(wide))
    journal_store()
    assert mode_of(wide) == 0o700 and mode_of(wide / "rotations") == 0o700
    assert paths.state_dir() == wide


# -- TLS -----------------------------------------------------------------------------------------
class _Json(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": [], "links": {"next": None}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietHttps(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client refusing our certificate is the point of the test


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[str]:
    """An HTTPS API on loopback with a self-signed certificate (not trusted by default)."""
    cert, key = make_certificate(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = _QuietHttps(("127.0.0.1", 0), _Json)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


MS = {"api_token": "mlsn.tls-test-token", "domain_id": "d1", "timeout": 5}


def test_tls_certificates_are_verified_by_default(https_server: str) -> None:
    with connect(provider="mailersend", base_url=https_server, **MS) as conn:
        assert conn.profile.verify_tls is True
        with pytest.raises(TransportError, match="TLS error") as caught:
            list(conn.credentials.list())
    assert "\n" not in caught.value.message and caught.value.exit_code == 7


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_named_as_requests_documents_is_trusted(https_server: str, tmp_path: Path, variable: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A company CA (e.g. for a TLS-inspecting proxy) is named the way requests reads it."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(tmp_path / "smtp-cert.pem"))  # the server's self-signed CA
    with connect(provider="mailersend", base_url=https_server, **MS) as conn:
        assert list(conn.credentials.list()) == []


def test_verify_tls_false_connects_and_warns_on_every_use(https_server: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(2):
        caplog.clear()
        with connect(provider="mailersend", base_url=https_server, verify_tls=False, **MS) as conn:
            assert list(conn.credentials.list()) == []
        assert "TLS certificate verification is OFF" in caplog.text


def test_verify_tls_false_warns_on_stderr_of_each_command(https_server: str, tmp_path: Path, run_cli: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.ms]\nprovider = "mailersend"\nbase_url = "{https_server}"\n'
                    'domain_id = "d1"\nverify_tls = false\n')
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__API_TOKEN", "mlsn.tls-env-token")
    for _ in range(2):
        r = run_cli("--json", "creds", "list")
        assert r.code == 0, r
        assert "TLS certificate verification is OFF" in r.err and r.out.strip() == "[]"


def test_smtp_verification_with_verify_tls_false_warns(caplog: pytest.LogCaptureFixture) -> None:
    from pydantic import SecretStr

    from smtpcreds.emulator.smtp import SmtpServer
    from smtpcreds.models import SmtpLogin
    from smtpcreds.rotation.verify import verify_login

    with SmtpServer("starttls") as smtp:
        smtp.issue("tls-user", "Tls-User-Password-1")
        login = SmtpLogin(host=smtp.host, port=smtp.port, security="starttls", username="tls-user",
                          password=SecretStr("Tls-User-Password-1"))
        with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            verify_login(login)  # self-signed: refused while verification is on
        verify_login(login, verify_tls=False)
    assert "TLS certificate verification is OFF" in caplog.text


# -- plain http only to loopback ------------------------------------------------------------------
REMOTE = ["http://example.com/v1", "http://10.0.0.1/v1", "http://127.0.0.1.nip.io/v1",
          "http://localhost.example.com/v1", "http://127.0.0.1@evil.example/v1", "http://0.0.0.0/v1",
          "http://2130706433/v1", "http://[::ffff:7f00:1]/v1", "http://[fe80::1]/v1", "ftp://127.0.0.1/v1"]
LOOPBACK = ["http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:9/v1", "http://127.9.9.9/v1",
            "http://user@127.0.0.1/v1", "https://api.example.com/v1", "http://LOCALHOST/v1"]
ISSUER_FIELDS = {"mailersend": {"api_token": "mlsn.x-token"}, "smtp2go": {"api_key": "api-XTOKEN"},
                 "webitel": {"username": "admin@example.com", "password": "x-password-1"}}


@pytest.mark.parametrize("provider", list(ISSUER_FIELDS))
@pytest.mark.parametrize("url", REMOTE)
def test_plain_http_to_a_remote_host_is_refused_by_connect(provider: str, url: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        connect(provider=provider, base_url=url, **ISSUER_FIELDS[provider])


@pytest.mark.parametrize("provider", list(ISSUER_FIELDS))
@pytest.mark.parametrize("url", REMOTE)
def test_plain_http_to_a_remote_host_is_refused_in_the_config_file(provider: str, url: str,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.p]\nprovider = "{provider}"\nbase_url = "{url}"\n')
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="base_url"):
        load_config(path)


@pytest.mark.parametrize("url", REMOTE)
def test_plain_http_to_a_remote_host_is_refused_from_the_environment(url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__P__PROVIDER", "smtp2go")
    monkeypatch.setenv("SMTPCREDS_PROFILES__P__BASE_URL", url)
    with pytest.raises(ConfigError, match="base_url"):
        load_config(tmp_path / "none.toml")


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    with connect(provider="smtp2go", base_url=url, api_key="api-XTOKEN") as conn:
        assert conn.profile.base_url == url.rstrip("/")


@settings(max_examples=150, deadline=None)
@given(host=st.one_of(st.ip_addresses().map(lambda ip: f"[{ip}]" if ip.version == 6 else str(ip)),
                      st.sampled_from(["localhost", "localhost.", "example.com", "127.0.0.1.example"])))
def test_http_is_accepted_exactly_for_loopback_addresses(host: str) -> None:
    url = f"http://{host}:1/v1"
    bare = host.strip("[]")
    expected = bare.lower() in ("localhost", "localhost.") or (
        _is_ip(bare) and ipaddress.ip_address(bare).is_loopback)
    assert is_loopback(bare) == expected
    try:
        connect(provider="smtp2go", base_url=url, api_key="api-XTOKEN").close()
        accepted = True
    except ConfigError:
        accepted = False
    assert accepted == expected, url


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def test_plain_smtp_verification_to_a_remote_host_is_refused_before_a_rotation_starts(lab: Lab) -> None:
    cfg = lab.config()
    with Connection("relay", cfg.profile("relay"), config=cfg) as relay:
        ref = relay.credentials.create("plain-remote").id
    prof = cfg.profile("relay").model_copy(update={"smtp_host": "smtp.example.com", "smtp_security": "none"})
    before = lab.emulators["smtp2go"].count("PATCH")
    with Connection("relay", prof, config=cfg) as relay, pytest.raises(ConfigError, match="loopback"):
        Rotator(relay).rotate(ref)
    assert lab.emulators["smtp2go"].count("PATCH") == before and journal_store().all() == []
