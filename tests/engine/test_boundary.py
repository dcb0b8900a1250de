"""The decision-boundary pictures of 2-D classifiers."""

from __future__ import annotations

import numpy as np
import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer
from workbench.engine.boundary import RESOLUTION
from workbench.engine.events import BoundarySnapshot
from workbench.engine.stream import EpochEnded, Event, EventStream, RunEnded


def run(spec: object, boundary_every: float | None = 0.0) -> list[Event]:
    events: list[Event] = []
    Trainer(spec, [EventStream(events.append, boundary_every=boundary_every)]).fit()  # type: ignore[arg-type]
    return events


def test_a_picture_per_epoch_and_one_of_the_final_weights() -> None:
    events = run(tiny(epochs=3))
    kinds = [type(e).__name__ for e in events if isinstance(e, EpochEnded | BoundarySnapshot | RunEnded)]
    assert kinds == ["EpochEnded", "BoundarySnapshot"] * 3 + ["BoundarySnapshot", "RunEnded"]
    pictures = [e for e in events if isinstance(e, BoundarySnapshot)]
    assert [p.epoch for p in pictures] == [1, 2, 3, 3]
    last = pictures[-1]
    assert last.classes.shape == last.confidence.shape == (RESOLUTION, RESOLUTION)
    assert set(np.unique(last.classes)) <= {0, 1} and 0.5 <= last.confidence.min() <= last.confidence.max() <= 1.0
    assert last.points.shape[1] == 2 and len(last.points) == len(last.labels) == 60  # the training split
    low, high = last.points.min(0), last.points.max(0)
    assert last.x_range[0] < low[0] and last.x_range[1] > high[0] and last.y_range[0] < low[1]


def test_the_picture_agrees_with_the_points_it_learned() -> None:
    """Well-separated blobs: the cell under each training point predicts that point's class."""
    blobs = {"kind": "gaussian", "n_samples": 200, "noise": 0.05, "n_classes": 3, "val_fraction": 0.2}
    layers = [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 3}]
    events = run(tiny(layers, blobs, epochs=40, optimizer={"name": "Adam", "lr": 0.05}))
    picture = [e for e in events if isinstance(e, BoundarySnapshot)][-1]
    rows, cols = picture.classes.shape
    (x0, x1), (y0, y1) = picture.x_range, picture.y_range
    col = np.clip(np.rint((picture.points[:, 0] - x0) / (x1 - x0) * (cols - 1)).astype(int), 0, cols - 1)
    row = np.clip(np.rint((picture.points[:, 1] - y0) / (y1 - y0) * (rows - 1)).astype(int), 0, rows - 1)
    agree = float(np.mean(picture.classes[row, col] == picture.labels))
    assert agree > 0.95
    assert len(np.unique(picture.classes)) == 3


def test_no_pictures_for_images_or_when_turned_off() -> None:
    digits = tiny([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], {"kind": "digits"}, epochs=1)
    assert not [e for e in run(digits) if isinstance(e, BoundarySnapshot)]
    assert not [e for e in run(tiny(epochs=2), boundary_every=None) if isinstance(e, BoundarySnapshot)]


def test_each_hidden_unit_has_its_own_picture() -> None:
    """As TensorFlow Playground shows every neuron: the first hidden layer's outputs over the plane."""
    from workbench.engine.boundary import BoundaryGrid

    trainer = Trainer(tiny(epochs=2))
    trainer.fit()
    assert trainer.model is not None and trainer.data is not None
    grid = BoundaryGrid(trainer.data)
    picture = grid.snapshot(trainer.model, 2)
    assert picture.neurons is not None and picture.neurons.shape == (16, RESOLUTION, RESOLUTION)
    assert picture.neuron_layer == 1  # the ReLU after the first Linear
    with torch.no_grad():
        expected = torch.relu(trainer.model[0](grid.inputs))[:, 5].reshape(RESOLUTION, RESOLUTION)
    assert np.allclose(picture.neurons[5], expected.numpy(), atol=1e-6)
    assert picture.neurons.min() >= 0.0 and trainer.model.training  # ReLU outputs; the mode is restored
    linear = Trainer(tiny([{"type": "Linear", "out_features": 2}], epochs=1))
    linear.fit()
    assert linear.model is not None and linear.data is not None
    assert BoundaryGrid(linear.data).snapshot(linear.model, 1).neurons is None  # no hidden layer


def test_the_last_picture_names_the_weights_it_shows() -> None:
    """Stopped early with the best weights restored: the picture is of the best epoch's weights, and says so."""
    events: list[object] = []
    spec = tiny(epochs=60, optimizer={"name": "Adam", "lr": 0.05}, early_stopping={"enabled": True, "patience": 3})
    trainer = Trainer(spec, [EventStream(events.append)])
    history = trainer.fit()
    assert history.best_epoch is not None and history.best_epoch < len(history.epoch) - 1  # restored
    last = [e for e in events if isinstance(e, BoundarySnapshot)][-1]
    assert last.restored and last.epoch == history.best_epoch + 1 == trainer.weights_epoch + 1
    trainer = Trainer(tiny(epochs=2), [EventStream(events.append)])
    trainer.fit()
    last = [e for e in events if isinstance(e, BoundarySnapshot)][-1]
    assert not last.restored and last.epoch == 2


def test_the_last_picture_is_of_the_restored_weights_and_says_so() -> None:
    """Early stopping puts the best epoch's weights back: the final picture is theirs, marked restored."""
    never_better = {"enabled": True, "patience": 2, "min_delta": 10.0, "restore_best_weights": True}
    events = run(tiny(epochs=10, early_stopping=never_better))
    pictures = [e for e in events if isinstance(e, BoundarySnapshot)]
    ended = next(e for e in events if isinstance(e, RunEnded))
    assert ended.epochs_done == 3 and ended.weights_epoch == 0
    assert [(p.epoch, p.restored) for p in pictures] == [(1, False), (2, False), (3, False), (1, True)]
    assert np.array_equal(pictures[-1].classes, pictures[0].classes)  # the first epoch's answers again


def test_a_small_dense_stack_sends_every_neuron_and_the_weights_between() -> None:
    """TensorFlow Playground's picture: each hidden layer's neurons over the plane, the weights as edges."""
    from workbench.engine.boundary import COARSE, PLAYGROUND_UNITS, BoundaryGrid

    layers = [
        {"type": "Linear", "out_features": 6},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": PLAYGROUND_UNITS},
        {"type": "ReLU"},
        {"type": "Dropout", "p": 0.1},
        {"type": "Linear", "out_features": 2},
    ]
    trainer = Trainer(tiny(layers, epochs=1))
    trainer.fit()
    assert trainer.model is not None and trainer.data is not None
    grid = BoundaryGrid(trainer.data)
    network = grid.snapshot(trainer.model, 1).network
    assert network is not None and network.layers == (1, 3) and network.linear == (0, 2)
    side = RESOLUTION // COARSE
    assert [n.shape for n in network.neurons] == [(6, side, side), (PLAYGROUND_UNITS, side, side)]
    assert [w.shape for w in network.weights] == [(6, 2), (PLAYGROUND_UNITS, 6), (2, PLAYGROUND_UNITS)]
    with torch.no_grad():
        second = trainer.model[:4](grid.inputs)[:, 7].reshape(RESOLUTION, RESOLUTION)[::COARSE, ::COARSE]
    assert np.allclose(network.neurons[1][7], second.numpy(), atol=1e-6)
    assert np.array_equal(network.weights[1], trainer.model[2].weight.detach().numpy())


def test_only_a_small_dense_stack_is_drawn_as_playground_draws_it() -> None:
    from workbench.engine.boundary import PLAYGROUND_LAYERS, PLAYGROUND_UNITS, BoundaryGrid

    def drawn(layers: list[dict[str, object]]) -> bool:
        trainer = Trainer(tiny(layers, epochs=1))
        trainer.fit()
        assert trainer.model is not None and trainer.data is not None
        return BoundaryGrid(trainer.data).snapshot(trainer.model, 1).network is not None

    def hidden(width: int) -> list[dict[str, object]]:
        return [{"type": "Linear", "out_features": width}, {"type": "ReLU"}]

    out = [{"type": "Linear", "out_features": 2}]
    assert drawn(hidden(PLAYGROUND_UNITS) * PLAYGROUND_LAYERS + out)
    assert not drawn(hidden(PLAYGROUND_UNITS + 1) + out)  # too wide to see each neuron
    assert not drawn(hidden(4) * (PLAYGROUND_LAYERS + 1) + out)  # too deep
    shaped = [{"type": "Linear", "out_features": 4}, {"type": "Unflatten", "dim": 1, "unflattened_size": [2, 2]}]
    assert not drawn([*shaped, {"type": "Flatten"}, *out])  # not a stack of Linear layers
