"""How much memory a run needs, estimated from the shape table before anything is allocated.

The estimate counts what PyTorch holds while training: the weights, their gradients, the
optimizer's state, the values each layer keeps for the backward pass (for one batch, and for
an evaluation batch), the dataset and the copies of the weights kept to choose an epoch. It is
an estimate (allocator overhead and temporary buffers are not counted), good to refuse a network
that cannot fit before it takes the machine down, not to plan to the last megabyte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import _, listing
from .errors import Problem, SpecError
from .network import LayerInfo, NetworkAnalysis
from .shapes import numel

FLOAT_BYTES = 4  # float32 weights and activations
LABEL_BYTES = 8  # int64 class indices
EVAL_BATCH = 1024  # samples per batch when evaluating (no gradients, so larger batches fit)
SNAPSHOT_BUDGET = 256 * 2**20  # per-epoch weight copies kept beyond the best and the latest
LIMIT_ENV = "WORKBENCH_MAX_MEMORY"  # a limit the user sets instead of the free memory
UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run needs, part by part; `device` parts live where training runs, the rest in RAM."""

    weights: int
    gradients: int
    optimizer: int
    activations: int
    data: int | None  # None: the data's size is known only once its files are read
    copies: int
    batch_size: int  # the batch whose values `activations` counts: training's, or an evaluation batch
    optimizer_name: str = ""
    heaviest: LayerInfo | None = None  # the layer with the most parameters
    widest: LayerInfo | None = None  # the layer that keeps the most values per sample

    @property
    def device(self) -> int:
        """What the training device holds: the network, its gradients and state, one batch's values."""
        return self.weights + self.gradients + self.optimizer + self.activations

    @property
    def host(self) -> int:
        """What stays in the computer's memory whatever the device: the data and the weight copies."""
        return (self.data or 0) + self.copies

    @property
    def total(self) -> int:
        """Everything, as on a CPU-only machine."""
        return self.device + self.host

    def parts(self) -> list[tuple[str, int]]:
        """The non-zero parts, named as a student reads them."""
        state = _("{optimizer} state").format(optimizer=self.optimizer_name) if self.optimizer_name else None
        named = [
            (_("weights"), self.weights),
            (_("gradients"), self.gradients),
            (state or _("optimizer state"), self.optimizer),
            (_("activations (batch of {count})").format(count=f"{self.batch_size:,}"), self.activations),
            (_("data"), self.data or 0),
            (_("weight copies to choose an epoch"), self.copies),
        ]
        return [(name, size) for name, size in named if size]

    def in_words(self) -> str:
        """`about 1.2 GB (weights 400 MB, gradients 400 MB, ...)`."""
        parts = listing(f"{name} {format_bytes(size)}" for name, size in self.parts())
        return _("about {total} ({parts})").format(total=format_bytes(self.total), parts=parts)

    def remedy(self) -> tuple[str, str]:
        """What to change to need less, aimed at the biggest part: (the place, the advice there)."""
        if self.data is not None and self.data >= max(self.device, self.copies):
            return "dataset", _("use a smaller dataset (fewer or smaller samples)")
        weights_side = self.weights + self.gradients + self.optimizer + self.copies
        if self.activations >= weights_side and self.widest is not None:
            if self.batch_size != EVAL_BATCH:
                advice = _("lower the batch size (now {size}) or make this layer's output smaller").format(
                    size=self.batch_size
                )
                return self.widest.location, advice
            return self.widest.location, _("make this layer's output smaller")
        if self.heaviest is not None:
            advice = _("make this layer smaller (it has {count} weights)").format(count=f"{self.heaviest.params:,}")
            return self.heaviest.location, advice
        return "network", _("make the network smaller")


def format_bytes(size: int) -> str:
    """`512 bytes`, `3.2 KB`, `48 MB`, `1.5 GB` (powers of 1024, as operating systems report memory)."""
    if size < 1024:
        return _("{size} bytes").format(size=size)
    value, units = size / 1024, ["KB", "MB", "GB", "TB", "PB"]
    while value >= 1024 and len(units) > 1:  # PB at most, however large
        value /= 1024
        units.pop(0)
    return f"{value:.2g} {units[0]}" if value < 10 else f"{value:,.0f} {units[0]}"


def parse_bytes(text: str) -> int:
    """`8G`, `512M`, `1.5GB`, `2GiB` or a plain number of bytes; ValueError says what is accepted."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if match is None or len(text) > 32:
        raise ValueError(_("{text} is not a size: write it like 8G, 512M or 1.5GB").format(text=repr(text)))
    return int(float(match.group(1)) * UNITS[match.group(2)])


def estimate_memory(
    analysis: NetworkAnalysis,
    *,
    batch_size: int,
    state_per_weight: int = 0,
    optimizer_name: str = "",
    samples: int | None = None,
    value_bytes: int = FLOAT_BYTES,
    epochs: int = 1,
    training: bool = True,
) -> MemoryEstimate:
    """The memory a run (training=True) or an evaluation of a saved model needs.

    `samples` and `value_bytes` size the dataset kept in memory (twice: as loaded and split).
    """
    rows = [row for row in analysis.rows if row.output_shape is not None]
    weights = analysis.total_params * FLOAT_BYTES
    kept = {row.index: row.layer.working_values(row.input_shape, row.output_shape or ()) for row in rows}
    widest = max(rows, key=lambda row: kept[row.index], default=None)
    heaviest = max(rows, key=lambda row: row.params, default=None)
    largest = max(kept.values(), default=0)
    # Evaluation keeps only a layer's input and output at a time, for a larger batch.
    evaluation = EVAL_BATCH * 2 * largest * FLOAT_BYTES
    data = None
    if samples is not None:
        one = numel(analysis.input_shape) * value_bytes + LABEL_BYTES
        data = 2 * samples * one
    if not training:
        return MemoryEstimate(weights, 0, 0, evaluation, data, 0, EVAL_BATCH, "", heaviest, widest)
    # Training keeps every layer's values for backward, plus about one layer's worth of gradients.
    backward = batch_size * (numel(analysis.input_shape) + sum(kept.values()) + largest) * FLOAT_BYTES
    # The best epoch's weights, and the per-epoch copies (thinned past a budget, never below two).
    copies = weights + max(2 * weights, min(SNAPSHOT_BUDGET, epochs * weights))
    trained = analysis.trainable_params * FLOAT_BYTES  # a frozen layer's have no gradient and no optimizer state
    return MemoryEstimate(
        weights,
        trained,
        trained * state_per_weight,
        max(backward, evaluation),
        data,
        copies,
        batch_size if backward >= evaluation else EVAL_BATCH,
        optimizer_name,
        heaviest,
        widest,
    )


class TooBig(SpecError):
    """A run, model or dataset that needs more memory than there is; says the estimate and what to change."""


def refuse(estimate: MemoryEstimate, need: int, have: int, room: str, what: str | None = None) -> TooBig | None:
    """The refusal of `what` when `need` bytes (a part of `estimate`) exceed `have`; `room` says
    where `have` comes from (`this machine has 20 GB free`)."""
    if need <= have:
        return None
    field, advice = estimate.remedy()
    message = _(
        "{what} needs {estimate} but {room}: {advice}. "
        "To try anyway, raise the limit (--max-memory, or the {variable} environment variable)"
    ).format(what=what or _("this run"), estimate=estimate.in_words(), room=room, advice=advice, variable=LIMIT_ENV)
    return TooBig([Problem(field, message)])
