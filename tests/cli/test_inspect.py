"""`workbench inspect`: the table, the total, exit codes and messages without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PRESETS, ROOT
from workbench.cli import main
from workbench.spec import load_preset


def test_seed_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(PRESETS / "seed_cifar10_cnn.json")]) == 0
    out = capsys.readouterr().out
    assert "total parameters: 545,098" in out
    assert "Linear(128)" in out and "in_features=4096" in out and "(64, 8, 8)" in out
    assert len([line for line in out.splitlines() if line[:3].strip().isdigit()]) == 10


def write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "exp.json"
    path.write_text(json.dumps(doc))
    return path


def test_shape_error_exit_2_names_the_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = load_preset("seed_cifar10_cnn").model_dump(mode="json")
    del doc["network"]["layers"][6]  # the Flatten
    assert main(["inspect", str(write(tmp_path, doc))]) == 2
    err = capsys.readouterr().err
    assert "network.layers[6] (Linear): needs a flat input but gets an image (64, 8, 8): add Flatten before it" in err
    assert "Traceback" not in err


def test_invalid_file_exit_2_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = load_preset("digits_mlp").model_dump(mode="json")
    doc["network"]["layers"][1]["out_features"] = 0
    doc["training"]["optimizer"]["lr"] = "fast"
    assert main(["inspect", str(write(tmp_path, doc))]) == 2
    err = capsys.readouterr().err
    assert "network.layers[1].out_features: must be >= 1" in err
    assert "training.optimizer.lr: must be a number" in err


def test_missing_file_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "no/such/file.json"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "workbench: no such file: no/such/file.json"


def test_console_entry_point_and_module() -> None:
    """`python -m workbench` is the same command; a broken file gets no traceback."""
    ok = subprocess.run(
        [sys.executable, "-m", "workbench", "inspect", str(PRESETS / "digits_cnn.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0 and "total parameters: 13,706" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "workbench", "inspect", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr and "Traceback" not in bad.stderr


def test_inspect_gives_tips_and_still_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = load_preset("digits_mlp").model_dump(mode="json")
    doc["network"]["layers"].append({"type": "ReLU"})  # after the output layer
    assert main(["inspect", str(write(tmp_path, doc))]) == 0
    out = capsys.readouterr().out
    assert "tip: network.layers[4] (ReLU): the network ends with ReLU, but the loss wants raw scores" in out


def test_find_lr_prints_the_curve_and_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.engine.helpers import tiny

    path = tmp_path / "exp.json"
    tiny(epochs=1, optimizer={"name": "Adam", "lr": 0.5}).save(path)
    assert main(["find-lr", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["learning", "rate", "smoothed", "loss"] and len(out) >= 6
    assert out[-1].startswith("Suggested learning rate: ") and "the experiment has 0.5" in out[-1]
    lowest = next(line for line in out if line.endswith("<- lowest")).split()[0]  # the rates named are rows
    suggested = next(line for line in out if line.endswith("<- suggested")).split()[0]
    assert f"the smoothed loss was lowest at {float(lowest):g}, where the curve turns up" in out[-1]
    assert out[-1].startswith(f"Suggested learning rate: {float(suggested):g}, half-way down")
    bad = load_preset("digits_mlp").model_dump(mode="json")
    del bad["network"]["layers"][0]  # no Flatten
    assert main(["find-lr", str(write(tmp_path, bad))]) == 2
    assert "needs a flat input" in capsys.readouterr().err


def test_frozen_layers_are_marked_and_counted_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = load_preset("seed_cifar10_cnn").model_dump(mode="json")
    doc["network"]["layers"][0]["frozen"] = True  # Conv2d(32): 3 * 32 * 9 + 32 = 896
    assert main(["inspect", str(write(tmp_path, doc))]) == 0
    out = capsys.readouterr().out
    assert "total parameters: 545,098 (544,202 to train, 896 frozen)" in out
    assert [line.split()[1:3] for line in out.splitlines() if "frozen" in line and line[:2].strip() == "0"] == [
        ["Conv2d(32,", "padding=1)"]
    ]


def test_a_residual_block_and_a_start_file_are_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "transfer_finetune"]) == 0
    assert "starts from builtin:digits_0-4.pt" in capsys.readouterr().out
    doc = load_preset("digits_cnn").model_dump(mode="json")
    block = {"type": "Residual", "layers": [{"type": "Conv2d", "out_channels": 16, "padding": 1}, {"type": "Flatten"}]}
    doc["network"]["layers"].insert(2, block)
    assert main(["inspect", str(write(tmp_path, doc))]) == 2
    captured = capsys.readouterr()
    assert "shortcut" not in captured.out and "2.1" in captured.out
    assert "another kind of shape" in captured.err
