"""The ``postfix`` profile: which relay entry of which SASL password map, and how to run Postfix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from smtpcreds.plugin import ConsumerProfile

#: Map types postmap builds from a text source into an indexed file (docs/reference/postfix.md §Maps).
FILE_MAP_TYPES = frozenset({"hash", "btree", "lmdb", "cdb", "dbm", "sdbm"})
SYSTEM_CONFIG_DIR = Path("/etc/postfix")
_PROGRAM = re.compile(r"[^\0\n]+")


class PostfixProfile(ConsumerProfile):
    """A Postfix instance that relays mail through a provider with the login in its SASL map."""

    provider: Literal["postfix"] = "postfix"
    relayhost: str | None = Field(
        None,
        description="The relay exactly as Postfix's relayhost names it, e.g. [smtp.example.com]:587 "
        "(the map key); unset: read with postconf -h relayhost.",
    )
    sasl_passwd: Path | None = Field(
        None,
        description="The map source file (host user:password lines); unset: sasl_passwd in the "
        "Postfix configuration directory (/etc/postfix/sasl_passwd).",
    )
    map_type: str | None = Field(
        None,
        description="Map type postmap builds (hash, lmdb, cdb, ...); unset: postconf -h default_database_type.",
    )
    postconf_dir: Path | None = Field(
        None,
        description="Postfix configuration directory passed as -c to every postfix, postmap, postconf "
        "and postqueue command; unset: the system's (/etc/postfix).",
    )
    reload: bool = Field(True, description="Run postfix reload after a change when Postfix is running.")
    postmap: str = Field("postmap", description="The postmap program (name on PATH or /usr/sbin, or a path).")
    postfix: str = Field("postfix", description="The postfix program (name on PATH or /usr/sbin, or a path).")
    postconf: str = Field("postconf", description="The postconf program (name on PATH or /usr/sbin, or a path).")
    postqueue: str = Field("postqueue", description="The postqueue program, used by settings test.")
    smtpd: str = Field(
        "127.0.0.1:25",
        description="host:port of the local Postfix smtpd that settings test submits its message to.",
    )
    test_sender: str | None = Field(
        None, description="Envelope sender of the settings test message; unset: root@<myhostname>."
    )

    @field_validator("relayhost")
    @classmethod
    def _relayhost(cls, v: str | None) -> str | None:
        if v is not None:
            v = v.strip()
            if not v or re.search(r"[\s,]", v):
                raise ValueError("relayhost must be one destination such as [smtp.example.com]:587")
        return v

    @field_validator("map_type")
    @classmethod
    def _map_type(cls, v: str | None) -> str | None:
        if v is not None and v not in FILE_MAP_TYPES:
            raise ValueError(f"map_type must be one postmap builds from a file: {', '.join(sorted(FILE_MAP_TYPES))}")
        return v

    @field_validator("sasl_passwd", "postconf_dir", mode="before")
    @classmethod
    def _path(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip():
            raise ValueError("must name a path")
        return v

    @field_validator("postmap", "postfix", "postconf", "postqueue")
    @classmethod
    def _program(cls, v: str) -> str:
        if not _PROGRAM.fullmatch(v) or not v.strip():
            raise ValueError("must name a program")
        return v

    @field_validator("smtpd")
    @classmethod
    def _smtpd(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("smtpd must be host:port, e.g. 127.0.0.1:25")
        return v

    def config_dir(self) -> Path:
        return (self.postconf_dir or SYSTEM_CONFIG_DIR).expanduser()

    def map_source(self) -> Path:
        return (self.sasl_passwd or self.config_dir() / "sasl_passwd").expanduser()
