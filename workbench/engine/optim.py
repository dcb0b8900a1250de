"""Loss, optimizer and learning-rate schedule from the spec, with PyTorch's own classes."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..spec import AnyOptimizer, AnyScheduler

LOSSES: dict[str, type[nn.Module]] = {"cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss, "l1": nn.L1Loss}


def build_loss(name: str) -> nn.Module:
    """The loss module for `cross_entropy`, `mse` or `l1`."""
    return LOSSES[name]()


def build_optimizer(model: nn.Module, spec: AnyOptimizer) -> torch.optim.Optimizer:
    """`torch.optim.<name>(parameters, **options)`, given the parameters training changes: a frozen
    layer's are not the optimizer's, which keeps no state for them."""
    optimizer_class: type[torch.optim.Optimizer] = getattr(torch.optim, spec.name)
    return optimizer_class(trainable(model), **spec.arguments())


def trainable(model: nn.Module) -> list[nn.Parameter]:
    """The parameters training changes, in the model's order: all but the frozen layers'."""
    return [p for p in model.parameters() if p.requires_grad]


def build_scheduler(optimizer: torch.optim.Optimizer, spec: AnyScheduler, epochs: int) -> Any:
    """`torch.optim.lr_scheduler.<spec.torch_class>(optimizer, **arguments)` (stepped once per epoch), or None."""
    if spec.torch_class is None:
        return None
    return getattr(torch.optim.lr_scheduler, spec.torch_class)(optimizer, **spec.arguments(epochs))


def step_scheduler(scheduler: Any, logs: dict[str, float]) -> None:
    """Advance the schedule after an epoch; the plateau schedule watches val_loss (or loss)."""
    if scheduler is None:
        return
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def lr_schedule(spec: AnyScheduler, lr: float, epochs: int) -> list[float]:
    """The learning rate each epoch will use, for a preview (the plateau schedule is shown flat)."""
    parameter = nn.Parameter(torch.zeros(1))  # pragma: no mutate - a stand-in: only the rate is read
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = build_scheduler(optimizer, spec, epochs)
    rates = []
    for _ in range(epochs):
        rates.append(float(optimizer.param_groups[0]["lr"]))
        if scheduler is not None and not isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            optimizer.step()
            scheduler.step()
    return rates
