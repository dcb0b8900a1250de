"""`workbench find-lr`: the learning-rate range test in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from ..engine.backends import Inbox
from ..engine.events import LrFinding
from ..engine.session import FindLr, Refused
from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, fail, table

ROWS = 12


def find_lr_command(
    path: Path, out: TextIO | None = None, err: TextIO | None = None, memory_limit: int | None = None
) -> int:
    """Print the loss at a dozen of the rates tried and the suggested rate; exit 2 for bad input."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        experiment = ExperimentSpec.load(path)
    except SpecError as exc:
        return fail(f"{path}: {exc}", err=err)
    inbox = Inbox("thread")
    try:
        reply = inbox.answer(FindLr(experiment, str(path.resolve().parent), memory_limit))
    finally:
        inbox.close()
    if isinstance(reply, Refused):
        return fail(f"{path}: {reply.message}", EXIT_BAD_INPUT if reply.bad_input else EXIT_FAILED, err=err)
    finding: LrFinding = reply.result
    picks = np.linspace(0, len(finding.lrs) - 1, min(ROWS, len(finding.lrs))).astype(int)
    marks: dict[int, str] = {}  # the suggestion and the lowest loss are rows of their own
    if finding.suggestion is not None:
        marks[int(np.argmin(np.abs(finding.lrs - finding.suggestion)))] = _("<- suggested")
    if len(finding.losses):
        marks[int(np.argmin(finding.losses))] = _("<- lowest")
    picks = np.unique(np.append(picks, list(marks)).astype(int))
    rows = [(_("learning rate"), _("smoothed loss"), "")] + [
        (f"{finding.lrs[i]:.2g}", f"{finding.losses[i]:.4f}", marks.get(int(i), "")) for i in picks
    ]
    for line in table(rows, right={0, 1}):
        print(line.rstrip(), file=out)
    print(_("(each loss is a running average over the last steps, as the range test smooths it)"), file=out)
    if finding.suggestion is None or finding.valley is None:
        print(finding.declined_words(), file=out)
    else:
        said = _(
            "Suggested learning rate: {suggestion}, half-way down the loss's longest steady fall (from {low} to "
            "{high}); the smoothed loss was lowest at {lowest}, where the curve turns up; the experiment has "
            "{current}."
        ).format(
            suggestion=f"{float(f'{finding.suggestion:.2g}'):g}",
            low=f"{float(f'{finding.valley[0]:.2g}'):g}",
            high=f"{float(f'{finding.valley[1]:.2g}'):g}",
            lowest=f"{float(f'{finding.lowest:.2g}'):g}",
            current=f"{experiment.training.optimizer.lr:g}",
        )
        print(said, file=out)
    return EXIT_OK
