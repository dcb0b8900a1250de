"""`workbench sweep`: one run a value and seed, each a process of its own; the summary files, the
table and the verdict; a sweep cut short keeps what finished and takes up the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.engine.helpers import tiny
from workbench.cli import main


def _exp(tmp_path: Path, **training: object) -> Path:
    path = tmp_path / "exp.json"
    tiny(**{"early_stopping": {"enabled": False}, **training}).save(path)
    return path


def test_two_settings_that_are_the_same_experiment_are_no_real_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the name differs: each seed trains the same numbers for both, so the lead is nothing."""
    out = tmp_path / "sweep"
    args = ["sweep", str(_exp(tmp_path)), "--vary", "name=a,b", "--seeds", "2", "--out", str(out), "--parallel", "2"]
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "name a and b give the same val_accuracy over 2 seeds: not a real difference" in said
    summary = json.loads((out / "summary.json").read_text())
    assert summary["setting"] == "name" and [(r["value"], r["seed"]) for r in summary["runs"]] == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("b", 1),
    ]
    scores = [r["best_value"] for r in summary["runs"]]
    assert scores[:2] == scores[2:] and scores[0] != scores[1]  # the seeds differ, the values do not
    assert all((out / r["model"]).is_file() for r in summary["runs"])
    lines = (out / "summary.csv").read_text().splitlines()
    assert lines[0] == "setting,value,seed,best_epoch,metric,best_value,test,model" and len(lines) == 5


def test_a_learning_rate_that_learns_beats_one_that_does_not_for_real(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "lr"
    args = ["sweep", "spiral_mlp", "--vary", "training.optimizer.lr=1e-5,1e-2", "--seeds", "3", "--epochs", "4"]
    assert main([*args, "--out", str(out), "--parallel", "2"]) == 0
    said = capsys.readouterr().out
    assert "lr 0.01 beats 1e-05 by " in said and "more than the spread of 3 seeds: a real difference" in said


def test_a_sweep_cut_short_keeps_what_finished_and_trains_the_rest(tmp_path: Path) -> None:
    exp = _exp(tmp_path, epochs=400)
    out = tmp_path / "cut"
    command = [sys.executable, "-m", "workbench", "sweep", str(exp), "--vary", "training.optimizer.lr=0.1,0.05"]
    command += ["--seeds", "2", "--out", str(out)]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.stdout is not None
    while not first.stdout.readline().startswith("[1/4]"):
        pass
    first.send_signal(signal.SIGINT)
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    kept = {
        r["model"]: os.stat(out / r["model"]).st_mtime_ns
        for r in json.loads((out / "summary.json").read_text())["runs"]
    }
    assert 1 <= len(kept) < 4
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"Keeping {len(kept)} of 4 runs already finished" in again.stdout
    runs = json.loads((out / "summary.json").read_text())["runs"]
    assert len(runs) == 4 and all(os.stat(out / model).st_mtime_ns == at for model, at in kept.items())


def test_a_folder_of_another_sweep_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = _exp(tmp_path, epochs=1)
    out = tmp_path / "s"
    assert main(["sweep", str(exp), "--seeds", "2", "--out", str(out)]) == 0
    assert "val_accuracy over 2 seeds: " in capsys.readouterr().out
    assert main(["sweep", str(exp), "--seeds", "3", "--out", str(out)]) == 2
    assert "holds another sweep" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert main(["sweep", str(exp), "--seeds", "2", "--out", str(tmp_path / "full")]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
    assert main(["sweep", str(exp), "--vary", "training.rate=1,2", "--out", str(tmp_path / "n")]) == 2
    assert "training.rate: is not a setting of this experiment" in capsys.readouterr().err


def test_the_variants_a_preset_carries_are_swept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """adding_rnn_vs_lstm carries its RNN and its LSTM: `--variants` trains both, named by their variant."""
    out = tmp_path / "pair"
    args = ["sweep", "adding_rnn_vs_lstm", "--variants", "--seeds", "1", "--epochs", "1", "--out", str(out)]
    assert main([*args, "--parallel", "2"]) == 0
    said = capsys.readouterr().out
    assert "with one seed a value there is no spread to judge by: run again with --seeds 3 or more" in said
    runs = json.loads((out / "summary.json").read_text())["runs"]
    assert json.loads((out / "summary.json").read_text())["setting"] == "variant"
    assert [(r["value"], r["model"]) for r in runs] == [
        ("RNN", "runs/variant=RNN-seed0.pt"),
        ("LSTM", "runs/variant=LSTM-seed0.pt"),
    ]
    assert json.loads((out / "runs" / "variant=LSTM-seed0.json").read_text())["network"]["layers"][0]["type"] == "LSTM"
    assert main(["sweep", "digits_mlp", "--variants", "--out", str(tmp_path / "none")]) == 2
    assert "carries no variants" in capsys.readouterr().err


def test_more_runs_side_by_side_than_the_cores_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.engine import queue

    monkeypatch.setattr(queue, "available_cores", lambda: 2)
    out = tmp_path / "s"
    assert main(["sweep", str(_exp(tmp_path)), "--seeds", "4", "--out", str(out), "--parallel", "3"]) == 2
    said = capsys.readouterr().err
    assert "--parallel 3 on the CPU: this machine has 2 cores" in said and "ask for --parallel 2 at most" in said
    assert not out.exists()


def test_train_with_seeds_repeats_the_experiment_and_shows_their_mean_and_spread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three seeds, three different runs: the table's mean, sd and range are those of the runs' scores."""
    import statistics

    monkeypatch.chdir(tmp_path)
    exp = tmp_path / "exp.json"
    tiny(seed=7, **{"early_stopping": {"enabled": False}}).save(exp)
    assert main(["train", str(exp), "--seeds", "3", "--epochs", "2"]) == 0
    said = capsys.readouterr().out
    runs = json.loads((tmp_path / "exp-seeds" / "summary.json").read_text())["runs"]
    assert [r["seed"] for r in runs] == [7, 8, 9]
    scores = [r["best_value"] for r in runs]
    assert len(set(scores)) == 3  # each seed its own run
    mean, sd = statistics.fmean(scores), statistics.stdev(scores)
    assert f"{mean:.4f} ± {sd:.4f}" in said and f"{min(scores):.4f} – {max(scores):.4f}" in said
    assert main(["train", str(exp), "--seeds", "3", "--nproc", "2"]) == 2
    assert "--seeds cannot be used with --nproc" in capsys.readouterr().err
