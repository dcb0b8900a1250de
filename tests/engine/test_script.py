"""A run as a plain PyTorch script: it replays the run (every epoch's numbers, the test, the final
weights) in a process that cannot import the workbench; the notebook holds the same code."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tests.engine.helpers import idx_bytes, mnist_files, tiny
from workbench.engine.script import notebook_text, script_parts, script_text
from workbench.engine.trainer import Trainer
from workbench.i18n import set_language
from workbench.spec import ExperimentSpec
from workbench.spec.presets import load_preset, preset_names

TORCHVISION_KINDS = {"mnist", "fashion_mnist", "cifar10"}
# Runs every script it is given, in one process (torch is imported once), unable to import the workbench.
RUNNER = """
import json, runpy, sys
sys.modules["workbench"] = None
for script, args in json.loads(sys.argv[1]):
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")
"""


@dataclass
class Case:
    """One experiment trained by the workbench, and what its script printed and saved."""

    name: str
    experiment: ExperimentSpec
    base_dir: Path | None = None
    trainer: Trainer | None = None
    lines: list[dict[str, Any]] | None = None
    saved: dict[str, Any] | None = None


def shortened(experiment: ExperimentSpec, epochs: int = 2) -> ExperimentSpec:
    """A preset cut to a few epochs, and generated data to a few hundred samples."""
    doc = experiment.model_dump(mode="json")
    doc["training"]["epochs"] = epochs
    if "n_samples" in doc["dataset"]:
        doc["dataset"]["n_samples"] = min(doc["dataset"]["n_samples"], 300)
    return ExperimentSpec.from_dict(doc)


def write_script(case: Case, folder: Path) -> Path:
    trainer = case.trainer
    assert trainer is not None and trainer.data is not None
    parts = script_parts(case.experiment, trainer.data.input_shape, case.name, case.base_dir)
    path = folder / f"{case.name}.py"
    path.write_text(script_text(parts, case.experiment, case.name), encoding="utf-8")
    return path


def replay(cases: list[Case], folder: Path) -> list[Case]:
    """Train every case in the workbench, then run their scripts (one process, no workbench)."""
    runs = []
    for case in cases:
        case.trainer = Trainer(case.experiment, base_dir=case.base_dir)
        case.trainer.fit()
        script = write_script(case, folder)
        epochs = str(case.experiment.training.epochs)
        metrics, weights = folder / f"{case.name}.jsonl", folder / f"{case.name}.weights.pt"
        runs.append((str(script), ["--epochs", epochs, "--metrics-out", str(metrics), "--save", str(weights)]))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "PYTHONNOUSERSITE": "1", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(runs)], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for case in cases:
        text = (folder / f"{case.name}.jsonl").read_text(encoding="utf-8")
        case.lines = [json.loads(line) for line in text.splitlines()]
        case.saved = torch.load(folder / f"{case.name}.weights.pt", weights_only=True)
    return cases


def assert_replayed(case: Case) -> None:
    """Every epoch's logged numbers to 1e-6, the test's loss and scores, and the final weights."""
    assert case.trainer is not None and case.lines is not None and case.saved is not None
    history = case.trainer.history
    epochs = [line for line in case.lines if "epoch" in line]
    assert len(epochs) == len(history.epoch), case.name
    for i, line in enumerate(epochs):
        assert set(line) - {"epoch"} == set(history.history), case.name
        for key, value in line.items():
            if key != "epoch":
                assert value == pytest.approx(history.history[key][i], abs=1e-6), (case.name, i, key)
    end = case.lines[-1]
    test = history.test
    if test is None:
        assert end["test"] is None
    else:
        assert end["test"]["loss"] == pytest.approx(test.loss, abs=1e-6), case.name
        for key in set(end["test"]) - {"loss"}:
            assert end["test"][key] == pytest.approx(getattr(test, key), abs=1e-6), (case.name, key)
    assert case.trainer.model is not None
    for key, value in case.trainer.model.state_dict().items():
        assert torch.allclose(case.saved["weights"][key], value, atol=1e-6), (case.name, key)


def offline_presets() -> list[str]:
    return [n for n in preset_names() if load_preset(n).dataset.kind not in TORCHVISION_KINDS]


def test_every_offline_preset_replays(tmp_path: Path) -> None:
    cases = [Case(name, shortened(load_preset(name))) for name in offline_presets()]
    assert len(cases) >= 12
    for case in replay(cases, tmp_path):
        assert_replayed(case)


def test_optimizers_schedules_l1_clipping_dropout_and_batchnorm_replay(tmp_path: Path) -> None:
    mlp = [
        {"type": "Linear", "out_features": 16},
        {"type": "BatchNorm1d"},
        {"type": "ReLU"},
        {"type": "Dropout", "p": 0.3},
        {"type": "Linear", "out_features": 3},
    ]
    spiral = {"kind": "spiral", "n_samples": 151, "n_classes": 3, "noise": 0.2}  # a last batch of one: left out
    sgd = {"name": "SGD", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4}
    cases = [
        Case("sgd_step", tiny(optimizer=sgd, scheduler={"name": "step", "step_size": 1, "gamma": 0.5}, l1=1e-3)),
        Case("adamw_cosine", tiny(mlp, spiral, optimizer={"name": "AdamW", "lr": 0.01}, scheduler={"name": "cosine"})),
        Case(
            "rmsprop_exponential",
            tiny(
                dataset={"kind": "xor", "n_samples": 160, "normalize": {"mode": "fixed", "mean": [0.1], "std": [2.0]}},
                optimizer={"name": "RMSprop", "lr": 0.01},
                scheduler={"name": "exponential", "gamma": 0.8},
                grad_clip=0.5,
            ),
        ),
        Case(
            "adagrad_plateau",
            tiny(
                dataset={"kind": "gaussian", "n_samples": 150, "n_classes": 2, "normalize": {"mode": "none"}},
                optimizer={"name": "Adagrad", "lr": 0.1},
                scheduler={"name": "reduce_on_plateau", "patience": 0, "factor": 0.5},
                epochs=4,
            ),
        ),
    ]
    for case in replay(cases, tmp_path):
        assert_replayed(case)


def test_early_stopping_replays_with_and_without_restoring(tmp_path: Path) -> None:
    def stopping(restore: bool) -> ExperimentSpec:
        return tiny(
            epochs=40,
            optimizer={"name": "SGD", "lr": 2.0},
            early_stopping={"enabled": True, "patience": 1, "monitor": "val_accuracy", "restore_best_weights": restore},
        )

    cases = replay([Case("restored", stopping(True)), Case("kept", stopping(False))], tmp_path)
    for case in cases:
        assert case.trainer is not None
        assert len(case.trainer.history.epoch) < 40  # it did stop early
        assert_replayed(case)


def test_pictures_augmented_and_read_row_by_row_replay(tmp_path: Path) -> None:
    cnn = [
        {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "BatchNorm2d"},
        {"type": "ReLU"},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10},
    ]
    augmented = {"kind": "digits", "augment": {"horizontal_flip": True, "random_crop_padding": 1}}
    rows = [{"type": "GRU", "hidden_size": 8}, {"type": "Linear", "out_features": 10}]
    cases = [
        Case("augmented", tiny(cnn, augmented, epochs=1, batch_size=64)),
        Case("rows", tiny(rows, {"kind": "digits", "as_sequence": True}, epochs=1, batch_size=64)),
    ]
    for case in replay(cases, tmp_path):
        assert_replayed(case)


def test_autoencoders_and_sequences_replay(tmp_path: Path) -> None:
    def autoencoder(beta: float, reconstruction: str) -> ExperimentSpec:
        doc = {
            "dataset": {"kind": "digits", "normalize": {"mode": "none" if reconstruction == "bce" else "standardize"}},
            "network": {
                "kind": "autoencoder",
                "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 16}, {"type": "ReLU"}],
                "autoencoder": {
                    "latent_size": 2,
                    "beta": beta,
                    "kl_warmup_epochs": 2,
                    "reconstruction": reconstruction,
                },
                "decoder": [
                    {"type": "Linear", "out_features": 64},
                    {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 8, 8]},
                ],
            },
            "training": {"epochs": 2, "batch_size": 64, "optimizer": {"name": "Adam", "lr": 0.01}, "device": "cpu"},
        }
        return ExperimentSpec.from_dict(doc)

    sine = tiny(
        [{"type": "LSTM", "hidden_size": 8}, {"type": "Linear", "out_features": 1}],
        {"kind": "sine", "n_samples": 200, "window": 12},
        loss="l1",
    )
    cases = [Case("ae", autoencoder(0.0, "mse")), Case("vae", autoencoder(0.5, "bce")), Case("sine", sine)]
    for case in replay(cases, tmp_path):
        assert_replayed(case)


def test_files_replay(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = tmp_path / "data"
    data.mkdir()
    table = rng.normal(size=(90, 3))
    names = np.array(["cat", "dog", "10", "9"])[rng.integers(0, 4, 90)]  # numbers first, by value
    rows = [f"{a:.5f},{b:.5f},{c:.5f},{n}" for (a, b, c), n in zip(table, names, strict=True)]
    (data / "table.csv").write_text("a,b,c,kind\n" + "\n".join(rows) + "\n", encoding="utf-8")
    numbers = "\n".join(",".join(f"{v:.5f}" for v in row) for row in table)
    (data / "numbers.csv").write_text("a,b,c\n" + numbers + "\n", encoding="utf-8")
    (data / "images.gz").write_bytes(gzip.compress(idx_bytes(rng.integers(0, 256, (60, 6, 6)))))
    (data / "labels").write_bytes(idx_bytes(rng.integers(3, 6, 60)))
    from PIL import Image

    for k, folder in enumerate(("circle", "square")):
        (data / "folder" / folder).mkdir(parents=True)
        for i in range(12):
            Image.fromarray(rng.integers(0, 100 + 100 * k, (9, 7, 3)).astype(np.uint8)).save(
                data / "folder" / folder / f"{i}.png"
            )
    mnist = data / "MNIST" / "raw"
    mnist.mkdir(parents=True)
    for name, packed in mnist_files(40, 20).items():  # unpacked, as torchvision keeps them
        (mnist / name.removesuffix(".gz")).write_bytes(gzip.decompress(packed))
    flat = [{"type": "Flatten"}, {"type": "Linear", "out_features": 4}]
    cases = [
        Case("csv_classes", tiny(flat, {"kind": "csv", "path": "table.csv", "target": "kind"}), data),
        Case(
            "csv_numbers",
            tiny(
                [{"type": "Linear", "out_features": 1}],
                {"kind": "csv", "path": "numbers.csv", "target": "c", "task": "regression"},
                loss="mse",
            ),
            data,
        ),
        Case(
            "csv_series",
            tiny(
                [{"type": "GRU", "hidden_size": 4}, {"type": "Linear", "out_features": 1}],
                {"kind": "csv_series", "path": "numbers.csv", "target": "c", "inputs": ["a", "c"], "window": 5},
            ),
            data,
        ),
        Case(
            "idx",
            tiny(
                [*flat[:1], {"type": "Linear", "out_features": 3}],
                {"kind": "idx", "images": "images.gz", "labels": "labels"},
            ),
            data,
        ),
        Case(
            "folder",
            tiny(
                [{"type": "Flatten"}, {"type": "Linear", "out_features": 2}],
                {"kind": "image_folder", "path": "folder", "image_size": 5},
            ),
            data,
        ),
        Case(
            "mnist",
            tiny([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], {"kind": "mnist", "root": "."}),
            data,
        ),
    ]
    for case in replay(cases, tmp_path):
        assert_replayed(case)


def test_the_script_and_notebook_pass_ruff_in_both_languages(tmp_path: Path) -> None:
    for language in ("en", "zh_CN"):
        set_language(language)
        try:
            for name in preset_names():
                experiment = load_preset(name)
                shape = experiment.data_shape(None).input_shape
                parts = script_parts(experiment, shape, name)
                (tmp_path / f"{name}_{language}.py").write_text(script_text(parts, experiment, name), encoding="utf-8")
        finally:
            set_language("en")
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I,B,UP", "--line-length", "120", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout[-3000:]
    chinese = (tmp_path / "digits_cnn_zh_CN.py").read_text(encoding="utf-8")
    assert "训练" in chinese  # the explanations are in the student's language


def test_the_notebook_validates_and_its_cells_replay_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    case = Case("spiral", tiny(dataset={"kind": "spiral", "n_samples": 120, "n_classes": 2}, epochs=2))
    case.trainer = Trainer(case.experiment)
    case.trainer.fit()
    parts = script_parts(case.experiment, (2,), "spiral")
    book = nbformat.reads(notebook_text(parts, case.experiment, "spiral"), as_version=4)
    nbformat.validate(book)
    kinds = [cell.cell_type for cell in book.cells]
    assert kinds[0] == "markdown" and kinds.count("code") == len(parts) + 1
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "notebook"}
    for cell in book.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "cell", "exec"), namespace)  # noqa: S102 - the notebook's own code
    history = namespace["history"]
    assert list(history) == list(case.trainer.history.history)
    for key, values in history.items():
        assert values == pytest.approx(case.trainer.history.history[key], abs=1e-6)


def test_a_run_on_several_processes_says_that_the_script_trains_on_one() -> None:
    from workbench.engine.script import ScriptSource, export_text

    one, several = (export_text(ScriptSource.of_experiment(tiny(processes=n), None), "script", "x") for n in (1, 2))
    assert "(DDP)" in several.split('"""')[1] and "(DDP)" not in one


def test_the_script_answers_for_an_input_typed_as_numbers(tmp_path: Path) -> None:
    case = replay([Case("points", tiny(epochs=2))], tmp_path)[0]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONNOUSERSITE": "1"}
    point = [0.4, -0.3]
    args = ["--predict", ",".join(map(str, point)), "--save", "points.weights.pt"]
    done = subprocess.run([sys.executable, "points.py", *args], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert case.trainer is not None and case.trainer.model is not None and case.trainer.data is not None
    model, data = case.trainer.model.eval(), case.trainer.data
    with torch.no_grad():
        expected = torch.softmax(model(data.transform(torch.tensor([point]), training=False)), 1)[0]
    best = int(expected.argmax())
    assert done.stdout.splitlines()[0] == f"class {best}  {float(expected[best]):.1%}"
    wrong = subprocess.run(
        [sys.executable, "points.py", "--predict", "1,2,3", "--save", "points.weights.pt"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
