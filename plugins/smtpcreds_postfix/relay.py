"""What Postfix's relay settings say: the relayhost key, and warnings about the SASL setup.

``settings show`` reads ``relayhost``, ``smtp_sasl_auth_enable``, ``smtp_sasl_password_maps``,
``smtp_tls_security_level`` (and ``smtp_tls_wrappermode``) with ``postconf -x`` and warns when
they would not make Postfix log in with the login in this map, or would send the password to a
remote relay without TLS (docs/reference/postfix.md §Relay settings).
"""

from __future__ import annotations

import re
from pathlib import Path

from smtpcreds.plugin import ConfigError, Security, is_loopback

PROVIDER = "postfix"
POSTCONF_NAMES = ("relayhost", "smtp_sasl_auth_enable", "smtp_sasl_password_maps", "smtp_tls_security_level",
                  "smtp_tls_wrappermode")
#: TLS levels at which the SMTP client refuses to talk to the relay without encryption.
MANDATORY_TLS = frozenset({"encrypt", "dane-only", "fingerprint", "verify", "secure"})
_RELAY = re.compile(r"\[(?P<bracketed>[^\]]+)\](?::(?P<bport>\d+))?|(?P<host>[^\s:\[\]]+)(?::(?P<port>\d+))?")


def check_relayhost(value: str, where: str) -> str:
    """One destination, as the map key; ConfigError when unset or a list."""
    value = value.strip()
    if not value:
        raise ConfigError(f"{where} is empty: this Postfix does not relay through a provider "
                          "(set relayhost in main.cf or in the profile)", provider=PROVIDER)
    if re.search(r"[\s,]", value):
        raise ConfigError(f"{where} names several destinations ({value}); set the profile's relayhost to the "
                          "one whose login smtpcreds manages", provider=PROVIDER)
    return value


def host_port(relayhost: str) -> tuple[str, int]:
    """Host and port of a relayhost (``[host]:587``, ``host:25``, ``host``; the default port 25)."""
    m = _RELAY.fullmatch(relayhost)
    if m is None:
        raise ConfigError(f"cannot read host and port from relayhost {relayhost!r}", provider=PROVIDER)
    host = m["bracketed"] or m["host"]
    port = m["bport"] or m["port"] or "25"
    return host, int(port)


def security(conf: dict[str, str]) -> Security | None:
    """How the SMTP client protects the relay session: ssl, starttls, none, or None (opportunistic)."""
    if conf.get("smtp_tls_wrappermode", "no") == "yes":
        return "ssl"
    level = conf.get("smtp_tls_security_level", "")
    if level in MANDATORY_TLS:
        return "starttls"
    if level in ("", "none"):
        return "none"
    return None


def warnings(conf: dict[str, str], relayhost: str, table: str, map_type: str, source: Path) -> list[str]:
    """Why Postfix might not relay with this map's login, or might expose it."""
    out: list[str] = []
    configured = conf.get("relayhost", "")
    if configured != relayhost:
        out.append(f"postconf relayhost is {configured!r}, not {relayhost!r}: Postfix does not relay through "
                   "the entry smtpcreds writes")
    if conf.get("smtp_sasl_auth_enable", "no") != "yes":
        out.append("smtp_sasl_auth_enable is not yes: Postfix does not log in to the relay")
    maps = [m for m in re.split(r"[\s,]+", conf.get("smtp_sasl_password_maps", "")) if m]
    if not any(_same_map(m, map_type, source) for m in maps):
        out.append(f"smtp_sasl_password_maps ({', '.join(maps) or 'empty'}) does not name {table}")
    host, _ = host_port(relayhost)
    if not is_loopback(host) and security(conf) not in ("ssl", "starttls"):
        level = conf.get("smtp_tls_security_level") or "none"
        out.append(f"smtp_tls_security_level is {level}: the password may cross the network in clear to "
                   f"{host}; set it to encrypt (or verify/secure)")
    return out


def _same_map(spec: str, map_type: str, source: Path) -> bool:
    kind, sep, path = spec.partition(":")
    if not sep or kind != map_type:
        return False
    try:
        return Path(path).resolve() == source.resolve()
    except OSError:
        return False
