"""Wrong files and wrong settings get a sentence and exit 2, never a traceback."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
import torch

from tests.engine.helpers import tiny
from workbench.cli import main
from workbench.engine import ModelFileError, Trainer, load_model
from workbench.engine.checkpoint import save_trained


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    return save_trained(tmp_path_factory.mktemp("model") / "m.pt", trainer)


@pytest.mark.parametrize("name, content", [("text.pt", b"hello, not a model\n" * 20), ("iris.csv", b"a,b,c\n1,2,3\n")])
def test_files_that_are_not_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is not a model file Workbench can read" in err and "Traceback" not in err


def _member_offsets(path: Path) -> list[int]:
    """Where each stored member's bytes begin in the archive (after its local header)."""
    offsets = []
    with zipfile.ZipFile(path) as archive:
        raw = path.read_bytes()
        for info in archive.infolist():
            start = info.header_offset
            name_length, extra_length = struct.unpack("<HH", raw[start + 26 : start + 30])
            if info.file_size:
                offsets.append(start + 30 + name_length + extra_length + info.file_size // 2)
    return offsets


def test_a_damaged_copy_is_refused(model_file: Path, tmp_path: Path) -> None:
    """A flipped byte in any stored part (a tensor, the experiment, the pickled index) is caught by
    the archive's checksums before anything is read."""
    data = model_file.read_bytes()
    offsets = _member_offsets(model_file)
    assert len(offsets) > 3
    for offset in offsets:
        copy = bytearray(data)
        copy[offset] ^= 0x5A
        broken = tmp_path / f"flipped{offset}.pt"
        broken.write_bytes(bytes(copy))
        with pytest.raises(ModelFileError):
            load_model(broken)


def test_weights_that_are_not_numbers_are_refused(model_file: Path, tmp_path: Path) -> None:
    content = torch.load(model_file, weights_only=True)
    content["state_dict"] = {k: torch.full_like(v, float("nan")) for k, v in content["state_dict"].items()}
    torch.save(content, tmp_path / "nan.pt")
    with pytest.raises(ModelFileError, match="not finite numbers"):
        load_model(tmp_path / "nan.pt")


def test_export_into_a_missing_folder_is_bad_input(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "m.torchscript"
    assert main(["export", str(model_file), "--format", "torchscript", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err and not out.parent.exists()


def test_an_input_size_given_by_a_pytorch_user_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tiny().model_dump(mode="json")
    doc["network"]["layers"][0]["in_features"] = 2
    path = tmp_path / "exp.json"
    path.write_text(json.dumps(doc))
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "network.layers[0].in_features: is worked out from the layer before" in err
    assert "check the spelling" not in err
