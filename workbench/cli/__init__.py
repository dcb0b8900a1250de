"""The `workbench` command's subcommands, without a window (`workbench.__main__` opens the window
when there are no arguments).

Exit codes: 0 the command did its job, 1 a run or export failed, 2 bad input (a file or option).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..i18n import LANGUAGES, set_language
from ..spec.memory import LIMIT_ENV, parse_bytes
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, ClosedPipeSafe
from .inspect import inspect_command

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "main"]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _size(text: str) -> int:
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _memory_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-memory",
        type=_size,
        metavar="SIZE",
        help=f"memory a run or model may use, like 8G or 512M (default: what the machine has free; also {LIMIT_ENV})",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Build neural networks in forms, train them and watch them learn. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument(
        "--lang",
        choices=sorted(LANGUAGES),
        help="the language to speak (default: the system's, from LANG); the window has View > Language",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    inspect = commands.add_parser(
        "inspect",
        help="print a network's layers, output shapes and parameter counts",
        description="Print every layer's output shape and parameter count, and the total.",
    )
    inspect.add_argument("file", type=Path, help="an experiment file (.json)")
    _memory_option(inspect)

    train = commands.add_parser(
        "train",
        help="train an experiment, or continue a saved run, without the window",
        description="Train an experiment, or continue the run saved in a model file; Ctrl-C stops after the "
        "current batch and still saves the best model.",
    )
    train.add_argument(
        "file", type=Path, help="an experiment file (.json), or a model file (.pt) whose run to continue"
    )
    train.add_argument(
        "--epochs", type=_positive, help="override the number of epochs (for a model file: how many more)"
    )
    train.add_argument("--device", help="override the device: auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--out", type=Path, help="write the best model to this .pt file")
    train.add_argument(
        "--save-every",
        type=_positive,
        metavar="N",
        help="also write --out every N epochs, so that a run cut short continues from it (workbench train OUT.pt)",
    )
    train.add_argument("--metrics-out", type=Path, help="write one JSON line of metrics per epoch to this file")
    _memory_option(train)

    find = commands.add_parser(
        "find-lr",
        help="suggest a learning rate (a short range test)",
        description="Train a throwaway copy of the network for a few batches with a growing learning rate, "
        "print the loss against the rate and suggest one. The experiment file is not changed.",
    )
    find.add_argument("file", type=Path, help="an experiment file (.json)")
    _memory_option(find)

    evaluate = commands.add_parser(
        "evaluate", help="test a trained model", description="Loss, accuracy and confusion matrix on the test split."
    )
    evaluate.add_argument("model", type=Path, help="a model file written by Workbench (.pt)")
    evaluate.add_argument("--data", type=Path, help="evaluate on this experiment's dataset instead")
    _memory_option(evaluate)

    export = commands.add_parser(
        "export",
        help="convert a trained model for use outside Workbench",
        description="Write a model file as TorchScript or ONNX.",
    )
    export.add_argument("model", type=Path, help="a model file written by Workbench (.pt)")
    export.add_argument("--format", choices=("torchscript", "onnx"), required=True)
    export.add_argument("--out", type=Path, required=True, help="the file to write")
    _memory_option(export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `workbench` command; returns the exit status."""
    args = _parser().parse_args(argv)
    set_language(args.lang)  # None: the system's
    real_stdout = sys.stdout
    if args.command is not None:
        sys.stdout = ClosedPipeSafe(real_stdout)
    try:
        return _run(args)
    except KeyboardInterrupt:  # a second Ctrl-C: quit at once, quietly
        print("\nworkbench: stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        sys.stdout = real_stdout


def _run(args: argparse.Namespace) -> int:
    if args.command == "inspect":
        return inspect_command(args.file, memory_limit=args.max_memory)
    if args.command == "train":
        from .train import train_command  # torch is imported only by the commands that need it

        return train_command(
            args.file,
            epochs=args.epochs,
            device=args.device,
            out=args.out,
            metrics_out=args.metrics_out,
            save_every=args.save_every,
            memory_limit=args.max_memory,
        )
    if args.command == "find-lr":
        from .find_lr import find_lr_command

        return find_lr_command(args.file, memory_limit=args.max_memory)
    if args.command == "evaluate":
        from .models import evaluate_command

        return evaluate_command(args.model, args.data, memory_limit=args.max_memory)
    if args.command == "export":
        from .models import export_command

        return export_command(args.model, args.format, args.out, memory_limit=args.max_memory)
    _parser().print_help(sys.stderr)  # no command: `workbench.__main__` opens the window instead
    return EXIT_BAD_INPUT
