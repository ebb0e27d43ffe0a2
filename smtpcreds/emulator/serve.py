"""``smtpcreds demo --serve``: the lab kept running for the CLI and scripts in other shells.

The demo runs the flagship job by itself; this leaves the same emulators and SMTP server up
and writes what another shell needs to use them: a config file with the profiles ``ms``
(MailerSend), ``relay`` (SMTP2GO, the default), ``pbx`` (Webitel) and ``app-env`` (a ``.env``
file), a state directory, and a keyring file of the lab's own
(:class:`~smtpcreds.testing.lab_keyring.LabKeyring`), all named in ``env.sh``. So a shell or cron
script can be tried against it, offline, without touching the user's keyring or config.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smtpcreds.emulator.lab import Lab

__all__ = [
    "PROVIDERS", "ServedLab", "serve",
]

PROVIDERS = ["mailersend", "smtp2go", "webitel"]


@dataclass
class ServedLab:
    """Where the running lab is and how to reach it."""

    directory: Path
    smtp: str
    env: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def env_file(self) -> Path:
        return self.directory / "env.sh"

    def to_dict(self) -> dict[str, Any]:
        return {"dir": str(self.directory), "env_file": str(self.env_file), "smtp": self.smtp,
                "env": self.env, "profiles": self.profiles}


def serve(stop: threading.Event, ready: Any, directory: Path | None = None) -> None:
    """Start the lab, write its files into ``directory`` (a new temporary one if None), call
    ``ready(ServedLab)``, and keep it up until ``stop`` is set. A temporary directory is removed
    afterwards; a given one is left as it is (its keyring refers to a lab that is gone)."""
    temporary = directory is None
    root = Path(tempfile.mkdtemp(prefix="smtpcreds-lab-")) if directory is None else directory
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)
    try:
        with Lab(PROVIDERS) as lab:
            env_path = root / "app" / ".env"
            env_path.parent.mkdir(exist_ok=True)
            if not env_path.exists():
                env_path.write_text("# an app's settings\nAPP_NAME=billing\n")
            env_path.chmod(0o600)
            config = root / "config.toml"
            # Both consumers hold the SMTP2GO login billing-app (the instructions create it), so
            # 'creds rotate --all' pushes it to them, and only it.
            config.write_text(lab.toml({
                "pbx": {**lab.profile("webitel"), "login": "relay/billing-app"},
                "app-env": {"provider": "envfile", "path": str(env_path), "login": "relay/billing-app"},
            }, default="relay"))
            config.chmod(0o600)
            served = ServedLab(root, f"{lab.smtp.host}:{lab.smtp.port}", env={
                "SMTPCREDS_CONFIG": str(config),
                "SMTPCREDS_STATE_DIR": str(root / "state"),
                "PYTHON_KEYRING_BACKEND": "smtpcreds.testing.lab_keyring.LabKeyring",
                "SMTPCREDS_LAB_KEYRING": str(root / "keyring.json"),
                "SMTPCREDS_ALLOW_INSECURE_KEYRING": "1",
            }, profiles={"ms": "MailerSend", "relay": "SMTP2GO, the default",
                         "pbx": "Webitel PBX, bound to relay/billing-app",
                         "app-env": f".env file {env_path}, bound to relay/billing-app"})
            served.env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in served.env.items()))
            served.env_file.chmod(0o600)
            ready(served)
            stop.wait()
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
