"""Model files: round trip, weights-only loading, refusal of pickles, TorchScript and ONNX."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from tests.engine.helpers import tiny
from workbench.engine import ModelFileError, Trainer, load_model, save_model
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.exporters import export_onnx, export_torchscript
from workbench.engine.model_file import migrate


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trainer, Path]:
    experiment = tiny(
        epochs=2,
        layers=[
            {"type": "Conv2d", "out_channels": 4, "padding": 1},
            {"type": "BatchNorm2d"},
            {"type": "ReLU"},
            {"type": "MaxPool2d"},
            {"type": "Flatten"},
            {"type": "Dropout", "p": 0.3},
            {"type": "Linear", "out_features": 10},
        ],
        dataset={"kind": "digits", "val_fraction": 0.2, "test_fraction": 0.2},
    )
    trainer = Trainer(experiment)
    trainer.fit()
    assert trainer.model is not None and trainer.data is not None
    path = tmp_path_factory.mktemp("model") / "digits.pt"
    save_model(
        path,
        trainer.model,
        experiment,
        input_shape=trainer.data.input_shape,
        class_names=trainer.data.class_names,
        normalization=trainer.data.normalization.as_dict(),
        history=trainer.history.as_dict(),
    )
    return trainer, path


def test_round_trip_gives_identical_predictions(trained: tuple[Trainer, Path]) -> None:
    trainer, path = trained
    loaded = load_model(path)
    assert loaded.experiment == trainer.experiment and loaded.class_names == tuple(str(d) for d in range(10))
    assert loaded.history["best_epoch"] == trainer.history.best_epoch + 1  # files count epochs from 1
    assert trainer.data is not None and trainer.model is not None
    x_raw, _ = trainer.data.parts["test"]
    trainer.model.eval()
    with torch.no_grad():
        expected = trainer.model(trainer.data.transform(x_raw, training=False))
        got = loaded.module(x_raw.float() / 255)
    assert torch.allclose(expected, got, atol=1e-5) and torch.equal(expected.argmax(1), got.argmax(1))


def test_file_is_plain_weights(trained: tuple[Trainer, Path]) -> None:
    content = torch.load(trained[1], weights_only=True)
    assert content["format"] == "workbench-model" and content["input_shape"] == [1, 8, 8]
    assert isinstance(content["experiment"], str) and set(content["versions"]) == {"workbench", "torch", "python"}
    net = Trainer(trained[0].experiment)
    net.prepare()
    assert net.model is not None
    net.model.load_state_dict(content["state_dict"])  # loads straight into build_model's network


class Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {MARKER}",))


MARKER = Path("/tmp/workbench-pickle-ran")


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    MARKER.unlink(missing_ok=True)
    path = tmp_path / "evil.pt"
    torch.save({"format": "workbench-model", "payload": Payload()}, path)
    with pytest.raises(ModelFileError, match="refused: loading it would run Python code"):
        load_model(path)
    assert not MARKER.exists()
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ModelFileError):
        load_model(plain)
    assert not MARKER.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"garbage", "not a model file Workbench can read"),
        (None, "not a Workbench model file"),
    ],
)
def test_other_files_are_refused(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "x.pt"
    if content is None:
        torch.save({"weight": torch.zeros(2)}, path)  # a bare state_dict from elsewhere
    else:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=expected):
        load_model(path)


def test_truncated_file_is_refused(trained: tuple[Trainer, Path], tmp_path: Path) -> None:
    broken = tmp_path / "cut.pt"
    broken.write_bytes(trained[1].read_bytes()[:2000])
    with pytest.raises(ModelFileError):
        load_model(broken)
    assert zipfile.is_zipfile(trained[1])


def test_failed_save_leaves_no_partial_file(
    trained: tuple[Trainer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer, _ = trained
    target = tmp_path / "out.pt"
    target.write_bytes(b"previous")

    def broken_save(obj: object, f: object) -> None:
        Path(str(f)).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)
    assert trainer.model is not None
    with pytest.raises(ModelFileError, match="No space left on device"):
        save_model(target, trainer.model, trainer.experiment, input_shape=(1, 8, 8))
    assert target.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["out.pt"]
    with pytest.raises(ModelFileError, match="does not exist"):
        save_model(tmp_path / "no" / "dir.pt", trainer.model, trainer.experiment, input_shape=(1, 8, 8))


def test_torchscript_and_onnx_match(trained: tuple[Trainer, Path], tmp_path: Path) -> None:
    loaded = load_model(trained[1])
    x = torch.rand(5, 1, 8, 8)
    with torch.no_grad():
        expected = loaded.module(x)
        scripted = torch.jit.load(str(export_torchscript(loaded, tmp_path / "m.torchscript")))
        assert torch.allclose(scripted(x), expected, atol=1e-5)
    import onnx
    from onnx.reference import ReferenceEvaluator

    path = export_onnx(loaded, tmp_path / "m.onnx")
    onnx.checker.check_model(onnx.load(str(path)))
    out = ReferenceEvaluator(str(path)).run(None, {"input": x.numpy()})[0]
    assert abs(out - expected.numpy()).max() < 1e-4


def test_onnx_without_the_package_says_how(
    trained: tuple[Trainer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.engine.exporters as export

    monkeypatch.setattr(export.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelFileError, match=r"pip install 'neural-workbench\[onnx\]'"):
        export_onnx(load_model(trained[1]), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_version_1_file_counts_its_epochs_from_1_once_read(tmp_path: Path) -> None:
    """Model format 1 counted epochs from 0; such files are migrated as they are read."""
    trainer = Trainer(tiny(epochs=3, early_stopping={"enabled": False}))
    trainer.fit()
    path = save_trained(tmp_path / "v2.pt", trainer)
    content = torch.load(path, weights_only=True)
    assert content["format_version"] == 2 and content["history"]["epoch"] == [1, 2, 3]
    old = dict(content, format_version=1)  # as version 1 wrote it
    for history in (old["history"], old["training_state"]["history"]):
        history["epoch"] = [e - 1 for e in history["epoch"]]
        history["best_epoch"] -= 1
    torch.save(old, tmp_path / "v1.pt")
    assert load_model(tmp_path / "v1.pt").history["epoch"] == [1, 2, 3]
    resumed = resume_run(tmp_path / "v1.pt")
    assert resumed.history.epoch == trainer.history.epoch and resumed.history.best_epoch == trainer.history.best_epoch
    assert migrate(dict(content)) == content  # the current version is left as it is


def test_exports_carry_what_a_deployed_model_needs(trained: tuple[Trainer, Path], tmp_path: Path) -> None:
    """Class names, the input and the normalization travel with TorchScript and ONNX files, read
    back here with plain torch and onnx, as a program without Workbench would."""
    loaded = load_model(trained[1])
    extra = {"workbench.json": ""}
    torch.jit.load(str(export_torchscript(loaded, tmp_path / "m.torchscript")), _extra_files=extra)
    meta = json.loads(extra["workbench.json"])
    assert json.loads(meta["workbench.class_names"]) == list(loaded.class_names)
    assert json.loads(meta["workbench.input_shape"]) == list(loaded.input_shape) == [1, 8, 8]
    assert "normalizes them itself" in meta["workbench.input"]
    assert set(json.loads(meta["workbench.normalization"])) >= {"mean", "std"}
    import onnx

    props = {p.key: p.value for p in onnx.load(str(export_onnx(loaded, tmp_path / "m.onnx"))).metadata_props}
    assert props == meta  # the same description in both formats
