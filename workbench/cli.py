"""The `workbench` command: no arguments opens the window; subcommands work without one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .spec import ExperimentSpec, NetworkAnalysis, SpecError, format_shape
from .spec.peek import DataProblem

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Build neural networks in forms, train them and watch them learn. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    inspect = commands.add_parser(
        "inspect",
        help="print a network's layers, output shapes and parameter counts",
        description="Print every layer's output shape and parameter count, and the total.",
    )
    inspect.add_argument("file", type=Path, help="an experiment file (.json)")
    return parser


def _table(analysis: NetworkAnalysis, out: TextIO) -> None:
    rows = [("#", "layer", "output shape", "parameters", "inferred")]
    for row in analysis.rows:
        shape = format_shape(row.output_shape) if row.output_shape is not None else "error"
        inferred = ", ".join(f"{name}={value}" for name, value in row.inferred.items())
        rows.append((str(row.index), row.layer.summary(), shape, f"{row.params:,}", inferred))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        line = f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]}"
        print(line.rstrip(), file=out)
    print(f"total parameters: {analysis.total_params:,}", file=out)


def inspect_command(path: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the shape table of the experiment in `path`; exit 2 when it cannot train as written."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        experiment = ExperimentSpec.load(path)
    except SpecError as exc:
        print(f"workbench: {exc}", file=err)
        return EXIT_BAD_INPUT
    base_dir = path.resolve().parent
    title = experiment.name or path.stem
    try:
        shape = experiment.data_shape(base_dir)
    except DataProblem as exc:
        print(f"workbench: {path}: {exc.problem}", file=err)
        return EXIT_BAD_INPUT
    print(f"{title}: {experiment.dataset.kind} data, input {format_shape(shape.input_shape)}", file=out)
    _table(experiment.network.analyze(shape.input_shape), out)
    problems = experiment.check(base_dir)
    if problems:
        print(f"workbench: {path} cannot train as written:", file=err)
        for problem in problems:
            print(f"  {problem}", file=err)
        return EXIT_BAD_INPUT
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `workbench` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "inspect":
        return inspect_command(args.file)
    from .gui import main as gui_main  # Qt is imported only when a window is wanted

    return gui_main()
