"""A real SMTP server (aiosmtpd) that accepts exactly the logins the emulators issued.

Emulators call :meth:`SmtpServer.issue` when a login is created or its password changes and
:meth:`SmtpServer.retire` when it is deleted, so rotation and verification run for real:
``smtplib`` logs in with AUTH PLAIN or LOGIN over plain TCP, STARTTLS, or implicit TLS (with a
certificate generated at start; ``ca_file`` lets clients trust it).
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import smtplib
import socket
import ssl
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = [
    "Delivered", "Mode", "SmtpServer", "free_port", "make_certificate",
]

Mode = Literal["none", "starttls", "ssl"]

# AUTH without TLS is what the loopback "none" mode is for; aiosmtpd warns on every connection.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.ERROR)


@dataclass
class Delivered:
    """A message the server accepted."""

    username: str | None
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1; returns (cert, key) paths."""
    from cryptography import x509  # (here: only a TLS server makes a certificate)
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        user = getattr(session, "auth_data", None)
        self.server._deliver(
            Delivered(
                username=user if isinstance(user, str) else None,
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.content if isinstance(envelope.content, bytes) else bytes(envelope.content),
            )
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with AUTH PLAIN/LOGIN against a registry of issued logins."""

    def __init__(self, mode: Mode = "none", *, port: int | None = None, auth_required: bool = True) -> None:
        self.mode: Mode = mode
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._auth_required = auth_required
        self._logins: dict[str, str] = {}
        #: Extra passwords per username, each accepted on its own (see :meth:`issue_key`).
        self._keys: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.delivered: list[Delivered] = []
        self.auth_attempts = 0
        #: Called with the username after each accepted login (an emulator records last use with it).
        self.on_login: Callable[[str], None] | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="smtpcreds-smtp-")
        self.cert_file, self.key_file = make_certificate(Path(self._tmp.name))
        self._controller: Controller | None = None

    @property
    def ca_file(self) -> str:
        """PEM file a client can trust to verify this server's certificate."""
        return str(self.cert_file)

    @property
    def security(self) -> Mode:
        return self.mode

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    # -- registry -------------------------------------------------------------------------
    def issue(self, username: str, password: str) -> None:
        """Accept ``username`` with ``password`` from now on (replaces an older password)."""
        with self._lock:
            self._logins[username] = password

    def retire(self, username: str) -> None:
        """Stop accepting ``username``."""
        with self._lock:
            self._logins.pop(username, None)

    def issue_key(self, username: str, password: str) -> None:
        """Accept ``password`` for ``username`` besides any other: for API keys that share one
        SMTP username (SendGrid's ``apikey``), where each key works until it is revoked."""
        with self._lock:
            self._keys.setdefault(username, set()).add(password)

    def revoke_key(self, username: str, password: str) -> None:
        """Stop accepting one key given with :meth:`issue_key`."""
        with self._lock:
            self._keys.get(username, set()).discard(password)

    def accepts(self, username: str, password: str) -> bool:
        with self._lock:
            return self._logins.get(username) == password or password in self._keys.get(username, ())

    def logins(self) -> dict[str, str]:
        with self._lock:
            return dict(self._logins)

    def _deliver(self, msg: Delivered) -> None:
        with self._lock:
            self.delivered.append(msg)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        self.auth_attempts += 1
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        pw = auth_data.password.decode("utf-8", "replace")
        if self.accepts(user, pw):
            if self.on_login is not None:
                self.on_login(user)
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SmtpServer:
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(str(self.cert_file), str(self.key_file))
        kw: dict[str, Any] = dict(
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_required=self._auth_required,
            auth_require_tls=self.mode == "starttls",
            server_hostname="localhost",
        )
        if self.mode == "ssl":
            kw["ssl_context"] = server_ctx
        elif self.mode == "starttls":
            kw["tls_context"] = server_ctx
            kw["require_starttls"] = True
        self._controller = Controller(_Handler(self), **kw)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._tmp.cleanup()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def send_test(self, username: str, password: str, to: str, *, mail_from: str | None = None,
                  timeout: float = 10) -> None:
        """Send a test message through this server as ``username`` (raises smtplib errors)."""
        msg = EmailMessage()
        msg["From"] = mail_from or username if "@" in (mail_from or username) else "test@localhost"
        msg["To"] = to
        msg["Subject"] = "smtpcreds test message"
        msg.set_content("This is a test message sent by smtpcreds.")
        client: smtplib.SMTP
        if self.mode == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=self.client_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
        with client:
            if self.mode == "starttls":
                client.starttls(context=self.client_context())
            client.login(username, password)
            client.send_message(msg)
