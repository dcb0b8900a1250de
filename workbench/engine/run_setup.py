"""Setting up a run: from an experiment to the data, model, loss, optimizer, schedule and device
it trains with (`prepare_run`), checked before anything trains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..i18n import _
from ..spec import ExperimentSpec, SpecError, Task
from ..spec.errors import Problem
from ..spec.peek import model_path
from .builder import build_network
from .callbacks import Callback, EarlyStopping
from .data import DataError, RawData, load_raw
from .device import resolve_device
from .early_stopping import Improvement, resolve_mode
from .events import StartReport
from .memory import check_fits
from .model_file import ModelFileError
from .objective import Objective, objective_for
from .optim import build_optimizer, build_scheduler
from .prepare import PreparedData
from .start_from import start_from
from .strategy import Strategy


@dataclass
class RunSetup:
    """What a run trains with, built from its experiment (a plain holder: the loop owns the rest)."""

    device: torch.device
    data: PreparedData
    model: nn.Module
    objective: Objective  # the loss and what is logged beside it
    optimizer: torch.optim.Optimizer
    scheduler: Any  # a torch LR scheduler, or None
    monitor: str  # what the best epoch is judged by: the spec's, or "loss" without a validation split
    best: Improvement  # the one best-epoch tracker
    early_stopping: EarlyStopping | None  # the spec's, or one passed among the callbacks
    started_from: StartReport | None = None  # the model file the weights started from, layer by layer


def prepare_run(
    experiment: ExperimentSpec,
    *,
    base_dir: Path | None = None,
    device: str | None = None,
    raw: RawData | None = None,
    memory_limit: int | None = None,
    callbacks: Iterable[Callback] = (),
    strategy: Strategy | None = None,
    fresh: bool = True,
) -> RunSetup:
    """Check the experiment, load its data (or take `raw`), build the model, loss, optimizer and
    schedule on the device; raises SpecError or DataError on bad input, before any allocation
    that would not fit (`memory_limit`: bytes; None: what the machine has free). The `strategy`
    (one process's by default) says which device this process takes and meets the others. A fresh
    run's network starts from its `start_from` file; one that a saved run's state will replace
    (fresh=False) does not read it."""
    problems = experiment.check(base_dir)
    if not fresh:  # the weights will be the saved run's: its start file may be gone
        problems = [p for p in problems if p.path != "network.start_from"]
    if problems:
        raise SpecError(problems)
    training = experiment.training
    strategy = strategy or Strategy()
    place = resolve_device(device or training.device)
    place = resolve_device(str(strategy.device_for(place)))  # a GPU this machine lacks is refused
    check_fits(experiment.memory(base_dir), place, memory_limit)  # before any allocation
    torch.manual_seed(training.seed)
    raw = raw or load_raw(experiment.dataset, training.seed, base_dir)
    expected = experiment.data_shape(base_dir).input_shape
    if raw.input_shape != expected:
        raise DataError(
            _("the data's samples are {found} but the network expects {expected}").format(
                found=raw.input_shape, expected=expected
            )
        )
    check_classes(experiment, raw)
    check_targets(experiment, raw)
    network = experiment.network
    data = PreparedData(raw, experiment.dataset, training.seed, place, network.min_batch)
    if data.size("train") < network.min_batch:
        raise DataError(
            _("BatchNorm needs at least {count} training samples; add samples").format(count=network.min_batch)
        )
    model = build_network(network, data.input_shape).to(place)
    started_from = _start(model, experiment, base_dir, memory_limit) if fresh else None
    # Joined once the data is in: a slow load (a download) is not counted against the others' patience.
    strategy.connect(place)
    if strategy.rank:
        # Every process starts from the same weights (rank 0's, which DDP sends), but each draws
        # its own dropout masks and augmentations (and a VAE its own noise: `objective_for`): rank 0
        # those one process would draw.
        torch.manual_seed(training.seed + 7919 * strategy.rank)
    optimizer = build_optimizer(model, training.optimizer)
    es = training.early_stopping
    monitor = es.monitor if data.size("val") else "loss"
    if es.enabled and data.size("val"):
        early_stopping: EarlyStopping | None = EarlyStopping.from_spec(es)
    else:  # one passed Keras-style in callbacks= is the run's early stopping, as the spec's would be
        early_stopping = next((c for c in callbacks if isinstance(c, EarlyStopping)), None)
    return RunSetup(
        device=place,
        data=data,
        model=model,
        objective=objective_for(experiment, data.task, strategy.rank),
        optimizer=optimizer,
        scheduler=build_scheduler(optimizer, training.scheduler, training.epochs),
        monitor=monitor,
        best=Improvement(resolve_mode(monitor, es.mode), es.min_delta),
        early_stopping=early_stopping,
        started_from=started_from,
    )


def _start(
    model: nn.Module, experiment: ExperimentSpec, base_dir: Path | None, memory_limit: int | None
) -> StartReport | None:
    """Copy the matching layers' weights from the network's `start_from` file, if it names one;
    SpecError (naming the setting and the file) when that file cannot be read safely."""
    if not experiment.network.start_from:
        return None
    path = model_path(experiment.network.start_from, base_dir)
    try:
        return start_from(model, path, memory_limit)
    except (ModelFileError, OSError) as exc:
        raise SpecError([Problem("network.start_from", str(exc))]) from None


def check_classes(experiment: ExperimentSpec, raw: RawData) -> None:
    """A classifier's data has at least two classes, and as many as the network has outputs (an
    IDX label 255 among digits makes an eleventh class: said now, not as a crash mid-run)."""
    if raw.task is not Task.CLASSIFICATION or experiment.network.is_autoencoder:
        return  # an autoencoder rebuilds its input: the labels only colour its codes
    names = raw.class_names
    if len(names) < 2:
        raise DataError(
            _(
                "the data holds one class only ({name}): a classifier needs samples "
                "of at least two classes to tell apart"
            ).format(name=names[0] if names else _("none"))  # a DataError's place is the dataset unless said
        )
    outputs = experiment.network.analyze(raw.input_shape).output_shape
    if outputs is not None and len(outputs) == 1 and outputs[0] != len(names):
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        raise DataError(
            _(
                "the data has {count} classes ({names}) but the network gives {outputs} outputs: "
                "make the last layer Linear({count}), or check the labels"
            ).format(count=len(names), names=shown, outputs=outputs[0]),
            "network",
        )


# Targets beyond this, squared by the loss, overflow 32-bit numbers (about 3.4e38).
TARGET_LIMIT = 1e18


def check_targets(experiment: ExperimentSpec, raw: RawData) -> None:
    """A regression's targets are numbers whose loss can be computed: a target of 1e31 would make
    the first loss infinite, said then as a run that diverged, which it is not."""
    if raw.task is not Task.REGRESSION or experiment.network.is_autoencoder or not len(raw.y):
        return
    largest = float(raw.y.abs().max())
    if largest > TARGET_LIMIT:
        field = "dataset.target" if hasattr(experiment.dataset, "target") else "dataset"
        raise DataError(
            _(
                "the targets reach {value}: the loss squares them past what 32-bit numbers hold (about 3.4e38); "
                "rescale the target column, dividing it by a power of 10"
            ).format(value=f"{largest:.3g}"),
            field,
        )
