"""CLI start-up: whole processes, timed side by side, in the environment a user has.

    python bench/startup.py [--quick] [--runs N] [--venv DIR | --here] [--no-bytecode-cache] [--explain]

By default the script first builds a temporary virtualenv with a regular (non-editable)
``pip install -c requirements/dev.txt '.[dev,docs]'`` -- about a hundred installed
distributions, as a developer's or a CI venv has -- and runs itself there (``--venv DIR`` keeps
that venv in DIR and reuses it next time; ``--here`` measures the current environment as it is).
Not the development venv: an editable install adds a ``.pth`` hook that imports ``pathlib``,
``re``, ``urllib.parse``... at *every* interpreter start, ``python -c "import click"`` included,
which inflates the denominator and makes every ratio look better than a user's.

Pairs, run A B A B ... with the median of the pairwise ratios:

* ``smtpcreds --help`` against ``python -c "import click"`` (the floor of any click CLI);
* shell completion of the command names (``_SMTPCREDS_COMPLETE=bash_complete``,
  ``COMP_WORDS="smtpcreds "``, ``COMP_CWORD=1``) and of a built-in group's sub-commands
  (``smtpcreds creds <TAB>``) against the same;
* ``smtpcreds --json creds list`` (one HTTP call to a MailerSend emulator this script starts;
  the profile comes from ``SMTPCREDS_PROFILES__MS__*``) against ``python -c "import mailersend"``
  (merely importing the official SDK).

The interpreter and the console script are called directly (``sys.executable`` and the
``smtpcreds`` script beside it), not through a version-manager shim that would add the same
shell start-up to both sides. Bytecode is cached in a temporary ``PYTHONPYCACHEPREFIX`` as an
installed package has it; ``--no-bytecode-cache`` keeps the environment as it is (with
``PYTHONDONTWRITEBYTECODE=1`` an editable install recompiles its modules at every start).
Wall time is measured around each child, CPU time (user + system) from ``os.wait4``; every
`creds list` run is checked to print one item and to make one HTTP call.
``--explain`` prints the slowest imports of each smtpcreds command (``python -X importtime``).
The plugin-command cache (smtpcreds/cli/plugin_commands.py) lives in a temporary
``SMTPCREDS_CACHE_DIR``; the warm-up runs fill it, as a user's first command does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _harness import Spread, header, parser, ratio, seconds, table

ROOT = Path(__file__).resolve().parent.parent
IN_VENV = "SMTPCREDS_BENCH_VENV"
TARGET_HELP = 1.3  # smtpcreds --help (and completion) <= 1.3 x import click
TARGET_LIST = 1.0  # one-call command faster than importing the SDK


def smtpcreds_script() -> str:
    beside = Path(sys.executable).with_name("smtpcreds")
    found = str(beside) if beside.exists() else shutil.which("smtpcreds")
    if not found:
        sys.exit("the smtpcreds console script is not installed (pip install -e .)")
    return found


def run(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + system) and stdout of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = b"", b""
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, out


def in_fresh_venv(venv: Path | None) -> int:
    """Build (or reuse) a non-editable venv with the full dev install and run this script there."""
    tmp = None
    if venv is None:
        tmp = tempfile.mkdtemp(prefix="smtpcreds-startup-")
        venv = Path(tmp) / "venv"
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        if not py.exists():
            print(f"building {venv}: pip install -c requirements/dev.txt '.[dev,docs]' (non-editable)...",
                  flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            "-c", str(ROOT / "requirements" / "dev.txt"), f"{ROOT}[dev,docs]"],
                           check=True, env=env)
        # cwd outside the repository: "" on sys.path must not find the source tree or its egg-info
        return subprocess.run([str(py), __file__, *sys.argv[1:]], env={**env, IN_VENV: str(venv)},
                              cwd=tempfile.gettempdir(), check=False).returncode
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def describe_install() -> str:
    """How smtpcreds is installed here, and among how many distributions."""
    from importlib import metadata

    dist = metadata.distribution("smtpcreds")
    direct = dist.read_text("direct_url.json") or ""
    kind = "editable" if '"editable": true' in direct.replace("'", '"') else "regular (non-editable)"
    return f"smtpcreds {dist.version}, {kind} install among {sum(1 for _ in metadata.distributions())} distributions"


def environment(base_url: str, token: str, domain: str, tmp: str, cache: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
    env.update({
        "SMTPCREDS_CONFIG": os.path.join(tmp, "no-config.toml"),
        "SMTPCREDS_STATE_DIR": os.path.join(tmp, "state"),
        "SMTPCREDS_CACHE_DIR": os.path.join(tmp, "cache"),
        "SMTPCREDS_PROFILES__MS__PROVIDER": "mailersend",
        "SMTPCREDS_PROFILES__MS__BASE_URL": base_url,
        "SMTPCREDS_PROFILES__MS__API_TOKEN": token,
        "SMTPCREDS_PROFILES__MS__DOMAIN_ID": domain,
    })
    if cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    return env


def compare(a: Sequence[str], b: Sequence[str], env: dict[str, str], runs: int,
            check: Any = None) -> dict[str, Any]:
    for _ in range(3):  # warm-up: bytecode written, files in the page cache
        run(a, env)
        run(b, env)
    res: dict[str, list[float]] = {k: [] for k in ("a_wall", "b_wall", "a_cpu", "b_cpu", "wall", "cpu")}
    for _ in range(runs):
        aw, ac, out = run(a, env)
        bw, bc, _ = run(b, env)
        if check is not None:
            check(out)
        res["a_wall"].append(aw)
        res["b_wall"].append(bw)
        res["a_cpu"].append(ac)
        res["b_cpu"].append(bc)
        res["wall"].append(aw / bw)
        res["cpu"].append(ac / bc)
    return {k: Spread.of(v) for k, v in res.items()}


def explain(cmd: Sequence[str], env: dict[str, str]) -> None:
    """The imports that cost most (self time, µs), from ``python -X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "smtpcreds", *cmd[1:]], env=env,
                          capture_output=True, text=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            parts = line.split("|")
            try:
                rows.append((int(parts[1]), int(parts[0].split(":")[1]), parts[2].rstrip()))
            except ValueError:
                continue
    print(f"slowest imports of `smtpcreds {' '.join(cmd[1:])}` (cumulative µs, self µs, module):")
    for cum, own, name in sorted(rows, reverse=True)[:15]:
        print(f"  {cum:>8} {own:>8} {name}")
    print()


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, help="pairs per comparison (default 40; --quick 10)")
    p.add_argument("--no-bytecode-cache", action="store_true", help="leave bytecode settings as they are")
    p.add_argument("--explain", action="store_true", help="print the slowest imports of each command")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--venv", type=Path, help="build the measured venv here (kept), or reuse it")
    where.add_argument("--here", action="store_true", help="measure the current environment as it is")
    args = p.parse_args()
    if not args.here and IN_VENV not in os.environ:
        return in_fresh_venv(args.venv)
    runs = args.runs or (10 if args.quick else 40)
    header("CLI start-up (whole processes)", args)
    print(f"environment: {sys.prefix}: {describe_install()}")
    print()

    from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_DOMAIN_ID, MailerSendEmulator

    script = smtpcreds_script()
    emu = MailerSendEmulator(rate_limit_per_minute=None).start()
    emu.seed_smtp_users(1)
    with tempfile.TemporaryDirectory(prefix="smtpcreds-bench-") as tmp:
        env = environment(emu.base_url, API_TOKEN, DEFAULT_DOMAIN_ID, tmp, not args.no_bytecode_cache)
        py = sys.executable

        def one_item(out: bytes) -> None:
            items = json.loads(out)
            assert isinstance(items, list) and len(items) == 1, out[:200]

        def completes(*names: str) -> Any:
            def check(out: bytes) -> None:
                assert {f"plain,{n}" for n in names} <= set(out.decode().split()), out[:300]
            return check

        help_cmd = [script, "--help"]
        list_cmd = [script, "--json", "creds", "list"]
        click_cmd = [py, "-c", "import click"]
        top = {**env, "_SMTPCREDS_COMPLETE": "bash_complete", "COMP_WORDS": "smtpcreds ", "COMP_CWORD": "1"}
        sub = {**top, "COMP_WORDS": "smtpcreds creds ", "COMP_CWORD": "2"}
        emu.requests.clear()
        helps = compare(help_cmd, click_cmd, env, runs)
        tops = compare([script], click_cmd, top, runs, check=completes("creds", "mailersend", "rotations"))
        subs = compare([script], click_cmd, sub, runs, check=completes("list", "rotate"))
        lists = compare(list_cmd, [py, "-c", "import mailersend"], env, runs, check=one_item)
        calls = len(emu.requests) / (runs + 3)
        if args.explain:
            explain(help_cmd, env)
            explain(list_cmd, env)
    emu.stop()

    cache = "as it is" if args.no_bytecode_cache else "cached (PYTHONPYCACHEPREFIX)"
    print(f"{runs} pairs per comparison, interleaved A B A B; bytecode {cache}; HTTP calls per "
          f"`creds list`: {calls:.2f}.")
    print()
    rows = []
    for r, a, b in ((helps, "smtpcreds --help", "import click"),
                    (tops, "smtpcreds <TAB> (bash_complete)", "import click"),
                    (subs, "smtpcreds creds <TAB>", "import click"),
                    (lists, "smtpcreds --json creds list", "import mailersend")):
        rows.append([f"{a} / {b}", r["a_wall"].fmt(seconds), r["b_wall"].fmt(seconds), r["wall"].fmt(ratio),
                     r["cpu"].fmt(ratio)])
    print(table(["A / B", "A wall", "B wall", "A/B wall", "A/B CPU"], rows))
    print()
    lw = lists["wall"].median
    for name, r in (("--help", helps), ("<TAB>", tops), ("creds <TAB>", subs)):
        h = r["wall"].median
        print(f"target {name} <= {TARGET_HELP} x import click: {ratio(h)} -> "
              f"{'met' if h <= TARGET_HELP else 'MISSED'}")
    print(f"target creds list faster than import mailersend: {ratio(lw)} -> "
          f"{'met' if lw < TARGET_LIST else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
