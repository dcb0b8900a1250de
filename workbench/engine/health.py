"""Layer health, measured after every epoch (the rules that judge it: `spec/health.py`).

Cheap enough to run on every run (an epoch is skipped while measuring has taken more than BUDGET
of the run's time, as with the short epochs of small data): a forward pass of a fixed, small
batch of validation samples (the ReLUs that never fire, the tanh and sigmoid inputs where they
are flat), the gradients the epoch's last step left (their norms, against the last layer's), and
how far the epoch moved the weights, a step's worth on average, against their size. Of a stack
of layers, or an autoencoder's encoder, code and decoder.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import torch
from torch import nn

from ..spec.health import SATURATION, LayerHealth, judge
from ..spec.network import Part
from .callbacks import Callback, Logs
from .events import HealthReport

if TYPE_CHECKING:
    from .callbacks import RunView

BUDGET = 0.02  # of the run's time: an epoch shorter than the measurement is measured less often
PROBE = 32  # validation samples the activations are measured on: a few per cent of a small epoch
DYING = (nn.ReLU, nn.ReLU6)  # units that output 0 for every input below 0: they can die
FLAT = (nn.Tanh, nn.Sigmoid, nn.Hardtanh)  # flat beyond SATURATION: little gradient passes


Place = tuple[Part, int, str]  # a layer's list ("layers", "latent", "decoder"), its index there, its weights' prefix


def places(model: nn.Module) -> list[tuple[Place, nn.Module]]:
    """Every layer of a stack, or of an autoencoder's encoder, code and decoder, with where it is:
    its list, its index in that list (the layer list's rows, from 0) and its weights' names' prefix."""
    if isinstance(model, nn.Sequential):
        return [(("layers", i, f"{i}."), m) for i, m in enumerate(model.children())]
    encoder, decoder = getattr(model, "encoder", None), getattr(model, "decoder", None)
    if not isinstance(encoder, nn.Sequential) or not isinstance(decoder, nn.Sequential):
        return []
    found: list[tuple[Place, nn.Module]] = [
        (("layers", i, f"encoder.{i}."), m) for i, m in enumerate(encoder.children())
    ]
    for k, name in enumerate(("mean", "log_var")):
        code = getattr(model, name, None)
        if isinstance(code, nn.Module):
            found.append((("latent", k, f"{name}."), code))
    return found + [(("decoder", i, f"decoder.{i}."), m) for i, m in enumerate(decoder.children())]


class HealthProbe(Callback):
    """Measures every layer after each epoch and hands a `HealthReport` to `sink`."""

    def __init__(self, sink: Callable[[HealthReport], None], budget: float = BUDGET) -> None:
        self.sink = sink
        self.budget = budget
        self.inputs: torch.Tensor | None = None
        self.before: dict[str, torch.Tensor] | None = None  # the weights as the epoch began
        self.steps = 1  # an epoch's steps
        self.started = time.perf_counter()
        self.spent = 0.0  # seconds spent measuring

    def set_trainer(self, trainer: RunView) -> None:
        super().set_trainer(trainer)
        data = trainer.data
        self.inputs = None
        if data is None or trainer.model is None or not places(trainer.model):
            return
        part = next((p for p in ("val", "train") if data.size(p)), None)
        if part is not None:
            self.inputs = data.transform(data.parts[part][0][:PROBE], training=False)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.started, self.spent = time.perf_counter(), 0.0
        t = self.trainer
        if t is not None and t.data is not None:
            self.steps = t.data.batches_per_epoch(t.experiment.training.batch_size, t.history.processes)

    def _due(self, epoch: int) -> bool:
        """Measure this epoch: the first and the last planned always, others while measuring has
        taken under the budget."""
        last = self.trainer is not None and epoch == self.trainer.history.epochs_planned - 1
        return epoch == 0 or last or self.spent <= self.budget * (time.perf_counter() - self.started)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if self.inputs is not None and self.trainer is not None and self._due(epoch):
            begun = time.perf_counter()
            self.before = self.trainer.epoch_weights()  # shared with the epochs kept: no copy of its own
            self.spent += time.perf_counter() - begun

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        t = self.trainer
        if t is None or self.inputs is None or t.model is None or self.before is None:
            return
        begun = time.perf_counter()
        self._measure(t, epoch)
        self.spent += time.perf_counter() - begun

    def _measure(self, t: RunView, epoch: int) -> None:
        assert t.model is not None
        layers = places(t.model)
        activations = self._activations(t.model, layers)
        gradients = _gradient_ratios(layers)
        after = t.epoch_weights()
        updates = _update_ratios(layers, self.before, after, max(self.steps, 1)) if self.before is not None else {}
        self.before = None  # the next epoch measured says so at its beginning
        measured = [
            LayerHealth(
                index,
                dead=activations.get(n, {}).get("dead"),
                saturated=activations.get(n, {}).get("saturated"),
                update=updates.get(n),
                gradient=gradients.get(n),
                part=part,
            )
            for n, ((part, index, _prefix), _layer) in enumerate(layers)
        ]
        kept = tuple(h for h in measured if any(v is not None for v in (h.dead, h.saturated, h.update, h.gradient)))
        self.sink(HealthReport(epoch, kept, tuple(judge(kept))))

    def _activations(self, model: nn.Module, layers: list[tuple[Place, nn.Module]]) -> dict[int, dict[str, float]]:
        """Of each dying or flat activation on the fixed batch (by its position in `layers`): the
        share of dead units (channels never positive), or of inputs beyond SATURATION."""
        found: dict[int, dict[str, float]] = {}
        hooks = []

        def watch(index: int, layer: nn.Module) -> Callable[..., None]:
            def seen(_module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
                if isinstance(layer, DYING) and output.dim() >= 2:
                    fired = output.transpose(0, 1).reshape(output.shape[1], -1).amax(1) > 0
                    found[index] = {"dead": 1.0 - float(fired.float().mean())}
                elif isinstance(layer, FLAT):
                    found[index] = {"saturated": float((inputs[0].abs() > SATURATION).float().mean())}

            return seen

        for index, (_place, layer) in enumerate(layers):
            if isinstance(layer, DYING + FLAT):
                hooks.append(layer.register_forward_hook(watch(index, layer)))
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                model(self.inputs)
        finally:
            model.train(was_training)
            for hook in hooks:
                hook.remove()
        return found


def _weights_of(layer: nn.Module) -> list[nn.Parameter]:
    return [p for name, p in layer.named_parameters() if p.dim() > 1 or "weight" in name]


def _gradient_ratios(layers: list[tuple[Place, nn.Module]]) -> dict[int, float]:
    """Each weight layer's gradient norm (from the epoch's last step) against the last weight layer's."""
    norms = {}
    for index, (_place, layer) in enumerate(layers):
        grads = [p.grad for p in _weights_of(layer) if p.grad is not None]
        if grads:
            norms[index] = float(torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads])))
    if not norms:
        return {}
    last = norms[max(norms)]
    return {i: n / last for i, n in norms.items()} if last > 0 and math.isfinite(last) else {}


def _update_ratios(
    layers: list[tuple[Place, nn.Module]],
    before: Mapping[str, torch.Tensor],
    after: Mapping[str, torch.Tensor],
    steps: int,
) -> dict[int, float]:
    """How far a step moved each weight layer's weights over the epoch, on average, against their
    size (measured on the whole epoch: timing one step would cost a synchronisation every batch)."""
    ratios = {}
    for index, ((_part, _at, prefix), layer) in enumerate(layers):
        keys = [k for k in before if k.startswith(prefix) and before[k].dim() > 1]
        if not keys or not any(p.requires_grad for p in layer.parameters()):
            continue  # a frozen layer does not move: that is no sign of a layer that fails to learn
        moved = torch.linalg.vector_norm(torch.cat([(after[k] - before[k]).reshape(-1).float() for k in keys]))
        size = torch.linalg.vector_norm(torch.cat([before[k].reshape(-1).float() for k in keys]))
        if float(size) > 0:
            ratios[index] = float(moved) / float(size) / steps
    return ratios
