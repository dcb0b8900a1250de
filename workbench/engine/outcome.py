"""How a run's end is said: the sentences of its stop reasons, in one place.

The trainer decides why a run stopped (a `StopReason`) and with which numbers; these functions
turn that into the sentence the window and the command line show.
"""

from __future__ import annotations

import math

from ..i18n import _
from ..spec.lessons import metric_words


def best_so_far(monitor: str, value: float | None, epoch: int | None) -> str:
    """ "best validation loss 0.31 at epoch 4" (epochs from 0), or that no epoch finished."""
    if epoch is None or value is None:
        return _("no epoch finished")
    return _("best {metric} {value} at epoch {epoch}").format(
        metric=_(metric_words(monitor)), value=f"{value:.4g}", epoch=epoch + 1
    )


def finished(planned: int, best: str) -> str:
    """Every planned epoch trained."""
    return _("Finished all {planned} epochs; {best}.").format(planned=planned, best=best)


def stopped_by_you(done: int, planned: int, best: str) -> str:
    """A stop asked for (the Stop button, Ctrl-C)."""
    return _("Stopped by you after {done} of {planned} epochs; {best}.").format(done=done, planned=planned, best=best)


def saved_while_training(done: int, planned: int) -> str:
    """A run saved to a file while it trained, read back as stopped there."""
    return _("Saved after epoch {done} of {planned} while training.").format(done=done, planned=planned)


def restored(epoch: int) -> str:
    """The run ended on an earlier epoch's weights (epochs from 0)."""
    return _("Weights restored from epoch {epoch}.").format(epoch=epoch + 1)


def early_stopped(epoch: int, monitor: str, patience: int, best: int | None, restored: bool) -> str:
    """Early stopping's patience ran out at `epoch` (epochs from 0); `restored`: the best epoch's
    weights were put back (else the last ones are kept)."""
    said = _("Stopped at epoch {epoch}: {metric} did not improve for {patience} epochs").format(
        epoch=epoch + 1, metric=_(metric_words(monitor)), patience=patience
    )
    if restored:
        assert best is not None  # the weights were copied when that epoch became the best
        return said + _("; weights restored from epoch {epoch}.").format(epoch=best + 1)
    if best is not None:
        return said + _("; keeping the last weights (best was epoch {epoch}).").format(epoch=best + 1)
    return said + _("; keeping the last weights.")


def diverged(epoch: int, step: int | None, value: float, lr: float, best_epoch: int | None) -> str:
    """The loss stopped being a finite number or exploded at `epoch` (from 0), `step` when inside it."""
    where = (
        _("epoch {epoch}, step {step}").format(epoch=epoch + 1, step=step)
        if step is not None
        else _("epoch {epoch}").format(epoch=epoch + 1)
    )
    what = (
        _("is no longer a finite number")
        if not math.isfinite(value)
        else _("exploded to {value}").format(value=f"{value:.3g}")
    )
    kept = (
        _("weights restored from epoch {epoch}").format(epoch=best_epoch + 1)
        if best_epoch is not None
        else _("weights reset to their start")
    )
    return _(
        "Stopped at {where}: the loss {what}, so the run diverged. The learning rate {lr} is probably too high: "
        "lower the learning rate (try {lower}); {kept}."
    ).format(where=where, what=what, lr=f"{lr:g}", lower=f"{lr / 10:g}", kept=kept)


def not_learned(best_accuracy: float, majority_rate: float) -> str:
    """A classifier no better than always answering the commonest class (see spec.lessons.learned)."""
    return _(
        "The network has not learned: its best validation accuracy, {best}, is no better than always answering "
        "the most common class ({majority}). Try another learning rate (Find a learning rate suggests one), "
        "normalized inputs, or a larger network."
    ).format(best=f"{best_accuracy:.1%}", majority=f"{majority_rate:.1%}")


def collapsed(kl: float) -> str:
    """A VAE whose codes carry nothing (see spec.lessons.codes_used): the decoder draws one average input."""
    return _(
        "The codes carry almost nothing: the KL term is {kl}, so every input gets nearly the same code and the "
        "decoder draws an average picture (the posterior has collapsed). Try a lower learning rate, a smaller β, "
        "or a KL warm-up."
    ).format(kl=f"{kl:.2g}")
