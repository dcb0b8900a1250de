"""Plain data that leaves the engine: stop reasons, progress, histograms, test results.

Everything here is frozen and made of floats, ints, strings, enums and numpy arrays, so it can
cross into another thread (the window) without sharing any tensor or module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..i18n import N_, _
from ..spec.health import Flag, LayerHealth
from ..spec.network import PART_WORDS, Part
from ..spec.shapes import format_shape


class StopReason(StrEnum):
    """Why a run ended."""

    COMPLETED = "completed"
    EARLY_STOPPED = "early_stopped"
    USER_STOPPED = "user_stopped"
    DIVERGED = "diverged"
    FAILED = "failed"


@dataclass(frozen=True)
class Progress:
    """Training progress since the last event; batch losses are never dropped, only grouped.

    `steps` and `losses` hold every training step since the previous Progress event.
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    step: int
    steps: np.ndarray
    losses: np.ndarray
    samples_per_second: float
    elapsed: float


@dataclass(frozen=True)
class LayerHistogram:
    """Histogram of one layer's weights (and their gradients) at one step."""

    layer: str
    weight_counts: np.ndarray
    weight_edges: np.ndarray
    grad_counts: np.ndarray | None
    grad_edges: np.ndarray | None


@dataclass(frozen=True)
class HistogramSnapshot:
    """Histograms of every parameterized layer at one training step."""

    step: int
    epoch: int
    layers: tuple[LayerHistogram, ...]


MISTAKES = 8  # wrong test pictures kept per confusion-matrix cell: one row of thumbnails


@dataclass(frozen=True)
class Mistake:
    """A test picture the network got wrong: the picture, its true class, the answer and its probability."""

    image: np.ndarray  # (C, H, W) uint8, as the data holds it
    true: int
    predicted: int
    confidence: float


@dataclass(frozen=True)
class Forecast:
    """A regression's answers on the test split beside the truth (the first output of each sample,
    in the split's order): drawn as a forecast along time for windows of one series, else as
    predicted against true."""

    truth: np.ndarray  # (n,) float32
    predicted: np.ndarray  # (n,) float32
    in_time: bool  # the samples are windows of one series, one step after another
    context: np.ndarray | None = None  # in time: the series the first test window saw (its first feature)


@dataclass(frozen=True)
class TestResult:
    """The final evaluation on the test split, with the weights the run ended with."""

    __test__ = False  # not a pytest test class, despite the name

    loss: float
    accuracy: float | None
    mae: float | None
    samples: int
    confusion: np.ndarray | None
    class_names: tuple[str, ...] = field(default_factory=tuple)
    mistakes: tuple[Mistake, ...] = ()  # pictures only: the most confident wrong answers first
    recon: float | None = None  # an autoencoder's reconstruction loss per sample
    kl: float | None = None  # a VAE's KL divergence per sample
    forecast: Forecast | None = None  # a regression's answers beside the truth

    def scores(self) -> list[tuple[str, float, str]]:
        """The task's scores as (name, value, value in words): accuracy, MAE, or reconstruction and KL
        (names marked for the catalog: `_(name)` where a student reads them)."""
        found = [
            (N_("accuracy"), self.accuracy, f"{self.accuracy:.2%}" if self.accuracy is not None else ""),
            ("MAE", self.mae, f"{self.mae:.4g}" if self.mae is not None else ""),
            (N_("reconstruction"), self.recon, f"{self.recon:.4g}" if self.recon is not None else ""),
            ("KL", self.kl, f"{self.kl:.4g}" if self.kl is not None else ""),
        ]
        return [(name, value, text) for name, value, text in found if value is not None]


@dataclass(frozen=True)
class BoundarySnapshot:
    """The predicted class and its probability over a grid; rows go up the y axis."""

    epoch: int  # epochs done when it was taken
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    classes: np.ndarray  # (rows, columns) int64 predicted class
    confidence: np.ndarray  # (rows, columns) float32 probability of that class
    points: np.ndarray  # (N, 2) float32 training inputs, as the student's data has them
    labels: np.ndarray  # (N,) int64 their classes
    neurons: np.ndarray | None = None  # (units, rows, columns) float32: the first hidden layer's outputs
    neuron_layer: int | None = None  # the index of that layer's activation in the stack
    restored: bool = False  # the weights of an earlier, best epoch, put back at the end of the run
    network: DenseNetwork | None = None  # a small dense stack drawn as TensorFlow Playground does


@dataclass(frozen=True)
class DenseNetwork:
    """A small stack of Linear layers on 2-D points, as TensorFlow Playground draws it: every
    hidden neuron's output over the plane (on a coarser grid) and the weights between them
    (`weights[k]`: (units out, units in) of the k-th Linear)."""

    layers: tuple[int, ...]  # each hidden layer's position in the stack (its activation's)
    neurons: tuple[np.ndarray, ...]  # per hidden layer (units, rows, columns) float32
    weights: tuple[np.ndarray, ...]  # per Linear, from the input's two features to the classes
    linear: tuple[int, ...] = ()  # each hidden layer's Linear's position in the stack


@dataclass(frozen=True)
class LatentSnapshot:
    """What an autoencoder makes of the test data and of its latent space, after an epoch.

    Pictures are (N, C, H, W) uint8 as the data holds them, and None when the data are not
    pictures. The codes are the test samples' (their means, for a VAE); with more than two code
    values they are shown along the two directions they spread most (principal components).
    """

    epoch: int  # epochs done when it was taken
    latent_size: int
    originals: np.ndarray | None  # test pictures
    rebuilt: np.ndarray | None  # the same pictures through the code and back
    samples: np.ndarray | None  # a VAE's pictures decoded from codes drawn from a standard normal
    codes: np.ndarray  # (M, 2) float32
    labels: np.ndarray  # (M,) int64 classes (all 0 when the data has none)
    class_names: tuple[str, ...]
    walk: np.ndarray | None  # pictures decoded along a walk through the latent space, row by row
    walk_columns: int
    walk_words: str  # what the walk is: a grid over the plane, or from one test picture to another
    restored: bool = False  # the weights of an earlier, best epoch, put back at the end of the run


class LrDecline(StrEnum):
    """Why a range test gives no suggestion."""

    TOO_SHORT = "too_short"  # the loss blew up within the first few steps, even at tiny rates
    FLAT = "flat"  # the loss hardly fell at any rate tried
    NOISY = "noisy"  # the loss jumped from batch to batch by more than it fell
    CODES_COLLAPSED = "codes_collapsed"  # a VAE's codes carry nothing where the loss falls


# What each decline tells the student (rendered through the translation function where shown).
LR_DECLINE_WORDS: dict[LrDecline, str] = {
    LrDecline.TOO_SHORT: N_(
        "The loss blew up after only a few steps, even at tiny rates, so no rate can be suggested: check that "
        "the data is normalized and that the network is sound."
    ),
    LrDecline.FLAT: N_(
        "The loss fell by only {fall} during the test, so no rate stands out: keep the rate you have, or compare "
        "short runs at a few rates."
    ),
    LrDecline.NOISY: N_(
        "The loss jumped from batch to batch by more than it fell, so the curve cannot point at a rate: try a "
        "larger batch size and test again."
    ),
    LrDecline.CODES_COLLAPSED: N_(
        "Where the loss is lowest, the VAE's codes carry nothing (KL near 0): the loss fell only because the "
        "decoder learned the average picture, which says nothing about a good rate. Try a smaller β, then test "
        "again."
    ),
}


@dataclass(frozen=True)
class LrFinding:
    """A learning-rate range test: the rates tried, the loss at each (raw and smoothed), and the
    suggested rate with the valley it comes from, or why there is none."""

    lrs: np.ndarray
    losses: np.ndarray  # smoothed
    suggestion: float | None
    lowest: float | None  # the rate where the smoothed loss was lowest (the curve turns up after it)
    raw: np.ndarray = field(default_factory=lambda: np.zeros(0))  # each step's own loss
    valley: tuple[float, float] | None = None  # the rates of the longest steady fall, the suggestion within
    declined: LrDecline | None = None  # set when `suggestion` is None
    fall: float = 0.0  # how far the smoothed loss fell, as a share of where it started

    def declined_words(self) -> str:
        """Why there is no suggestion, in the student's language ("" when there is one)."""
        if self.declined is None:
            return ""
        return _(LR_DECLINE_WORDS[self.declined]).format(fall=f"{self.fall:.0%}")


@dataclass(frozen=True)
class Prediction:
    """What a network answers for one picture: the picture as it saw it, and each class's probability."""

    image: np.ndarray  # (C, H, W) uint8, resized (and inverted, when `inverted`) as the network saw it
    probabilities: np.ndarray  # one per class, summing to 1
    class_names: tuple[str, ...]
    inverted: bool  # light background turned dark, like the training pictures


@dataclass(frozen=True)
class EpochView:
    """What every view shows of one epoch's weights (from 0), for the epoch timeline: the test
    result, the picture the run draws (a decision boundary, an autoencoder's latent views) and the
    weight histograms."""

    epoch: int
    test: TestResult | None
    picture: BoundarySnapshot | LatentSnapshot | None
    histograms: HistogramSnapshot


@dataclass(frozen=True)
class HealthReport:
    """Every measured layer's health after one epoch (from 0), and the rules it raised
    (`spec.health`): for the layer list's flags and the health plots."""

    epoch: int
    layers: tuple[LayerHealth, ...]
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class LayerOutput:
    """What one layer makes of one example: `kind` "maps" (channels, height, width) for a
    convolution's feature maps, "units" (one value each) for a vector, "steps" (steps, features)
    for a sequence such as a recurrent layer's hidden state over the steps."""

    name: str  # as the layer list numbers it: "1: Conv2d", "decoder 2: Linear"
    kind: str
    shape: tuple[int, ...]  # the whole output's, without the batch
    values: np.ndarray  # float32, at most the first MAX_MAPS channels / MAX_UNITS units


@dataclass(frozen=True)
class Activations:
    """Every layer's output for one example (its position in `split`, from 0) at one epoch's
    weights (None: those the run ended with), the first convolution's filters, and the answer."""

    epoch: int | None
    split: str  # "test", or "val" where the data has no test split
    example: int
    examples: int  # how many the split holds
    picture: np.ndarray | None  # (C, H, W) uint8 when the example is a picture
    values: np.ndarray  # the network's input, float32, as it sees it (normalized)
    truth: int | None  # the true class (classification)
    answer: int | None  # the class the network answers
    confidence: float | None
    class_names: tuple[str, ...]
    layers: tuple[LayerOutput, ...]
    filters: np.ndarray | None  # the first Conv2d's weights (out, in, kh, kw), float32


# Why a layer starts fresh: the file has no layer there, one of another kind, or other shapes.
Reason = Literal["copied", "missing", "kind", "shape"]


@dataclass(frozen=True)
class LayerStart:
    """How one layer with weights started: copied from the file, or fresh and why."""

    part: Part
    index: int  # in its list, from 0 (the code's two heads: 0 the mean, 1 the log-variance)
    kind: str  # "Conv2d"
    reason: Reason
    frozen: bool = False
    file_kind: str = ""  # the file's layer there, when it is of another kind
    tensor: str = ""  # the first of its tensors whose shape differs ("weight")
    file_shape: tuple[int, ...] = ()
    own_shape: tuple[int, ...] = ()
    prefix: str = ""  # its weights' names' prefix in the network's state_dict ("3.", "encoder.0.")

    @property
    def copied(self) -> bool:
        return self.reason == "copied"

    def place(self) -> str:
        """`Layer 3 (Conv2d)`, as the layer list numbers it."""
        if self.part == "latent":
            return _(PART_WORDS["latent"])
        what = _("Layer {number} ({kind})") if self.part == "layers" else _("Decoder layer {number} ({kind})")
        return what.format(number=self.index + 1, kind=self.kind)

    def in_words(self) -> str:
        """`Layer 5 (Linear): starts fresh: weight is (10, 64) in the file, (5, 64) here`."""
        if self.copied:
            said = _("copied")
        elif self.reason == "missing":
            said = _("starts fresh: the file has no layer there")
        elif self.reason == "kind":
            said = _("starts fresh: the file has a {kind} there").format(kind=self.file_kind)
        else:
            said = _("starts fresh: {tensor} is {theirs} in the file, {ours} here").format(
                tensor=self.tensor, theirs=format_shape(self.file_shape), ours=format_shape(self.own_shape)
            )
        if self.frozen and not self.copied:
            said += _(" (and frozen: its random weights will stay as they are)")
        return _("{place}: {said}").format(place=self.place(), said=said)


@dataclass(frozen=True)
class StartReport:
    """Which file a run started from, and how each of its layers with weights started."""

    path: str
    sha256: str
    layers: tuple[LayerStart, ...]

    @property
    def copied(self) -> int:
        return sum(layer.copied for layer in self.layers)

    def lines(self) -> list[str]:
        """A heading line, then one line a layer."""
        head = _("Started from {file} (SHA-256 {hash}): {copied} of {count} layers with weights copied").format(
            file=Path(self.path).name, hash=self.sha256[:12], copied=self.copied, count=len(self.layers)
        )
        return [head, *(f"  {layer.in_words()}" for layer in self.layers)]

    def as_state(self) -> dict[str, Any]:
        """Plain data, for the run's history and its model file."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "layers": [
                {**vars(layer), "file_shape": list(layer.file_shape), "own_shape": list(layer.own_shape)}
                for layer in self.layers
            ],
        }

    @classmethod
    def from_state(cls, state: Any) -> StartReport | None:
        """The report `as_state` wrote; None for none, or one this version cannot read."""
        try:
            layers = tuple(
                LayerStart(**{**row, "file_shape": tuple(row["file_shape"]), "own_shape": tuple(row["own_shape"])})
                for row in state["layers"]
            )
            return cls(str(state["path"]), str(state["sha256"]), layers)
        except (KeyError, TypeError):
            return None
