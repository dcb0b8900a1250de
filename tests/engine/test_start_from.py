"""Starting from a trained model: the layers that match the file's (same place, kind and shapes)
take its weights, the others start fresh and the report says why; the file is read with
weights_only, a bad one is refused naming the setting; a continued run does not read it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.engine.helpers import tiny
from tests.engine.test_script import Case, assert_replayed, replay
from workbench.engine import Trainer
from workbench.engine.builder import build_model
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.model_file import load_model
from workbench.engine.script import script_parts
from workbench.spec import SpecError, load_preset

BASE = [
    {"type": "Linear", "out_features": 16},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 8},
    {"type": "BatchNorm1d"},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model file of BASE, trained a few epochs."""
    trainer = Trainer(tiny(BASE, epochs=3, seed=5))
    trainer.fit()
    return save_trained(tmp_path_factory.mktemp("base") / "base.pt", trainer)


def starting(path: Path, layers: list[dict[str, Any]], **training: Any) -> Trainer:
    doc = tiny(layers, **training).model_dump(mode="json")
    doc["network"]["start_from"] = str(path)
    trainer = Trainer(tiny(layers, **training).model_validate(doc))
    trainer.prepare()
    return trainer


def test_matching_layers_take_the_files_weights_and_the_others_start_fresh(trained: Path) -> None:
    layers = [dict(row) for row in BASE]
    layers[2] = {"type": "Linear", "out_features": 4}  # other shapes: fresh, and so the BatchNorm after it
    layers.append({"type": "ReLU"})
    layers.append({"type": "Linear", "out_features": 2})  # no such layer in the file
    layers[5] = {"type": "LayerNorm"}  # the file's Linear(2) there: another kind
    trainer = starting(trained, layers[:5] + [{"type": "Linear", "out_features": 2}, {"type": "LayerNorm"}])
    report = trainer.history.started_from
    assert report is not None
    rows = [
        (r["index"], r["kind"], r["reason"], r["tensor"], r["file_shape"], r["own_shape"]) for r in report["layers"]
    ]
    assert rows == [
        (0, "Linear", "copied", "", [], []),
        (2, "Linear", "shape", "weight", [8, 16], [4, 16]),
        (3, "BatchNorm1d", "shape", "weight", [8], [4]),
        (5, "Linear", "shape", "weight", [2, 8], [2, 4]),
        (6, "LayerNorm", "missing", "", [], []),
    ]
    theirs = load_model(trained).module.network.state_dict()
    ours = trainer.model.state_dict()  # type: ignore[union-attr]
    assert torch.equal(ours["0.weight"], theirs["0.weight"]) and torch.equal(ours["0.bias"], theirs["0.bias"])
    torch.manual_seed(trainer.experiment.training.seed)
    fresh = build_model(trainer.experiment).state_dict()
    assert torch.equal(ours["2.weight"], fresh["2.weight"]) and not torch.equal(ours["0.weight"], fresh["0.weight"])


def test_another_kind_at_the_same_place_starts_fresh_and_says_which(trained: Path) -> None:
    layers = [dict(row) for row in BASE]
    layers[3] = {"type": "LayerNorm"}  # a LayerNorm(8) where the file has a BatchNorm1d(8)
    report = starting(trained, layers).history.started_from
    assert report is not None
    assert [(r["kind"], r["reason"], r["file_kind"]) for r in report["layers"]][1:3] == [
        ("Linear", "copied", ""),
        ("LayerNorm", "kind", "BatchNorm1d"),
    ]


def test_the_report_names_the_file_and_its_hash_and_says_each_layer(trained: Path) -> None:
    import hashlib

    from workbench.engine.events import StartReport

    layers = [dict(row) for row in BASE]
    layers[5] = {"type": "Linear", "out_features": 3, "frozen": True}
    doc = tiny(layers, dataset={"kind": "gaussian", "n_samples": 120, "n_classes": 3}).model_dump(mode="json")
    doc["network"]["start_from"] = str(trained)
    trainer = Trainer(tiny().model_validate(doc))
    trainer.prepare()
    report = StartReport.from_state(trainer.history.started_from)
    assert report is not None and report.sha256 == hashlib.sha256(trained.read_bytes()).hexdigest()
    assert report.copied == 3 and len(report.layers) == 4
    last = report.layers[-1]
    assert (last.reason, last.frozen, last.file_shape, last.own_shape) == ("shape", True, (2, 8), (3, 8))
    assert "(2, 8)" in last.in_words() and "(3, 8)" in last.in_words()


def test_a_file_that_is_no_model_is_refused_naming_the_setting_and_never_unpickled(tmp_path: Path) -> None:
    ran: list[str] = []

    class Trap:
        def __reduce__(self) -> Any:
            return (ran.append, ("unpickled",))

    bad = tmp_path / "bad.pt"
    torch.save({"format": "workbench-model", "trap": Trap()}, bad)
    with pytest.raises(SpecError) as caught:
        starting(bad, BASE)
    assert [p.path for p in caught.value.problems] == ["network.start_from"] and ran == []
    with pytest.raises(SpecError) as missing:
        starting(tmp_path / "none.pt", BASE)
    assert [p.path for p in missing.value.problems] == ["network.start_from"]


def test_a_continued_run_keeps_its_weights_and_does_not_read_the_file_again(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.pt"
    copy.write_bytes(trained.read_bytes())
    trainer = starting(copy, BASE, epochs=2)
    trainer.fit()
    saved = save_trained(tmp_path / "tuned.pt", trainer)
    copy.unlink()
    resumed = resume_run(saved)
    assert resumed.history.started_from is not None  # the run still says where it started
    resumed.continue_training(1)
    assert len(resumed.history.epoch) == 3


def test_fine_tuning_replays_in_the_exported_script(trained: Path, tmp_path: Path) -> None:
    layers = [dict(row) for row in BASE]
    layers[0]["frozen"] = True
    layers[5] = {"type": "Linear", "out_features": 3}
    doc = tiny(layers, dataset={"kind": "gaussian", "n_samples": 150, "n_classes": 3}).model_dump(mode="json")
    doc["network"]["start_from"] = str(trained)
    case = Case("tuned", tiny().model_validate(doc))
    (done,) = replay([case], tmp_path)
    assert_replayed(done)
    parts = {p.title: p.code for p in script_parts(case.experiment, (2,), "tuned")}
    assert "COPIED = ['0.', '2.', '3.']" in parts["The network"]


def test_the_built_in_model_is_what_transfer_1_trains() -> None:
    preset = load_preset("transfer_digits_0_4")
    trainer = Trainer(preset.model_copy(update={"training": preset.training.model_copy(update={"device": "cpu"})}))
    trainer.fit()
    bundled = load_model(Path(__file__).parents[2] / "resources" / "models" / "digits_0-4.pt")
    assert bundled.experiment.network == preset.network and bundled.class_names == tuple("01234")
    for name, value in trainer.best_weights().items():
        assert torch.allclose(bundled.module.network.state_dict()[name].float(), value.float(), atol=1e-5), name


def test_the_script_refuses_a_start_file_whose_contents_changed(trained: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from workbench.engine.script import script_text

    start = tmp_path / "start.pt"
    start.write_bytes(trained.read_bytes())
    doc = tiny(BASE, epochs=1).model_dump(mode="json")
    doc["network"]["start_from"] = str(start)
    experiment = tiny().model_validate(doc)
    script = tmp_path / "tuned.py"
    script.write_text(script_text(script_parts(experiment, (2,), "tuned"), experiment, "tuned"), encoding="utf-8")
    start.write_bytes(start.read_bytes() + b"\0")  # another file now
    done = subprocess.run(
        [sys.executable, str(script), "--save", str(tmp_path / "w.pt")], capture_output=True, text=True
    )
    assert done.returncode != 0 and "is not the model file the run started from" in done.stderr
