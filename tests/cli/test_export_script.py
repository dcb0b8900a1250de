"""`workbench export --format script|notebook`: the run as code, from a model file, an experiment
file or a preset; the script prints and logs what `workbench train` did."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.helpers import tiny
from workbench.cli import main

BLOCKED = (
    "import runpy, sys; sys.modules['workbench'] = None; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def run_script(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script in a process that cannot import the workbench, in its own folder."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(script.parent), "PYTHONNOUSERSITE": "1"}
    return subprocess.run(
        [sys.executable, "-c", BLOCKED, str(script), *args], cwd=script.parent, env=env, capture_output=True, text=True
    )


def epoch_lines(text: str) -> list[str]:
    """Lines of epochs, their seconds left out."""
    return [re.sub(r"\(\d+\.\d+s\)", "(s)", line) for line in text.splitlines() if line.startswith("Epoch ")]


def test_a_trained_run_exported_as_a_script_replays_the_command_line_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = tmp_path / "exp.json"
    tiny(
        [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}, {"type": "Dropout", "p": 0.2}]
        + [{"type": "Linear", "out_features": 2}],
        epochs=4,
        early_stopping={"enabled": True, "patience": 3},
    ).save(experiment)
    run, metrics = tmp_path / "run.pt", tmp_path / "run.jsonl"
    assert main(["train", str(experiment), "--out", str(run), "--metrics-out", str(metrics)]) == 0
    trained = capsys.readouterr().out
    script = tmp_path / "replay.py"
    assert main(["export", str(run), "--format", "script", "--out", str(script)]) == 0
    assert "python replay.py" in capsys.readouterr().out
    done = run_script(script, "--metrics-out", "replay.jsonl")
    assert done.returncode == 0, done.stderr
    assert epoch_lines(done.stdout) == epoch_lines(trained) and len(epoch_lines(trained)) == 4
    ours = [json.loads(line) for line in metrics.read_text().splitlines() if '"epoch"' in line]
    theirs = [json.loads(line) for line in (tmp_path / "replay.jsonl").read_text().splitlines()]
    for a, b in zip(ours, theirs, strict=False):
        for key, value in b.items():
            assert a[key] == pytest.approx(value, abs=1e-6), key
    assert theirs[-1]["test"]["accuracy"] == pytest.approx(
        json.loads(metrics.read_text().splitlines()[-1])["test"]["accuracy"]
    )
    assert (tmp_path / "replay.weights.pt").is_file()


def test_export_from_a_preset_and_an_experiment_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "digits.ipynb"
    assert main(["export", "digits_cnn", "--format", "notebook", "--out", str(book)]) == 0
    cells = json.loads(book.read_text(encoding="utf-8"))["cells"]
    assert any("nn.Conv2d(in_channels=1" in "".join(cell["source"]) for cell in cells)
    experiment = tmp_path / "exp.json"
    tiny().save(experiment)
    script = tmp_path / "moons.py"
    assert main(["export", str(experiment), "--format", "script", "--out", str(script)]) == 0
    text = script.read_text(encoding="utf-8")
    assert "make_moons(120, noise=0.2, random_state=SEED)" in text and "import workbench" not in text


def test_bad_sources_and_places_are_exit_2_with_a_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.py"
    assert main(["export", "no_such_preset", "--format", "script", "--out", str(out)]) == 2
    assert "no such file or preset" in capsys.readouterr().err
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model")
    assert main(["export", str(broken), "--format", "script", "--out", str(out)]) == 2
    missing = tmp_path / "csv.json"
    tiny(dataset={"kind": "csv", "path": "nowhere.csv", "target": "y"}).save(missing)
    assert main(["export", str(missing), "--format", "notebook", "--out", str(out)]) == 2
    assert "dataset.path" in capsys.readouterr().err
    assert main(["export", "digits_mlp", "--format", "script", "--out", str(tmp_path / "no" / "dir" / "x.py")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err
    assert not out.exists()
