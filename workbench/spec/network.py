"""The network: an ordered stack of layers, and the analysis of what it does to a shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from ..i18n import N_, _
from .fields import STRICT, SpecModel, ui
from .layers import AnyLayer, Layer, Linear, Residual, Trainable
from .shapes import InferredValue, Shape, ShapeProblem, format_shape

MAX_LAYERS = 1000
Part = Literal["layers", "latent", "decoder"]  # where a row of the analysis is: `network.<part>`
LayerPart = Literal["layers", "decoder"]  # the lists of layers a student edits
PART_WORDS = {"layers": N_("Layer"), "latent": N_("Latent code"), "decoder": N_("Decoder layer")}
# A numbered layer of each list, as the window names it: whole, for the catalog.
_NUMBERED = {"layers": N_("Layer {number} ({kind})"), "decoder": N_("Decoder layer {number} ({kind})")}


class AutoencoderSpec(SpecModel):
    """How an autoencoder squeezes each input into a few numbers (its latent code) and rebuilds it.

    With β above 0 it is a variational autoencoder (VAE): the encoder gives a mean and a spread for
    each code, the decoder rebuilds from a code drawn at random from them, and the loss adds β times
    the KL divergence that pulls the codes towards a standard normal, so that codes drawn from that
    normal decode into new samples.
    """

    model_config = STRICT

    latent_size: int = Field(
        2,
        ge=1,
        le=4096,
        title="Latent size",
        description="How many numbers the encoder squeezes each input into; with 2 the codes can be drawn on a plane.",
        json_schema_extra=ui(glossary="latent-space"),
    )
    beta: float = Field(
        1.0,
        ge=0.0,
        le=1000.0,
        title="β (KL weight)",
        description="Weight of the KL term that pulls the codes towards a standard normal: 0 gives a plain "
        "autoencoder, 1 the classic VAE, more a smoother latent space and blurrier pictures.",
        json_schema_extra=ui(decimals=3, glossary="vae"),
    )
    reconstruction: Literal["mse", "bce"] = Field(
        "mse",
        title="Reconstruction loss",
        description="How a rebuilt input is compared with the input: mean squared error for any data, binary "
        "cross-entropy for values from 0 to 1 (pictures with normalization none), the classic choice for digits.",
        json_schema_extra=ui(choice_labels={"mse": "mean squared error", "bce": "binary cross-entropy"}),
    )
    kl_warmup_epochs: int = Field(
        0,
        ge=0,
        le=10_000,
        title="KL warm-up",
        description="Epochs over which β rises from 0 to its value, so that the codes learn to rebuild first.",
        json_schema_extra=ui(none_text="off"),
    )

    @property
    def variational(self) -> bool:
        """True for a VAE (β above 0): the codes are drawn at random and the KL term is trained."""
        return self.beta > 0

    def beta_at(self, epoch: int) -> float:
        """The KL weight trained with in `epoch` (from 0): rising linearly over the warm-up."""
        if self.kl_warmup_epochs <= 0:
            return self.beta
        return self.beta * min(1.0, (epoch + 1) / (self.kl_warmup_epochs + 1))


class NetworkSpec(SpecModel):
    """An ordered stack of layers, applied one after the other (like `nn.Sequential`); or an
    autoencoder: `layers` encode, a Linear layer gives the latent code, `decoder` rebuilds the input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["stack", "autoencoder"] = Field(
        "stack",
        title="Model",
        description="stack: layers from the input to an answer (a class or a number); autoencoder: an encoder "
        "squeezes the input into a latent code and a decoder rebuilds the input from it (a VAE when β > 0).",
        json_schema_extra=ui(choice_labels={"stack": "stack of layers", "autoencoder": "autoencoder / VAE"}),
    )
    layers: list[AnyLayer] = Field(
        default_factory=list,
        title="Layers",
        description="The layers, from input to output (an autoencoder's encoder).",
        json_schema_extra=ui(context="the layer list"),
    )
    decoder: list[AnyLayer] = Field(
        default_factory=list,
        title="Decoder",
        description="An autoencoder's layers from the latent code back to the input's shape.",
    )
    autoencoder: AutoencoderSpec = Field(
        default_factory=AutoencoderSpec,
        title="Autoencoder",
        json_schema_extra=ui(enabled_when=("kind", "autoencoder"), glossary="latent-space"),
    )

    start_from: str = Field(
        "",
        title="Start from",
        description="A Workbench model file (.pt) saved by a run: each layer that has a layer of the same kind and "
        "shapes at the same place in it starts from its weights; the others start fresh. Empty: random weights.",
        json_schema_extra=ui(path="file", glossary="fine-tuning"),
    )

    @field_validator("layers", "decoder", mode="before")
    @classmethod
    def _not_too_many(cls, layers: Any) -> Any:
        # Checked before each layer is validated: a million layers would take minutes to refuse.
        if isinstance(layers, list) and len(layers) > MAX_LAYERS:
            raise ValueError(
                _("has {count} layers; a network here has at most {limit}").format(
                    count=f"{len(layers):,}", limit=f"{MAX_LAYERS:,}"
                )
            )
        return layers

    @model_serializer(mode="wrap")
    def _only_what_applies(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A stack is written as it always was: an autoencoder's parts, untouched, would be noise in
        # its file. Once edited they are kept, so that switching to a stack and back loses nothing.
        data: dict[str, Any] = handler(self)
        if not self.is_autoencoder:
            defaults = {"kind": "stack", "decoder": [], "autoencoder": AutoencoderSpec().model_dump()}
            data = {k: v for k, v in data.items() if k not in defaults or v != defaults[k]}
        if not self.start_from:
            data.pop("start_from", None)
        return data

    @property
    def is_autoencoder(self) -> bool:
        """True when the network rebuilds its input through a latent code."""
        return self.kind == "autoencoder"

    def analyze(self, input_shape: Shape) -> NetworkAnalysis:
        """Shapes and parameter counts of every layer for inputs of `input_shape`; an autoencoder's
        rows are its encoder's, the latent code's and its decoder's, in that order."""
        encoder = analyze(self.layers, input_shape)
        if not self.is_autoencoder or not encoder.ok:
            return encoder
        latent = self._latent_row(encoder.output_shape or tuple(input_shape))
        rows = [*encoder.rows, latent]
        total = encoder.total_params + latent.params
        if latent.error is not None:
            return NetworkAnalysis(tuple(input_shape), tuple(rows), total, None)
        decoder = analyze(self.decoder, (self.autoencoder.latent_size,), part="decoder")
        output = decoder.output_shape if self.decoder else None
        return NetworkAnalysis(tuple(input_shape), (*rows, *decoder.rows), total + decoder.total_params, output)

    def _latent_row(self, shape: Shape) -> LayerInfo:
        """The Linear layer(s) from the encoder's output to the code: a mean, and for a VAE a
        log-variance too (two heads of `latent_size` outputs each)."""
        size = self.autoencoder.latent_size
        heads = 2 if self.autoencoder.variational else 1
        layer = Linear(out_features=size * heads)
        if len(shape) != 1:
            fix = (
                _("end the encoder with Flatten")
                if self.layers
                else _("add layers to the encoder, ending with Flatten")
            )
            error = _("takes a flat vector but the encoder gives {shape}: {fix}").format(
                shape=format_shape(shape), fix=fix
            )
            return LayerInfo(0, layer, shape, None, 0, error=error, part="latent")
        params = heads * (shape[0] * size + size)
        return LayerInfo(0, layer, shape, (size,), params, {"in_features": shape[0]}, part="latent")

    def mirrored_decoder(self, input_shape: Shape) -> list[Layer]:
        """A decoder that mirrors the encoder's Linear layers back to `input_shape` (each followed by
        ReLU, the last one giving every value of the input, then Unflatten for pictures and sequences):
        a start a student can train at once and then change."""
        from .layers import ReLU, Unflatten

        sizes = [layer.out_features for layer in self.layers if isinstance(layer, Linear)]
        decoder: list[Layer] = []
        for size in reversed(sizes):
            decoder += [Linear(out_features=size), ReLU()]
        values = 1
        for n in input_shape:
            values *= n
        decoder.append(Linear(out_features=values))
        if len(input_shape) > 1:
            decoder.append(Unflatten(dim=1, unflattened_size=list(input_shape)))
        return decoder

    @property
    def min_batch(self) -> int:
        """The fewest samples a training batch may hold: 2 with BatchNorm, which averages over it."""
        used = [*self.layers, *self.decoder] if self.is_autoencoder else self.layers
        return max((layer.min_batch for layer in used), default=1)


@dataclass(frozen=True)
class LayerInfo:
    """One row of the analysis: what layer `index` receives and produces."""

    index: int
    layer: Layer
    input_shape: Shape
    output_shape: Shape | None
    params: int
    inferred: dict[str, InferredValue] = field(default_factory=dict)
    error: str | None = None
    part: Part = "layers"  # an autoencoder's decoder rows count from 0 again
    block: int | None = None  # for a layer inside a residual block: the block's index
    inner: tuple[LayerInfo, ...] = ()  # a residual block's own layers' rows (up to one that does not fit)

    @property
    def frozen(self) -> bool:
        """True for a layer whose weights training leaves as they are."""
        return isinstance(self.layer, Trainable) and self.layer.frozen

    @property
    def frozen_params(self) -> int:
        """The parameters of this layer that are frozen (a block's: its frozen layers')."""
        return self.params if self.frozen else sum(row.frozen_params for row in self.inner)

    @property
    def location(self) -> str:
        """`network.layers[3] (Conv2d)`: how files and the command line name this layer."""
        if self.part == "latent":
            return "network.autoencoder.latent_size"
        if self.block is not None:
            return f"network.{self.part}[{self.block}].layers[{self.index}] ({self.layer.type})"
        return f"network.{self.part}[{self.index}] ({self.layer.type})"

    @property
    def number(self) -> str:
        """`4`, or `4.2` for the second layer of the block that is layer 4: as the layer list numbers it."""
        return str(self.index + 1) if self.block is None else f"{self.block + 1}.{self.index + 1}"

    @property
    def words(self) -> str:
        """`Layer 4 (Conv2d)`: how the window names it, counting from 1 as the layer list does."""
        if self.part == "latent":
            return _(PART_WORDS["latent"])
        return _(_NUMBERED[self.part]).format(number=self.number, kind=self.layer.type)


@dataclass(frozen=True)
class NetworkAnalysis:
    """The shape table of a network: one row per analysed layer, the total and any error.

    Analysis stops at the first layer that cannot take its input, since every later shape
    depends on it; that row carries the error and `rows` ends there.
    """

    input_shape: Shape
    rows: tuple[LayerInfo, ...]
    total_params: int
    output_shape: Shape | None

    @property
    def error(self) -> str | None:
        """The first shape error as a full message (`network.layers[5] (Linear): ...`), or None."""
        for row in self.rows:
            if row.error is not None:
                return _("{path}: {message}").format(path=row.location, message=row.error)
        return None

    @property
    def error_words(self) -> str | None:
        """The first shape error as the window says it (`Layer 6 (Linear): ...`), or None."""
        row = next((row for row in self.rows if row.error is not None), None)
        return None if row is None else _("{place} {message}").format(place=row.words, message=row.error)

    @property
    def error_index(self) -> int | None:
        """Index of the layer with the first error, or None."""
        return next((row.index for row in self.rows if row.error is not None), None)

    @property
    def frozen_params(self) -> int:
        """The parameters of frozen layers, which training leaves as they are."""
        return sum(row.frozen_params for row in self.rows)

    @property
    def trainable_params(self) -> int:
        """The parameters training changes: all but the frozen layers'."""
        return self.total_params - self.frozen_params

    def part(self, name: Part) -> list[LayerInfo]:
        """The rows of one part: `layers` (the stack, or the encoder), `latent` or `decoder`."""
        return [row for row in self.rows if row.part == name]

    @property
    def ok(self) -> bool:
        """True when every layer takes its input."""
        return self.error is None


def _inside(wrong: LayerInfo) -> str:
    """A residual block's error when one of its layers does not fit: that layer, numbered as the
    layer list numbers it (2.4), and why."""
    return _("holds a layer that does not fit: layer {number} ({kind}) {message}").format(
        number=wrong.number, kind=wrong.layer.type, message=wrong.error
    )


def analyze(
    layers: Sequence[Layer], input_shape: Shape, part: Part = "layers", block: int | None = None
) -> NetworkAnalysis:
    """Run shape inference through `layers` (those of the residual block at index `block`, if
    given), stopping at the first layer that does not fit."""
    rows: list[LayerInfo] = []
    shape: Shape | None = tuple(input_shape)
    total = 0
    for index, layer in enumerate(layers):
        assert shape is not None
        inner = analyze(layer.layers, shape, part, index).rows if isinstance(layer, Residual) else ()
        try:
            result = layer.infer(shape)
        except ShapeProblem as problem:
            wrong = next((row for row in inner if row.error is not None), None)
            said = str(problem) if wrong is None else _inside(wrong)
            rows.append(LayerInfo(index, layer, shape, None, 0, error=said, part=part, block=block, inner=inner))
            shape = None
            break
        rows.append(
            LayerInfo(index, layer, shape, result.output, result.params, result.inferred, None, part, block, inner)
        )
        total += result.params
        shape = result.output
    return NetworkAnalysis(tuple(input_shape), tuple(rows), total, shape)
