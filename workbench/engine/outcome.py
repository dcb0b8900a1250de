"""How a run's end is said: the sentences of its stop reasons, in one place.

The trainer decides why a run stopped (a `StopReason`) and with which numbers; these functions
turn that into the sentence the window and the command line show.
"""

from __future__ import annotations

import math

from ..spec.lessons import metric_words


def best_so_far(monitor: str, value: float | None, epoch: int | None) -> str:
    """ "best validation loss 0.31 at epoch 4" (epochs from 0), or that no epoch finished."""
    if epoch is None or value is None:
        return "no epoch finished"
    return f"best {metric_words(monitor)} {value:.4g} at epoch {epoch + 1}"


def finished(planned: int, best: str) -> str:
    """Every planned epoch trained."""
    return f"Finished all {planned} epochs; {best}."


def stopped_by_you(done: int, planned: int, best: str) -> str:
    """A stop asked for (the Stop button, Ctrl-C)."""
    return f"Stopped by you after {done} of {planned} epochs; {best}."


def saved_while_training(done: int, planned: int) -> str:
    """A run saved to a file while it trained, read back as stopped there."""
    return f"Saved after epoch {done} of {planned} while training."


def restored(epoch: int) -> str:
    """The run ended on an earlier epoch's weights (epochs from 0)."""
    return f" Weights restored from epoch {epoch + 1}."


def diverged(epoch: int, step: int | None, value: float, lr: float, best_epoch: int | None) -> str:
    """The loss stopped being a finite number or exploded at `epoch` (from 0), `step` when inside it."""
    where = f"epoch {epoch + 1}" + (f", step {step}" if step is not None else "")
    what = "is no longer a finite number" if not math.isfinite(value) else f"exploded to {value:.3g}"
    kept = f"weights restored from epoch {best_epoch + 1}" if best_epoch is not None else "weights reset to their start"
    return (
        f"Stopped at {where}: the loss {what}, so the run diverged. "
        f"The learning rate {lr:g} is probably too high: lower the learning rate (try {lr / 10:g}); {kept}."
    )


def not_learned(best_accuracy: float, majority_rate: float) -> str:
    """A classifier no better than always answering the commonest class (see spec.lessons.learned)."""
    return (
        f"The network has not learned: its best validation accuracy, {best_accuracy:.1%}, is no better than always "
        f"answering the most common class ({majority_rate:.1%}). Try another learning rate (Find a learning "
        "rate suggests one), normalized inputs, or a larger network."
    )


def collapsed(kl: float) -> str:
    """A VAE whose codes carry nothing (see spec.lessons.codes_used): the decoder draws one average input."""
    return (
        f"The codes carry almost nothing: the KL term is {kl:.2g}, so every input gets nearly the same code and "
        "the decoder draws an average picture (the posterior has collapsed). Try a lower learning rate, a smaller "
        "β, or a KL warm-up."
    )
