"""Losses, optimizers and schedules are PyTorch's own, built with the experiment's settings."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from workbench.engine.optim import build_loss, build_optimizer, build_scheduler, lr_schedule, step_scheduler
from workbench.spec.training import Adam, PlateauScheduler, StepScheduler


def _sgd(lr: float = 1.0) -> torch.optim.Optimizer:
    return torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)


def _lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def test_plateau_lowers_the_rate_by_its_factor_after_its_patience() -> None:
    optimizer = _sgd()
    scheduler = build_scheduler(optimizer, PlateauScheduler(factor=0.5, patience=2), epochs=10)
    rates = []
    for _ in range(6):  # the validation loss never improves after the first epoch
        step_scheduler(scheduler, {"loss": 1.0, "val_loss": 1.0})
        rates.append(_lr(optimizer))
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]


def test_plateau_watches_the_validation_loss_not_the_training_loss() -> None:
    optimizer = _sgd()
    scheduler = build_scheduler(optimizer, PlateauScheduler(factor=0.5, patience=0), epochs=10)
    for epoch in range(3):  # training loss falls, validation loss stalls (overfitting)
        step_scheduler(scheduler, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
    assert _lr(optimizer) == 0.25


def test_plateau_watches_the_training_loss_without_a_validation_split() -> None:
    optimizer = _sgd()
    scheduler = build_scheduler(optimizer, PlateauScheduler(factor=0.5, patience=0), epochs=10)
    for loss in (2.0, 1.0, 0.5):  # improving every epoch: the rate stays
        step_scheduler(scheduler, {"loss": loss})
    assert _lr(optimizer) == 1.0
    step_scheduler(scheduler, {"loss": 0.5})
    assert _lr(optimizer) == 0.5


def test_plateau_threshold_and_floor() -> None:
    optimizer = _sgd()
    spec = PlateauScheduler(factor=0.1, patience=0, threshold=0.1, min_lr=0.05)
    scheduler = build_scheduler(optimizer, spec, epochs=10)
    step_scheduler(scheduler, {"loss": 1.0, "val_loss": 1.0})
    step_scheduler(scheduler, {"loss": 1.0, "val_loss": 0.95})  # 5% better: less than the 10% threshold
    assert _lr(optimizer) == pytest.approx(0.1)
    step_scheduler(scheduler, {"loss": 1.0, "val_loss": 0.95})
    assert _lr(optimizer) == 0.05  # never below min_lr


def test_plateau_lowers_on_a_rising_loss() -> None:
    """Lower is better: a loss that keeps rising lowers the rate (it would not in "max" mode)."""
    optimizer = _sgd()
    scheduler = build_scheduler(optimizer, PlateauScheduler(factor=0.5, patience=0), epochs=10)
    for loss in (1.0, 2.0, 3.0):
        step_scheduler(scheduler, {"loss": loss, "val_loss": loss})
    assert _lr(optimizer) == 0.25


def test_preview_matches_the_schedule() -> None:
    assert lr_schedule(StepScheduler(step_size=2, gamma=0.5), 1.0, 5) == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert lr_schedule(PlateauScheduler(), 0.3, 3) == [0.3, 0.3, 0.3]


def test_losses_and_optimizers_are_torch_classes() -> None:
    assert [type(build_loss(n)) for n in ("cross_entropy", "mse", "l1")] == [nn.CrossEntropyLoss, nn.MSELoss, nn.L1Loss]
    model = nn.Linear(2, 1)
    optimizer = build_optimizer(model, Adam(lr=0.003))
    assert type(optimizer) is torch.optim.Adam and _lr(optimizer) == 0.003
    assert optimizer.param_groups[0]["params"] == list(model.parameters())


def test_every_schedule_is_torchs_and_previews_as_torch_steps() -> None:
    from workbench.spec.training import SCHEDULERS

    for name, cls in SCHEDULERS.items():
        spec = cls.model_validate({})
        optimizer = _sgd(0.5)
        scheduler = build_scheduler(optimizer, spec, epochs=12)  # type: ignore[arg-type]
        if spec.torch_class is None:
            assert scheduler is None, name
            continue
        assert type(scheduler).__name__ == spec.torch_class, name
        assert lr_schedule(spec, 0.5, 12) == pytest.approx(spec.rates(0.5, 12), rel=1e-9, abs=1e-12), name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "settings",
    [
        {"name": "step", "step_size": 3, "gamma": 0.3},
        {"name": "exponential", "gamma": 0.8},
        {"name": "cosine", "eta_min": 0.05},
        {"name": "cosine", "T_max": 5, "eta_min": 0.02},
    ],
)
def test_a_schedule_s_own_settings_preview_as_torch_steps(settings: dict[str, object]) -> None:
    from workbench.spec.training import TrainingSpec

    spec = TrainingSpec.model_validate({"scheduler": settings}).scheduler
    assert lr_schedule(spec, 0.5, 12) == pytest.approx(spec.rates(0.5, 12), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "settings",
    [
        {"name": "SGD", "lr": 0.1},
        {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        {"name": "Adam", "lr": 0.01},
        {"name": "Adam", "lr": 0.01, "amsgrad": True},
        {"name": "AdamW", "lr": 0.01},
        {"name": "AdamW", "lr": 0.01, "amsgrad": True},
        {"name": "RMSprop", "lr": 0.01},
        {"name": "RMSprop", "lr": 0.01, "momentum": 0.9, "centered": True},
        {"name": "Adagrad", "lr": 0.01},
    ],
)
def test_the_state_an_optimizer_keeps_is_what_torch_keeps(settings: dict[str, object]) -> None:
    """The memory estimate's optimizer state, counted in the state torch.optim holds after a step."""
    from workbench.spec.training import TrainingSpec

    spec = TrainingSpec.model_validate({"optimizer": settings}).optimizer
    model = nn.Linear(3, 2)
    optimizer = build_optimizer(model, spec)
    model(torch.ones(4, 3)).sum().backward()
    optimizer.step()
    weights = sum(p.numel() for p in model.parameters())
    kept = sum(
        value.numel()
        for p in model.parameters()
        for value in optimizer.state[p].values()
        if isinstance(value, torch.Tensor) and value.shape == p.shape  # not the step counter
    )
    assert kept == spec.state_per_weight() * weights
