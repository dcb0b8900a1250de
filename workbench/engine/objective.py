"""What a run minimises, and what it logs beside the loss, batch by batch: one object per task.

A classifier or a regressor scores the network's answers against the labels (`Supervised`); an
autoencoder scores its rebuilt inputs against the inputs, and a VAE adds the KL term
(`autoencoder.Reconstruction`). The loop, the validation and the final test only call these, so
they never branch on the task.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from ..spec import ExperimentSpec, Task
from ..spec.metrics import metric_for
from .optim import build_loss


class Objective(Protocol):
    """The loss of a batch and the sums of the values logged beside it (`keys`), on the device."""

    keys: tuple[str, ...]  # "accuracy"; "mae"; "recon" and "kl": logged per sample, and as val_...

    def train_loss(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(the loss to train on, the batch's mean loss as logged, the sums of `keys` over the batch),
        in `epoch` (from 0) at optimizer step `step` (what any randomness of the loss is drawn from)."""
        ...

    def eval_batch(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(the batch's mean loss, the sums of `keys` over the batch, the model's output), in eval mode."""
        ...


def metric_sum(out: torch.Tensor, y: torch.Tensor, task: Task) -> torch.Tensor:
    """Correct predictions (classification) or summed absolute error (regression), on the device."""
    if task is Task.CLASSIFICATION:
        return (out.argmax(1) == y).sum()
    return (out - y).abs().mean(1).sum()


class Supervised:
    """A classifier's or a regressor's objective: the loss of its answers and its metric."""

    def __init__(self, loss_fn: nn.Module, task: Task) -> None:
        self.loss_fn = loss_fn
        self.task = task
        self.keys: tuple[str, ...] = (metric_for(task).key,)

    def train_loss(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = model(x)
        loss = self.loss_fn(out, y)
        return loss, loss.detach(), metric_sum(out.detach(), y, self.task).double().reshape(1)

    def eval_batch(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = model(x)
        return self.loss_fn(out, y), metric_sum(out, y, self.task).double().reshape(1), out


def objective_for(experiment: ExperimentSpec, task: Task, rank: int = 0) -> Objective:
    """The objective of `experiment` on data of `task` (the data's own: a classifier's labels, say),
    in process `rank` of a run on several (each draws its own noise: rank 0 one process's)."""
    if experiment.network.is_autoencoder:
        from .autoencoder import Reconstruction

        return Reconstruction(experiment.network.autoencoder, experiment.training.seed, rank)
    return Supervised(build_loss(experiment.loss_name), task)
