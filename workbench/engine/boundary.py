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
from .events import BoundarySnapshot
from .prepare import PreparedData

RESOLUTION = 64  # grid cells per side: 4,096 predictions per picture
MAX_POINTS = 1500  # training points sent along to draw over the picture
MAX_NEURONS = 16  # hidden units whose own pictures are sent (TensorFlow Playground shows each neuron)
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh)


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
        """The model's predictions over the grid, now, and what each unit of its first hidden layer answers."""
        was_training = model.training
        model.eval()
        hidden = first_hidden(model)
        captured: list[torch.Tensor] = []
        hook = (
            list(model.children())[hidden].register_forward_hook(lambda _m, _i, out: captured.append(out))
            if hidden is not None
            else None
        )
        try:
            with torch.no_grad():
                probabilities = torch.softmax(model(self.inputs).float(), dim=1)
                confidence, classes = probabilities.max(1)
        finally:
            model.train(was_training)
            if hook is not None:
                hook.remove()
        neurons = None
        if captured and captured[0].dim() == 2:
            units = captured[0][:, :MAX_NEURONS].float().T
            neurons = units.reshape(len(units), *self.shape).cpu().numpy()
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
        )
