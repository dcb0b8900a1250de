"""Exporters: a trained model as TorchScript or ONNX, files that run without Workbench and carry
its class names, input and normalization as metadata."""

from __future__ import annotations

import importlib.util
import io
import json
import warnings
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from .. import DISTRIBUTION
from ..atomic import atomic_write_all
from ..i18n import _
from .builder import build_network
from .model_file import LoadedModel, ModelFileError, Normalize, WorkbenchModel, writable

if TYPE_CHECKING:
    from .trained import TrainedNetwork
    from .trainer import Trainer

PORTABLE_SUFFIXES = (".onnx", ".torchscript", ".ts")  # files that run without Workbench; any other: a model file


def part_paths(path: str | Path) -> dict[str, Path]:
    """Where an autoencoder's encoder and decoder go beside `path`: `vae.onnx` -> `vae-encoder.onnx`,
    `vae-decoder.onnx`."""
    path = Path(path)
    return {part: path.with_name(f"{path.stem}-{part}{path.suffix}") for part in ("encoder", "decoder")}


def _parts(model: LoadedModel, path: Path) -> list[tuple[Path, torch.nn.Module, torch.Tensor, dict[str, str]]]:
    """(file, module, example input, metadata) for the whole model, and an autoencoder's two halves."""
    files: list[tuple[Path, torch.nn.Module, torch.Tensor, dict[str, str]]] = [
        (path, model.module.eval(), model.example_input(2), model.metadata())
    ]
    size = model.latent_size
    if size is not None:
        where = part_paths(path)
        files.append((where["encoder"], model.encoder, model.example_input(2), model.metadata("encoder")))
        files.append((where["decoder"], model.decoder, torch.zeros(2, size), model.metadata("decoder")))
    return files


def _write(files: list[tuple[Path, bytes]]) -> None:
    """The export's files as one set: all written, or (a full disk) none changed."""
    for path, _data in files:
        writable(path)
    try:
        atomic_write_all([(path, partial(_bytes_to, data)) for path, data in files])
    except OSError as exc:
        where = getattr(exc, "filename", None) or files[0][0]
        raise ModelFileError(
            _("cannot write {path}: {problem}").format(path=where, problem=exc.strerror or exc)
        ) from exc


def _bytes_to(data: bytes, path: Path) -> None:
    path.write_bytes(data)


def export_torchscript(model: LoadedModel, path: str | Path) -> Path:
    """A TorchScript file (traced) that runs without Workbench: `torch.jit.load(path)`, with its
    metadata in the extra file `workbench.json` (`torch.jit.load(path, _extra_files=...)`). An
    autoencoder's encoder and decoder are written beside it too (`part_paths`).

    The file is serialized in memory and written by Python, so a full disk is an OSError with a
    message, not an abort inside PyTorch's C++ writer."""
    path = Path(path)
    files = []
    for where, module, example, metadata in _parts(model, path):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracing warns about things that do not apply to these layers
            traced = torch.jit.trace(module, example)  # type: ignore[no-untyped-call]
            buffer = io.BytesIO()  # TorchScript is deprecated in favour of torch.export, but still what runs anywhere
            torch.jit.save(traced, buffer, _extra_files={"workbench.json": json.dumps(metadata)})
        files.append((where, buffer.getvalue()))
    _write(files)
    return path


def onnx_available() -> bool:
    """True when the optional ONNX packages are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxscript"))


def export_onnx(model: LoadedModel, path: str | Path) -> Path:
    """An ONNX file with a dynamic batch size (and an autoencoder's encoder and decoder beside it);
    needs the optional `onnx` extra."""
    if not onnx_available():
        raise ModelFileError(
            _("ONNX export needs the onnx and onnxscript packages: {command}").format(
                command=f"pip install '{DISTRIBUTION}[onnx]'"
            )
        )
    path = Path(path)
    batch = torch.export.Dim("batch", min=1)

    import onnx

    files = []
    for where, module, example, metadata in _parts(model, path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module,
                (example,),
                input_names=["input"],
                output_names=["output"],
                dynamic_shapes=({0: batch},),
                dynamo=True,
                verbose=False,
            )
        assert program is not None
        proto = program.model_proto
        for key, value in metadata.items():  # metadata_props: read by any ONNX runtime
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        files.append((where, onnx.ModelProto.SerializeToString(proto)))  # by Python: a full disk is a message
    _write(files)
    return path


def loaded_model(trained: TrainedNetwork, weights: Mapping[str, torch.Tensor]) -> LoadedModel:
    """A trained network holding `weights`, on the CPU, as a LoadedModel ready for TorchScript or ONNX."""
    shape = trained.data.input_shape
    network = build_network(trained.experiment.network, shape)
    network.load_state_dict(weights)
    norm = trained.data.normalization
    module = WorkbenchModel(network, Normalize(list(norm.mean), list(norm.std), shape)).eval()
    return LoadedModel(
        module,
        trained.experiment,
        shape,
        trained.data.class_names,
        trained.data.task,
        norm.as_dict(),
        trained.history.as_dict(),
    )


def portable(path: str | Path) -> bool:
    """True when `path` names a TorchScript or ONNX file (by its suffix), not a model file."""
    return Path(path).suffix.lower() in PORTABLE_SUFFIXES


def export_trained(path: str | Path, trainer: Trainer, weights: Mapping[str, torch.Tensor] | None = None) -> Path:
    """Export a finished run (its best weights, or `weights`) by the file's suffix: `.onnx`,
    `.torchscript` (or `.ts`), else a `.pt` model file."""
    suffix = Path(path).suffix.lower()
    if portable(path):
        loaded = loaded_model(trainer.trained(), weights if weights is not None else trainer.best_weights())
        return export_onnx(loaded, path) if suffix == ".onnx" else export_torchscript(loaded, path)
    from .checkpoint import save_trained

    return save_trained(path, trainer, weights)
