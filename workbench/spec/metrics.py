"""The metric each task is scored by, besides its loss: named once, here.

A run logs `loss` and the task's metric on the training split, and `val_` of each on the
validation split; early stopping may watch any validation one. The engine computes the metric
(`engine/evaluate.py`), the window and the command line word it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..i18n import N_
from .datasets import Task


@dataclass(frozen=True)
class Metric:
    """A task's score: its key in the logs, which way is better, and how a student reads it."""

    key: str  # "accuracy": logged as "accuracy" and "val_accuracy"
    task: Task
    mode: Literal["min", "max"]  # which way is better
    words: str  # in a sentence: "validation accuracy"
    title: str  # a plot's title (marked for the catalog: translated where it is shown)
    task_words: str  # "is for ..." when it is watched on the other task
    explains: str  # what its plot shows, before there is anything to show


METRICS = (
    Metric(
        "accuracy",
        Task.CLASSIFICATION,
        "max",
        "accuracy",
        N_("Accuracy"),
        N_("classes"),
        N_("How often the network is right, on the training and the validation data, after each epoch."),
    ),
    Metric(
        "mae",
        Task.REGRESSION,
        "min",
        "mean absolute error",
        N_("Mean absolute error"),
        N_("regression"),
        N_(
            "How far the network's answers are from the targets on average, on the training and the validation "
            "data, after each epoch."
        ),
    ),
    Metric(
        "recon",
        Task.RECONSTRUCTION,
        "min",
        "reconstruction loss",
        N_("Reconstruction and KL"),
        N_("autoencoders"),
        N_(
            "How far the rebuilt inputs are from the inputs (reconstruction) and, for a VAE, how far the codes are "
            "from a standard normal (KL), per sample, on the training and the validation data, after each epoch."
        ),
    ),
)
# A VAE's second term, logged beside its metric (`kl`, `val_kl`): the KL divergence of its codes.
KL_KEY = "kl"
BY_KEY = {m.key: m for m in METRICS}


def metric_for(task: Task) -> Metric:
    """The metric `task` is scored by."""
    return next(m for m in METRICS if m.task is task)


def metric_words_table() -> dict[str, str]:
    """Every logged key, in words: `val_loss` is "validation loss" (written out whole, for the
    translation catalog; a test checks that every metric has its two)."""
    return {
        "loss": N_("training loss"),
        "val_loss": N_("validation loss"),
        "accuracy": N_("training accuracy"),
        "val_accuracy": N_("validation accuracy"),
        "mae": N_("training mean absolute error"),
        "val_mae": N_("validation mean absolute error"),
        "recon": N_("training reconstruction loss"),
        "val_recon": N_("validation reconstruction loss"),
        KL_KEY: N_("training KL"),
        f"val_{KL_KEY}": N_("validation KL"),
    }


def better_mode(monitor: str) -> Literal["min", "max"]:
    """Which way a logged value improves: up for accuracy, down for losses and errors."""
    metric = BY_KEY.get(monitor.removeprefix("val_"))
    return metric.mode if metric is not None else "min"
