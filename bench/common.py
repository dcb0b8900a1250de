"""Shared helpers: timing, interleaving, the result table and the machine description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the results table."""

    section: str
    name: str
    value: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Report:
    """The table the runner prints and writes."""

    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(
            f"  {row.section} | {row.name}: {row.value}"
            + (f" vs {row.baseline}" if row.baseline else "")
            + (f" -> ratio {row.ratio:.3f}" if row.ratio is not None else ""),
            flush=True,
        )
        return row

    def markdown(self) -> str:
        lines = [
            "| Section | Measurement | Workbench | Baseline | Ratio | Target | Met | Note |",
            "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
        ]
        for r in self.rows:
            ratio = f"{r.ratio:.3f}" if r.ratio is not None else ""
            met = "" if r.met is None else ("yes" if r.met else "**no**")
            lines.append(
                f"| {r.section} | {r.name} | {r.value} | {r.baseline} | {ratio} | {r.target} | {met} | {r.note} |"
            )
        return "\n".join(lines)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `fn()` over `repeats` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(runs: Sequence[Callable[[], float]], repeats: int) -> list[list[float]]:
    """Run A B C A B C ... (after one warm-up of each): every run's rates (higher is better).

    Back to back, the runs of one round see the same state of this machine, whose speed drifts
    by tens of percent over minutes; compare them round by round with `paired`.
    """
    for run in runs:
        run()
    rates: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, out in zip(runs, rates, strict=True):
            out.append(run())
    return rates


def paired(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """Median of `a`, median of `b`, and the median of the round-by-round ratios a/b."""
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def machine() -> str:
    """CPU model, cores and library versions, for the results header."""
    import torch

    try:
        from PySide6.QtCore import qVersion
    except ImportError:  # a GPU machine may run the engine benchmarks without Qt
        qt = "Qt not installed"
    else:
        qt = f"Qt {qVersion()}"
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (
        f"{cpu}, {os.cpu_count()} cores (torch uses {torch.get_num_threads()} threads); GPU: {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, {qt}"
    )


def rate(value: float, unit: str = "samples/s") -> str:
    """A rate with thousands separators."""
    return f"{value:,.0f} {unit}"
