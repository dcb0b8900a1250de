"""The `workbench` command's subcommands, without a window (`workbench.__main__` opens the window
when there are no arguments).

Exit codes: 0 the command did its job, 1 a run or export failed, 2 bad input (a file or option).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..engine.distributed import DEFAULT_PORT
from ..i18n import LANGUAGES, N_, _, ngettext, offered, set_language
from ..spec import ExperimentSpec, SpecError, find_experiment, preset_names, preset_path
from ..spec.memory import LIMIT_ENV, parse_bytes
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, ClosedPipeSafe, fail, table, width, wrap
from .inspect import inspect_command

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "main"]


# argparse's own words (the help's headings, its error lines) come from its module-level gettext
# calls: it is given this catalog (below, in `main`), so they are in it too, %-placeholders and all.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, with Chinese wrapped by the columns it takes on a terminal (two a
    character) and between any two characters; text without wide characters is argparse's own."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(heading)
        if heading and _wide(heading):
            self._wide_headings = [*getattr(self, "_wide_headings", []), heading]

    def format_help(self) -> str:
        # argparse ends a heading with an ASCII colon of its own; Chinese writes "：".
        text = super().format_help()
        for heading in getattr(self, "_wide_headings", []):
            text = re.sub(rf"^(\s*){re.escape(heading)}:$", rf"\g<1>{heading}：", text, flags=re.MULTILINE)
        return text

    def _split_lines(self, text: str, width_: int) -> list[str]:
        if not _wide(text):
            return super()._split_lines(text, width_)
        return wrap(self._whitespace_matcher.sub(" ", text).strip(), width_)

    def _fill_text(self, text: str, width_: int, indent: str) -> str:
        if not _wide(text):
            return super()._fill_text(text, width_, indent)
        return "\n".join(
            indent + line for line in wrap(self._whitespace_matcher.sub(" ", text).strip(), width_ - len(indent))
        )


class _Version(argparse.Action):
    """`--version`: what `version_text` says (PyTorch is imported only when it is asked for)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(version_text())
        parser.exit()


def version_text() -> str:
    """Workbench's version, the versions it runs on, and the devices it can train on."""
    from importlib.metadata import PackageNotFoundError, version

    import torch

    from ..engine.device import available_devices, device_label

    try:
        qt = version("PySide6")  # PySide6 x.y.z ships Qt x.y.z; the command line imports no Qt
    except PackageNotFoundError:
        qt = "?"
    devices = ", ".join(device_label(torch.device(d)) for d in available_devices())
    said = _("devices: {devices}").format(devices=devices)
    return f"workbench {__version__} · PyTorch {torch.__version__} · Qt {qt} (PySide6) · {said}"


def _wide(text: str) -> bool:
    return width(text) != len(text)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0  # "abc", "2.5": argparse would name this function in its message
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be a whole number, 1 or more"))
    return value


def _language(text: str) -> str:
    """`--lang`: any name of an offered language (`zh_CN.UTF-8`, `zh-CN`, `zh`), as LANG writes it."""
    code = offered(text)
    if code is None:
        raise argparse.ArgumentTypeError(
            _("Workbench does not speak {name}: choose one of {choices}").format(
                name=text, choices=", ".join(sorted(LANGUAGES))
            )
        )
    return code


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
        help=_(
            "memory a run or model may use, like 8G or 512M (default: what the machine has free; also {variable})"
        ).format(variable=LIMIT_ENV),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        formatter_class=_HelpFormatter,
        description=_(
            "Build neural networks in forms, train them and watch them learn. Without a command, opens the window."
        ),
    )
    parser.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        help=_("show the version of Workbench, PyTorch and Qt, and the devices found, and exit"),
    )
    parser.add_argument(
        "--lang",
        type=_language,
        metavar="{" + ",".join(sorted(LANGUAGES)) + "}",
        help=_("the language to speak (default: the system's, from LANG); the window has View > Language"),
    )
    entry = parser.add_mutually_exclusive_group()
    entry.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help=_("put Workbench in this user's application menu (the entry, its icon and its metainfo)"),
    )
    entry.add_argument(
        "--uninstall-desktop-entry", action="store_true", help=_("take Workbench out of the application menu again")
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    inspect = commands.add_parser(
        "inspect",
        formatter_class=_HelpFormatter,
        help=_("print a network's layers, output shapes and parameter counts"),
        description=_("Print every layer's output shape and parameter count, and the total."),
    )
    inspect.add_argument("file", type=Path, help=_experiment_help())
    _memory_option(inspect)

    train = commands.add_parser(
        "train",
        allow_abbrev=False,  # a launch option is left out of each process's command by its full name
        formatter_class=_HelpFormatter,
        help=_("train an experiment, or continue a saved run, without the window"),
        description=_(
            "Train an experiment, or continue the run saved in a model file; Ctrl-C stops after the "
            "current batch and still saves the best model."
        ),
    )
    train.add_argument(
        "file",
        type=Path,
        help=_("an experiment file (.json) or a preset's name, or a model file (.pt) whose run to continue"),
    )
    train.add_argument(
        "--epochs", type=_positive, help=_("override the number of epochs (for a model file: how many more)")
    )
    train.add_argument("--device", help=_("override the device: auto, cpu, cuda, cuda:N or mps"))
    train.add_argument("--out", type=Path, help=_("write the best model to this .pt file"))
    train.add_argument(
        "--save-every",
        type=_positive,
        metavar="N",
        help=_("also write {option} every N epochs, so that a run cut short continues from it ({command})").format(
            option="--out", command="workbench train OUT.pt"
        ),
    )
    train.add_argument("--metrics-out", type=Path, help=_("write one JSON line of metrics per epoch to this file"))
    train.add_argument(
        "--seeds",
        type=_positive,
        metavar="K",
        help=_(
            "train the experiment K times, each with its own seed (its seed and the ones after it), and print "
            "the mean and spread; {option} is then a folder (default: NAME-seeds), as in {command}"
        ).format(option="--out", command="workbench sweep"),
    )
    _memory_option(train)
    _launch_options(train)
    train.add_argument("--base-dir", type=Path, help=argparse.SUPPRESS)  # a window's launched run: its data folder

    sweep = commands.add_parser(
        "sweep",
        formatter_class=_HelpFormatter,
        help=_("train an experiment for each value of one setting, over several seeds, and compare"),
        description=_(
            "Train the experiment for each value of one of its settings, each with several seeds, one "
            "process a run; write each run's model, summary.csv and summary.json to the folder, and say "
            "whether the best value beats the next by more than the seeds' spread. Run again with the "
            "same options to keep the runs that finished and train the others."
        ),
    )
    sweep.add_argument("file", type=Path, help=_experiment_help())
    sweep.add_argument(
        "--vary",
        metavar="SETTING=VALUES",
        help=_(
            "the setting by its place in the experiment file and its values: {example}, or LOW..HIGH:N for N "
            "values spaced on a log scale (without it: the experiment itself, over the seeds)"
        ).format(example="training.optimizer.lr=1e-4,1e-3,1e-2"),
    )
    sweep.add_argument(
        "--variants",
        action="store_true",
        help=_("instead of --vary: the variants the experiment file carries (such as the RNN and the LSTM)"),
    )
    sweep.add_argument("--seeds", type=_positive, default=3, metavar="K", help=_("seeds for each value (default: 3)"))
    sweep.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help=_("the folder for the runs and the summary")
    )
    sweep.add_argument(
        "--parallel", type=_positive, default=1, metavar="N", help=_("runs at once, the cores shared (default: 1)")
    )
    sweep.add_argument("--epochs", type=_positive, help=_("override the number of epochs"))

    exercise = commands.add_parser(
        "exercise",
        formatter_class=_HelpFormatter,
        help=_("check a saved run against an exercise"),
        description=_("Exercises: a starting experiment, what may not change, and a goal the run's results must meet."),
    )
    tasks = exercise.add_subparsers(dest="task", metavar="TASK", required=True)
    checking = tasks.add_parser(
        "check",
        formatter_class=_HelpFormatter,
        help=_("whether a saved run solves an exercise (exit 0 solved, 1 not, 2 refused)"),
        description=_(
            "Check the run saved in a model file against an exercise, condition by condition. A run whose "
            "experiment changes a setting the exercise locks is refused."
        ),
    )
    checking.add_argument("exercise", type=Path, help=_("an exercise file (.json), or a bundle of them"))
    checking.add_argument("model", type=Path, help=_("the model file (.pt) of the student's run"))
    checking.add_argument("--exercise", dest="name", metavar="NAME", help=_("which exercise of a bundle"))
    making = tasks.add_parser(
        "new",
        formatter_class=_HelpFormatter,
        help=_("write an exercise to edit, from an experiment"),
        description=_(
            "Write an exercise file from an experiment or a preset: its data locked, a goal on its validation "
            "result, texts to fill in. Edit it, then check a run against it."
        ),
    )
    making.add_argument("file", type=Path, help=_experiment_help())
    making.add_argument("--out", type=Path, required=True, help=_("the exercise file to write"))
    making.add_argument(
        "--name", default="exercise", help=_("the exercise's name in files (a-z, 0-9 and _; default: exercise)")
    )
    bundling = tasks.add_parser(
        "bundle",
        formatter_class=_HelpFormatter,
        help=_("put several exercises into one file"),
        description=_("Put several exercise files (or bundles) into one bundle, for students to open at once."),
    )
    bundling.add_argument("exercises", type=Path, nargs="+", help=_("exercise files (.json)"))
    bundling.add_argument("--out", type=Path, required=True, help=_("the bundle to write"))
    bundling.add_argument("--title", default="Exercises", help=_("the bundle's title (default: Exercises)"))

    find = commands.add_parser(
        "find-lr",
        formatter_class=_HelpFormatter,
        help=_("suggest a learning rate (a short range test)"),
        description=_(
            "Train a throwaway copy of the network for a few batches with a growing learning rate, "
            "print the loss against the rate and suggest one. The experiment file is not changed."
        ),
    )
    find.add_argument("file", type=Path, help=_experiment_help())
    _memory_option(find)

    evaluate = commands.add_parser(
        "evaluate",
        formatter_class=_HelpFormatter,
        help=_("test a trained model"),
        description=_("Loss, accuracy and confusion matrix on the test split."),
    )
    evaluate.add_argument("model", type=Path, help=_("a model file written by Workbench (.pt)"))
    evaluate.add_argument(
        "--data", type=Path, help=_("evaluate on this experiment's dataset instead (a file or a preset's name)")
    )
    _memory_option(evaluate)

    commands.add_parser(
        "presets",
        formatter_class=_HelpFormatter,
        help=_("list the bundled presets, which every command takes by name"),
        description=_("The experiments that come with Workbench: their names and what each shows."),
    )

    export = commands.add_parser(
        "export",
        formatter_class=_HelpFormatter,
        help=_("convert a trained model for use outside Workbench, or write a run as PyTorch code"),
        description=_(
            "Write a model file as TorchScript or ONNX; or a run (a model file, an experiment file or a "
            "preset's name) as a plain PyTorch script or Jupyter notebook that trains it the same way."
        ),
    )
    export.add_argument(
        "model",
        type=Path,
        help=_("a model file written by Workbench (.pt); for script and notebook also an experiment or a preset"),
    )
    export.add_argument("--format", choices=("torchscript", "onnx", "script", "notebook"), required=True)
    export.add_argument("--out", type=Path, required=True, help=_("the file to write"))
    _memory_option(export)
    return parser


def _launch_options(train: argparse.ArgumentParser) -> None:
    scale = train.add_argument_group(
        _("several processes (DDP)"),
        _(
            "Train on N processes at once, each on its share of every epoch: one per GPU, or CPU "
            "processes. PyTorch's launcher (torch.distributed.run) starts them; on several machines, "
            "run the same command on each."
        ),
    )
    scale.add_argument(
        "--nproc",
        type=_positive,
        metavar="N",
        help=_("processes on this machine (default: the experiment's training.processes, 1 unless it says)"),
    )
    scale.add_argument("--nnodes", type=_positive, default=1, metavar="N", help=_("machines taking part (default: 1)"))
    scale.add_argument(
        "--node-rank", type=int, default=0, metavar="R", help=_("this machine's number, from 0 (with --master-addr)")
    )
    scale.add_argument("--master-addr", metavar="HOST", help=_("the address of machine 0, where the others meet"))
    scale.add_argument(
        "--master-port",
        type=_positive,
        default=DEFAULT_PORT,
        metavar="PORT",
        help=_("its port (default: {port})").format(port=DEFAULT_PORT),
    )
    scale.add_argument(
        "--rdzv-endpoint",
        metavar="HOST:PORT",
        help=_("instead of the two above: a meeting point every machine runs the same command with"),
    )


def _processes(path: Path) -> int:
    """The processes an experiment file asks for (`training.processes`); 1 for a model file or a
    file that does not load (the command then says why)."""
    if path.suffix.lower() == ".pt":
        return 1
    try:
        return ExperimentSpec.load(path).training.processes
    except SpecError:
        return 1


def _repeat(args: argparse.Namespace) -> int:
    """`workbench train EXP --seeds K`: the sweep of no setting, K seeds, one run after another."""
    unmixed = (
        ("--nproc", args.nproc is not None),
        ("--nnodes", args.nnodes != 1),
        ("--save-every", args.save_every is not None),
        ("--metrics-out", args.metrics_out is not None),
        ("--device", args.device is not None),
    )
    other = next((option for option, given in unmixed if given), None)
    if args.file.suffix == ".pt":
        return fail(
            _("{option} trains an experiment again: give an experiment file, not a model file").format(option="--seeds")
        )
    if other is not None:
        return fail(_("{option} cannot be used with {other}").format(option="--seeds", other=other))
    from .sweep import sweep_command

    out = args.out or Path(f"{args.file.stem}-seeds")
    return sweep_command(args.file, None, args.seeds, out, 1, args.epochs)


def _launch(args: argparse.Namespace, argv: Sequence[str]) -> int | None:
    """A train command with launch options: checked here once, then started on every process
    through PyTorch's launcher (`cli.launch`); None when it asks for one process."""
    from ..engine.distributed import Launch
    from ..engine.launcher import quiet_launcher, run_launcher
    from .launch import meeting_problem, without_launch_options

    if os.environ.get("WORLD_SIZE") and args.nproc is None and args.nnodes == 1:
        return None  # one of the processes a launcher started (torchrun -m workbench train ...)
    nproc = args.nproc or _processes(args.file)
    launch = Launch(nproc, args.nnodes, args.node_rank, args.master_addr, args.master_port, args.rdzv_endpoint)
    if launch.nproc * launch.nnodes == 1:
        return None
    quiet_launcher()
    problem = launch.problem() or meeting_problem(launch)
    if problem is None and os.environ.get("WORLD_SIZE"):
        problem = _("this process was started by a launcher already: leave out {option}").format(option="--nproc")
    if problem is not None:
        return fail(problem)
    from .train import check_run

    refused = check_run(
        args.file, args.epochs, args.device, launch.nproc, args.out, args.save_every, args.max_memory, args.base_dir
    )
    if refused is not None:  # said once, here, not by every process
        return fail(refused)
    return run_launcher(launch, ["-m", "workbench", *without_launch_options(argv)])


def _language_asked(argv: Sequence[str]) -> str | None:
    """The language `--lang X` (or `--lang=X`) asks for, read before the parser is built so that its
    help speaks it; None when not given (or not one offered: the parser then says so)."""
    for i, arg in enumerate(argv):
        if arg == "--" or not arg.startswith("-"):
            break  # `--lang` is an option of `workbench` itself: it comes before the command
        name, equals, value = arg.partition("=")
        if len(name) >= 3 and "--lang".startswith(name):  # argparse takes `--la` for `--lang` too
            if not equals:
                value = argv[i + 1] if i + 1 < len(argv) else ""
            return offered(value)  # None: not one offered (the parser then says so)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `workbench` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(_language_asked(argv))  # None: the system's; before the parser, whose help it speaks
    argparse._ = _  # type: ignore[attr-defined]  # argparse's words from this catalog (ARGPARSE_WORDS)
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    args = _parser().parse_args(argv)  # an unknown --lang ends here, with argparse's message
    real_stdout, real_stderr = sys.stdout, sys.stderr
    if args.command is not None:  # printing never loses a run: see ClosedPipeSafe
        sys.stdout, sys.stderr = ClosedPipeSafe(real_stdout), ClosedPipeSafe(real_stderr)
    try:
        return _run(args, argv)
    except KeyboardInterrupt:  # a second Ctrl-C: quit at once, quietly
        print("\nworkbench: " + _("stopped."), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr


def _experiment_help() -> str:
    return _("an experiment file (.json), or a bundled preset's name (workbench presets lists them)")


def _find_experiments(args: argparse.Namespace) -> None:
    """A preset's name where an experiment file is wanted: `workbench train digits_mlp`."""
    if args.command in ("inspect", "train", "find-lr", "sweep") or getattr(args, "task", None) == "new":
        args.file = find_experiment(args.file)
    if args.command == "evaluate" and args.data is not None:
        args.data = find_experiment(args.data)


def first_sentence(text: str) -> str:
    """A description's first sentence (up to its first full stop, in English or Chinese)."""
    match = re.search(r"\.(\s|$)|。", text)
    return text[: match.end()].strip() if match else text


def presets_command() -> int:
    """`workbench presets`: each bundled preset's name, title and what it shows, in a sentence."""
    rows = [(_("name"), _("title"), _("what it shows"))]
    for name in preset_names():
        experiment = ExperimentSpec.load(preset_path(name))
        rows.append((name, _(experiment.name), first_sentence(_(experiment.description))))
    print("\n".join(table(rows)))
    return EXIT_OK


def desktop_entry_command(install: bool) -> int:
    """`--install-desktop-entry` or `--uninstall-desktop-entry`: says which files it wrote or removed."""
    from .desktop import data_home, home_problem

    problem = home_problem()
    if problem is not None:
        return fail(problem)
    try:
        return _desktop_entry(install)
    except OSError as exc:
        return fail(
            _("the application menu's folder {folder} cannot be written: {reason}").format(
                folder=data_home(), reason=exc.strerror or exc
            )
        )


def _desktop_entry(install: bool) -> int:
    from .desktop import data_home, install_desktop_entry, uninstall_desktop_entry

    if install:
        written = install_desktop_entry()
        print(
            _("Workbench is in the application menu now ({count} files under {folder}).").format(
                count=len(written), folder=data_home()
            )
        )
    else:
        removed = uninstall_desktop_entry()
        print(_("Workbench is out of the application menu ({count} files removed).").format(count=len(removed)))
    return EXIT_OK


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return desktop_entry_command(args.install_desktop_entry)
    if args.command == "presets":
        return presets_command()
    try:
        _find_experiments(args)
    except SpecError as exc:
        return fail(str(exc))
    if args.command == "inspect":
        return inspect_command(args.file, memory_limit=args.max_memory)
    if args.command == "train" and args.seeds is not None and args.seeds > 1:
        return _repeat(args)
    if args.command == "train":
        launched = _launch(args, argv)
        if launched is not None:
            return launched
        from .train import train_command  # torch is imported only by the commands that need it

        return train_command(
            args.file,
            epochs=args.epochs,
            device=args.device,
            out=args.out,
            metrics_out=args.metrics_out,
            save_every=args.save_every,
            memory_limit=args.max_memory,
            base_dir=args.base_dir,
        )
    if args.command == "sweep":
        from .sweep import sweep_command

        vary = "variant" if args.variants else args.vary
        return sweep_command(args.file, vary, args.seeds, args.out, args.parallel, args.epochs)
    if args.command == "exercise":
        from .exercise import bundle_command, check_command, new_command

        if args.task == "new":
            return new_command(args.file, args.out, args.name)
        if args.task == "bundle":
            return bundle_command(args.exercises, args.out, args.title)
        return check_command(args.exercise, args.model, args.name)
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
