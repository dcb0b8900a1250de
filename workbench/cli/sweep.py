"""`workbench sweep EXP --vary SETTING=V1,V2 --seeds K --out DIR [--parallel N]`: the experiment for
each value, K seeds each, one `workbench train` process a run (`engine.queue`); each run's model
file, `summary.csv` and `summary.json` in DIR, the table and whether the best value's lead is real
(`engine.sweep_folder`). Run again with the same options, it keeps the runs that finished and
trains the others."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from ..spec.sweep import VARIANT, Vary, variants_of
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, fail

if TYPE_CHECKING:
    from ..engine.sweep_folder import Outcome


def sweep_command(
    path: Path,
    vary_text: str | None,
    seeds: int,
    out: Path,
    parallel: int = 1,
    epochs: int | None = None,
    stdout: TextIO | None = None,
    seeds_option: str = "--seeds",
) -> int:
    """Run (or take up) the sweep; exit 0 when every run finished, 1 when one failed, 2 for bad
    input, 130 when stopped (what finished is kept)."""
    from ..engine.queue import QueuedRun, RunQueue
    from ..engine.sweep_folder import SweepFolder, SweepFolderError

    stdout = stdout or sys.stdout
    try:
        experiment = ExperimentSpec.load(path)
        if epochs is not None:
            experiment = experiment.model_copy(
                update={"training": experiment.training.model_copy(update={"epochs": epochs})}
            )
        vary = variants_of(experiment) if vary_text == VARIANT else Vary.parse(vary_text) if vary_text else None
        sweep = SweepFolder(out, experiment, vary, seeds, path.resolve().parent)
    except (SpecError, ValueError) as exc:
        return fail(f"{path}: {exc}" if isinstance(exc, SpecError) else f"--vary {exc}")
    from .train import processes_problem  # runs side by side: as many as the machine holds

    runs = sweep.runs
    problem = processes_problem(experiment, min(parallel, len(runs)), None, path.resolve().parent, "--parallel")
    if problem is not None:
        return fail(problem)
    try:
        sweep.take()
    except SweepFolderError as exc:
        return fail(str(exc))
    kept = sweep.finished()
    if kept:
        print(
            _("Keeping {count} of {total} runs already finished in {folder}").format(
                count=len(kept), total=len(runs), folder=out
            ),
            file=stdout,
        )
    queue = RunQueue(sweep.to_train(kept), parallel, sweep.gpus())
    by_name = {run.name: run for run in runs}
    failed = []

    def ended(item: QueuedRun) -> None:
        from ..engine.sweep_folder import read_outcome

        outcome = read_outcome(by_name[item.name], item.out)
        if outcome is None:
            failed.append(item)
            print(
                _("{name}: did not finish (exit status {code}); see {log}").format(
                    name=item.name, code=item.code, log=item.log
                ),
                file=stdout,
                flush=True,
            )
            return
        kept[item.name] = outcome
        print(
            _("[{done}/{total}] {name}: {metric} {score} (best epoch {epoch})").format(
                done=len(kept),
                total=len(runs),
                name=item.name,
                metric=outcome.metric,
                score=f"{outcome.score:.4f}",
                epoch=outcome.best_epoch,
            ),
            file=stdout,
            flush=True,
        )

    stopped = False
    try:
        queue.run(ended)
    except KeyboardInterrupt:
        stopped = True
        queue.stop()
        queue.run(ended)
    outcomes = [kept[run.name] for run in runs if run.name in kept]
    sweep.write_summary(outcomes)
    if outcomes:
        _print_results(outcomes, vary, seeds, seeds_option, stdout)
    if stopped:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _print_results(outcomes: list[Outcome], vary: Vary | None, seeds: int, seeds_option: str, stdout: TextIO) -> None:
    """The table (a value a row: its seeds' mean and spread, the best epochs, the test) and the verdict."""
    from ..engine.sweep_folder import summary_table, verdict

    header, rows = summary_table(outcomes, vary)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=stdout)
    print(verdict(outcomes, vary, seeds, seeds_option), file=stdout)
