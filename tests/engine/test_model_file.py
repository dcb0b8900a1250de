"""The model file: what `save_model` writes, what `load_model` gives back, and the sentence each
kind of bad file gets (naming the file and what to do)."""

from __future__ import annotations

import errno
import json
import platform
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import workbench
from tests.engine.helpers import tiny
from workbench.engine import ModelFileError, Trainer, build_model
from workbench.engine import model_file as mf
from workbench.engine.model_file import LoadedModel, Normalize, load_model, migrate, plain, save_model
from workbench.spec import Task
from workbench.spec.memory import EVAL_BATCH, estimate_memory


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trainer, Path]:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    path = tmp_path_factory.mktemp("model") / "m.pt"
    assert trainer.model is not None and trainer.data is not None
    save_model(path, trainer.model, trainer.experiment, input_shape=(2,), class_names=("a", "b"))
    return trainer, path


def _content(path: Path) -> dict[str, Any]:
    content: dict[str, Any] = torch.load(path, weights_only=True)
    return content


def _rewrite(path: Path, content: dict[str, Any]) -> Path:
    torch.save(content, path)
    return path


def test_what_a_file_holds_by_default(trained: tuple[Trainer, Path]) -> None:
    trainer, path = trained
    content = _content(path)
    assert content["format"] == "workbench-model" and content["format_version"] == 2
    assert content["task"] == "classification" and content["class_names"] == ["a", "b"]
    assert content["normalization"] == {"mean": [0.0], "std": [1.0], "scale": 1.0}  # none given: none applied
    assert content["history"] == {} and "training_state" not in content
    assert content["versions"] == {
        "workbench": workbench.__version__,
        "torch": str(torch.__version__),
        "python": platform.python_version(),
    }
    assert trainer.model is not None
    assert all(torch.equal(content["state_dict"][k], v) for k, v in trainer.model.state_dict().items())


def test_given_weights_win_over_the_networks(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    trainer, _ = trained
    assert trainer.model is not None
    zeros = {k: torch.zeros_like(v) for k, v in trainer.model.state_dict().items()}
    path = save_model(tmp_path / "z.pt", trainer.model, trainer.experiment, input_shape=(2,), state_dict=zeros)
    assert all(float(v.abs().sum()) == 0 for v in _content(path)["state_dict"].values())


def test_a_loaded_model_and_its_defaults(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    _, path = trained
    loaded = load_model(path)
    assert (loaded.input_shape, loaded.class_names, loaded.task) == ((2,), ("a", "b"), Task.CLASSIFICATION)
    assert loaded.versions["workbench"] == workbench.__version__ and loaded.history == {}
    assert loaded.example_input(3).shape == (3, 2) and float(loaded.example_input().abs().sum()) == 0
    old = _content(path)
    for key in ("class_names", "task", "history", "versions"):
        del old[key]
    bare = load_model(_rewrite(tmp_path / "old.pt", old))
    assert (bare.class_names, bare.task, bare.history, bare.versions) == ((), Task.CLASSIFICATION, {}, {})


def test_normalize_broadcasts_per_channel_or_feature() -> None:
    pictures = Normalize([0.5, 0.25, 0.0], [0.5, 0.5, 2.0], (3, 4, 4))
    assert pictures.mean.shape == (1, 3, 1, 1) and pictures.std.shape == (1, 3, 1, 1)
    assert pictures.mean.dtype == torch.float32
    flat = Normalize([1.0, 2.0], [2.0, 4.0], (2,))
    assert flat.mean.shape == (1, 2)
    assert torch.equal(flat(torch.tensor([[3.0, 6.0]])), torch.tensor([[1.0, 1.0]]))


def _loaded(task: Task, shape: tuple[int, ...]) -> LoadedModel:
    return LoadedModel(nn.Identity(), tiny(), shape, ("cat", "dog"), task, {"mean": [0.5], "std": [0.5]})  # type: ignore[arg-type]


def test_metadata_for_pictures_and_for_features() -> None:
    meta = _loaded(Task.CLASSIFICATION, (1, 8, 8)).metadata()
    assert meta == {
        "workbench.class_names": '["cat", "dog"]',
        "workbench.task": "classification",
        "workbench.input_shape": "[1, 8, 8]",
        "workbench.input": "float32 (batch, 1, 8, 8) pictures with values in [0, 1]; the model normalizes them itself",
        "workbench.output": "one score per class (apply softmax for probabilities)",
        "workbench.normalization": '{"mean": [0.5], "std": [0.5]}',
        "workbench.version": workbench.__version__,
    }
    flat = _loaded(Task.REGRESSION, (4,)).metadata()
    assert (
        flat["workbench.input"]
        == "float32 (batch, 4) features as in the training data; the model normalizes them itself"
    )
    assert flat["workbench.output"] == "the predicted number(s)" and flat["workbench.task"] == "regression"
    assert json.loads(flat["workbench.input_shape"]) == [4]


def test_plain_keeps_only_what_a_weights_only_load_accepts() -> None:
    assert plain({"a": np.array([[1, 2]]), 3: (np.float32(0.5), None, True)}) == {"a": [[1, 2]], "3": [0.5, None, True]}
    assert type(plain(Task.REGRESSION)) is str
    with pytest.raises(TypeError, match="cannot store bytes in a model file"):
        plain(b"raw")


def test_the_first_line_of_an_error() -> None:
    assert mf._first_line(RuntimeError("writer failed\nat line 3")) == "writer failed"
    assert mf._first_line(RuntimeError("  ")) == "RuntimeError"


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (OSError("quota"), "quota"),
        (
            RuntimeError("PytorchStreamWriter failed writing file data/0\nstack"),
            "PytorchStreamWriter failed writing file data/0 (is the disk full?)",
        ),
    ],
)
def test_a_write_that_fails_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trained: tuple[Trainer, Path], error: Exception, said: str
) -> None:
    trainer, _ = trained

    def fail(path: Path, write: object) -> None:
        raise error

    monkeypatch.setattr(mf, "atomic_write", fail)
    assert trainer.model is not None
    with pytest.raises(ModelFileError) as caught:
        save_model(tmp_path / "m.pt", trainer.model, trainer.experiment, input_shape=(2,))
    assert str(caught.value) == f"cannot write {tmp_path / 'm.pt'}: {said}"


def _refusal(path: Path, **options: Any) -> str:
    with pytest.raises(ModelFileError) as caught:
        load_model(path, **options)
    return str(caught.value)


def test_each_bad_file_gets_its_sentence(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    _, good = trained
    assert _refusal(tmp_path / "none.pt") == f"no such file: {tmp_path / 'none.pt'}"
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    assert _refusal(text) == (
        f"{text} is not a model file Workbench can read: model files are the .pt files Workbench writes "
        "(Export model, or train --out)"
    )
    assert "(unpacked) needs" in _refusal(good, memory_limit=100)
    newer = _content(good) | {"format_version": 3}
    assert _refusal(_rewrite(tmp_path / "new.pt", newer)).endswith("newer Workbench (model format 3): update Workbench")
    for n, version in enumerate(("2", "1", None, -7, 0, True)):  # never written: damaged, not newer
        named = _content(good) | {"format_version": version}
        said = _refusal(_rewrite(tmp_path / f"v{n}.pt", named))
        assert f"its format_version is {version!r}" in said and "newer" not in said
    missing = {k: v for k, v in _content(good).items() if k not in ("input_shape", "experiment")}
    assert (
        _refusal(_rewrite(tmp_path / "missing.pt", missing))
        == f"{tmp_path / 'missing.pt'} is damaged: it has no experiment, input_shape"
    )
    strings = _content(good) | {"state_dict": {"w": "not a tensor"}}
    assert (
        _refusal(_rewrite(tmp_path / "s.pt", strings))
        == f"{tmp_path / 's.pt'} is damaged: its weights are missing or not tensors"
    )
    nan = _content(good)
    nan["state_dict"] = {k: torch.full_like(v, float("nan")) for k, v in nan["state_dict"].items()}
    said = _refusal(_rewrite(tmp_path / "nan.pt", nan))
    where = "in 0.weight, 0.bias, 2.weight: "  # the first three
    assert said.startswith(f"{tmp_path / 'nan.pt'} holds weights that are not finite numbers (NaN or infinity) {where}")
    assert said.endswith("the run that wrote it diverged or the file is damaged; train the network again")


def test_a_file_that_would_run_code_is_refused(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (print, ("ran",))

    path = tmp_path / "evil.pt"
    torch.save({"format": "workbench-model", "x": Payload()}, path)
    said = _refusal(path)
    assert said.startswith(f"{path} was refused: loading it would run Python code stored in the file")
    assert said.endswith("Only open model files from people you trust, and re-export them from Workbench.")


def test_a_damaged_archive_says_so(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    _, good = trained
    data = good.read_bytes()
    truncated = tmp_path / "cut.pt"
    truncated.write_bytes(data[: len(data) - 40])
    assert "is not a model file Workbench can read" in _refusal(truncated)
    with zipfile.ZipFile(good) as archive:
        first = archive.infolist()[-1]
    broken = tmp_path / "flip.pt"
    raw = bytearray(data)
    raw[first.header_offset + 40] ^= 0xFF
    broken.write_bytes(bytes(raw))
    assert str(broken) in _refusal(broken)


def test_numbers_are_lists_of_ints_and_floats() -> None:
    assert mf._numbers([1, 2.5]) and mf._numbers([])
    assert not mf._numbers([True]) and not mf._numbers("12") and not mf._numbers([1, "2"])


def test_version_1_files_are_migrated() -> None:
    content: dict[str, Any] = {
        "format_version": 1,
        "history": {"epoch": [0, 1], "best_epoch": 1},
        "training_state": {"history": {"epoch": [0, 1], "best_epoch": 0}},
    }
    migrated = migrate(content)
    assert migrated["format_version"] == 2 and migrated["history"] == {"epoch": [1, 2], "best_epoch": 2}
    assert migrated["training_state"]["history"] == {"epoch": [1, 2], "best_epoch": 1}
    assert migrate({"format_version": 1, "training_state": None})["format_version"] == 2


def test_the_experiment_inside_a_file_is_named_in_its_problems(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    _, good = trained
    content = _content(good)
    content["experiment"] = json.dumps({"network": {"layers": [{"type": "Nope"}]}})
    assert f"{tmp_path / 'bad.pt'} (experiment)" in _refusal(_rewrite(tmp_path / "bad.pt", content))
    content = _content(good)
    content["input_shape"] = [3]
    said = _refusal(_rewrite(tmp_path / "shape.pt", content))
    assert said == f"{tmp_path / 'shape.pt'} is damaged: its network needs 98 weights but the file holds 82"
    content["input_shape"] = [1]  # fewer weights than the file holds: PyTorch compares them
    said = _refusal(_rewrite(tmp_path / "shape.pt", content))
    assert said.startswith(f"{tmp_path / 'shape.pt'} is damaged: RuntimeError: ")


def test_a_saved_model_is_sized_for_evaluation_not_training(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    """A network whose training would need more than the limit still loads to be evaluated."""
    wide = tiny(
        layers=[{"type": "Linear", "out_features": 2_000}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
    )
    path = save_model(tmp_path / "wide.pt", build_model(wide), wide, input_shape=(2,))
    analysis = wide.network.analyze((2,))
    evaluating = estimate_memory(analysis, batch_size=EVAL_BATCH, training=False).total
    assert estimate_memory(analysis, batch_size=EVAL_BATCH).total > evaluating
    assert load_model(path, memory_limit=evaluating).input_shape == (2,)
    with pytest.raises(ModelFileError, match="the model in wide.pt needs"):
        load_model(path, memory_limit=evaluating - 1)


def test_a_copy_damaged_inside_a_part_names_the_part(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    _, good = trained
    with zipfile.ZipFile(good) as archive:
        part = max(archive.infolist(), key=lambda info: info.file_size)
    raw = bytearray(good.read_bytes())
    header = part.header_offset
    name_length, extra_length = (
        int.from_bytes(raw[header + 26 : header + 28], "little"),
        int.from_bytes(raw[header + 28 : header + 30], "little"),
    )
    raw[header + 30 + name_length + extra_length + part.file_size // 2] ^= 0x5A
    broken = tmp_path / "flip.pt"
    broken.write_bytes(bytes(raw))
    assert _refusal(broken) == (
        f"{broken} is damaged: its part {part.filename!r} does not match its checksum; use another copy"
    )


def test_an_archive_that_is_not_pytorchs(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    said = _refusal(path)
    assert said.startswith(f"{path} is not a model file Workbench can read (damaged or another format): RuntimeError: ")


def test_bytes_that_do_not_unpickle(
    tmp_path: Path, trained: tuple[Trainer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    def garbage(*args: object, **kwargs: object) -> None:
        raise pickle.UnpicklingError("invalid load key, 'x'.")

    monkeypatch.setattr(torch, "load", garbage)
    _, good = trained
    assert _refusal(good) == f"{good} is not a model file Workbench can read (damaged or another format)"


def test_a_regression_model_says_so(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i / 2}" for i in range(20))
    (tmp_path / "t.csv").write_text("x,y\n" + rows + "\n")
    dataset = {"kind": "csv", "path": str(tmp_path / "t.csv"), "target": "y", "task": "regression"}
    layers = [{"type": "Linear", "out_features": 1}]
    spec = tiny(layers=layers, dataset=dataset)
    path = save_model(tmp_path / "r.pt", build_model(spec), spec, input_shape=(1,))
    assert load_model(path).task is Task.REGRESSION


def test_a_file_whose_parts_disagree_or_would_answer_nan_is_refused(
    tmp_path: Path, trained: tuple[Trainer, Path]
) -> None:
    _, good = trained
    assert load_model(good).task is Task.CLASSIFICATION  # the file as written loads
    for n, norm in enumerate(
        (
            {"mean": [0.0], "std": [0.0]},
            {"mean": [0.0], "std": [1.0], "scale": float("nan")},
            {"mean": [float("nan")], "std": [1.0]},
        )
    ):
        bad = _content(good) | {"normalization": norm}
        assert "normalization" in _refusal(_rewrite(tmp_path / f"norm{n}.pt", bad))
    wrong_task = _content(good) | {"task": "regression"}
    assert "task is regression" in _refusal(_rewrite(tmp_path / "task.pt", wrong_task))
    one_name = _content(good) | {"class_names": ["only"]}
    assert "names 1 class for a network with 2 outputs" in _refusal(_rewrite(tmp_path / "names.pt", one_name))


def test_a_compressed_file_is_refused_before_it_is_inflated(tmp_path: Path, trained: tuple[Trainer, Path]) -> None:
    """PyTorch stores its parts as they are: the same parts deflated (a few MB may inflate to GBs) are not
    a file it wrote, refused before a part is read."""
    _, good = trained
    packed = tmp_path / "packed.pt"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
    assert _refusal(packed) == f"{packed} is not a model file Workbench wrote: its parts are compressed"


def test_a_network_larger_than_the_file_s_weights_is_never_built(
    tmp_path: Path, trained: tuple[Trainer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kilobytes of weights under an experiment of a 67 MB network (which fits, so no memory check stops
    it): refused with both counts before a layer is built."""
    _, good = trained
    content = _content(good)
    wide = [{"type": "Linear", "out_features": 4096}, {"type": "Linear", "out_features": 4096}]
    content["experiment"] = tiny([*wide, {"type": "Linear", "out_features": 2}]).to_json()
    path = _rewrite(tmp_path / "wide.pt", content)
    built: list[object] = []
    monkeypatch.setattr(mf, "build_network", lambda *args: built.append(args))
    held = sum(v.numel() for v in content["state_dict"].values())
    needed = (2 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 2 + 2)
    assert _refusal(path) == f"{path} is damaged: its network needs {needed:,} weights but the file holds {held:,}"
    assert built == []
