"""Fixtures for rotation tests: the lab (emulators + SMTP server) and connections to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """No waiting between SMTP verification attempts (the emulators are instant)."""
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["mailersend", "smtp2go", "webitel"]) as running:
        yield running


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "app" / ".env"
    path.parent.mkdir()
    path.write_text("# app settings\nAPP_NAME=billing\n\nSMTP_HOST=old.example.com\nDEBUG=false\n")
    path.chmod(0o640)
    return path


@pytest.fixture
def hook_script(tmp_path: Path) -> Path:
    """An exec consumer hook that records the JSON it receives; fails while a flag file exists."""
    import sys

    script = tmp_path / "hook.py"
    received = tmp_path / "hook-received.json"
    flag = tmp_path / "hook-fail"
    script.write_text(
        "import json, os, sys\n"
        f"data = sys.stdin.read()\n"
        f"if os.path.exists({str(flag)!r}):\n"
        "    print('hook: app config is read-only', file=sys.stderr)\n"
        "    sys.exit(3)\n"
        f"open({str(received)!r}, 'w').write(data)\n"
        f"open({str(received)!r} + '.argv', 'w').write(json.dumps(sys.argv))\n"
        f"open({str(received)!r} + '.env', 'w').write(json.dumps(dict(os.environ)))\n"
    )
    script.chmod(0o755)
    (tmp_path / "python").write_text(sys.executable)
    return script


@pytest.fixture
def config(lab: Lab, env_file: Path, hook_script: Path) -> Any:
    import sys

    return lab.config({
        "app-env": {"provider": "envfile", "path": str(env_file)},
        "hook": {"provider": "exec", "command": [sys.executable, str(hook_script)], "timeout": 20},
    })


@pytest.fixture
def connect(config: Any) -> Iterator[Callable[[str], Connection]]:
    made: dict[str, Connection] = {}

    def get(name: str) -> Connection:
        if name not in made:
            made[name] = Connection(name, config.profile(name), config=config)
        return made[name]

    yield get
    for conn in made.values():
        conn.close()
