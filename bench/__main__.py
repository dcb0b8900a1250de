"""`python -m bench [--quick] [--device cpu|cuda] [--mnist DIR]`: run the benchmarks, print and save the table."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from .common import Report, machine

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run (under 2 minutes on 2 cores)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--mnist", type=Path, help="folder with the MNIST test IDX files")
    parser.add_argument(
        "--only",
        choices=("scaling", "lr_finder", "health", "sweep", "startup"),
        help="run one section alone (its own results file)",
    )
    parser.add_argument("--out", type=Path, help="where to write the table (default: bench/results/latest[-DEVICE].md)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from . import engine_bench, gc_bench, health_bench, lr_finder_bench, scaling_bench, sweep_bench, window_bench
    from .workloads import MNIST_DEFAULT

    if args.device != "cpu":
        from workbench.engine.device import resolve_device
        from workbench.spec import SpecError

        try:
            resolve_device(args.device)
        except SpecError as exc:
            raise SystemExit(f"bench: {exc}") from None

    mnist = args.mnist or (MNIST_DEFAULT if MNIST_DEFAULT.is_dir() else None)
    report = Report()
    started = time.perf_counter()
    print(f"Benchmarks on {args.device}{' (quick)' if args.quick else ''}", flush=True)
    if args.only is None:
        engine_bench.engine_overhead(report, args.quick, args.device, mnist)
        engine_bench.data_path(report, args.quick, args.device, mnist)
        engine_bench.limit(report, args.quick, args.device)
        engine_bench.histogram_cost(report, args.quick, args.device)
    if args.only in (None, "health"):
        health_bench.health_cost(report, args.quick, args.device)
    if args.only in (None, "scaling"):
        scaling_bench.scaling(report, args.quick, args.device)
    if args.device == "cpu" and args.only in (None, "sweep"):
        sweep_bench.sweep(report, args.quick)
    if args.device == "cpu" and args.only in (None, "lr_finder"):
        lr_finder_bench.lr_finder(report, args.quick)
    if args.device == "cpu" and args.only is None:
        window_bench.under_load(report, args.quick, args.device)
        window_bench.frame_cost(report, args.quick)
        gc_bench.memory(report, args.quick)
    if args.device == "cpu" and args.only in (None, "startup"):
        window_bench.startup(report, args.quick)
    took = time.perf_counter() - started
    header = (
        f"# Benchmark results ({'quick' if args.quick else 'full'} run{f' of {args.only}' if args.only else ''}, "
        f"device {args.device})\n\n"
        f"Machine: {machine()}\n\nRun took {took:.0f} s on {time.strftime('%Y-%m-%d %H:%M')}. "
        "Each ratio compares runs made back to back, round after round (the median of the rounds' "
        "ratios); absolute rates are context only.\n\n"
    )
    text = header + report.markdown() + "\n"
    print()
    print(text)
    name = "-".join(["latest", *([args.only] if args.only else []), *([args.device] if args.device != "cpu" else [])])
    out = args.out or RESULTS / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
