"""The experiment: dataset, network and training in one versioned, validated document."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from math import prod
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationError, field_validator, model_validator

from ..atomic import atomic_write
from ..i18n import _
from .advice import Advice, stack_advice
from .datasets import AnyDataset, DigitsDataset, Task
from .errors import Problem, SpecError, problems_from_validation
from .fields import STRICT, SpecModel
from .memory import MemoryEstimate, estimate_memory
from .metrics import METRICS, metric_for
from .network import NetworkAnalysis, NetworkSpec
from .peek import DataError, DataShape, data_shape, model_path
from .places import field_named, value_named
from .shapes import format_shape
from .training import TrainingSpec
from .variants import TAGS, Variant, new_kind_settings, setting_place, steps_of

CURRENT_FORMAT_VERSION = 2
MAX_FILE_BYTES = 4 * 2**20  # far above any real experiment; refuses /dev/zero and the like quickly

# MIGRATIONS[v] turns a version-v document into a version-(v + 1) document. When the format
# changes, bump CURRENT_FORMAT_VERSION and add the step here with a test; old files keep opening.
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added `variants`: a version-1 document has none, and is otherwise the same."""
    return document


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}


def _in_variant(n: int, name: str, refusal: SpecError) -> str:
    problem = refusal.problems[0]
    return _("variants[{n}] ({name}): {place}: {problem}").format(
        n=n, name=name, place=problem.path, problem=problem.message
    )


def _valid(document: dict[str, Any]) -> bool:
    try:
        ExperimentSpec.from_dict(document)
    except SpecError:
        return False
    return True


def read_text(path: Path) -> str:
    """A JSON file's text, read with care: a missing, unreadable, oversized or non-UTF-8 file
    raises SpecError naming it."""
    try:
        if not path.is_file():  # a folder, a device such as /dev/zero, a pipe that never ends
            problem = _("no such file: {path}") if not path.exists() else _("not a file: {path}")
            raise SpecError([Problem("", problem.format(path=path))])
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise SpecError(
                [
                    Problem(
                        "",
                        _("{path} is larger than an experiment file can be ({limit} bytes)").format(
                            path=path, limit=f"{MAX_FILE_BYTES:,}"
                        ),
                    )
                ]
            )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem("", _("cannot read {path}: {error}").format(path=path, error=exc))]) from None


def migrate(
    document: dict[str, Any],
    migrations: dict[int, Migration] | None = None,
    current: int | None = None,
) -> dict[str, Any]:
    """Bring an older document up to `current` by applying each migration step in turn.

    Documents without a version, of the current version, newer or malformed versions are
    returned unchanged: validation reports those.
    """
    steps = MIGRATIONS if migrations is None else migrations
    target = CURRENT_FORMAT_VERSION if current is None else current
    version = document.get("format_version", target)
    if type(version) is not int:
        return document
    if version < target and version in steps:
        document = copy.deepcopy(document)  # steps may edit nested parts; the caller's stays intact
    while version < target and version in steps:
        document = steps[version](document)
        version += 1
        document["format_version"] = version
    return document


class ExperimentSpec(SpecModel):
    """Everything needed to repeat a run: the data, the network and how to train it."""

    model_config = STRICT

    format_version: Annotated[int, Strict()] = Field(  # "1" is not a version Workbench writes
        CURRENT_FORMAT_VERSION, title="Format version", description="Version of the experiment file format."
    )
    name: str = Field("", max_length=200, title="Name", description="A short name for this experiment.")
    description: str = Field("", max_length=5000, title="Description", description="What this experiment shows.")
    dataset: AnyDataset = Field(default_factory=DigitsDataset, title="Dataset")
    network: NetworkSpec = Field(default_factory=NetworkSpec, title="Network")
    training: TrainingSpec = Field(default_factory=TrainingSpec, title="Training")
    variants: list[Variant] = Field(
        default_factory=list,
        max_length=20,
        title="Variants",
        description="Versions of this experiment to train beside it, each a name and the settings it changes.",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return migrate(data) if isinstance(data, dict) else data

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version > CURRENT_FORMAT_VERSION:
            raise ValueError(
                _(
                    "version {version} is newer than this Workbench reads (up to {current}): "
                    "update Workbench to open this file"
                ).format(version=version, current=CURRENT_FORMAT_VERSION)
            )
        if version < CURRENT_FORMAT_VERSION:
            raise ValueError(_("version {version} is not a version Workbench has ever written").format(version=version))
        return version

    @model_validator(mode="after")
    def _variants_named_once(self) -> ExperimentSpec:
        # Only their names and places are checked here: whether a variant's changes still fit is
        # said when it is trained, so that editing the experiment never makes its file unreadable.
        names = [variant.name for variant in self.variants]
        for n, variant in enumerate(self.variants):
            if variant.name in names[:n]:
                raise ValueError(
                    _("variants[{n}]: the name {name} is taken already").format(n=n, name=repr(variant.name))
                )
            for path in variant.changes:
                try:
                    steps_of(path)
                except SpecError as exc:
                    raise ValueError(_in_variant(n, variant.name, exc)) from None
        return self

    # --- variants and settings -------------------------------------------------------------------

    def with_setting(self, path: str, value: Any) -> ExperimentSpec:
        """One run's experiment (without variants): this one with the setting at `path`
        (`network.layers[2].out_features`) set to `value`. A new kind (`training.optimizer.name`)
        keeps the old settings it takes. SpecError names the place when there is no such setting
        or the value does not fit it."""
        document = json.loads(self.to_json())
        document.pop("variants", None)
        parent, key = setting_place(document, path)
        parent[key] = value
        source = f"{path}={json.dumps(value)}"
        try:
            return ExperimentSpec.from_dict(document, source=source)
        except SpecError:
            if key not in TAGS or not isinstance(parent, dict):
                raise
        new_kind_settings(parent, str(key), value, lambda: _valid(document))
        return ExperimentSpec.from_dict(document, source=source)

    def variant(self, name: str) -> ExperimentSpec:
        """The run's experiment of the variant called `name`: its changes, in order, and its name added."""
        n, chosen = next((n, v) for n, v in enumerate(self.variants) if v.name == name)
        run = self.model_copy(update={"variants": []})
        try:
            for path, value in chosen.changes.items():
                run = run.with_setting(path, value)
        except SpecError as exc:  # the experiment was edited since: the variant's change no longer fits
            raise SpecError([Problem(f"variants[{n}]", _in_variant(n, chosen.name, exc))]) from None
        return run.model_copy(update={"name": f"{run.name} ({chosen.name})".strip()[:200]})

    # --- files ---------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any, source: str | None = None) -> ExperimentSpec:
        """Validate a parsed JSON document; every problem is reported in one SpecError."""
        if not isinstance(document, dict):
            raise SpecError([Problem("", _("the file must hold a JSON object ({...})"))], source)
        document = migrate(document)
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise SpecError(problems_from_validation(exc, document), source) from None

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> ExperimentSpec:
        """Parse and validate JSON text."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                [
                    Problem(
                        "",
                        _("not valid JSON: {error} (line {line}, column {column})").format(
                            error=exc.msg, line=exc.lineno, column=exc.colno
                        ),
                    )
                ],
                source,
            ) from None
        except RecursionError:
            raise SpecError([Problem("", _("not valid JSON: nested too deeply"))], source) from None
        except ValueError:  # an integer of thousands of digits, which Python refuses to convert
            raise SpecError(
                [Problem("", _("not a usable experiment: a number in it has thousands of digits"))], source
            ) from None
        return cls.from_dict(document, source)

    @classmethod
    def load(cls, path: str | Path) -> ExperimentSpec:
        """Read an experiment file; a missing, unreadable or invalid file raises SpecError."""
        return cls.from_json(read_text(Path(path)), source=str(path))

    def to_json(self) -> str:
        """The experiment as indented JSON text, ending with a newline (without variants, none written)."""
        return (
            json.dumps(self.model_dump(mode="json", exclude=None if self.variants else {"variants"}), indent=2) + "\n"
        )

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash mid-write never leaves a half-written experiment behind."""
        text = self.to_json()

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        atomic_write(path, write)

    # --- analysis ------------------------------------------------------------------------------

    @property
    def task(self) -> Task:
        """Classification or regression, as the dataset says; reconstruction for an autoencoder."""
        if self.network.is_autoencoder:
            return Task.RECONSTRUCTION
        return self.dataset.task_kind()

    @property
    def loss_name(self) -> str:
        """The loss to train with, `auto` resolved by the task (an autoencoder's: its reconstruction's)."""
        if self.network.is_autoencoder:
            return self.network.autoencoder.reconstruction
        if self.training.loss != "auto":
            return self.training.loss
        return "cross_entropy" if self.task is Task.CLASSIFICATION else "mse"

    def data_shape(self, base_dir: Path | None = None) -> DataShape:
        """Sample shape and class count; raises DataError when the data files are unusable."""
        return data_shape(self.dataset, base_dir)

    def analyze(self, base_dir: Path | None = None) -> NetworkAnalysis:
        """The network's shape table on this experiment's data; raises DataError like data_shape."""
        return self.network.analyze(self.data_shape(base_dir).input_shape)

    def memory(self, base_dir: Path | None = None) -> MemoryEstimate:
        """The memory a run of this experiment needs (see spec.memory); raises DataError like data_shape."""
        shape = self.data_shape(base_dir)
        training = self.training
        return estimate_memory(
            self.network.analyze(shape.input_shape),
            batch_size=training.batch_size,
            state_per_weight=training.optimizer.state_per_weight(),
            optimizer_name=training.optimizer.name,
            samples=shape.samples,
            value_bytes=self.dataset.value_bytes,
            epochs=training.epochs,
        )

    def advice(self, base_dir: Path | None = None) -> list[Advice]:
        """Choices in the network that cost it something but do not stop it (see spec.advice)."""
        try:
            rows = self.network.analyze(self.data_shape(base_dir).input_shape).rows
        except DataError:  # files not readable yet: the advice that needs no shapes
            rows = ()
        encoder = [r.input_shape for r in rows if r.part == "layers"]
        classify, ends = self.task is Task.CLASSIFICATION, not self.network.is_autoencoder
        return stack_advice(self.network.layers, classify, encoder, ends=ends)

    def check(self, base_dir: Path | None = None) -> list[Problem]:
        """Everything that would stop this experiment from training, beyond per-field validity."""
        problems = self._task_problems()
        try:
            shape = self.data_shape(base_dir)
        except DataError as exc:
            return [exc.problem, *problems]
        analysis = self.network.analyze(shape.input_shape)
        if analysis.error is not None:
            row = analysis.rows[-1]  # analysis stops at the layer that does not fit
            assert row.error is not None
            problems.insert(0, Problem(row.location, row.error))
        elif analysis.output_shape is not None or self.network.is_autoencoder:  # an empty decoder gives none
            problems.extend(self._output_problems(analysis, shape))
        start = self.network.start_from
        if start and not model_path(start, base_dir).is_file():
            said = _("{path} was not found: choose a model file (.pt) that a run saved, or leave it empty")
            problems.append(Problem("network.start_from", said.format(path=start)))
        if analysis.frozen_params and not analysis.trainable_params:
            said = _("has every layer frozen, which leaves training nothing to change: turn Frozen off on one of them")
            problems.append(Problem("network.layers", said))
        return problems

    def _task_problems(self) -> list[Problem]:
        problems = self._autoencoder_problems() if self.network.is_autoencoder else self._loss_problems()
        monitor = self.training.early_stopping.monitor
        if self.training.batch_size < self.network.min_batch:
            problems.append(
                Problem(
                    "training.batch_size",
                    _("must be at least {count} with BatchNorm, which averages over each batch").format(
                        count=self.network.min_batch
                    ),
                )
            )
        if self.training.early_stopping.enabled and self.dataset.val_fraction == 0:
            problems.append(
                Problem(
                    "training.early_stopping",
                    _("needs a validation split: set {field} above 0 or turn early stopping off").format(
                        field=field_named("dataset.val_fraction")
                    ),
                )
            )
        own = metric_for(self.task)
        for other in METRICS:
            if other is not own and monitor == f"val_{other.key}":
                said = _("{monitor} is for {task}; use val_loss or {own}").format(  # the log's keys
                    monitor=f"val_{other.key}", task=_(other.task_words), own=f"val_{own.key}"
                )
                problems.append(Problem("training.early_stopping.monitor", said))
        return problems

    def _autoencoder_problems(self) -> list[Problem]:
        """Binary cross-entropy compares values from 0 to 1: the pictures as they are, not standardized.
        The training loss setting is a classifier's or a regression's: an autoencoder has its own."""
        if self.training.loss != "auto":
            return [
                Problem(
                    "training.loss",
                    _(
                        "is not used by an autoencoder, whose loss is its reconstruction loss "
                        "({field}) plus β·KL: set it to {auto}"
                    ).format(field=field_named("network.autoencoder.reconstruction"), auto=value_named("auto")),
                )
            ]
        if self.network.autoencoder.reconstruction == "bce" and self.dataset.normalize.mode != "none":
            return [
                Problem(
                    "dataset.normalize.mode",
                    _(
                        "must be {none} for binary cross-entropy, which rebuilds values from 0 to 1; "
                        "or set {field} to {mse}"
                    ).format(
                        none=value_named("none"),
                        field=field_named("network.autoencoder.reconstruction"),
                        mse=value_named("mse"),
                    ),
                )
            ]
        return []

    def _loss_problems(self) -> list[Problem]:
        problems = []
        classify = self.task is Task.CLASSIFICATION
        if classify and self.loss_name in ("mse", "l1"):
            problems.append(
                Problem(
                    "training.loss",
                    _("{loss} needs numeric targets; use {cross_entropy} (or {auto}) for classes").format(
                        loss=value_named(self.loss_name),
                        cross_entropy=value_named("cross_entropy"),
                        auto=value_named("auto"),
                    ),
                )
            )
        if not classify and self.loss_name == "cross_entropy":
            said = _("{cross_entropy} needs classes; use {mse} or {l1} for numbers").format(
                cross_entropy=value_named("cross_entropy"), mse=value_named("mse"), l1=value_named("l1")
            )
            problems.append(Problem("training.loss", said))
        return problems

    def _output_problems(self, analysis: NetworkAnalysis, shape: DataShape) -> list[Problem]:
        if self.network.is_autoencoder:
            return decoder_problems(self.network, analysis)
        if not analysis.rows:
            return [Problem("network.layers", _("is empty: add layers, ending with a Linear layer"))]
        out = analysis.output_shape
        assert out is not None
        wanted = shape.num_classes if self.task is Task.CLASSIFICATION else 1
        if self.task is Task.CLASSIFICATION:
            what = _("one value per class ({count} classes)").format(count=wanted)
        else:
            what = _("one value")
        if len(out) != 1:
            fix = _("add Flatten and Linear({count}) at the end").format(count=wanted or _("number of classes"))
            said = _("outputs {shape} but the loss needs {what}: {fix}").format(
                shape=format_shape(out), what=what, fix=fix
            )
            return [Problem("network", said)]
        if wanted is not None and out[0] != wanted:
            return [
                Problem(
                    "network",
                    _("outputs {count} values but the loss needs {what}: make the last layer Linear({wanted})").format(
                        count=out[0], what=what, wanted=wanted
                    ),
                )
            ]
        return []


def decoder_problems(network: NetworkSpec, analysis: NetworkAnalysis) -> list[Problem]:
    """An autoencoder's decoder must end with the input's own shape, which its loss compares with."""
    wanted = analysis.input_shape
    latent = network.autoencoder.latent_size
    if not network.decoder:
        return [
            Problem(
                "network.decoder",
                _(
                    "is empty: add layers that turn the latent code ({latent},) back into {shape}, "
                    "such as Linear({values}) and Unflatten"
                ).format(latent=latent, shape=format_shape(wanted), values=prod(wanted)),
            )
        ]
    out = analysis.output_shape
    assert out is not None  # analysed without error
    if tuple(out) == tuple(wanted):
        return []
    if prod(out) == prod(wanted) and len(wanted) > 1:
        fix = _("end it with Unflatten(1, {sizes})").format(sizes=list(wanted))
    elif len(out) == 1 and len(wanted) > 1:
        fix = _("make its last Linear output {count} values, then Unflatten(1, {sizes})").format(
            count=prod(wanted), sizes=list(wanted)
        )
    elif len(out) == 1:
        fix = _("make its last Linear output {count} values").format(count=prod(wanted))
    else:
        fix = _("make it end with {shape}").format(shape=format_shape(wanted))
    said = _("gives {shape} but the input is {wanted}: {fix}").format(
        shape=format_shape(out), wanted=format_shape(wanted), fix=fix
    )
    return [Problem("network.decoder", said)]
