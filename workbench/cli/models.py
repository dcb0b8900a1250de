"""`workbench evaluate` and `workbench export`: working with saved model files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..atomic import cannot_write
from ..engine import DataError, TestResult, load_raw
from ..engine.evaluate import evaluate_loaded
from ..engine.exporters import export_onnx, export_torchscript, part_paths
from ..engine.model_file import ModelFileError, load_model
from ..engine.objective import objective_for
from ..engine.prepare import split_for
from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from ..spec.datasets import class_words
from .common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, fail, table


def print_test_result(result: TestResult, split: str, out: TextIO) -> None:
    """Loss, accuracy (MAE, or reconstruction and KL) and the confusion matrix with class names;
    `split` names the data tested, as the line starts (translated: "Test", "Validation")."""
    scores = "  ".join(f"{_(name)} {text}" for name, _value, text in result.scores())
    said = _("{split} ({samples} samples): loss {loss}  {scores}").format(
        split=split, samples=f"{result.samples:,}", loss=f"{result.loss:.4f}", scores=scores
    )
    print(said, file=out)
    if result.confusion is None:
        return
    names = [class_words(n)[:12] for n in result.class_names]
    rows = [(_("true \\ predicted"), *names)]
    rows += [(names[i], *(str(int(v)) for v in row)) for i, row in enumerate(result.confusion)]
    for line in table(rows, right=set(range(1, len(names) + 1))):
        print(line, file=out)


def evaluate_command(
    model_path: Path, data_path: Path | None, out: TextIO | None = None, memory_limit: int | None = None
) -> int:
    """Evaluate a saved model on its test split (or the validation split, or all data, when there is none)."""
    out = out or sys.stdout
    try:
        loaded = load_model(model_path, memory_limit)
        experiment = ExperimentSpec.load(data_path) if data_path else loaded.experiment
        base_dir = data_path.resolve().parent if data_path else None
        raw = load_raw(experiment.dataset, experiment.training.seed, base_dir)
    except (ModelFileError, SpecError, DataError) as exc:
        return fail(str(exc))
    if raw.input_shape != loaded.input_shape:
        said = _("the data's samples are {data_shape} but the model takes {model_shape}")
        return fail(said.format(data_shape=raw.input_shape, model_shape=loaded.input_shape))
    if raw.num_classes != len(loaded.class_names) and loaded.class_names:
        said = _("the data has {data_classes} classes but the model knows {model_classes}")
        return fail(said.format(data_classes=raw.num_classes, model_classes=len(loaded.class_names)))
    split = split_for(experiment.dataset, len(raw.y), experiment.training.seed)
    name, index = next(
        ((n, i) for n, i in ((_("Test"), split.test), (_("Validation"), split.val)) if len(i)), (_("All data"), None)
    )
    x, y = (raw.x, raw.y) if index is None else (raw.x[index], raw.y[index])
    result = evaluate_loaded(
        loaded.module,
        x,
        y,
        objective_for(loaded.experiment, raw.task),
        loaded.class_names,
        float(loaded.normalization.get("scale", 1.0)),
    )
    print_test_result(result, name, out)
    return EXIT_OK


def export_command(model_path: Path, fmt: str, out_path: Path, memory_limit: int | None = None) -> int:
    """Write a saved model as TorchScript or ONNX, or a run as a PyTorch script or notebook."""
    if fmt in ("script", "notebook"):
        return script_command(model_path, fmt, out_path, memory_limit)
    try:
        loaded = load_model(model_path, memory_limit)
    except ModelFileError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    unwritable = cannot_write(out_path)
    if unwritable is not None:
        return fail(f"--out: {unwritable}", EXIT_BAD_INPUT)
    try:
        (export_torchscript if fmt == "torchscript" else export_onnx)(loaded, out_path)
    except (ModelFileError, OSError, RuntimeError) as exc:
        return fail(_("export to {format} failed: {error}").format(format=fmt, error=exc), EXIT_FAILED)
    print(_("Wrote {path} ({format})").format(path=out_path, format=fmt))
    if loaded.latent_size is not None:
        parts = part_paths(out_path)
        print(_("Wrote {path} ({format}: the encoder alone)").format(path=parts["encoder"], format=fmt))
        print(_("Wrote {path} ({format}: the decoder alone)").format(path=parts["decoder"], format=fmt))
    return EXIT_OK


def script_command(source_path: Path, fmt: str, out_path: Path, memory_limit: int | None = None) -> int:
    """Write the run in a model file, or the experiment in a file or preset, as a plain PyTorch
    script or notebook that trains it as Workbench does."""
    from ..atomic import atomic_write
    from ..engine.script import export_text, script_source

    try:
        source = script_source(source_path, memory_limit)
    except (ModelFileError, SpecError, DataError) as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    unwritable = cannot_write(out_path)
    if unwritable is not None:
        return fail(f"--out: {unwritable}", EXIT_BAD_INPUT)
    try:
        text = export_text(source, fmt, out_path.stem)
        atomic_write(out_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except SpecError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except OSError as exc:
        return fail(_("export to {format} failed: {error}").format(format=fmt, error=exc), EXIT_FAILED)
    print(_("Wrote {path} ({format})").format(path=out_path, format=fmt))
    run = f"python {out_path.name}" if fmt == "script" else f"jupyter notebook {out_path.name}"
    print(_("Run it with: {command}").format(command=run))
    return EXIT_OK
