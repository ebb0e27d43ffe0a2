"""A short soak in the normal suite: 150 random operations with faults and SIGKILLed children
(bench/soak.py, fixed seed), which must lose no credential, leak no secret and break no invariant.
The long run (2,000 operations, several seeds) is documented in docs/reliability.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
SEED = 7

pytestmark = pytest.mark.slow


def test_short_soak_loses_no_credential_and_leaks_no_secret(tmp_path: Path) -> None:
    summary = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--ops", "150", "--seed", str(SEED), "--kill-rate", "0.1",
         "--summary-json", str(summary)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout.splitlines()[0].startswith(f"smtpcreds soak: seed {SEED} "), proc.stdout[:300]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    figures = json.loads(summary.read_text())
    assert figures["operations"] == 150
    assert figures["credentials_lost"] == 0
    assert figures["secrets_leaked"] == 0 and figures["secrets_scanned"] > 20
    assert figures["invariant_failures"] == []
    assert figures["invariant_checks"] >= 151
    assert figures["kills"] >= 1, "the run must include processes killed mid-rotation"
    assert sum(figures["faults_fired"].values()) >= 10, "the run must include faults that hit a request"
    assert set(figures["by_kind"]) == {"create", "update", "delete", "rotate", "resume", "push"}
    assert "RESULT: PASS" in proc.stdout


def test_the_soak_fails_when_a_secret_is_printed(tmp_path: Path) -> None:
    """The leak scan is not a formality: a password printed on purpose makes the run fail."""
    summary = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--ops", "8", "--seed", "1", "--kill-rate", "0", "--fault-rate", "0",
         "--leak-canary", "--summary-json", str(summary)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    figures = json.loads(summary.read_text())
    assert figures["secrets_leaked"] == 1 and figures["credentials_lost"] == 0
    assert "RESULT: FAIL" in proc.stdout
