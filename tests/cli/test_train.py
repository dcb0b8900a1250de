"""`workbench train / evaluate / export`: outputs, files and exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.conftest import ROOT
from tests.engine.helpers import constant_inputs, tiny
from workbench.cli import main


def write(tmp_path: Path, **training: object) -> Path:
    path = tmp_path / "exp.json"
    tiny(**training).save(path)
    return path


def test_train_writes_model_and_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, epochs=3)
    out, metrics = tmp_path / "m.pt", tmp_path / "metrics.jsonl"
    assert main(["train", str(exp), "--epochs", "4", "--out", str(out), "--metrics-out", str(metrics)]) == 0
    text = capsys.readouterr().out
    assert "Epoch 4/4" in text and "Finished all 4 epochs" in text and "Test (30 samples)" in text
    assert "Saved the best model (epoch" in text
    assert torch.load(out, weights_only=True)["format"] == "workbench-model"
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert [line.get("epoch") for line in lines[:4]] == [1, 2, 3, 4] and lines[-1]["stop_reason"] == "completed"
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(lines[0])

    assert main(["evaluate", str(out)]) == 0
    evaluation = capsys.readouterr().out
    assert "Test (30 samples)" in evaluation and "true \\ predicted" in evaluation
    ts = tmp_path / "m.ts"
    assert main(["export", str(out), "--format", "torchscript", "--out", str(ts)]) == 0 and ts.stat().st_size > 0


def test_bad_input_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = tmp_path / "exp.json"
    exp.write_text('{"network": {"layers": [{"type": "Linear", "out_features": 0}]}}')
    assert main(["train", str(exp)]) == 2
    assert "network.layers[0].out_features: must be >= 1" in capsys.readouterr().err
    missing = tmp_path / "csv.json"
    tiny(dataset={"kind": "csv", "path": "nowhere.csv", "target": "y"}).save(missing)
    assert main(["train", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "dataset.path: file not found" in err and "Traceback" not in err
    assert main(["train", str(write(tmp_path)), "--device", "cuda:9"]) == 2
    assert "cuda:9 is not available" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "none.pt")]) == 2
    assert main(["export", str(exp), "--format", "onnx", "--out", str(tmp_path / "x.onnx")]) == 2


def test_diverged_run_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9})
    assert main(["train", str(exp)]) == 1
    assert "lower the learning rate" in capsys.readouterr().out


def test_a_run_that_diverges_in_its_first_epoch_says_it_wrote_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.spec.course import load_course

    (start,) = [e.experiment for e in load_course().exercises if e.id == "learning_rate"]  # SGD at 10 on the spiral
    exp, out = tmp_path / "exp.json", tmp_path / "diverged.pt"
    training = start.training.model_copy(update={"device": "cpu", "epochs": 2})
    start.model_copy(update={"training": training}).save(exp)
    assert main(["train", str(exp), "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert "diverged" in said and not out.exists() and f"{out} was not written" in said


def test_ctrl_c_stops_cleanly_and_saves_the_best_model(tmp_path: Path) -> None:
    exp = write(tmp_path, epochs=100_000)
    out = tmp_path / "best.pt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "train", str(exp), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.stdout.readline().startswith("Epoch 3/"):
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Stopped by you" in stdout and "Saved the best model" in stdout and "Traceback" not in stderr
    assert f"To train on from here: workbench train {out}\n" in stdout  # it goes back into the same file
    assert torch.load(out, weights_only=True)["history"]["stop_reason"] == "user_stopped"


def test_train_continues_the_run_saved_in_a_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, epochs=2, early_stopping={"enabled": False})
    first, second = tmp_path / "first.pt", tmp_path / "second.pt"
    assert main(["train", str(exp), "--out", str(first)]) == 0
    capsys.readouterr()
    assert main(["train", str(first), "--epochs", "3", "--out", str(second)]) == 0
    text = capsys.readouterr().out
    assert "Continuing first after epoch 2 for 3 more epochs on cpu" in text
    assert "Epoch 3/5" in text and "Epoch 5/5" in text and "Epoch 1/" not in text
    assert "Finished all 5 epochs" in text
    saved = torch.load(second, weights_only=True)
    assert saved["history"]["epoch"] == [1, 2, 3, 4, 5]


def test_train_refuses_a_model_file_that_cannot_continue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9})
    out = tmp_path / "diverged.pt"
    assert main(["train", str(exp), "--out", str(out)]) == 1
    capsys.readouterr()
    assert main(["train", str(out)]) == 2
    assert "diverged, so it cannot continue" in capsys.readouterr().err
    (tmp_path / "broken.pt").write_bytes(b"not a model")
    assert main(["train", str(tmp_path / "broken.pt")]) == 2
    assert "is not a model file Workbench can read" in capsys.readouterr().err


def test_save_every_keeps_a_run_that_was_cut_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.engine import Callback, Trainer
    from workbench.engine.checkpoint import SaveEvery

    class Crash(Callback):
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            if epoch == 1:
                raise KeyboardInterrupt

    assert main(["train", str(write(tmp_path)), "--save-every", "2"]) == 2
    assert "--save-every needs --out" in capsys.readouterr().err
    out = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        Trainer(tiny(epochs=5, early_stopping={"enabled": False}), [SaveEvery(out, 1), Crash()]).fit()
    assert main(["train", str(out), "--save-every", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "after epoch 2 for 3 more epochs" in text and "Epoch 5/5" in text and "Finished all 5 epochs" in text
    assert torch.load(out, weights_only=True)["history"]["epoch"] == [1, 2, 3, 4, 5]


def test_the_saved_model_and_its_test_result_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Early stopping off: the run ends on its last epoch's weights, the file holds the best epoch's.
    Both are tested and labelled, and the file's test result is that of the weights it holds."""
    exp = write(tmp_path, epochs=15, optimizer={"name": "Adam", "lr": 0.3})  # best epoch 3 of 15
    out = tmp_path / "m.pt"
    assert main(["train", str(exp), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Test of the saved weights, from epoch 3 (30 samples): loss" in text
    saved = torch.load(out, weights_only=True)
    assert saved["history"]["test_weights"] == "saved" and saved["history"]["best_epoch"] == 3
    assert main(["evaluate", str(out)]) == 0
    evaluation = capsys.readouterr().out
    file_loss = saved["history"]["test"]["loss"]
    assert f"loss {file_loss:.4f}" in evaluation  # what `evaluate` measures is what the file says
    line = next(x for x in text.splitlines() if x.startswith("Test of the saved weights"))
    assert f"loss {file_loss:.4f}" in line


def test_a_result_is_never_thrown_away_silently(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, epochs=2, early_stopping={"enabled": False})
    assert main(["train", str(exp)]) == 0
    assert "Nothing was saved: add --out FILE.pt to keep the trained network." in capsys.readouterr().out
    run = tmp_path / "run.pt"
    assert main(["train", str(exp), "--out", str(run), "--metrics-out", str(tmp_path / "m.jsonl")]) == 0
    capsys.readouterr()
    assert main(["train", str(run), "--epochs", "2", "--metrics-out", str(tmp_path / "m.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "Nothing was saved" not in text and "Saved the best model" in text
    assert torch.load(run, weights_only=True)["history"]["epoch"] == [1, 2, 3, 4]  # continued into its own file
    lines = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines if "epoch" in line] == [1, 2, 3, 4]  # the whole run, in one file
    assert [line["best_epoch"] for line in lines if line.get("event") == "end"][-1] in (1, 2, 3, 4)


def test_a_new_metrics_file_for_a_continued_run_gets_the_epochs_before(tmp_path: Path) -> None:
    exp = write(tmp_path, epochs=2, early_stopping={"enabled": False})
    run = tmp_path / "run.pt"
    assert main(["train", str(exp), "--out", str(run)]) == 0
    assert main(["train", str(run), "--epochs", "1", "--metrics-out", str(tmp_path / "later.jsonl")]) == 0
    lines = [json.loads(line) for line in (tmp_path / "later.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines if "epoch" in line] == [1, 2, 3]


def test_a_closed_pipe_does_not_stop_the_run_from_being_saved(tmp_path: Path) -> None:
    exp, out = write(tmp_path, epochs=3), tmp_path / "m.pt"
    command = f"{sys.executable} -m workbench train {exp} --out {out} | head -1"
    result = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("Training ") and len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert torch.load(out, weights_only=True)["history"]["epoch"] == [1, 2, 3]


def test_a_second_ctrl_c_quits_quietly(tmp_path: Path) -> None:
    exp = write(tmp_path, epochs=100_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "train", str(exp)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not proc.stdout.readline().startswith("Epoch 2/"):
        pass
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)  # at once: the run has not reached the end of its batch
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130) and "Traceback" not in stderr, stderr


def test_an_interrupt_outside_the_run_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second Ctrl-C raises KeyboardInterrupt wherever the command is: it exits 130, no traceback."""
    import workbench.cli.train as train_module

    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "train_command", interrupted)
    assert main(["train", "digits_mlp"]) == 130
    assert capsys.readouterr().err.strip() == "workbench: stopped."


def test_a_run_at_chance_says_so_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same sentence as the window's: the network has not learned, and what to try."""
    exp = tmp_path / "same.json"
    constant_inputs(tmp_path).save(exp)
    assert main(["train", str(exp), "--out", str(tmp_path / "m.pt")]) == 0
    said = " ".join(capsys.readouterr().out.split())  # the sentence may wrap
    assert "The network has not learned: its best validation accuracy" in said and "learning rate" in said


def test_a_run_started_from_a_model_file_says_which_layers_it_copied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.pt"
    assert main(["train", str(write(tmp_path, epochs=1)), "--out", str(base)]) == 0
    doc = tiny(epochs=1).model_dump(mode="json")
    doc["network"]["start_from"] = "base.pt"  # beside the experiment file
    doc["network"]["layers"][0]["out_features"] = 8
    (tmp_path / "tuned.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["train", str(tmp_path / "tuned.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Started from base.pt (SHA-256 "))
    assert lines[at].endswith("0 of 2 layers with weights copied")
    assert lines[at + 1 : at + 3] == [
        "  Layer 1 (Linear): starts fresh: weight is (16, 2) in the file, (8, 2) here",
        "  Layer 3 (Linear): starts fresh: weight is (2, 16) in the file, (2, 8) here",
    ]
    (tmp_path / "base.pt").unlink()
    assert main(["train", str(tmp_path / "tuned.json")]) == 2
    assert "network.start_from" in capsys.readouterr().err
