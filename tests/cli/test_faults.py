"""Faults around a run (full disks, unwritable names, failures inside the network, hostile names)
end in a message and the right exit code, and never lose a trained run that could be written."""

from __future__ import annotations

import errno
import os
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.engine.helpers import tiny
from workbench.atomic import STALE_SECONDS, atomic_write, cannot_write
from workbench.cli import main
from workbench.engine import DataError, ModelFileError, Trainer, load_model
from workbench.engine.checkpoint import save_trained
from workbench.engine.data.files import read_picture
from workbench.spec import ExperimentSpec


def write(tmp_path: Path, **training: Any) -> Path:
    path = tmp_path / "exp.json"
    tiny(**training).save(path)
    return path


def test_an_out_path_that_cannot_be_written_is_said_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write(tmp_path, epochs=2)
    for out, expected in (
        (tmp_path, "is a folder: give a file name"),
        (tmp_path / ("m" * 250 + ".pt"), "is too long for this system"),
        (tmp_path / "missing" / "m.pt", "does not exist"),
    ):
        assert main(["train", str(exp), "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert "--out: " in captured.err and expected in captured.err
        assert "Epoch 1/2" not in captured.out  # refused before training, not after
    assert cannot_write(tmp_path / "fine.pt") is None


def test_a_full_disk_for_the_metrics_warns_and_the_model_is_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full, a device that is always full")
    out = tmp_path / "m.pt"
    assert main(["train", str(write(tmp_path, epochs=2)), "--out", str(out), "--metrics-out", "/dev/full"]) == 0
    captured = capsys.readouterr()
    assert "warning: --metrics-out stopped: No space left on device" in captured.err
    assert "Saved the best model" in captured.out and load_model(out).experiment.training.epochs == 2


def _disk_full(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos 64 vs 0\nPytorchStreamWriter failed")


def test_a_full_disk_while_saving_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch, "save", _disk_full)
    out = tmp_path / "m.pt"
    assert main(["train", str(write(tmp_path, epochs=2)), "--out", str(out), "--save-every", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("warning: cannot write") == 2  # each --save-every save, and the run goes on
    assert "cannot write" in err.splitlines()[-1] and "is the disk full?" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.glob(".m.pt.*")) == []  # no temporary file left


def test_an_export_onto_a_full_disk_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    model = save_trained(tmp_path / "m.pt", trainer)

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    out = tmp_path / "m.torchscript"
    assert main(["export", str(model), "--format", "torchscript", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "export to torchscript failed: cannot write" in err and "No space left on device" in err
    assert not out.exists()


def test_leftovers_of_killed_saves_are_removed_by_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "run.pt"
    dead = tmp_path / ".run.pt.4194303-0badc0de.tmp"  # no process has this id (above Linux's pid_max)
    living = tmp_path / f".run.pt.{os.getppid()}-00c0ffee.tmp"  # a save in progress elsewhere
    stale = tmp_path / f".run.pt.{os.getppid()}-0000beef.tmp"
    other = tmp_path / ".notes.txt.4194303-0badc0de.tmp"  # another file's: not ours to remove
    for path in (dead, living, stale, other):
        path.write_bytes(b"half a model")
    old = time.time() - STALE_SECONDS - 60
    os.utime(stale, (old, old))
    atomic_write(target, lambda tmp: tmp.write_bytes(b"model"))
    assert target.read_bytes() == b"model"
    assert not dead.exists() and not stale.exists() and living.exists() and other.exists()


def test_a_failed_run_prints_a_sentence_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Trainer, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x2 and 3x16)")

    monkeypatch.setattr(Trainer, "_train_step", broken)
    exp = write(tmp_path, epochs=2)
    assert main(["train", str(exp)]) == 1
    captured = capsys.readouterr()
    assert "The run failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied" in captured.out
    assert "Traceback" not in captured.err and "WORKBENCH_TRACEBACK=1" in captured.err
    monkeypatch.setenv("WORKBENCH_TRACEBACK", "1")
    assert main(["train", str(exp)]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_find_lr_reports_a_failure_inside_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes")

    monkeypatch.setattr("workbench.engine.lr_finder.find_lr", broken)  # where the session calls it
    assert main(["find-lr", str(write(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "the range test failed: the device ran out of memory" in err.lower() and "Traceback" not in err


def test_names_cannot_send_escape_sequences_to_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = tmp_path / "exp.json"
    tiny(epochs=1).model_copy(update={"name": "evil\x1b]0;pwned\x07\x1b[2J"}).save(exp)
    assert main(["train", str(exp)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil\\x1b]0;pwned\\x07" in out


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims `width` x `height` pixels (its pixel data never follows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return head + struct.pack(">I", 2**20) + b"IDAT"  # where the pixels would begin


def test_pictures_too_large_or_broken_are_data_errors(tmp_path: Path) -> None:
    large = tmp_path / "large.png"
    large.write_bytes(_png_header(8_000, 8_000))
    with pytest.raises(DataError, match="is 8000x8000 pixels: use one of at least 1x1 and at most 50 million"):
        read_picture(large, 28, 28, "L")
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_header(20_000, 20_000))
    with pytest.raises(DataError, match="has more than 50 million pixels: use a smaller one"):
        read_picture(huge, 28, 28, "L")
    broken = tmp_path / "broken.png"
    broken.write_bytes(_png_header(4, 4) + b"not a compressed stream")
    with pytest.raises(DataError, match="cannot read the picture"):
        read_picture(broken, 4, 4, "L")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("class_names", 7, "class_names should be a list of names, not this int"),
        ("history", [1, 2], "history should be a table of the run's epochs, not this list"),
        ("input_shape", ["a"], "input_shape should be a list of positive sizes"),
        ("normalization", {"mean": "x"}, "normalization should be mean, std and scale numbers"),
        ("task", "poetry", "task should be classification, regression or reconstruction"),
    ],
)
def test_model_files_with_parts_of_the_wrong_type_are_refused(
    tmp_path: Path, field: str, value: object, expected: str
) -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    content = torch.load(save_trained(tmp_path / "m.pt", trainer), weights_only=True)
    content[field] = value
    torch.save(content, tmp_path / "bad.pt")
    with pytest.raises(ModelFileError, match="is damaged: its " + expected.replace("(", r"\(")):
        load_model(tmp_path / "bad.pt")


def test_outs_no_system_can_write_are_said_and_a_device_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write(tmp_path, epochs=2)
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes (os.mkfifo)")
    pipe = tmp_path / "pipe"  # not a regular file, as a device is (a device here could be replaced as root)
    os.mkfifo(pipe)
    for out in (tmp_path / ("a" * 6000) / "m.pt", pipe):
        for command in (["train", str(exp)], ["export", str(exp), "--format", "script"]):
            assert main([*command, "--out", str(out)]) == 2
            captured = capsys.readouterr()
            assert "--out: " in captured.err and "Traceback" not in captured.err
            assert len(captured.err) < 400 and "Epoch 1/2" not in captured.out
    assert pipe.is_fifo()
    long_name = tmp_path / ("b" * 300 + ".py")
    assert main(["export", str(exp), "--format", "script", "--out", str(long_name)]) == 2
    assert "too long" in capsys.readouterr().err


def test_an_autoencoders_export_is_written_as_a_set_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    autoencoder = {
        "kind": "autoencoder",
        "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 4}, {"type": "ReLU"}],
        "autoencoder": {"latent_size": 2, "beta": 1.0},
        "decoder": [{"type": "Linear", "out_features": 2}],
    }
    experiment = ExperimentSpec.from_dict(
        {"dataset": {"kind": "moons", "n_samples": 60}, "network": autoencoder, "training": {"epochs": 1}}
    )
    trainer = Trainer(experiment)
    trainer.fit()
    model = save_trained(tmp_path / "vae.pt", trainer)
    out = tmp_path / "vae.torchscript"
    assert main(["export", str(model), "--format", "torchscript", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.glob("vae*.torchscript")}
    assert len(before) == 3
    writes = {"count": 0}
    real = Path.write_bytes

    def full_on_the_third(self: Path, data: bytes) -> int:  # the decoder's file finds the disk full
        writes["count"] += 1
        if writes["count"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    other = Trainer(experiment.model_copy(update={"training": experiment.training.model_copy(update={"seed": 1})}))
    other.fit()
    model = save_trained(tmp_path / "vae2.pt", other)  # other weights: files that would differ from those there
    monkeypatch.setattr(Path, "write_bytes", full_on_the_third)
    assert main(["export", str(model), "--format", "torchscript", "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.glob("vae*.torchscript")} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left
