"""Dataset specs: which data to train on, how to split it, normalize it and augment it.

The spec only describes the data; the engine loads it. Shapes and class counts known without
reading any data are answered here (`input_shape`, `num_classes`); the file-based kinds answer
from their files' headers (see `peek`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer, model_validator

from ..i18n import NP_, _, pgettext
from .fields import STRICT, SpecModel, ui
from .places import field_named
from .shapes import Shape
from .split import SplitIndices, split_indices


class Task(StrEnum):
    """What the network predicts: a class (classification), a number (regression), or its own
    input rebuilt through a latent code (reconstruction: an autoencoder, whatever the data's labels)."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    RECONSTRUCTION = "reconstruction"


class NormalizeSpec(SpecModel):
    """How inputs are rescaled before they reach the network."""

    model_config = STRICT

    mode: Literal["none", "standardize", "fixed"] = Field(
        "standardize",
        title="Method",
        description="standardize: mean 0 and spread 1 from the training split; fixed: the mean and std below.",
    )
    mean: list[float] = Field(
        default_factory=lambda: [0.5],
        min_length=1,
        max_length=4,
        title="Mean",
        description="Subtracted from each channel (one value, or one per channel) in fixed mode.",
        json_schema_extra=ui(enabled_when=("mode", "fixed")),
    )
    std: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [0.5],
        min_length=1,
        max_length=4,
        title="Std",
        description="Each channel is divided by this (one value, or one per channel) in fixed mode.",
        json_schema_extra=ui(enabled_when=("mode", "fixed")),
    )


class AugmentSpec(SpecModel):
    """Random changes to training images, so the network sees more variety."""

    model_config = STRICT

    horizontal_flip: bool = Field(
        False, title="Random horizontal flip", description="Mirror half of the training images left to right."
    )
    random_crop_padding: int = Field(
        0,
        ge=0,
        le=64,
        title="Random crop padding",
        description="Pad by this many pixels and crop back at a random place (0 = off).",
        json_schema_extra=ui(none_text="off"),
    )


class DatasetBase(SpecModel):
    """Settings every dataset shares: the split and the normalization."""

    model_config = STRICT
    label: ClassVar[str] = ""  # what the window and the messages call this kind of data
    value_bytes: ClassVar[int] = 4  # memory per input value once loaded (float32)
    # Samples in time order (windows of one series): split by time, so that validation and test
    # are the future, and neighbouring windows that share steps never straddle the split.
    by_time: ClassVar[bool] = False

    kind: str
    val_fraction: float = Field(
        0.2,
        ge=0.0,
        lt=1.0,
        title="Validation share",
        description="Share of the samples held out to check for overfitting after each epoch.",
        json_schema_extra=ui(glossary="validation-set"),
    )
    test_fraction: float = Field(
        0.1,
        ge=0.0,
        lt=1.0,
        title="Test share",
        description="Share of the samples kept aside for one final evaluation after training.",
        json_schema_extra=ui(glossary="test-set"),
    )
    normalize: NormalizeSpec = Field(
        default_factory=NormalizeSpec, title="Normalization", json_schema_extra=ui(glossary="normalization")
    )

    @model_validator(mode="after")
    def _leave_training_data(self) -> DatasetBase:
        if self.val_fraction + self.test_fraction >= 0.95:
            raise ValueError(
                _("{validation} + {test} must leave at least {share} of the samples for training").format(
                    validation=field_named("dataset.val_fraction"),
                    test=field_named("dataset.test_fraction"),
                    share="5%",
                )
            )
        return self

    def task_kind(self) -> Task:
        """What the network predicts on this data: classification unless the dataset says otherwise."""
        return Task.CLASSIFICATION

    def input_shape(self) -> Shape | None:
        """Shape of one sample when it is known without reading files."""
        return None

    def num_classes(self) -> int | None:
        """Number of classes when it is known without reading files."""
        return None

    def sample_count(self) -> int | None:
        """Number of samples when it is known without reading files."""
        return None

    @property
    def reads_rows(self) -> bool:
        """True when pictures are read row by row, as sequences (see `view`)."""
        return False

    def picture_channels(self) -> int:
        """Channels of the pictures as stored, before any row-by-row view (1 for data that is not pictures)."""
        return 1

    def view(self, shape: Shape) -> Shape:
        """The shape the network sees of samples stored as `shape` (pictures may be read row by row)."""
        return shape

    def split(self, samples: int, seed: int) -> SplitIndices:
        """Which samples train, validate and test: seeded at random, or in time order (`by_time`)."""
        return split_indices(samples, self.val_fraction, self.test_fraction, seed, ordered=self.by_time)


# --- generated 2-D data -----------------------------------------------------------------------


class _Synthetic(DatasetBase):
    n_samples: int = Field(600, ge=10, le=1_000_000, title="Samples", description="How many points to generate.")
    noise: float = Field(0.1, ge=0.0, le=5.0, title="Noise", description="How much random jitter blurs the pattern.")

    def input_shape(self) -> Shape | None:
        return (2,)

    def num_classes(self) -> int | None:
        return 2

    def sample_count(self) -> int | None:
        return self.n_samples


_N_CLASSES = Field(3, ge=2, le=10, title="Classes", description="How many classes (arms or blobs) to generate.")


class SpiralDataset(_Synthetic):
    """Interleaved spiral arms, one per class: needs a non-linear boundary."""

    label: ClassVar[str] = "Spiral (2-D points)"

    kind: Literal["spiral"] = "spiral"
    n_classes: int = _N_CLASSES

    def num_classes(self) -> int | None:
        return self.n_classes


class MoonsDataset(_Synthetic):
    """Two interleaving half circles."""

    label: ClassVar[str] = "Moons (2-D points)"

    kind: Literal["moons"] = "moons"


class CirclesDataset(_Synthetic):
    """A small circle inside a large one."""

    label: ClassVar[str] = "Circles (2-D points)"

    kind: Literal["circles"] = "circles"


class XorDataset(_Synthetic):
    """Four quadrants with opposite quadrants in the same class."""

    label: ClassVar[str] = "XOR (2-D points)"

    kind: Literal["xor"] = "xor"


class GaussianDataset(_Synthetic):
    """Round blobs of points, one per class."""

    label: ClassVar[str] = "Gaussian blobs (2-D points)"

    kind: Literal["gaussian"] = "gaussian"
    n_classes: int = _N_CLASSES

    def num_classes(self) -> int | None:
        return self.n_classes


# --- generated sequences ----------------------------------------------------------------------


class _Sequences(DatasetBase):
    """Generated sequences to regress on: how many there will be is known before generating them."""

    n_samples: int

    def task_kind(self) -> Task:
        return Task.REGRESSION

    def sample_count(self) -> int | None:
        return self.n_samples


class SineDataset(_Sequences):
    """A noisy sum of sines with a slow trend, cut into overlapping windows: from each window of
    past steps, forecast the value `horizon` steps after it. Split by time: validation and test
    are the series' future."""

    label: ClassVar[str] = "Sine wave to forecast (sequences)"
    by_time: ClassVar[bool] = True

    kind: Literal["sine"] = "sine"
    n_samples: int = Field(
        2000, ge=10, le=1_000_000, title="Windows", description="How many windows to cut from the series."
    )
    window: int = Field(32, ge=1, le=10_000, title="Window length", description="How many past steps the network sees.")
    horizon: int = Field(
        1, ge=1, le=1_000, title="Horizon", description="How many steps ahead to forecast (1: the next value)."
    )
    noise: float = Field(0.1, ge=0.0, le=5.0, title="Noise", description="How much random jitter blurs the series.")

    def input_shape(self) -> Shape | None:
        return (self.window, 1)


class AddingDataset(_Sequences):
    """The adding problem (Hochreiter and Schmidhuber, 1997): each step holds a random number and a
    mark; the target is the sum of the two marked numbers. Only two steps matter, far apart, so a
    network must remember across the sequence: a plain RNN's gradient vanishes on the way, an LSTM's
    or a GRU's gates keep it."""

    label: ClassVar[str] = "Adding problem (sequences)"

    kind: Literal["adding"] = "adding"
    n_samples: int = Field(4000, ge=10, le=1_000_000, title="Samples", description="How many sequences to generate.")
    length: int = Field(
        30,
        ge=2,
        le=10_000,
        title="Sequence length",
        description="Steps per sequence; only two of them matter. The longer, the harder for a plain RNN.",
    )

    def input_shape(self) -> Shape | None:
        return (self.length, 2)


# --- images -----------------------------------------------------------------------------------


class _Images(DatasetBase):
    value_bytes: ClassVar[int] = 1  # pictures are kept as bytes until a batch is made
    augment: AugmentSpec = Field(default_factory=AugmentSpec, title="Augmentation")
    as_sequence: bool = Field(
        False,
        title="Read row by row",
        description="Give each picture as a sequence, for RNN, LSTM and GRU: one step per row, the row's "
        "pixels (times channels) as the step's features: (rows, columns x channels).",
    )

    @model_validator(mode="after")
    def _augment_pictures_only(self) -> _Images:
        if self.as_sequence and (self.augment.horizontal_flip or self.augment.random_crop_padding):
            raise ValueError(_("augmentation flips and crops pictures: turn it off to read pictures row by row"))
        return self

    @property
    def reads_rows(self) -> bool:
        return self.as_sequence

    def picture_channels(self) -> int:
        """Channels of the pictures as stored (before any row-by-row view): 1 unless known otherwise."""
        shape = self.input_shape()
        return shape[0] if shape is not None else 1

    def view(self, shape: Shape) -> Shape:
        if self.as_sequence and len(shape) == 3:
            channels, height, width = shape
            return (height, width * channels)
        return shape


class _TenClasses(_Images):
    """Pictures of ten known classes, of which an experiment may keep a few."""

    classes: list[int] = Field(
        default_factory=list,
        max_length=10,
        title="Only these classes",
        description="Keep only the pictures of these classes, by their number from 0 (0, 1, 2, 3, 4: the first five), "
        "numbered again from 0 in this order; empty: every class.",
    )

    @field_validator("classes")
    @classmethod
    def _ten_classes(cls, classes: list[int]) -> list[int]:
        if classes and (len(classes) < 2 or len(set(classes)) != len(classes) or not all(0 <= c < 10 for c in classes)):
            raise ValueError(_("give two or more different class numbers from 0 to 9, or leave it empty for all"))
        return classes

    @model_serializer(mode="wrap")
    def _classes_when_chosen(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Every class, as before there was a choice: the field is left out of the file.
        data: dict[str, Any] = handler(self)
        if not self.classes:
            data.pop("classes", None)
        return data

    def num_classes(self) -> int | None:
        return len(self.classes) or 10


class DigitsDataset(_TenClasses):
    """The 1,797 handwritten 8x8 digits bundled with scikit-learn: works offline."""

    label: ClassVar[str] = "Digits 8x8 (built in)"

    kind: Literal["digits"] = "digits"

    def input_shape(self) -> Shape | None:
        return (1, 8, 8)

    def sample_count(self) -> int | None:
        return 1_797


class _Torchvision(_TenClasses):
    root: str | None = Field(
        None,
        title="Folder",
        description="Where the files are kept; empty means Workbench's data folder.",
        json_schema_extra=ui(path="folder", none_text="Workbench's data folder"),
    )
    download: bool = Field(False, title="Download", description="Download the files when they are missing.")


class MnistDataset(_Torchvision):
    """70,000 handwritten 28x28 digits."""

    label: ClassVar[str] = "MNIST"

    kind: Literal["mnist"] = "mnist"

    def input_shape(self) -> Shape | None:
        return (1, 28, 28)

    def sample_count(self) -> int | None:
        return 70_000


class FashionMnistDataset(_Torchvision):
    """70,000 28x28 pictures of clothes in 10 classes."""

    label: ClassVar[str] = "Fashion-MNIST"

    kind: Literal["fashion_mnist"] = "fashion_mnist"

    def input_shape(self) -> Shape | None:
        return (1, 28, 28)

    def sample_count(self) -> int | None:
        return 70_000


class Cifar10Dataset(_Torchvision):
    """60,000 small 32x32 colour photos in 10 classes."""

    label: ClassVar[str] = "CIFAR-10"

    kind: Literal["cifar10"] = "cifar10"

    def input_shape(self) -> Shape | None:
        return (3, 32, 32)

    def sample_count(self) -> int | None:
        return 60_000


class IdxDataset(_Images):
    """A pair of IDX files (images and labels), the format of MNIST, Fashion-MNIST, KMNIST, EMNIST."""

    label: ClassVar[str] = "IDX files (your own)"

    kind: Literal["idx"] = "idx"
    images: str = Field(
        "",
        title="Images file",
        description="The IDX file of images (may end in .gz).",
        json_schema_extra=ui(path="file"),
    )
    labels: str = Field(
        "",
        title="Labels file",
        description="The IDX file of labels, in the same order (may end in .gz).",
        json_schema_extra=ui(path="file"),
    )


class CsvDataset(DatasetBase):
    """A table of numbers: one column is the target, the others are the features."""

    label: ClassVar[str] = "CSV table (your own)"

    kind: Literal["csv"] = "csv"
    path: str = Field(
        "",
        title="CSV file",
        description="The table, with column names in the first row.",
        json_schema_extra=ui(path="file"),
    )
    target: str = Field("", title="Target column", description="The column the network learns to predict.")
    task: Task = Field(
        Task.CLASSIFICATION,
        title="Task",
        description="classification: the target is a class; regression: the target is a number.",
    )

    def task_kind(self) -> Task:
        return self.task


class CsvSeriesDataset(DatasetBase):
    """A time series in a CSV table, one row a time step: forecast a column from a sliding window
    of the rows before. Split by time: validation and test are the table's last rows, the future."""

    label: ClassVar[str] = "CSV time series (your own)"
    by_time: ClassVar[bool] = True

    kind: Literal["csv_series"] = "csv_series"
    path: str = Field(
        "",
        title="CSV file",
        description="The table, one row per time step in time order, with column names in the first row.",
        json_schema_extra=ui(path="file"),
    )
    target: str = Field("", title="Column to forecast", description="The numeric column the network forecasts.")
    inputs: list[str] = Field(
        default_factory=list,
        max_length=1_000,
        title="Input columns",
        description="The columns each step shows the network, separated by commas; empty: every column.",
        json_schema_extra=ui(none_text="every column"),
    )
    window: int = Field(24, ge=1, le=10_000, title="Window length", description="How many past rows the network sees.")
    horizon: int = Field(
        1, ge=1, le=10_000, title="Horizon", description="How many rows ahead to forecast (1: the next row)."
    )

    def task_kind(self) -> Task:
        return Task.REGRESSION

    @field_validator("inputs")
    @classmethod
    def _each_column_once(cls, inputs: list[str]) -> list[str]:
        twice = next((name for n, name in enumerate(inputs) if name in inputs[:n]), None)
        if twice is not None:
            raise ValueError(
                _("names the column {column} more than once: name each column once").format(column=repr(twice))
            )
        return inputs


class ImageFolderDataset(_Images):
    """One sub-folder of pictures per class, as torchvision's ImageFolder reads them."""

    label: ClassVar[str] = "Image folder (your own)"

    kind: Literal["image_folder"] = "image_folder"
    path: str = Field(
        "",
        title="Folder",
        description="The folder holding one sub-folder per class.",
        json_schema_extra=ui(path="folder"),
    )
    image_size: int = Field(
        32, ge=4, le=1024, title="Image size", description="Pictures are resized to this square size."
    )
    channels: Literal[1, 3] = Field(3, title="Channels", description="3 for colour, 1 to turn pictures grey.")

    def input_shape(self) -> Shape | None:
        return (self.channels, self.image_size, self.image_size)


AnyDataset = Annotated[
    SpiralDataset
    | MoonsDataset
    | CirclesDataset
    | XorDataset
    | GaussianDataset
    | SineDataset
    | AddingDataset
    | DigitsDataset
    | MnistDataset
    | FashionMnistDataset
    | Cifar10Dataset
    | IdxDataset
    | CsvDataset
    | CsvSeriesDataset
    | ImageFolderDataset,
    Field(discriminator="kind"),
]

DATASET_KINDS: dict[str, type[DatasetBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        SpiralDataset,
        MoonsDataset,
        CirclesDataset,
        XorDataset,
        GaussianDataset,
        SineDataset,
        AddingDataset,
        DigitsDataset,
        MnistDataset,
        FashionMnistDataset,
        Cifar10Dataset,
        IdxDataset,
        CsvDataset,
        CsvSeriesDataset,
        ImageFolderDataset,
    )
}


def dataset_label(kind: str) -> str:
    """The name a student reads for a kind of data: "Digits 8x8 (built in)", "MNIST"."""
    cls = DATASET_KINDS.get(kind)
    return cls.label if cls is not None and cls.label else kind.replace("_", " ")


# The classes of the bundled datasets, as the files and torchvision name them: model files keep
# these English names (a run continued in another language finds the same ones); the window and
# the command line show them in the language spoken (`class_words`).
CLASS_CONTEXT = "class"  # the NP_ calls spell it out: the extractor reads only literals
FASHION_NAMES = (
    NP_("class", "T-shirt/top"),
    NP_("class", "Trouser"),
    NP_("class", "Pullover"),
    NP_("class", "Dress"),
    NP_("class", "Coat"),
    NP_("class", "Sandal"),
    NP_("class", "Shirt"),
    NP_("class", "Sneaker"),
    NP_("class", "Bag"),
    NP_("class", "Ankle boot"),
)
CIFAR_NAMES = (
    NP_("class", "airplane"),
    NP_("class", "automobile"),
    NP_("class", "bird"),
    NP_("class", "cat"),
    NP_("class", "deer"),
    NP_("class", "dog"),
    NP_("class", "frog"),
    NP_("class", "horse"),
    NP_("class", "ship"),
    NP_("class", "truck"),
)
_BUNDLED_CLASSES = frozenset(FASHION_NAMES + CIFAR_NAMES)

# Generated datasets name their classes `class 0`, `class 1` ... in every language (the names are
# kept in model files, and a run continued in another language must find the same ones).
GENERATED_CLASS = re.compile(r"class (\d+)")


def class_words(name: str) -> str:
    """A class's name as a student reads it: a generated class's and a bundled dataset's
    ("T-shirt/top", "cat") in the language spoken, any other (a digit, a folder's name) as it is."""
    if name in _BUNDLED_CLASSES:
        return pgettext(CLASS_CONTEXT, name)
    match = GENERATED_CLASS.fullmatch(name)
    return _("class {number}").format(number=match.group(1)) if match else name
