"""The decision boundary of a classifier on 2-D data: what it predicts at every point of the plane.

As in TensorFlow Playground, the picture is the network's answer over a grid around the data,
redrawn as it learns. The grid is fixed for the run (the data's range plus a margin), goes
through the same normalization as the training batches, and is evaluated in eval mode without
gradients; the model's own mode is restored afterwards.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..spec import Task
from .events import BoundarySnapshot, DenseNetwork
from .prepare import PreparedData

RESOLUTION = 64  # grid cells per side: 4,096 predictions per picture
MAX_POINTS = 1500  # training points sent along to draw over the picture
MAX_NEURONS = 16  # hidden units whose own pictures are sent (TensorFlow Playground shows each neuron)
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh)


DENSE = (nn.Linear, nn.Dropout, nn.BatchNorm1d, *ACTIVATIONS)  # what TensorFlow Playground's networks are made of
COARSE = 2  # every other grid cell: a Playground neuron is a small picture
PLAYGROUND_UNITS, PLAYGROUND_LAYERS = 8, 6  # TensorFlow Playground's own limits: each neuron can be seen


def dense_hidden(model: nn.Module) -> list[int] | None:
    """The positions of a small dense stack's hidden layers (the activation after each Linear but
    the last), or None when the model is not a stack of Linear layers and activations of at most
    PLAYGROUND_LAYERS hidden layers of at most PLAYGROUND_UNITS units, as TensorFlow Playground's."""
    children = list(model.children())
    if not isinstance(model, nn.Sequential) or not all(isinstance(m, DENSE) for m in children):
        return None
    linear = [i for i, m in enumerate(children) if isinstance(m, nn.Linear)]
    widths = [m.out_features for m in children if isinstance(m, nn.Linear)][:-1]
    if not linear or len(widths) > PLAYGROUND_LAYERS or any(w > PLAYGROUND_UNITS for w in widths):
        return None
    hidden = []
    for start, end in zip(linear, linear[1:], strict=False):
        after = [i for i in range(start + 1, end) if isinstance(children[i], ACTIVATIONS)]
        hidden.append(after[-1] if after else end - 1 if end - 1 > start else start)
    return hidden


def first_hidden(model: nn.Module) -> int | None:
    """The index of the first activation before the output layer: where the first hidden layer ends."""
    children = list(model.children())
    return next((i for i, m in enumerate(children[:-1]) if isinstance(m, ACTIVATIONS)), None)


def applies(data: PreparedData) -> bool:
    """True for classification on 2-D points, where a picture of the plane says it all."""
    return data.task is Task.CLASSIFICATION and tuple(data.input_shape) == (2,)


class BoundaryGrid:
    """A fixed grid over the training data's range, ready to be fed to the model."""

    def __init__(self, data: PreparedData, resolution: int = RESOLUTION) -> None:
        x, y = data.parts["train"]
        points = x.detach().to("cpu", torch.float32)
        low, high = points.min(0).values, points.max(0).values
        margin = (high - low).clamp(min=1e-6) * 0.1
        low, high = low - margin, high + margin
        self.x_range = (float(low[0]), float(high[0]))
        self.y_range = (float(low[1]), float(high[1]))
        xs = torch.linspace(self.x_range[0], self.x_range[1], resolution)
        ys = torch.linspace(self.y_range[0], self.y_range[1], resolution)
        grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
        self.shape = (resolution, resolution)
        self.inputs = data.transform(torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], 1), training=False)
        step = max(1, len(points) // MAX_POINTS)
        self.points = points[::step].numpy().copy()
        self.labels = y[::step].to("cpu").numpy().astype(np.int64)

    def snapshot(self, model: nn.Module, epoch: int, restored: bool = False) -> BoundarySnapshot:
        """The model's predictions over the grid, now, what each unit of its first hidden layer
        answers, and for a small dense stack every hidden layer's units and the weights between."""
        was_training = model.training
        model.eval()
        hidden = first_hidden(model)
        dense = dense_hidden(model)
        watched = sorted({*(dense or ()), *(() if hidden is None else (hidden,))})
        children = list(model.children())
        captured: dict[int, torch.Tensor] = {}
        hooks = [
            children[i].register_forward_hook(lambda _m, _i, out, i=i: captured.__setitem__(i, out)) for i in watched
        ]
        try:
            with torch.no_grad():
                probabilities = torch.softmax(model(self.inputs).float(), dim=1)
                confidence, classes = probabilities.max(1)
        finally:
            model.train(was_training)
            for hook in hooks:
                hook.remove()
        neurons = None
        if hidden is not None and hidden in captured and captured[hidden].dim() == 2:
            units = captured[hidden][:, :MAX_NEURONS].float().T
            neurons = units.reshape(len(units), *self.shape).cpu().numpy()
        network = self._dense(model, dense, captured) if dense is not None else None
        return BoundarySnapshot(
            epoch,
            self.x_range,
            self.y_range,
            classes.reshape(self.shape).cpu().numpy(),
            confidence.reshape(self.shape).cpu().numpy(),
            self.points,
            self.labels,
            neurons,
            hidden if neurons is not None else None,
            restored,
            network,
        )

    def _dense(self, model: nn.Module, hidden: list[int], captured: dict[int, torch.Tensor]) -> DenseNetwork:
        """Every hidden layer's units over a coarser grid, and the Linear layers' weights."""
        neurons = [
            captured[i].float().T.reshape(-1, *self.shape)[:, ::COARSE, ::COARSE].cpu().numpy().copy() for i in hidden
        ]
        children = list(model.children())
        weights = [m.weight.detach().float().cpu().numpy().copy() for m in children if isinstance(m, nn.Linear)]
        linear = [i for i, m in enumerate(children) if isinstance(m, nn.Linear)][: len(hidden)]
        return DenseNetwork(tuple(hidden), tuple(neurons), tuple(weights), tuple(linear))
