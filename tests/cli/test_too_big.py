"""Networks, model files and data too big for the memory are refused with the estimate, before any
allocation: a run, `load_model`, evaluate, export, continue, inspect and find-lr alike."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import pytest
import torch

from tests.engine.helpers import idx_bytes, tiny
from workbench.cli import main
from workbench.engine import DataError, ModelFileError, Trainer, load_model
from workbench.engine.checkpoint import save_trained
from workbench.engine.data import read_idx
from workbench.engine.memory import check_fits, check_size, memory_limit
from workbench.spec import ExperimentSpec, SpecError
from workbench.spec.memory import LIMIT_ENV, TooBig

# Two 1,000,000-wide layers: a trillion weights, terabytes in all, yet a file of a few hundred bytes.
HUGE = [
    {"type": "Linear", "out_features": 1_000_000},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 1_000_000},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]


def huge() -> ExperimentSpec:
    return tiny(layers=HUGE)


def test_a_run_too_big_is_refused_before_anything_is_allocated() -> None:
    trainer = Trainer(huge())
    tracemalloc.start()
    try:
        with pytest.raises(TooBig) as refused:
            trainer.prepare()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert trainer.model is None and trainer.data is None and peak < 50 * 2**20
    problem = refused.value.problems[0]
    assert problem.path == "network.layers[2] (Linear)" and "make this layer smaller" in problem.message
    assert "TB" in problem.message and "free" in problem.message


def test_a_limit_refuses_what_the_machine_would_allow_and_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    small = tiny()
    need = small.memory().total
    with pytest.raises(TooBig, match="the limit set is"):
        Trainer(small, memory_limit=need - 1).prepare()
    Trainer(small, memory_limit=need).prepare()
    monkeypatch.setenv(LIMIT_ENV, "1K")
    assert memory_limit() == 1024
    with pytest.raises(TooBig):
        Trainer(small).prepare()
    monkeypatch.setenv(LIMIT_ENV, "plenty")
    with pytest.raises(SpecError, match=LIMIT_ENV):
        check_fits(small.memory())


def test_readers_check_a_claimed_size_against_the_memory() -> None:
    assert check_size(1024, "a file") is None
    refusal = check_size(2**60, "images.idx")
    assert refusal is not None and refusal.startswith("images.idx needs 1,024 PB of memory but this computer has")


def _huge_model_file(tmp_path: Path) -> Path:
    """A real model file whose experiment is swapped for a huge network (its weights stay tiny)."""
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    path = save_trained(tmp_path / "small.pt", trainer)
    content = torch.load(path, weights_only=True)
    content["experiment"] = huge().to_json()
    torch.save(content, tmp_path / "huge.pt")
    return tmp_path / "huge.pt"


def test_a_model_file_describing_a_huge_network_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Terabytes of network over a few weights: damaged, said before it is built or sized."""
    path = _huge_model_file(tmp_path)
    said = "huge.pt is damaged: its network needs 1,000,006,000,002 weights but the file holds 82"
    with pytest.raises(ModelFileError, match=said):
        load_model(path)
    for command in (["evaluate", str(path)], ["export", str(path), "--format", "onnx", "--out", str(tmp_path / "x")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err
    assert main(["train", str(path), "--epochs", "1"]) == 2
    assert said in capsys.readouterr().err


def test_the_command_line_refuses_and_inspect_shows_the_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.json"
    huge().save(path)
    assert main(["train", str(path), "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert "this run needs about" in err and "--max-memory" in err and not (tmp_path / "m.pt").exists()
    assert main(["find-lr", str(path)]) == 2
    assert "needs about" in capsys.readouterr().err
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert "memory to train: about" in captured.out and "cannot train as written" in captured.err
    small = tmp_path / "small.json"
    tiny().save(small)
    assert main(["inspect", str(small)]) == 0
    assert main(["inspect", str(small), "--max-memory", "1K"]) == 2
    assert "the limit set is 1 KB" in capsys.readouterr().err


def test_an_idx_header_claiming_more_than_the_memory_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = tmp_path / "images.idx"
    labels = tmp_path / "labels.idx"
    images.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31 - 1, 28, 28))  # 1.5 TB promised
    labels.write_bytes(idx_bytes(torch.zeros(4, dtype=torch.uint8).numpy()))
    experiment = {"kind": "idx", "images": str(images), "labels": str(labels)}
    layers = [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]
    path = tmp_path / "idx.json"
    tiny(layers=layers, dataset=experiment).save(path)
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "use a smaller dataset" in err and "data " in err


def test_the_reader_reads_no_more_than_the_header_promises_and_fits(tmp_path: Path) -> None:
    claim = tmp_path / "claim-idx3-ubyte"
    claim.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31 - 1, 28, 28))
    with pytest.raises(DataError, match="needs 1.5 TB of memory"):
        read_idx(claim, "images")
    # Four 28x28 images, then 200 MB more of zeros that a gzip of 200 KB inflates to: never inflated.
    bomb = tmp_path / "bomb-idx3-ubyte.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(idx_bytes(torch.ones(4, 28, 28, dtype=torch.uint8).numpy()))
        for _ in range(200):
            f.write(bytes(2**20))
    tracemalloc.start()
    try:
        images = read_idx(bomb, "images")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert images.shape == (4, 28, 28) and images.min() == 1 and peak < 5 * 2**20


def test_windows_larger_than_their_file_are_refused_before_they_are_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12,000 rows (70 KB) cut into windows of 10,000 rows are 80 MB: refused at the window's field under a
    50 MB limit, before a window is made; at 1 MB windows they fit."""
    from workbench.engine.data.files import load_csv_series
    from workbench.spec.datasets import CsvSeriesDataset

    (tmp_path / "s.csv").write_text("v\n" + "\n".join(f"{i % 7}.5" for i in range(12_000)) + "\n")
    monkeypatch.setenv(LIMIT_ENV, "50M")
    long = CsvSeriesDataset(path="s.csv", target="v", window=10_000)
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as refused:
            load_csv_series(long, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(refused.value) == (
        "dataset.window: s.csv cut into windows needs 76 MB of memory but the limit set is 50 MB: "
        "use a shorter window or fewer rows"
    )
    assert peak < 10 * 2**20
    data = load_csv_series(CsvSeriesDataset(path="s.csv", target="v", window=20), tmp_path)
    assert data.x.shape == (11_980, 20, 1) and data.x.dtype == torch.float32
    assert data.x[5, :, 0].tolist() == [float(f"{i % 7}.5") for i in range(5, 25)] and data.y[5, 0] == 25 % 7 + 0.5


def test_a_column_named_twice_in_the_inputs_is_refused() -> None:
    document = {"dataset": {"kind": "csv_series", "path": "s.csv", "target": "v", "inputs": ["v"] * 1_000}}
    with pytest.raises(SpecError) as refused:
        ExperimentSpec.from_dict(document)
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("dataset.inputs", "names the column 'v' more than once: name each column once")
    ]


def _cgroup(tmp_path: Path, membership: str, files: dict[str, str]) -> int | None:
    from workbench.engine.memory import cgroup_room

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "self").write_text(membership)
    return cgroup_room(tmp_path / "fs", tmp_path / "self")


def test_a_container_s_memory_cap_is_the_room_not_the_machine_s(tmp_path: Path) -> None:
    """Docker's --memory 4g: the machine's free memory is not the process's. The cap less its use,
    from the cgroup (v2, v1, or a container's own view of v1); no cap: None."""
    gib = 2**30
    v2 = {"fs/app/memory.max": f"{4 * gib}\n", "fs/app/memory.current": f"{gib}\n"}
    assert _cgroup(tmp_path / "v2", "0::/app\n", v2) == 3 * gib
    assert _cgroup(tmp_path / "v2max", "0::/app\n", {"fs/app/memory.max": "max\n"}) is None
    v1 = {"fs/memory/box/memory.limit_in_bytes": f"{2 * gib}", "fs/memory/box/memory.usage_in_bytes": f"{gib // 2}"}
    assert _cgroup(tmp_path / "v1", "4:memory:/box\n1:cpu:/\n", v1) == gib + gib // 2
    inside = {"fs/memory/memory.limit_in_bytes": f"{gib}", "fs/memory/memory.usage_in_bytes": "0"}
    assert _cgroup(tmp_path / "inside", "4:memory:/docker/abc\n", inside) == gib
    none = {"fs/memory/memory.limit_in_bytes": "9223372036854771712"}
    assert _cgroup(tmp_path / "none", "4:memory:/\n", none) is None


def test_the_free_memory_is_the_least_of_what_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.engine import memory

    monkeypatch.delenv(LIMIT_ENV, raising=False)
    monkeypatch.setattr(memory, "cgroup_room", lambda: 12345)
    assert memory.free_memory() == 12345
    assert check_size(20_000, "x") == "x needs 20 KB of memory but this computer has 12 KB free"


def test_an_address_space_limit_is_the_room() -> None:
    """`ulimit -v 8G`: at most what it leaves is free, whatever the machine has."""
    import subprocess
    import sys

    code = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, resource.RLIM_INFINITY))\n"
        "from workbench.engine.memory import free_memory\n"
        "print(free_memory())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert 0 < int(done.stdout) < 8 * 2**30
