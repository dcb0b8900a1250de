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
    lowest = int(np.argmin(finding.losses)) if len(finding.losses) else None
    picks = np.unique(np.append(picks, [lowest] if lowest is not None else []).astype(int))  # the lowest is a row
    rows = [(_("learning rate"), _("smoothed loss"), "")] + [
        (f"{finding.lrs[i]:.2g}", f"{finding.losses[i]:.4f}", _("<- lowest") if i == lowest else "") for i in picks
    ]
    for line in table(rows, right={0, 1}):
        print(line.rstrip(), file=out)
    print(_("(each loss is a running average over the last steps, as the range test smooths it)"), file=out)
    if finding.suggestion is None:
        print(_("The loss did not fall clearly: no suggestion (check the network and the data)."), file=out)
    else:
        said = _(
            "Suggested learning rate: {suggestion} (a tenth of {lowest}, where the smoothed loss was lowest); "
            "the experiment has {current}."
        ).format(
            suggestion=f"{float(f'{finding.suggestion:.2g}'):g}",
            lowest=f"{float(f'{finding.lowest:.2g}'):g}",
            current=f"{experiment.training.optimizer.lr:g}",
        )
        print(said, file=out)
    return EXIT_OK
