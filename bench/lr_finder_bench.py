"""Does the learning-rate finder suggest a rate that trains? (`make bench ONLY=lr_finder`)

For every preset that trains offline, and adding_rnn_vs_lstm with its RNN switched to an LSTM: the
range test runs on the preset's settings; where it suggests a rate, a short run at that rate is
compared with the same short run at the preset's own rate (the preset's settings, its epochs capped,
seeds 0-2: the median of the three seeds' ratios, as one seed's validation loss is noisy). The rate
passes when its runs end at a validation loss no worse than 1.25 times the preset rate's; a test
that declines, with its reason, passes too: it said instead of guessing.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from workbench.engine import Trainer
from workbench.engine.lr_finder import MIN_FALL, find_lr
from workbench.spec import ExperimentSpec, load_preset

from .common import Report, Row

OFFLINE = (
    "digits_mlp",
    "digits_cnn",
    "digits_lstm",
    "digits_vae",
    "overfitting_demo",
    "spiral_mlp",
    "sine_forecast_gru",
    "adding_rnn_vs_lstm",
)
LSTM_CASE = "adding_rnn_vs_lstm with an LSTM"
SHORT_EPOCHS = 20
WORSE = 1.25


def cases() -> list[tuple[str, ExperimentSpec]]:
    """The presets that train offline, and the adding problem read by an LSTM."""
    found = [(name, load_preset(name)) for name in OFFLINE]
    doc: dict[str, Any] = load_preset("adding_rnn_vs_lstm").model_dump(mode="json")
    doc["network"]["layers"][0]["type"] = "LSTM"
    return [*found, (LSTM_CASE, ExperimentSpec.from_dict(doc))]


SEEDS = (0, 1, 2)


def short_run(spec: ExperimentSpec, lr: float, epochs: int, seed: int) -> float:
    """The validation loss a short run at `lr` ends with (the restored epoch's, where the preset
    restores the best weights)."""
    training = spec.training
    optimizer = training.optimizer.model_copy(update={"lr": lr})
    capped = min(epochs, training.epochs)
    training = training.model_copy(update={"epochs": capped, "device": "cpu", "optimizer": optimizer, "seed": seed})
    history = Trainer(spec.model_copy(update={"training": training})).fit()
    values = history.history.get("val_loss", [math.nan])
    stopping = training.early_stopping
    restored = stopping.enabled and stopping.restore_best_weights and stopping.monitor == "val_loss"
    return min(values) if restored else values[-1]


def lr_finder(report: Report, quick: bool) -> None:
    """One row per case: the suggestion (or the reason there is none) and how its short run ends."""
    epochs = 6 if quick else SHORT_EPOCHS
    for name, spec in cases():
        finding = find_lr(spec, device="cpu")
        preset_lr = spec.training.optimizer.lr
        if finding.suggestion is None:
            assert finding.declined is not None
            report.add(
                Row(
                    "LR finder",
                    f"{name}: declined",
                    str(finding.declined),
                    f"lr {preset_lr:g}",
                    target=f"<= {WORSE} or declined",
                    met=True,
                    note=f"smoothed loss fell {finding.fall:.0%} (a valley needs {MIN_FALL:.0%})",
                )
            )
            continue
        suggested = float(f"{finding.suggestion:.2g}")  # the rate the window's Use button sets
        seeds = SEEDS[:1] if quick else SEEDS
        ours = [short_run(spec, suggested, epochs, seed) for seed in seeds]
        theirs = [short_run(spec, preset_lr, epochs, seed) for seed in seeds]
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        report.add(
            Row(
                "LR finder",
                f"{name}: validation loss after {min(epochs, spec.training.epochs)} epochs at the suggested rate "
                "vs the preset's",
                f"{statistics.median(ours):.4g} at lr {suggested:g}",
                f"{statistics.median(theirs):.4g} at lr {preset_lr:g}",
                ratio,
                f"<= {WORSE} or declined",
                ratio <= WORSE,
                note=f"median of seeds {', '.join(map(str, seeds))}",
            )
        )
