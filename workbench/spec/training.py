"""Training settings: optimizer, learning-rate schedule, regularization and early stopping.

Option names are PyTorch's (`torch.optim.SGD(lr, momentum, nesterov, weight_decay)`,
`StepLR(step_size, gamma)`, ...) so what a student sets here reads the same in code.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import Field, field_validator, model_validator

from ..i18n import _
from .fields import STRICT, SpecModel, ui
from .lessons import METRIC_WORDS

# What early stopping may watch: the validation loss, or a task's metric (spec.metrics). A Literal
# must be spelled out; a test checks it names every metric.
Monitor = Literal["val_loss", "val_accuracy", "val_mae", "val_recon"]
MONITORS: tuple[str, ...] = get_args(Monitor)

_LR_HELP = "How big a step the optimizer takes; too high diverges, too low crawls."
_WD_HELP = "L2 penalty: pulls every weight a little towards zero at each step."


def _lr(default: float) -> float:
    return Field(
        default,
        gt=0.0,
        le=10.0,
        title="Learning rate",
        description=_LR_HELP,
        json_schema_extra=ui(log=True, glossary="learning-rate"),
    )


def _weight_decay(default: float) -> float:
    return Field(
        default,
        ge=0.0,
        le=1.0,
        title="Weight decay (L2)",
        description=_WD_HELP,
        json_schema_extra=ui(log=True, glossary="regularization"),
    )


def _eps(default: float) -> float:
    return Field(
        default,
        gt=0.0,
        le=1.0,
        title="Epsilon",
        description="A tiny number added to avoid dividing by zero.",
        json_schema_extra=ui(log=True),
    )


_BETAS = Field(
    (0.9, 0.999),
    title="Betas",
    description="How much of the past gradients and of their squares Adam keeps (each below 1).",
)
_AMSGRAD = Field(False, title="AMSGrad", description="Use the AMSGrad variant, which never grows the step size.")


class OptimizerBase(SpecModel):
    """Settings every optimizer has."""

    model_config = STRICT

    name: str

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for the torch.optim class of the same name."""
        return self.model_dump(exclude={"name"})

    def state_per_weight(self) -> int:
        """How many numbers torch.optim keeps per weight between steps (momentum, running averages)."""
        raise NotImplementedError  # each optimizer says its own

    @model_validator(mode="after")
    def _betas_below_one(self) -> OptimizerBase:
        betas = getattr(self, "betas", None)
        if betas is not None and not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(_("betas: each must be >= 0 and < 1"))
        return self


class SGD(OptimizerBase):
    """Stochastic gradient descent, optionally with momentum."""

    name: Literal["SGD"] = "SGD"
    lr: float = _lr(0.01)
    momentum: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        title="Momentum",
        description="Keeps part of the previous step, which smooths and speeds up descent.",
    )
    nesterov: bool = Field(
        False,
        title="Nesterov",
        description="Look ahead along the momentum before each step.",
        json_schema_extra=ui(needs="momentum"),
    )
    weight_decay: float = _weight_decay(0.0)

    def state_per_weight(self) -> int:
        """The momentum buffer, when there is momentum."""
        return 1 if self.momentum else 0

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> SGD:
        if self.nesterov and self.momentum == 0:
            raise ValueError(_("nesterov needs momentum > 0: set a momentum such as 0.9 or turn nesterov off"))
        return self


class Adam(OptimizerBase):
    """Adam: adapts the step size of every weight from its recent gradients."""

    name: Literal["Adam"] = "Adam"
    lr: float = _lr(0.001)
    betas: tuple[float, float] = _BETAS
    eps: float = _eps(1e-8)
    weight_decay: float = _weight_decay(0.0)
    amsgrad: bool = _AMSGRAD

    def state_per_weight(self) -> int:
        """Two running averages (gradient and squared gradient), a third for amsgrad's maximum."""
        return 3 if self.amsgrad else 2


class AdamW(OptimizerBase):
    """Adam with weight decay applied directly to the weights (decoupled)."""

    name: Literal["AdamW"] = "AdamW"
    lr: float = _lr(0.001)
    betas: tuple[float, float] = _BETAS
    eps: float = _eps(1e-8)
    weight_decay: float = _weight_decay(0.01)
    amsgrad: bool = _AMSGRAD

    def state_per_weight(self) -> int:
        """As Adam's."""
        return 3 if self.amsgrad else 2


class RMSprop(OptimizerBase):
    """RMSprop: divides each step by a running average of recent gradient sizes."""

    name: Literal["RMSprop"] = "RMSprop"
    lr: float = _lr(0.01)
    alpha: float = Field(0.99, ge=0.0, lt=1.0, title="Alpha", description="How slowly the running average forgets.")
    eps: float = _eps(1e-8)
    weight_decay: float = _weight_decay(0.0)
    momentum: float = Field(0.0, ge=0.0, lt=1.0, title="Momentum", description="Keeps part of the previous step.")
    centered: bool = Field(False, title="Centered", description="Also subtract the average gradient (more stable).")

    def state_per_weight(self) -> int:
        """The running average of squared gradients, plus momentum and the average gradient when used."""
        return 1 + (1 if self.momentum else 0) + (1 if self.centered else 0)


class Adagrad(OptimizerBase):
    """Adagrad: steps shrink for weights that have already moved a lot."""

    name: Literal["Adagrad"] = "Adagrad"
    lr: float = _lr(0.01)
    lr_decay: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        title="Learning-rate decay",
        description="Shrinks the learning rate a little after every step.",
        json_schema_extra=ui(log=True),
    )
    weight_decay: float = _weight_decay(0.0)
    eps: float = _eps(1e-10)

    def state_per_weight(self) -> int:
        """The running sum of squared gradients."""
        return 1


AnyOptimizer = Annotated[SGD | Adam | AdamW | RMSprop | Adagrad, Field(discriminator="name")]
OPTIMIZERS: dict[str, type[OptimizerBase]] = {
    cls.model_fields["name"].default: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad)
}


# --- learning-rate schedules ------------------------------------------------------------------

_GAMMA_HELP = "What the learning rate is multiplied by"


class SchedulerBase(SpecModel):
    """A learning-rate schedule, stepped once per epoch. Each schedule says, in one place, which of
    PyTorch's schedulers it is (`torch_class`, in `torch.optim.lr_scheduler`), with which arguments,
    and the rates it gives (for previews without torch; a test checks them against torch's)."""

    model_config = STRICT

    torch_class: ClassVar[str | None] = None  # None: the rate stays as it is

    name: str

    def arguments(self, epochs: int) -> dict[str, Any]:
        """Keyword arguments of the torch scheduler, for a run of `epochs` epochs."""
        return {}

    def rate(self, lr: float, epoch: int, epochs: int) -> float:
        """The learning rate of `epoch` (from 0); a schedule that depends on the run shows flat."""
        return lr

    def rates(self, lr: float, epochs: int) -> list[float]:
        """The learning rate of each epoch, 1..epochs."""
        return [self.rate(lr, epoch, epochs) for epoch in range(epochs)]


class NoScheduler(SchedulerBase):
    """Keep the learning rate constant."""

    name: Literal["none"] = "none"


class StepScheduler(SchedulerBase):
    """Multiply the learning rate by gamma every step_size epochs (torch StepLR)."""

    torch_class: ClassVar[str | None] = "StepLR"

    name: Literal["step"] = "step"
    step_size: int = Field(10, ge=1, le=100_000, title="Step size", description="Epochs between two drops.")
    gamma: float = Field(0.1, gt=0.0, le=1.0, title="Gamma", description=f"{_GAMMA_HELP} at each drop.")

    def arguments(self, epochs: int) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def rate(self, lr: float, epoch: int, epochs: int) -> float:
        return lr * self.gamma ** (epoch // self.step_size)


class ExponentialScheduler(SchedulerBase):
    """Multiply the learning rate by gamma after every epoch (torch ExponentialLR)."""

    torch_class: ClassVar[str | None] = "ExponentialLR"

    name: Literal["exponential"] = "exponential"
    gamma: float = Field(0.95, gt=0.0, le=1.0, title="Gamma", description=f"{_GAMMA_HELP} after each epoch.")

    def arguments(self, epochs: int) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def rate(self, lr: float, epoch: int, epochs: int) -> float:
        return lr * self.gamma**epoch


class CosineScheduler(SchedulerBase):
    """Lower the learning rate along a half cosine to eta_min (torch CosineAnnealingLR)."""

    name: Literal["cosine"] = "cosine"
    T_max: int | None = Field(
        None,
        ge=1,
        le=100_000,
        title="Period (epochs)",
        description="Epochs to reach the minimum; empty means the number of epochs.",
        json_schema_extra=ui(none_text="= epochs"),
    )
    eta_min: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        title="Minimum learning rate",
        description="The learning rate at the bottom of the curve.",
        json_schema_extra=ui(log=True),
    )

    torch_class: ClassVar[str | None] = "CosineAnnealingLR"

    def arguments(self, epochs: int) -> dict[str, Any]:
        return {"T_max": self.T_max or epochs, "eta_min": self.eta_min}

    def rate(self, lr: float, epoch: int, epochs: int) -> float:
        period = self.T_max or epochs
        return self.eta_min + (lr - self.eta_min) * (1 + math.cos(math.pi * epoch / period)) / 2


class PlateauScheduler(SchedulerBase):
    """Lower the learning rate when the validation loss stops improving (torch ReduceLROnPlateau)."""

    name: Literal["reduce_on_plateau"] = "reduce_on_plateau"
    factor: float = Field(0.1, gt=0.0, lt=1.0, title="Factor", description=f"{_GAMMA_HELP} when progress stalls.")
    patience: int = Field(
        5, ge=0, le=10_000, title="Patience", description="Epochs without improvement before the rate is lowered."
    )
    threshold: float = Field(
        1e-4,
        ge=0.0,
        le=1.0,
        title="Threshold",
        description="Smallest relative change that counts as an improvement.",
        json_schema_extra=ui(log=True),
    )
    min_lr: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        title="Minimum learning rate",
        description="The rate is never lowered below this.",
        json_schema_extra=ui(log=True),
    )

    torch_class: ClassVar[str | None] = "ReduceLROnPlateau"  # stepped with the loss: see engine.optim

    def arguments(self, epochs: int) -> dict[str, Any]:
        # mode "min" (lower is better), torch's default: it watches a loss
        return {"factor": self.factor, "patience": self.patience, "threshold": self.threshold, "min_lr": self.min_lr}


AnyScheduler = Annotated[
    NoScheduler | StepScheduler | ExponentialScheduler | CosineScheduler | PlateauScheduler,
    Field(discriminator="name"),
]
SCHEDULERS: dict[str, type[SchedulerBase]] = {
    cls.model_fields["name"].default: cls
    for cls in (NoScheduler, StepScheduler, ExponentialScheduler, CosineScheduler, PlateauScheduler)
}


# --- early stopping and the rest --------------------------------------------------------------


class EarlyStoppingSpec(SpecModel):
    """Stop when the monitored metric has not improved for `patience` epochs (Keras' EarlyStopping)."""

    model_config = STRICT

    enabled: bool = Field(
        False,
        title="Enabled",
        description="Stop training when validation stops improving.",
        json_schema_extra=ui(glossary="early-stopping"),
    )
    monitor: Monitor = Field(
        "val_loss",
        title="Monitor",
        description="The validation metric to watch.",
        json_schema_extra=ui(
            enabled_when=("enabled", True),
            choice_labels={key: METRIC_WORDS[key] for key in MONITORS},
        ),
    )
    mode: Literal["auto", "min", "max"] = Field(
        "auto",
        title="Mode",
        description="min: lower is better; max: higher is better; auto: from the metric.",
        json_schema_extra=ui(enabled_when=("enabled", True)),
    )
    patience: int = Field(
        5,
        ge=1,
        le=10_000,
        title="Patience",
        description="Epochs without improvement before training stops.",
        json_schema_extra=ui(enabled_when=("enabled", True)),
    )
    min_delta: float = Field(
        0.0,
        ge=0.0,
        le=1e6,
        title="Min delta",
        description="Smallest change that counts as an improvement.",
        json_schema_extra=ui(enabled_when=("enabled", True)),
    )
    restore_best_weights: bool = Field(
        True,
        title="Restore best weights",
        description="When stopping, go back to the weights of the best epoch.",
        json_schema_extra=ui(enabled_when=("enabled", True)),
    )


class TrainingSpec(SpecModel):
    """How to train: epochs, batch size, loss, optimizer, schedule, regularization, stopping."""

    model_config = STRICT

    epochs: int = Field(
        20,
        ge=1,
        le=100_000,
        title="Epochs",
        description="How many passes over the training data.",
        json_schema_extra=ui(glossary="epoch"),
    )
    batch_size: int = Field(
        64,
        ge=1,
        le=65_536,
        title="Batch size",
        description="Samples per optimizer step.",
        json_schema_extra=ui(glossary="batch"),
    )
    seed: int = Field(
        0, ge=0, le=2**31 - 1, title="Seed", description="Fixes the random choices so a run can be repeated exactly."
    )
    device: str = Field(
        "auto",
        title="Device",
        description="Where to train: auto picks a GPU when there is one.",
    )
    processes: int = Field(
        1,
        ge=1,
        le=1024,
        title="Processes (DDP)",
        description=(
            "Train on this many processes at once with PyTorch's DistributedDataParallel: one a GPU, "
            "or CPU processes sharing the cores. Each trains its share of every epoch in batches of the "
            "batch size, so one step learns from processes × batch size samples."
        ),
        json_schema_extra=ui(glossary="ddp"),
    )
    loss: Literal["auto", "cross_entropy", "mse", "l1"] = Field(
        "auto",
        title="Loss",
        description="What training minimizes; auto: cross entropy for classes, MSE for numbers.",
        json_schema_extra=ui(glossary="loss"),
    )
    optimizer: AnyOptimizer = Field(default_factory=SGD, title="Optimizer", json_schema_extra=ui(glossary="optimizer"))
    scheduler: AnyScheduler = Field(
        default_factory=NoScheduler,
        title="Learning-rate schedule",
        json_schema_extra=ui(
            context="learning-rate schedule",
            choice_labels={
                "none": "none",
                "step": "step",
                "exponential": "exponential",
                "cosine": "cosine",
                "reduce_on_plateau": "reduce on plateau",
            },
        ),
    )
    l1: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        title="L1 penalty",
        description="Adds this times the sum of absolute weights to the loss, pushing weights to zero.",
        json_schema_extra=ui(log=True, none_text="off", glossary="regularization"),
    )
    grad_clip: float = Field(
        0.0,
        ge=0.0,
        le=1e6,
        title="Gradient clipping",
        description="Largest allowed gradient norm; 0 turns clipping off.",
        json_schema_extra=ui(log=True, none_text="off", first=0.1),
    )
    early_stopping: EarlyStoppingSpec = Field(default_factory=EarlyStoppingSpec, title="Early stopping")

    @field_validator("device")
    @classmethod
    def _known_device(cls, device: str) -> str:
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d{1,2})?", device):
            raise ValueError(
                _("must be auto, cpu, cuda, cuda:N (N: the GPU's number, from 0) or mps, not {device}").format(
                    device=repr(device)
                )
            )
        return device
