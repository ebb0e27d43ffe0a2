"""Running Postfix's own programs: ``-c DIR`` on every one, a time limit, redacted errors.

Every command gets ``-c <postconf_dir>`` when the profile sets one: an instance without the
system's ``/etc/postfix/main.cf`` (Debian's "No configuration" install, a private instance)
needs it on ``postfix``, ``postmap``, ``postconf`` and ``postqueue`` alike
(docs/reference/postfix.md §Private instance). No command gets a secret in its arguments or
environment: postmap reads the map source file itself, and ``postmap -q`` takes only the key.
The environment is ours minus ``SMTPCREDS_*`` (as the exec consumer does), and a failure
reports the command's last stderr line, redacted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from smtpcreds.plugin import ProviderError, child_environment, last_line

PROVIDER = "postfix"
#: Where Debian installs the Postfix programs; not on every user's PATH.
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


class PostfixCommandError(ProviderError):
    """A Postfix program failed, timed out or could not start (a push failure: resumable)."""


@dataclass(frozen=True)
class Postfix:
    """How to run this instance's programs."""

    config_dir: Path | None
    timeout: float

    def program(self, name: str) -> str:
        if os.sep in name:
            return name
        path = os.environ.get("PATH", os.defpath) + os.pathsep + os.pathsep.join(_SBIN)
        return shutil.which(name, path=path) or name

    def run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``program -c DIR args...``; raise PostfixCommandError unless it exits 0 (with ``check``)."""
        argv = [self.program(program)]
        if self.config_dir is not None:
            argv += ["-c", str(self.config_dir)]
        argv += list(args)
        label = " ".join([Path(program).name, *args[:1]])
        try:
            done = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=self.timeout,
                                  env=child_environment(), stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise PostfixCommandError(f"{program} not found (install postfix, or set its path in the profile)",
                                      provider=PROVIDER) from None
        except PermissionError:
            raise PostfixCommandError(f"{program} is not executable (permission denied)", provider=PROVIDER) from None
        except subprocess.TimeoutExpired:
            raise PostfixCommandError(f"{label} timed out after {self.timeout:g}s", provider=PROVIDER) from None
        except OSError as e:
            raise PostfixCommandError(f"{program} could not start: {e.strerror}", provider=PROVIDER) from None
        if check and done.returncode != 0:
            how = f"was killed by signal {-done.returncode}" if done.returncode < 0 else \
                f"exited with status {done.returncode}"
            detail = last_line(done.stderr)
            raise PostfixCommandError(f"{label} {how}" + (f": {detail}" if detail else " (no stderr)"),
                                      provider=PROVIDER)
        return done

    # -- the commands a consumer needs ------------------------------------------------------
    def postconf(self, program: str, *names: str) -> dict[str, str]:
        """``postconf -x`` values of ``names`` ($variables expanded); absent names are left out."""
        done = self.run(program, "-x", *names)
        values: dict[str, str] = {}
        for line in done.stdout.splitlines():
            name, sep, value = line.partition(" = ")
            if not sep and line.endswith(" ="):
                name, sep, value = line[:-2], " =", ""
            if sep:
                values[name.strip()] = value.strip()
        return values

    def postmap(self, program: str, table: str) -> None:
        """Build the indexed map from its source (``postmap type:file``)."""
        self.run(program, table)

    def query(self, program: str, key: str, table: str) -> str | None:
        """``postmap -q key type:file``: the value, or None when the key is absent (exit 1)."""
        done = self.run(program, "-q", key, table, check=False)
        if done.returncode == 1 and not done.stderr.strip():
            return None
        if done.returncode != 0:
            detail = last_line(done.stderr)
            raise PostfixCommandError(f"postmap -q exited with status {done.returncode}"
                                      + (f": {detail}" if detail else ""), provider=PROVIDER)
        return done.stdout.rstrip("\n")

    def running(self, program: str) -> bool:
        """``postfix status`` exits 0 when the master daemon runs."""
        return self.run(program, "status", check=False).returncode == 0

    def reload(self, program: str) -> None:
        self.run(program, "reload")
