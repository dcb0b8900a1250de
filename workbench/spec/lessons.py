"""What a run's curves teach, as rules on plain numbers: did the network learn, and where did it overfit.

The window shades the overfitting span and the engine words the end of a run from these rules
alone, so the plots, the end sentence and the command line always agree. Epochs count from 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median

from .metrics import metric_words_table

# A classifier has learned something when its validation accuracy has been clearly above always
# answering the most common class: at least this share of the way from that rate to 100%.
CHANCE_MARGIN = 0.1
COLLAPSED_KL = 0.05  # nats per sample: below it a VAE's codes are the prior's, whatever the input
# Overfitting needs validation loss to stay above its best for a sustained stretch: at least this
# many epochs, more when the curve is noisy (a single spike never counts) ...
MIN_EPOCHS, MAX_EPOCHS = 3, 8
# ... and by a real amount: a share of its best value, and a share of what it had fallen to get
# there (a loss of 0.003 rising to 0.03 after falling from 0.9 has given back almost nothing).
RELATIVE_RISE, GIVEN_BACK = 0.02, 0.1


METRIC_WORDS = metric_words_table()


def metric_words(key: str) -> str:
    """What a logged metric is called in a sentence: "validation loss" for `val_loss`."""
    return METRIC_WORDS.get(key, key.replace("_", " "))


def chance_level(majority_rate: float) -> float:
    """The validation accuracy a classifier must beat to count as having learned."""
    return majority_rate + CHANCE_MARGIN * (1.0 - majority_rate)


def learned(val_accuracy: Sequence[float], majority_rate: float) -> bool:
    """True when some epoch's validation accuracy beat the chance level."""
    finite = [a for a in val_accuracy if math.isfinite(a)]
    return bool(finite) and max(finite) > chance_level(majority_rate)


def codes_used(kl: float) -> bool:
    """True when a VAE's codes carry information: a KL term (nats per sample) above COLLAPSED_KL.
    Below it every input gets about the prior's code, and the decoder ignores it."""
    return math.isfinite(kl) and kl > COLLAPSED_KL


def _best(values: Sequence[float], upto: int) -> int | None:
    finite = [(v, i) for i, v in enumerate(values[: upto + 1]) if math.isfinite(v)]
    return min(finite)[1] if finite else None


def _stretch(val_loss: Sequence[float], best: int, upto: int) -> int:
    """How many epochs above the best count as sustained: more when the curve zig-zags a lot
    against how far it has fallen. The zig-zag is measured by second differences, which a
    steady fall or rise leaves near zero."""
    seen = [v for v in val_loss[: upto + 1] if math.isfinite(v)]
    bends = [abs(c - 2 * b + a) / 2 for a, b, c in zip(seen, seen[1:], seen[2:], strict=False)]
    fall = max(seen[: best + 1]) - val_loss[best] if seen else 0.0
    noise = median(bends) / fall if bends and fall > 0 else 0.0
    return max(MIN_EPOCHS, min(MAX_EPOCHS, MIN_EPOCHS + round(20 * noise)))


def _holds(
    loss: Sequence[float], val_loss: Sequence[float], val_accuracy: Sequence[float] | None, best: int, now: int
) -> bool:
    """The rule at epoch `now`, with the best validation loss so far at epoch `best`."""
    length = _stretch(val_loss, best, now)
    if now - best < length:
        return False
    recent = range(now - length + 1, now + 1)
    values = [val_loss[i] for i in recent]
    if not all(math.isfinite(v) for v in values) or not all(math.isfinite(loss[i]) for i in recent):
        return False
    fall = max(v for v in val_loss[: best + 1] if math.isfinite(v)) - val_loss[best]
    needed = max(RELATIVE_RISE * abs(val_loss[best]), GIVEN_BACK * fall)
    if median(values) - val_loss[best] <= needed:
        return False  # not risen, or risen by too little to mean anything
    if median(loss[i] for i in recent) >= loss[best]:
        return False  # training loss stopped falling too: the model is not fitting the training set harder
    if val_accuracy is not None:
        best_accuracy = max(a for a in val_accuracy[: now + 1] if math.isfinite(a))
        if median(val_accuracy[i] for i in recent) >= best_accuracy:
            return False  # validation accuracy is still at its best: nothing lost yet
    return True


def overfitting_span(
    loss: Sequence[float],
    val_loss: Sequence[float],
    val_accuracy: Sequence[float] | None = None,
    majority_rate: float | None = None,
) -> tuple[int, int] | None:
    """The epochs (best, latest) a run has been overfitting for, or None.

    Overfitting: validation loss has risen from its best for a sustained stretch (longer when the
    curve is noisy) by a real amount, while training loss kept falling and, for a classifier,
    validation accuracy fell from its best; and the classifier had learned something (see
    `learned`). Once the rule has held, the span stays (growing with each epoch) until validation
    loss reaches a new best, so it never flickers on and off from one epoch to the next.
    """
    n = len(val_loss)
    if n < MIN_EPOCHS + 1 or len(loss) != n or (val_accuracy is not None and len(val_accuracy) != n):
        return None
    if val_accuracy is not None and majority_rate is not None and not learned(val_accuracy, majority_rate):
        return None
    best, held = None, False
    for now in range(n):
        current = _best(val_loss, now)
        if current != best:
            best, held = current, False  # a new best ends any span
        if best is not None and not held:
            held = _holds(loss, val_loss, val_accuracy, best, now)
    return (best, n - 1) if held and best is not None else None
