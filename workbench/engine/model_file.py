"""The model file: one `.pt` that `torch.load(weights_only=True)` reads; what it holds, how it is
written atomically, checked before use and read back as a ready-to-use module.

The `.pt` file is a plain dictionary of tensors, strings, numbers and lists:

    format           "workbench-model"        format_version  2
    experiment       the experiment JSON text  input_shape    [C, H, W] or [F]
    state_dict       the network's weights (load into build_model(experiment))
    class_names      ["0", "1", ...]           task           "classification" | "regression"
    normalization    {"mean": [...], "std": [...], "scale": 1/255 for images}
    history          per-epoch metrics, best epoch, stop reason, test result
    versions         workbench, torch, python

Nothing in it needs unpickling of Python objects, and Workbench never loads a file that does.
"""

from __future__ import annotations

import json
import math
import pickle
import platform
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import __version__
from ..atomic import atomic_write, cannot_write
from ..i18n import N_, _, ngettext
from ..spec import ExperimentSpec, SpecError, Task
from ..spec.memory import EVAL_BATCH, estimate_memory
from ..spec.shapes import statistics_shape
from .autoencoder import Autoencoder
from .builder import build_network
from .memory import check_fits, check_size

MODEL_FORMAT = "workbench-model"
MODEL_FORMAT_VERSION = 2  # 2: epochs in the history count from 1, as shown


OUTPUTS = {  # what a saved model's output is, said in its metadata
    Task.CLASSIFICATION: "one score per class (apply softmax for probabilities)",
    Task.REGRESSION: "the predicted number(s)",
    Task.RECONSTRUCTION: "the input rebuilt through its latent code, in the input's units",
}


class ModelFileError(ValueError):
    """A model file that cannot be read or written, with the reason and what to do."""


class Normalize(nn.Module):
    """(x - mean) / std, per channel or feature; part of the exported model so it takes raw input."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, mean: list[float], std: list[float], input_shape: tuple[int, ...]) -> None:
        super().__init__()
        shape = (1, *statistics_shape(input_shape, len(mean)))
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).reshape(shape))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).reshape(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized values back in the data's own units: x * std + mean."""
        return x * self.std + self.mean


class WorkbenchModel(nn.Module):
    """A trained network with its input normalization: feed it data as Workbench loads it.

    Images go in as floats in [0, 1] (uint8 pixels divided by 255, like torchvision's ToTensor);
    other data goes in as the raw feature values. The output is one score per class (logits) or
    the predicted number; an autoencoder's is the input rebuilt, in the input's own units.
    """

    def __init__(self, network: nn.Module, normalize: Normalize) -> None:
        super().__init__()
        self.normalize = normalize
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.network(self.normalize(x))
        return self.normalize.inverse(out) if isinstance(self.network, Autoencoder) else out


class Encoder(nn.Module):
    """An autoencoder's encoder with its input normalization: inputs as Workbench loads them in,
    each input's latent code (the mean, for a VAE) out, (batch, latent_size)."""

    def __init__(self, model: WorkbenchModel) -> None:
        super().__init__()
        assert isinstance(model.network, Autoencoder)
        self.normalize, self.autoencoder = model.normalize, model.network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.autoencoder.encode(self.normalize(x))[0]


class Decoder(nn.Module):
    """An autoencoder's decoder: latent codes (batch, latent_size) in, inputs rebuilt in the data's
    own units out (pictures with values from 0 to 1). A VAE's codes drawn from `torch.randn` decode
    into new samples."""

    def __init__(self, model: WorkbenchModel) -> None:
        super().__init__()
        assert isinstance(model.network, Autoencoder)
        self.normalize, self.autoencoder = model.normalize, model.network

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.normalize.inverse(self.autoencoder.decode(z))


@dataclass
class LoadedModel:
    """A model file, read: the ready-to-use module, its experiment and what it was trained on."""

    module: WorkbenchModel
    experiment: ExperimentSpec
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    task: Task
    normalization: dict[str, Any]
    history: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def example_input(self, batch: int = 1) -> torch.Tensor:
        """A zero batch of the right shape, for tracing and export."""
        return torch.zeros(batch, *self.input_shape)

    @property
    def latent_size(self) -> int | None:
        """An autoencoder's number of code values; None for other networks."""
        network = getattr(self.module, "network", None)
        return network.latent_size if isinstance(network, Autoencoder) else None

    @property
    def encoder(self) -> Encoder:
        """An autoencoder's encoder, in eval mode: `codes = loaded.encoder(pictures)`."""
        if self.latent_size is None:
            raise ModelFileError(_("this model is not an autoencoder: it has no encoder"))
        return Encoder(self.module).eval()

    @property
    def decoder(self) -> Decoder:
        """An autoencoder's decoder, in eval mode: `pictures = loaded.decoder(torch.randn(16, loaded.latent_size))`."""
        if self.latent_size is None:
            raise ModelFileError(_("this model is not an autoencoder: it has no decoder"))
        return Decoder(self.module).eval()

    def metadata(self, part: str = "") -> dict[str, str]:
        """What a deployed model needs to be used without Workbench, as text (JSON values): the
        class names its outputs stand for, the input it takes and the normalization it applies.
        `part`: an autoencoder's "encoder" or "decoder" alone."""
        images = len(self.input_shape) == 3
        described = (
            f"float32 (batch, {', '.join(map(str, self.input_shape))})"
            + (" pictures with values in [0, 1]" if images else " features as in the training data")
            + "; the model normalizes them itself"
        )
        codes = f"float32 (batch, {self.latent_size}) latent codes"
        output = OUTPUTS[self.task]
        if part == "encoder":
            output = f"{codes} (the mean code of each input)"
        elif part == "decoder":
            described, output = f"{codes}; a VAE's drawn from torch.randn are new samples", "the inputs they rebuild"
        return {
            "workbench.class_names": json.dumps(list(self.class_names)),
            "workbench.task": str(self.task),
            "workbench.input_shape": json.dumps(list(self.input_shape)),
            "workbench.input": described,
            "workbench.output": output,
            "workbench.normalization": json.dumps(plain(self.normalization)),
            "workbench.version": __version__,
        }


def plain(value: Any) -> Any:
    """Only types `torch.load(weights_only=True)` accepts: dict, list, str, int, float, bool, None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None:
        return None
    for kind in (bool, int, float, str):  # also turns subclasses (enums, TorchVersion) into the base type
        if isinstance(value, kind):
            return kind(value)
    raise TypeError(f"cannot store {type(value).__name__} in a model file")


def writable(path: Path) -> None:
    """Raise ModelFileError now when `path` cannot be written (a folder, a missing folder, a name too long)."""
    problem = cannot_write(path)
    if problem is not None:
        raise ModelFileError(_("cannot write {path}: {problem}").format(path=path, problem=problem))


def save_model(
    path: str | Path,
    network: nn.Module,
    experiment: ExperimentSpec,
    *,
    input_shape: tuple[int, ...],
    class_names: tuple[str, ...] = (),
    normalization: Mapping[str, Any] | None = None,
    history: Mapping[str, Any] | None = None,
    state_dict: Mapping[str, torch.Tensor] | None = None,
    training_state: Mapping[str, Any] | None = None,
) -> Path:
    """Write a `.pt` model file atomically; `state_dict` (e.g. the best epoch's) overrides the network's.

    `training_state` (a Trainer's `state_dict()`) lets the run continue later from the file.
    """
    weights = state_dict if state_dict is not None else network.state_dict()
    content: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "experiment": experiment.to_json(),
        "input_shape": list(input_shape),
        "state_dict": {k: v.detach().cpu().clone() for k, v in weights.items()},
        "class_names": list(class_names),
        "task": str(experiment.task),
        "normalization": plain(dict(normalization or {"mean": [0.0], "std": [1.0], "scale": 1.0})),
        "history": plain(dict(history or {})),
        "versions": {"workbench": __version__, "torch": str(torch.__version__), "python": platform.python_version()},
    }
    if training_state is not None:
        content["training_state"] = _on_cpu(training_state)
    path = Path(path)
    writable(path)
    try:
        atomic_write(path, lambda tmp: torch.save(content, tmp))
    except OSError as exc:
        raise ModelFileError(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc)
        ) from exc
    except RuntimeError as exc:  # PyTorch's zip writer reports a full disk this way
        raise ModelFileError(
            _("cannot write {path}: {problem} (is the disk full?)").format(path=path, problem=_first_line(exc))
        ) from exc
    return path


def _on_cpu(value: Any) -> Any:
    """A copy of nested dicts, lists and tuples with every tensor moved to the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, Mapping):
        return {k: _on_cpu(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_on_cpu(v) for v in value)
    return value


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _check_archive(path: Path, memory_limit: int | None = None) -> None:
    """A model file is a zip archive whose every member matches its checksum: anything else (a CSV,
    a picture, an old pickle) or a damaged copy is refused before a byte of it is unpickled; so is
    one whose parts, unpacked, would not fit in memory."""
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            _(
                "{path} is not a model file Workbench can read: model files are the .pt files Workbench writes "
                "(Export model, or train --out)"
            ).format(path=path)
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            compressed = any(member.compress_type != zipfile.ZIP_STORED for member in members)
            unpacked = sum(member.file_size for member in members)
            too_big = check_size(unpacked, _("{path} (unpacked)").format(path=path), memory_limit)
            damaged = archive.testzip() if not compressed and too_big is None else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ModelFileError(
            _("{path} is not a model file Workbench can read (damaged): {error}").format(path=path, error=exc)
        ) from exc
    if compressed:  # PyTorch stores every part as it is: a few compressed megabytes may inflate to gigabytes
        said = _("{path} is not a model file Workbench wrote: its parts are compressed")
        raise ModelFileError(said.format(path=path))
    if too_big is not None:
        raise ModelFileError(too_big)
    if damaged is not None:
        raise ModelFileError(
            _("{path} is damaged: its part {part} does not match its checksum; use another copy").format(
                path=path, part=repr(damaged)
            )
        )


def _finite_weights(path: Path, content: Mapping[str, Any]) -> None:
    """A model whose weights are NaN or infinite answers nothing meaningful: refused, not evaluated."""
    weights = content.get("state_dict")
    if not isinstance(weights, Mapping) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise ModelFileError(_("{path} is damaged: its weights are missing or not tensors").format(path=path))
    bad = [name for name, value in weights.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if bad:
        raise ModelFileError(
            _(
                "{path} holds weights that are not finite numbers (NaN or infinity) in {names}: "
                "the run that wrote it diverged or the file is damaged; train the network again"
            ).format(path=path, names=", ".join(bad[:3]))
        )


def read_model_file(path: Path, memory_limit: int | None = None) -> dict[str, Any]:
    """A model file's checked content (archive, format, parts, finite weights), in the current format."""
    if not path.is_file():
        raise ModelFileError(_("no such file: {path}").format(path=path))
    _check_archive(path, memory_limit)
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "global" not in str(exc).lower():  # not an object to run: just bytes that are not a model
            raise ModelFileError(
                _("{path} is not a model file Workbench can read (damaged or another format)").format(path=path)
            ) from exc
        raise ModelFileError(
            _(
                "{path} was refused: loading it would run Python code stored in the file, which Workbench never "
                "does. Only open model files from people you trust, and re-export them from Workbench."
            ).format(path=path)
        ) from exc
    except Exception as exc:  # noqa: BLE001 - whatever torch makes of a damaged file, it is not a model
        raise ModelFileError(
            _("{path} is not a model file Workbench can read (damaged or another format): {error}").format(
                path=path, error=f"{type(exc).__name__}: {exc}"
            )
        ) from exc
    if not isinstance(content, dict) or content.get("format") != MODEL_FORMAT:
        raise ModelFileError(
            _("{path} is not a Workbench model file: it holds no experiment (export one from Workbench)").format(
                path=path
            )
        )
    version = content.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > MODEL_FORMAT_VERSION:
        raise ModelFileError(
            _("{path} was written by a newer Workbench (model format {version}): update Workbench").format(
                path=path, version=version
            )
        )
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:  # "1", null, -7: never written
        raise ModelFileError(
            _("{path} is damaged: its format_version is {version}, which no Workbench writes").format(
                path=path, version=repr(version)
            )
        )
    _check_fields(path, content)
    _finite_weights(path, content)
    return migrate(content)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)


def _finite(value: Any, above_zero: bool = False) -> bool:
    """Finite numbers (a list, or one), all above 0 when `above_zero`: a std of 0 or a NaN scale
    would make every answer NaN."""
    values = value if isinstance(value, list) else [value]
    return _numbers(values) and all(math.isfinite(v) and (v > 0 or not above_zero) for v in values)


# What each part of a model file holds, as a test and the words for it.
_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "experiment": (lambda v: isinstance(v, str), N_("the experiment's JSON text")),
    "input_shape": (
        lambda v: _numbers(v) and 0 < len(v) <= 8 and all(isinstance(n, int) and n > 0 for n in v),
        N_("a list of positive sizes"),
    ),
    "class_names": (lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v), N_("a list of names")),
    "task": (lambda v: v in {str(t) for t in Task}, N_("classification, regression or reconstruction")),
    "normalization": (
        lambda v: (
            isinstance(v, dict)
            and _finite(v.get("mean"))
            and _finite(v.get("std"), above_zero=True)
            and _finite(v.get("scale", 1.0), above_zero=True)
        ),
        N_("mean, std and scale numbers, std and scale above 0"),
    ),
    "history": (lambda v: isinstance(v, dict), N_("a table of the run's epochs")),
    "versions": (lambda v: isinstance(v, dict), N_("a table of versions")),
}


def _check_fields(path: Path, content: Mapping[str, Any]) -> None:
    """Every part a model file must have, of the type it must be: a file that says otherwise was
    damaged or written by something else, and is refused before it is used."""
    for name, (valid, what) in _FIELDS.items():
        if name in content and not valid(content[name]):
            found = type(content[name]).__name__
            raise ModelFileError(
                _("{path} is damaged: its {name} should be {what}, not this {found}").format(
                    path=path, name=name, what=_(what), found=found
                )
            )
    missing = [name for name in ("experiment", "input_shape", "state_dict") if name not in content]
    if missing:
        raise ModelFileError(_("{path} is damaged: it has no {parts}").format(path=path, parts=", ".join(missing)))


def _check_meaning(
    path: Path, content: Mapping[str, Any], experiment: ExperimentSpec, outputs: tuple[int, ...] | None
) -> None:
    """The file's task is its experiment's, and a classifier names as many classes as it has
    outputs: a file that says otherwise would answer with the wrong words."""
    task = content.get("task", str(experiment.task))
    if task != str(experiment.task):
        raise ModelFileError(
            _("{path} is damaged: it says its task is {found}, but its experiment's is {expected}").format(
                path=path, found=task, expected=experiment.task
            )
        )
    names = content.get("class_names") or []
    if task == str(Task.CLASSIFICATION) and names and outputs is not None and outputs != (len(names),):
        said = ngettext(
            "{path} is damaged: it names {count} class for a network with {outputs} outputs",
            "{path} is damaged: it names {count} classes for a network with {outputs} outputs",
            len(names),
        )
        raise ModelFileError(
            said.format(path=path, count=len(names), outputs=outputs[0] if len(outputs) == 1 else outputs)
        )


def weights_for(path: Path, needed: int, weights: Mapping[str, torch.Tensor]) -> None:
    """A network that needs more weights than the file holds is refused before it is built: its
    experiment could describe one of terabytes in a file of kilobytes."""
    held = sum(value.numel() for value in weights.values())
    if needed > held:
        raise ModelFileError(
            _("{path} is damaged: its network needs {needed} weights but the file holds {held}").format(
                path=path, needed=f"{needed:,}", held=f"{held:,}"
            )
        )


def migrate(content: dict[str, Any]) -> dict[str, Any]:
    """A model file's content in the current format, from any earlier one (version 1 counted the
    epochs of its histories from 0)."""
    if content.get("format_version") == 1:
        state = content.get("training_state")
        for history in (content.get("history"), state.get("history") if isinstance(state, dict) else None):
            if isinstance(history, dict):
                if isinstance(history.get("epoch"), list):
                    history["epoch"] = [e + 1 for e in history["epoch"]]
                if isinstance(history.get("best_epoch"), int):
                    history["best_epoch"] += 1
        content["format_version"] = 2
    return content


def load_model(path: str | Path, memory_limit: int | None = None) -> LoadedModel:
    """Rebuild the ready-to-use module from a `.pt` file written by `save_model` (weights only).

    A network too big for the memory (or `memory_limit` bytes) is refused before it is built.
    """
    path = Path(path)
    content = read_model_file(path, memory_limit)
    try:
        experiment = ExperimentSpec.from_json(content["experiment"], source=_("{path} (experiment)").format(path=path))
        input_shape = tuple(int(v) for v in content["input_shape"])
        analysis = experiment.network.analyze(input_shape)
        _check_meaning(path, content, experiment, analysis.output_shape)
        weights_for(path, analysis.total_params, content["state_dict"])
        estimate = estimate_memory(analysis, batch_size=EVAL_BATCH, training=False)
        check_fits(
            estimate, limit=memory_limit, what=_("the model in {file}").format(file=path.name)
        )  # it loads on the CPU
        network = build_network(experiment.network, input_shape)
        network.load_state_dict(content["state_dict"])
        norm = content["normalization"]
        module = WorkbenchModel(network, Normalize(list(norm["mean"]), list(norm["std"]), input_shape))
    except ModelFileError:
        raise
    except SpecError as exc:
        raise ModelFileError(str(exc)) from exc
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            _("{path} is damaged: {error}").format(path=path, error=f"{type(exc).__name__}: {exc}")
        ) from exc
    module.eval()
    return LoadedModel(
        module,
        experiment,
        input_shape,
        tuple(content.get("class_names", ())),
        Task(content.get("task", "classification")),
        dict(norm),
        dict(content.get("history", {})),
        dict(content.get("versions", {})),
    )
