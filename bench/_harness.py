"""What the benchmarks share: medians and spreads, tables, the machine, servers in a child process.

Benchmarks print figures; they never judge a single absolute time. Every comparison is made
side by side (A B A B ...), and what is quoted is a median with its min-max spread.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Spread:
    """The median of some measurements, with their smallest and largest."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, unit: Callable[[float], str] | None = None) -> str:
        f = unit or ratio
        return f"{f(self.median)} ({f(self.low)}-{f(self.high)})"


def seconds(value: float) -> str:
    """A duration with a unit that keeps three significant digits."""
    for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(value) >= scale or name == "µs":
            return f"{value / scale:.3g} {name}"
    return f"{value:.3g} s"


def ratio(value: float) -> str:
    return f"{value:.2f}"


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with aligned columns (also valid Markdown)."""
    cols = [headers, *rows]
    widths = [max(len(str(r[i])) for r in cols) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])


def pairwise(a: Sequence[float], b: Sequence[float]) -> Spread:
    """The ratios a[i] / b[i] of measurements taken side by side."""
    return Spread.of([x / y for x, y in zip(a, b, strict=True)])


def machine() -> str:
    """nproc, CPU model and Python version, for the record."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="fewer repetitions: a fast, rougher run")
    return p


def header(title: str, args: argparse.Namespace) -> None:
    print(f"# {title}{' (--quick)' if getattr(args, 'quick', False) else ''}")
    print(f"machine: {machine()}")
    print()


# -- an object (an emulator, a lab) served from a child process ---------------------------------
def _serve(pipe: Connection, factory: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        obj = factory(*args)
    except BaseException as e:
        pipe.send(e)
        return
    pipe.send("ready")
    while True:
        msg = pipe.recv()
        if msg is None:
            break
        fn, fargs = msg
        try:
            pipe.send(("ok", fn(obj, *fargs)))
        except BaseException as e:
            pipe.send(("error", repr(e)))
    stop = getattr(obj, "stop", None)
    if callable(stop):
        stop()


class Remote:
    """``factory(*args)`` built and kept in a child process; ``call(fn, ...)`` runs ``fn(obj, ...)`` there.

    The servers then spend their CPU outside the measured process, as a real provider does;
    ``fn`` and ``factory`` must be module-level functions (they are pickled).
    """

    def __init__(self, factory: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, factory, args), daemon=True)
        self._proc.start()
        first = self._pipe.recv()
        if isinstance(first, BaseException):
            raise first

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        self._pipe.send((fn, args))
        status, value = self._pipe.recv()
        if status != "ok":
            raise RuntimeError(f"in the server process: {value}")
        result: T = value
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.terminate()

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def flush() -> None:
    sys.stdout.flush()
