"""Drift guard: the newest allowed releases of everything, then mypy and ruff on this tree.

    python bench/drift.py [--keep] [--python PATH]

`tests/run.sh` installs the pinned versions of ``requirements/dev.txt``, so its result does not
change when the package index serves new releases. This script finds out, before a user does,
whether the next ``bash requirements/compile.sh --upgrade`` would break the checks: it creates a
temporary virtualenv, installs ``.[every extra]`` **without** the lock (pip picks the newest
release each range in ``pyproject.toml`` allows), prints which versions differ from the lock,
then runs ``mypy`` (strict, as configured) and ``ruff check`` from that venv on this tree.

Needs the package index (not loopback-only, hence not a pytest test). Exit status 0 when both
checks pass, 1 otherwise. ``--keep`` leaves the venv in place and prints its path.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "dev.txt"
CHECKS = {
    "mypy": ["-m", "mypy"],
    "ruff": ["-m", "ruff", "check", "smtpcreds", "plugins", "tests", "bench"],
}


def extras() -> list[str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as f:
        return sorted(tomllib.load(f)["project"].get("optional-dependencies", {}))


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, set[str]]:
    """``name -> {versions}`` of the lock (a name may have one version per Python range)."""
    pins: dict[str, set[str]] = {}
    if LOCK.exists():
        for line in LOCK.read_text().splitlines():
            m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
            if m:
                pins.setdefault(normalize(m.group(1)), set()).add(m.group(2))
    return pins


def run(cmd: list[str], env: dict[str, str]) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return proc.returncode, (proc.stdout + proc.stderr).strip(), time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", default=sys.executable, help="interpreter for the venv (default: this one)")
    p.add_argument("--keep", action="store_true", help="keep the temporary venv")
    args = p.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV")}
    env.pop("PYTHONPATH", None)
    tmp = Path(tempfile.mkdtemp(prefix="smtpcreds-drift-"))
    venv = tmp / "venv"
    py = str(venv / "bin" / "python")
    try:
        code, out, _ = run([args.python, "-m", "venv", str(venv)], env)
        if code:
            print(out)
            return 1
        spec = f".[{','.join(extras())}]"
        print(f"installing the newest allowed releases: pip install --upgrade -e '{spec}' (no constraints)")
        code, out, took = run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               "--upgrade", "--upgrade-strategy", "eager", "-e", spec], env)
        if code:
            print(out)
            print("drift: the newest releases do not install together")
            return 1
        print(f"installed in {took:.0f} s")
        code, out, _ = run([py, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"], env)
        installed = {normalize(d["name"]): d["version"] for d in json.loads(out)}
        pins = locked()
        newer = [(n, sorted(pins[n]), v) for n, v in sorted(installed.items()) if n in pins and v not in pins[n]]
        unpinned = sorted(set(installed) - set(pins) - {"pip", "setuptools", "smtpcreds"})
        print(f"\n{len(installed)} distributions; {len(newer)} differ from {LOCK.relative_to(ROOT)}:")
        for name, was, now in newer:
            print(f"  {name}: {' / '.join(was)} -> {now}")
        if unpinned:
            print(f"not in the lock: {', '.join(unpinned)} (run bash requirements/compile.sh)")

        failed = []
        for name, cmd in CHECKS.items():
            cache = ["--cache-dir", str(tmp / "mypy-cache")] if name == "mypy" else ["--no-cache"]
            code, out, took = run([py, *cmd, *cache], env)
            print(f"\n$ {name} ({took:.0f} s): {'ok' if code == 0 else f'FAILED (exit {code})'}")
            print("\n".join("  " + line for line in out.splitlines()[-40:]))
            if code:
                failed.append(name)
        print(f"\ndrift: {'FOUND in ' + ', '.join(failed) if failed else 'none'} "
              f"(newest releases as of {time.strftime('%Y-%m-%d')})")
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"venv kept: {venv}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
