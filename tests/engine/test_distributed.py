"""One run on two CPU processes (gloo, DDP): the same training as one process on twice the batch,
global metrics, stops agreed by both, runs that continue on one process or on two."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.multiprocessing as mp
from torch.utils.data import DistributedSampler

from tests.engine.helpers import tiny
from workbench.engine import Callback, StopReason, Trainer
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.distributed import Ranks, leave_group
from workbench.engine.prepare import shard_of
from workbench.engine.stream import run_started
from workbench.spec import ExperimentSpec

NO_STOP = {"enabled": False}
# 60 training samples: 6 steps of 2 x 5 samples, or 6 steps of 10 on one process.
SETTINGS: dict[str, Any] = {
    "epochs": 3,
    "batch_size": 5,
    "early_stopping": NO_STOP,
    "optimizer": {"name": "SGD", "lr": 0.2},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _StopHere(Callback):
    """Asks for a stop (as Ctrl-C would) after batch `batch` of epoch `epoch`, in one process only."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.current = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if (self.current, batch) == (self.epoch, self.batch) and self.trainer is not None:
            self.trainer.request_stop()


class _FailHere(Callback):
    """Fails in one process only, in its third step (as a GPU out of memory would)."""

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if batch == 2:
            raise RuntimeError("a failure of this process alone")


def _worker(rank: int, port: int, spec_json: str, folder: str, job: dict[str, Any]) -> None:
    """One of two processes: trains (or continues `job["resume"]`), writes what it saw to a file."""
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE="2",
        LOCAL_RANK=str(rank),
        WORKBENCH_DDP_TIMEOUT="60",
    )
    torch.set_num_threads(1)
    ranks = Ranks.from_environment()
    stop = job.get("stop")
    callbacks: list[Callback] = [_StopHere(*stop)] if stop is not None and rank == job.get("stop_rank", 1) else []
    if job.get("fail") and rank == 1:
        callbacks.append(_FailHere())
    meetings = [0]
    if job.get("resume"):
        trainer = resume_run(job["resume"], callbacks, ranks=ranks, progress_rate=job.get("progress_rate", 0.0))
        history = trainer.continue_training(job["epochs"])
    else:
        rate = job.get("progress_rate", 0.0)  # 0: the processes meet after every step
        trainer = Trainer(ExperimentSpec.from_json(spec_json), callbacks, ranks=ranks, progress_rate=rate)
        meet = trainer.strategy.sync_steps

        def counted(*args: Any) -> Any:
            meetings[0] += 1
            return meet(*args)

        trainer.strategy.sync_steps = counted  # type: ignore[method-assign]
        history = trainer.fit()
    if rank == 0:
        save_trained(Path(folder) / "run.pt", trainer)
    seen = {
        "history": history.history,
        "batch_losses": history.batch_losses,
        "stop_reason": str(history.stop_reason),
        "test_loss": history.test.loss if history.test is not None else None,
        "test_samples": history.test.samples if history.test is not None else None,
        "confusion": history.test.confusion.tolist() if history.test and history.test.confusion is not None else None,
        "steps": trainer.steps,
        "meetings": meetings[0],
    }
    seen["message"] = history.message
    (Path(folder) / f"rank{rank}.json").write_text(json.dumps(seen))
    if not leave_group(together=history.stop_reason is not StopReason.FAILED):
        os._exit(0)  # failed alone: end at once, as `workbench train` does


def _two_processes(spec: ExperimentSpec, folder: Path, **job: Any) -> list[dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    mp.start_processes(
        _worker, args=(_free_port(), spec.to_json(), str(folder), job), nprocs=2, start_method="spawn", join=True
    )
    return [json.loads((folder / f"rank{r}.json").read_text()) for r in (0, 1)]


@pytest.fixture(scope="module")
def uncut(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    """A whole 3-epoch run on two processes, batch 5 each."""
    folder = tmp_path_factory.mktemp("uncut")
    return _two_processes(tiny(**SETTINGS), folder), folder


def test_shards_are_distributed_samplers() -> None:
    """Each process's share of an order is what PyTorch's DistributedSampler would deal it."""
    for n, processes in ((10, 2), (11, 2), (7, 3), (2, 4)):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(n))
        for rank in range(processes):
            sampler = DistributedSampler(range(n), num_replicas=processes, rank=rank, shuffle=False)
            assert shard_of(order, (rank, processes)).tolist() == [order[i].item() for i in sampler]


def test_two_processes_train_as_one_does_with_twice_the_batch(uncut: tuple[list[dict[str, Any]], Path]) -> None:
    """The same global batch order (the shards of one step are one batch of 10): the same losses,
    validation and test, within float tolerance (DDP averages two means where one process takes
    one mean of ten, so the last bits differ)."""
    (first, second), _folder = uncut
    one = Trainer(tiny(**{**SETTINGS, "batch_size": 10})).fit()
    assert first["history"] == second["history"]  # both processes log the same global numbers
    assert first["history"].keys() == one.history.keys()
    for key, values in one.history.items():
        assert first["history"][key] == pytest.approx(values, rel=1e-6, abs=1e-8), key
    assert first["batch_losses"] == pytest.approx(one.batch_losses, rel=1e-6)  # each step's loss over both shards
    assert one.test is not None and first["test_loss"] == pytest.approx(one.test.loss, rel=1e-6)
    assert first["test_samples"] == one.test.samples == 30  # the whole test split, not one share
    assert one.test.confusion is not None and first["confusion"] == one.test.confusion.tolist()
    assert first["steps"] == second["steps"] == 18


def test_the_processes_meet_every_few_steps_not_every_step(tmp_path: Path) -> None:
    """At a window's rate of progress events, the processes meet as often as the events come and
    at every epoch's end, not after every step; they log what one process with twice the batch logs."""
    first, second = _two_processes(tiny(**SETTINGS), tmp_path, progress_rate=5.0)
    one = Trainer(tiny(**{**SETTINGS, "batch_size": 10})).fit()
    assert first["steps"] == second["steps"] == 18
    assert first["meetings"] == second["meetings"]
    assert 3 <= first["meetings"] <= 6  # the first step of the run, then each epoch's end (and a slow step's)
    assert first["batch_losses"] == second["batch_losses"]
    assert first["batch_losses"] == pytest.approx(one.batch_losses, rel=1e-6)
    for key, values in one.history.items():
        assert first["history"][key] == pytest.approx(values, rel=1e-6, abs=1e-8), key


def test_a_stop_asked_of_one_process_stops_both_at_the_same_step(
    uncut: tuple[list[dict[str, Any]], Path], tmp_path: Path
) -> None:
    """Ctrl-C reaches one process: both stop after that step; the run continued on two processes
    from its file (inside the epoch) ends as the uncut run did, to the bit."""
    spec = tiny(**SETTINGS)
    stopped = _two_processes(spec, tmp_path / "stopped", stop=(1, 2))
    for seen in stopped:
        assert seen["stop_reason"] == "user_stopped"
        # Asked after step 3 of epoch 2, agreed as that step's meeting (here every step) ends it.
        assert seen["steps"] == 6 + 3
    assert stopped[0]["history"] == stopped[1]["history"] and len(stopped[0]["history"]["loss"]) == 1
    continued = _two_processes(spec, tmp_path / "continued", resume=str(tmp_path / "stopped" / "run.pt"), epochs=2)
    (whole, _), _folder = uncut
    assert continued[0]["history"] == whole["history"]
    assert continued[0]["batch_losses"] == whole["batch_losses"]


def test_a_run_of_two_processes_continues_on_one(uncut: tuple[list[dict[str, Any]], Path], tmp_path: Path) -> None:
    """The file of a run on two processes is an ordinary run's: one process takes it up."""
    _results, folder = uncut
    trainer = resume_run(folder / "run.pt")
    assert trainer.strategy.world == 1 and len(trainer.history.epoch) == 3
    history = trainer.continue_training(1)
    assert history.epoch == [0, 1, 2, 3] and history.stop_reason is StopReason.COMPLETED
    assert len(history.batch_losses) == 18 + 12  # one process, batch 5: twelve steps an epoch
    reopened = resume_run(folder / "run.pt")
    assert reopened.history.processes == 2  # so the window spreads its saved steps over its epochs
    assert run_started(reopened).batches_per_epoch == 6


def test_a_run_stopped_inside_an_epoch_on_two_processes_finishes_it_on_one(tmp_path: Path) -> None:
    """Stopped after 3 steps of 2 x 5 samples: one process trains the rest of that epoch's order."""
    _two_processes(tiny(**SETTINGS), tmp_path, stop=(0, 2), stop_rank=0)
    trainer = resume_run(tmp_path / "run.pt")
    assert len(trainer.history.batch_losses) == 3  # stopped after 3 steps of 2 x 5 samples
    history = trainer.continue_training(1)
    assert len(history.epoch) == 1
    assert len(history.batch_losses) == 3 + 6  # one process, batch 5: the epoch's other 30 samples


def test_divergence_is_agreed_by_both_processes(tmp_path: Path) -> None:
    spec = tiny(**{**SETTINGS, "epochs": 50, "optimizer": {"name": "SGD", "lr": 10.0, "momentum": 0.9}})
    first, second = _two_processes(spec, tmp_path)
    assert first["stop_reason"] == second["stop_reason"] == "diverged"
    assert first["steps"] == second["steps"]


def test_early_stopping_is_decided_once_for_both_processes(tmp_path: Path) -> None:
    """Both stop at the epoch one process with twice the batch stops at, on the same best epoch."""
    settings = {
        **SETTINGS,
        "epochs": 60,
        "optimizer": {"name": "Adam", "lr": 0.05},
        "early_stopping": {"enabled": True, "patience": 2, "restore_best_weights": True},
    }
    data = {"kind": "moons", "n_samples": 120, "noise": 0.5, "val_fraction": 0.25, "test_fraction": 0.25}
    first, second = _two_processes(tiny(dataset=data, **settings), tmp_path)
    one = Trainer(tiny(dataset=data, **{**settings, "batch_size": 10})).fit()
    assert first["stop_reason"] == second["stop_reason"] == "early_stopped" == str(one.stop_reason)
    assert len(first["history"]["loss"]) == len(second["history"]["loss"]) == len(one.epoch)


def test_a_failure_in_one_process_ends_both_at_once(tmp_path: Path) -> None:
    """The one that failed says why; the other, waiting for it in a step, says a process was lost;
    neither waits out the timeout (60 s here)."""
    import time

    began = time.perf_counter()
    first, second = _two_processes(tiny(**{**SETTINGS, "epochs": 50}), tmp_path, fail=True)
    assert time.perf_counter() - began < 40
    assert first["stop_reason"] == second["stop_reason"] == "failed"
    assert "a failure of this process alone" in second["message"]
    assert "another of its 2 processes ended or stopped responding" in first["message"]


def test_a_vae_trains_on_two_processes_each_with_its_own_noise(tmp_path: Path) -> None:
    """DDP sees a VAE's whole step (its objective calls the encoder and the decoder, not forward):
    both processes end with the same weights; rank 0 draws one process's noise, rank 1 its own."""
    from tests.engine.test_autoencoder import vae
    from workbench.engine.autoencoder import Reconstruction

    spec = vae(epochs=2)
    first, second = _two_processes(spec, tmp_path)
    assert first["stop_reason"] == second["stop_reason"] == "completed"
    assert first["history"] == second["history"] and first["history"]["kl"][-1] > 0
    assert spec.network.autoencoder is not None
    one, other = (Reconstruction(spec.network.autoencoder, 0, rank) for rank in (0, 1))
    shape = torch.Size((4, 2))
    assert torch.equal(
        one.noise(shape, 3, torch.device("cpu")),
        Reconstruction(spec.network.autoencoder).noise(shape, 3, torch.device("cpu")),
    )
    assert not torch.equal(one.noise(shape, 3, torch.device("cpu")), other.noise(shape, 3, torch.device("cpu")))
