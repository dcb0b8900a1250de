"""Exporting a finished run: by the file's suffix, with the weights asked for, and a write that
fails is a message naming the file."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
import torch

from tests.engine.helpers import tiny
from workbench.engine import ModelFileError, Trainer, exporters, load_model
from workbench.engine.exporters import export_onnx, export_torchscript, export_trained, loaded_model


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    trainer = Trainer(tiny(epochs=8, optimizer={"name": "SGD", "lr": 3.0}, early_stopping={"enabled": False}))
    trainer.fit()
    assert trainer.history.best_epoch != 7  # the run ended on other weights than its best
    return trainer


def test_a_finished_run_as_a_model(trainer: Trainer) -> None:
    loaded = loaded_model(trainer.trained(), trainer.best_weights())
    best = trainer.best_weights()
    assert all(torch.equal(loaded.module.network.state_dict()[k], v) for k, v in best.items())
    assert not loaded.module.training
    assert (loaded.input_shape, loaded.class_names, loaded.task) == ((2,), ("class 0", "class 1"), trainer.data.task)  # type: ignore[union-attr]
    assert loaded.normalization == trainer.data.normalization.as_dict()  # type: ignore[union-attr]
    assert loaded.history == trainer.history.as_dict() and loaded.experiment is trainer.experiment
    norm = trainer.data.normalization  # type: ignore[union-attr]
    assert loaded.module.normalize.mean.flatten().tolist() == pytest.approx(list(norm.mean))
    assert loaded.module.normalize.std.flatten().tolist() == pytest.approx(list(norm.std))
    last = trainer.copy_weights()
    other = loaded_model(trainer.trained(), last)
    assert all(torch.equal(other.module.network.state_dict()[k], v) for k, v in last.items())


def test_the_suffix_chooses_the_format(trainer: Trainer, tmp_path: Path) -> None:
    last = trainer.copy_weights()
    x = torch.randn(5, 2)
    expected = loaded_model(trainer.trained(), last).module(x)
    for name in ("m.ts", "m.TorchScript"):
        scripted = torch.jit.load(str(export_trained(tmp_path / name, trainer, last)))
        torch.testing.assert_close(scripted(x), expected)
    onnx_path = export_trained(tmp_path / "m.onnx", trainer, last)
    from onnx.reference import ReferenceEvaluator

    out = ReferenceEvaluator(str(onnx_path)).run(None, {"input": x.numpy()})[0]
    assert abs(out - expected.detach().numpy()).max() < 1e-4
    pt = export_trained(tmp_path / "m.pt", trainer)
    assert all(torch.equal(load_model(pt).module.network.state_dict()[k], v) for k, v in trainer.best_weights().items())


def test_onnx_names_its_input_output_and_batch(trainer: Trainer, tmp_path: Path) -> None:
    import onnx

    model = onnx.load(str(export_onnx(loaded_model(trainer.trained(), trainer.best_weights()), tmp_path / "m.onnx")))
    (given,), (answer,) = model.graph.input, model.graph.output
    assert (given.name, answer.name) == ("input", "output")
    assert given.type.tensor_type.shape.dim[0].dim_param == "batch"
    meta = {entry.key: entry.value for entry in model.metadata_props}
    assert json.loads(meta["workbench.class_names"]) == ["class 0", "class 1"]


def test_torchscript_keeps_its_metadata_under_its_name(trainer: Trainer, tmp_path: Path) -> None:
    path = export_torchscript(loaded_model(trainer.trained(), trainer.best_weights()), tmp_path / "m.ts")
    extra = {"workbench.json": ""}
    torch.jit.load(str(path), _extra_files=extra)
    assert json.loads(extra["workbench.json"])["workbench.task"] == "classification"


@pytest.mark.parametrize("export", [export_torchscript, export_onnx])
@pytest.mark.parametrize(
    ("error", "said"),
    [(OSError(errno.ENOSPC, "No space left on device"), "No space left on device"), (OSError("quota"), "quota")],
)
def test_a_write_that_fails_is_a_message(
    trainer: Trainer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: object, error: OSError, said: str
) -> None:
    def fail(items: object) -> None:
        raise error

    monkeypatch.setattr(exporters, "atomic_write_all", fail)
    with pytest.raises(ModelFileError) as caught:
        export(loaded_model(trainer.trained(), trainer.best_weights()), tmp_path / "m.out")  # type: ignore[operator]
    assert str(caught.value) == f"cannot write {tmp_path / 'm.out'}: {said}"


def test_onnx_without_its_packages_says_exactly_what_to_install(
    trainer: Trainer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporters, "onnx_available", lambda: False)
    with pytest.raises(ModelFileError) as caught:
        export_onnx(loaded_model(trainer.trained(), trainer.best_weights()), tmp_path / "m.onnx")
    said = "ONNX export needs the onnx and onnxscript packages: pip install 'neural-workbench[onnx]'"
    assert str(caught.value) == said


def test_a_model_file_of_other_weights_by_suffix(trainer: Trainer, tmp_path: Path) -> None:
    last = trainer.copy_weights()
    pt = export_trained(tmp_path / "last.pt", trainer, last)
    assert all(torch.equal(load_model(pt).module.network.state_dict()[k], v) for k, v in last.items())


def test_an_unfinished_run_cannot_be_exported() -> None:
    with pytest.raises(RuntimeError, match="^train the network first$"):
        Trainer(tiny()).trained()


def test_a_residual_cnn_exports_to_torchscript_and_onnx_and_answers_alike(tmp_path: Path) -> None:
    import onnxruntime

    block = {"type": "Residual", "layers": [{"type": "Conv2d", "out_channels": 8, "stride": 2, "padding": 1}]}
    block["layers"] += [{"type": "BatchNorm2d"}, {"type": "ReLU"}]
    same = {"type": "Residual", "layers": [{"type": "Conv2d", "out_channels": 8, "padding": 1}, {"type": "ReLU"}]}
    layers = [{"type": "Conv2d", "out_channels": 4, "padding": 1}, block, same, {"type": "Flatten"}]
    layers.append({"type": "Linear", "out_features": 10})
    trainer = Trainer(tiny(layers, dataset={"kind": "digits"}, epochs=1, batch_size=64))
    trainer.fit()
    x = torch.rand(5, 1, 8, 8)
    expected = loaded_model(trainer.trained(), trainer.best_weights()).module(x).detach()
    scripted = torch.jit.load(str(export_trained(tmp_path / "r.torchscript", trainer)))
    torch.testing.assert_close(scripted(x), expected)
    session = onnxruntime.InferenceSession(str(export_trained(tmp_path / "r.onnx", trainer)))
    out = session.run(None, {"input": x.numpy()})[0]
    assert abs(out - expected.numpy()).max() < 1e-4
