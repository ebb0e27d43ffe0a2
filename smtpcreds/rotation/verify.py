"""Verify a login for real: an SMTP AUTH login with smtplib.

Implicit TLS on ``ssl`` (465), STARTTLS on ``starttls``, plain only to a loopback host. The
certificate is verified unless the profile says ``verify_tls = false``; a private CA can be
trusted with ``SMTPCREDS_SMTP_CA_FILE``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl

from smtpcreds.errors import AuthError, ConfigError, TransportError
from smtpcreds.models import SmtpLogin
from smtpcreds.profiles import is_loopback

__all__ = [
    "log", "verify_login",
]

log = logging.getLogger("smtpcreds.verify")


def _context(verify_tls: bool, where: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=os.environ.get("SMTPCREDS_SMTP_CA_FILE") or None)
    if not verify_tls:
        log.warning("SMTP %s: TLS certificate verification is OFF (verify_tls = false)", where)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def verify_login(login: SmtpLogin, *, verify_tls: bool = True, timeout: float = 15.0) -> None:
    """Log in to the SMTP server with ``login``; raise AuthError or TransportError on failure."""
    where = f"{login.host}:{login.port}"
    if login.security == "none" and not is_loopback(login.host):
        raise ConfigError(f"refusing a plain-text SMTP login to {where}: security 'none' is for loopback only")
    try:
        client: smtplib.SMTP
        if login.security == "ssl":
            client = smtplib.SMTP_SSL(login.host, login.port, timeout=timeout, context=_context(verify_tls, where))
        else:
            client = smtplib.SMTP(login.host, login.port, timeout=timeout)
        with client:
            if login.security == "starttls":
                client.starttls(context=_context(verify_tls, where))
            client.login(login.username, login.password.get_secret_value())
    except smtplib.SMTPAuthenticationError as e:
        raise AuthError(f"SMTP server {where} rejected the login {login.username!r} ({e.smtp_code})") from None
    except smtplib.SMTPNotSupportedError as e:
        raise TransportError(f"SMTP server {where}: {e}") from None
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as e:
        raise TransportError(f"SMTP server {where}: {type(e).__name__}: {e}") from None
