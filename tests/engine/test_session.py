"""The run session through both back ends: plain-data commands in, events and replies out; the
process back end survives a training process that is killed or crashes."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tests.engine.helpers import crash_in_the_second_epoch, tiny
from workbench.engine import StopReason, Trainer
from workbench.engine.backends import Backend, ProcessBackend, ThreadBackend, backend_name
from workbench.engine.events import BoundarySnapshot, EpochView, HistogramSnapshot, Progress, TestResult
from workbench.engine.session import (
    Evaluate,
    Export,
    Extend,
    Message,
    OpenSaved,
    Pause,
    Refused,
    Reply,
    Resume,
    RunOptions,
    RunState,
    SaveFailed,
    ShowEpoch,
    Start,
    Stop,
    WorkerLost,
)
from workbench.engine.stream import EpochEnded, RunEnded, RunFailed, RunStarted

WAIT = 60.0
NO_STOP = {"enabled": False}


class Client:
    """Collects a back end's messages; waits for the one a test expects."""

    def __init__(self, make: Callable[[Callable[[Message], None]], Backend]) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()
        self.backend = make(self.sink)
        self.tickets = 0

    def sink(self, message: Message) -> None:
        pickle.dumps(message)  # plain data only: anything live would fail here
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()

    def send(self, command: Any) -> int:
        self.tickets += 1
        self.backend.send(self.tickets, command)
        return self.tickets

    def wait(self, found: Callable[[Message], bool], timeout: float = WAIT) -> Message:
        with self.arrived:
            ok = self.arrived.wait_for(lambda: any(found(m) for m in self.messages), timeout)
            assert ok, f"waited {timeout} s; got {[type(m).__name__ for m in self.messages][-8:]}"
            return next(m for m in self.messages if found(m))

    def answer(self, command: Any) -> Any:
        ticket = self.send(command)
        return self.wait(lambda m: isinstance(m, Reply | Refused | RunState) and m.ticket == ticket)

    def of(self, kind: type) -> list[Any]:
        with self.arrived:
            return [m for m in self.messages if isinstance(m, kind)]


@pytest.fixture(params=["thread", "process"])
def client(request: pytest.FixtureRequest) -> Iterator[Client]:
    made = Client(ThreadBackend if request.param == "thread" else ProcessBackend)
    yield made
    assert made.backend.close(10)


def test_a_run_and_its_replies_are_plain_data_and_equal_a_trainer_s(client: Client, tmp_path: Path) -> None:
    """Bit for bit the numbers a Trainer in this process gets; then export and test any epoch."""
    experiment = tiny(epochs=3, early_stopping=NO_STOP)
    state = client.answer(Start(experiment))
    assert isinstance(state, RunState) and state.has_model and state.can_continue
    assert state.snapshot_epochs == (0, 1, 2) and state.experiment == experiment
    direct = Trainer(tiny(epochs=3, early_stopping=NO_STOP)).fit()
    epochs = client.of(EpochEnded)
    assert [e.logs for e in epochs] == [{k: v[i] for k, v in direct.history.items()} for i in range(3)]
    ended = client.of(RunEnded)[-1]
    assert ended.reason is StopReason.COMPLETED and ended.test is not None
    assert ended.test.loss == direct.test.loss  # type: ignore[union-attr]
    exported = client.answer(Export(str(tmp_path / "m.pt"), epoch=1))
    assert isinstance(exported, Reply) and Path(exported.result.path).stat().st_size > 0
    # Not the weights the run ended with: the file's own test is of epoch 2's, and the reply says it.
    assert exported.result.test is not None
    assert exported.result.test.loss == client.answer(Evaluate(epoch=1)).result.loss
    first = client.answer(Evaluate(epoch=0)).result
    end = client.answer(Evaluate()).result
    assert isinstance(first, TestResult) and isinstance(end, TestResult) and first.loss != end.loss
    assert end.loss == ended.test.loss


def test_every_view_of_an_epoch_comes_from_that_epochs_weights(client: Client) -> None:
    """The epoch timeline's reply: epoch 1's test, boundary and histograms differ from epoch 3's, and
    its test is what Evaluate says of the same weights."""
    client.answer(Start(tiny(epochs=3, early_stopping=NO_STOP)))
    first, last = (client.answer(ShowEpoch(epoch)).result for epoch in (0, 2))
    assert isinstance(first, EpochView) and isinstance(last, EpochView)
    assert first.test is not None and first.test.loss == client.answer(Evaluate(epoch=0)).result.loss
    assert last.test is not None and last.test.loss != first.test.loss
    assert isinstance(first.picture, BoundarySnapshot) and first.picture.epoch == 1 and not first.picture.restored
    assert isinstance(last.picture, BoundarySnapshot) and last.picture.epoch == 3
    assert (first.picture.classes != last.picture.classes).any() or (
        first.picture.confidence != last.picture.confidence
    ).any()
    assert first.histograms.epoch == 0 and len(first.histograms.layers) == 2
    pairs = zip(first.histograms.layers, last.histograms.layers, strict=True)
    assert any((a.weight_edges != b.weight_edges).any() for a, b in pairs)
    missing = client.answer(ShowEpoch(9))
    assert isinstance(missing, Refused) and missing.message == "the weights of epoch 10 are not kept"


def test_an_epoch_the_budget_dropped_shows_the_nearest_kept_one() -> None:
    """The timeline snaps: a dropped epoch's views are those of the nearest kept epoch (the earlier
    of two), and say which; beyond the kept epochs the answer is a refusal."""
    client = Client(ThreadBackend)
    try:
        client.answer(Start(tiny(epochs=5, early_stopping=NO_STOP)))
        session = client.backend.session  # type: ignore[attr-defined]
        for dropped in (1, 2):
            del session.snapshots.weights[dropped]
        assert client.answer(ShowEpoch(1)).result.epoch == 0
        assert client.answer(ShowEpoch(2)).result.epoch == 3
        assert isinstance(client.answer(ShowEpoch(7)), Refused)
    finally:
        assert client.backend.close(10)


def test_a_reopened_run_offers_the_epochs_its_file_kept(tmp_path: Path) -> None:
    """The timeline works the same on a run taken up from its file: the same epochs, the same views."""
    import torch

    path = tmp_path / "m.pt"
    client = Client(ThreadBackend)
    try:
        client.answer(Start(tiny(epochs=4, early_stopping=NO_STOP)))
        before = client.answer(ShowEpoch(1)).result
        client.answer(Export(str(path)))
    finally:
        assert client.backend.close(10)
    again = Client(ThreadBackend)
    try:
        state = again.answer(OpenSaved(str(path)))
        assert isinstance(state, RunState) and state.snapshot_epochs == (0, 1, 2, 3)
        after = again.answer(ShowEpoch(1)).result
        assert after.test.loss == before.test.loss and (after.picture.classes == before.picture.classes).all()
    finally:
        assert again.backend.close(10)
    for changed, named in (([1], "epoch 2"), ([0, 1, 2, 3], "epoch 1")):  # one epoch, or all, of another network
        content = torch.load(path, weights_only=True)
        kept = content["training_state"]["callbacks"]["EpochSnapshots"]["weights"]
        for epoch in changed:
            kept[epoch] = {name: torch.zeros(3, *w.shape) for name, w in kept[epoch].items()}
        torch.save(content, tmp_path / "other.pt")
        damaged = Client(ThreadBackend)
        try:
            state = damaged.answer(OpenSaved(str(tmp_path / "other.pt")))
            assert isinstance(state, RunState) and not state.has_model  # nothing taken up
            said = damaged.of(RunFailed)[-1].message
            assert "damaged training state" in said and named in said
        finally:
            assert damaged.backend.close(10)


def test_continuing_through_the_session_equals_an_uninterrupted_run(client: Client) -> None:
    client.answer(Start(tiny(epochs=2, early_stopping=NO_STOP)))
    state = client.answer(Extend(2))
    assert isinstance(state, RunState) and state.snapshot_epochs == (0, 1, 2, 3)
    straight = Trainer(tiny(epochs=4, early_stopping=NO_STOP)).fit()
    assert [e.logs["val_loss"] for e in client.of(EpochEnded)] == straight.history["val_loss"]


def test_pause_resume_and_a_stop_within_a_batch(client: Client) -> None:
    client.send(Start(tiny(epochs=100_000, early_stopping=NO_STOP)))
    client.wait(lambda m: isinstance(m, EpochEnded))
    client.send(Pause())
    count = len(client.of(Progress))
    threading.Event().wait(0.5)
    paused = len(client.of(Progress))
    threading.Event().wait(0.5)
    assert len(client.of(Progress)) == paused <= count + 2  # nothing moves while paused
    client.send(Resume())
    client.wait(lambda m: isinstance(m, Progress) and len(client.of(Progress)) > paused + 1)
    client.send(Stop())
    ended = client.wait(lambda m: isinstance(m, RunEnded), timeout=10)
    assert isinstance(ended, RunEnded) and ended.reason is StopReason.USER_STOPPED


def test_a_stop_sent_with_the_start_is_kept(client: Client) -> None:
    """Stop right after Start, before the run's trainer exists: the run stops, not trains on."""
    ticket = client.send(Start(tiny(epochs=100_000, early_stopping=NO_STOP)))
    client.send(Stop())
    state = client.wait(lambda m: isinstance(m, RunState) and m.ticket == ticket)
    ended = client.of(RunEnded)[-1]
    assert ended.reason is StopReason.USER_STOPPED and ended.epochs_done <= 1
    assert isinstance(state, RunState)


def test_a_pause_sent_with_the_start_is_kept(client: Client) -> None:
    """Pause right after Start (as while the training process warms up): the run holds before its
    first batch instead of training on, and Resume lets it go."""
    client.send(Start(tiny(epochs=100_000, early_stopping=NO_STOP)))
    client.send(Pause())
    client.wait(lambda m: isinstance(m, RunStarted))
    threading.Event().wait(0.5)
    assert client.of(Progress) == [] and client.of(EpochEnded) == []  # held before its first batch
    client.send(Resume())
    client.wait(lambda m: isinstance(m, Progress))
    client.send(Stop())
    ended = client.wait(lambda m: isinstance(m, RunEnded), timeout=10)
    assert isinstance(ended, RunEnded) and ended.reason is StopReason.USER_STOPPED


def test_what_cannot_be_done_is_refused_in_words(client: Client) -> None:
    refused = client.answer(Export("/tmp/never.pt"))
    assert isinstance(refused, Refused) and refused.message == "train the network first"
    client.answer(Start(tiny(epochs=1, early_stopping=NO_STOP)))
    missing = client.answer(Evaluate(epoch=7))
    assert isinstance(missing, Refused) and missing.message == "the weights of epoch 8 are not kept"


def test_the_back_end_is_chosen_by_name_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_BACKEND", raising=False)
    assert backend_name("thread") == "thread" and backend_name() in ("thread", "process")
    monkeypatch.setenv("WORKBENCH_BACKEND", "thread")
    assert backend_name() == "thread"
    monkeypatch.setenv("WORKBENCH_BACKEND", "fork")
    with pytest.raises(ValueError, match="WORKBENCH_BACKEND='fork': choose one of thread, process"):
        backend_name()


# --- the training process dies --------------------------------------------------------------------


def _survives(client: Client, said: str) -> None:
    lost = client.wait(lambda m: isinstance(m, WorkerLost))
    assert isinstance(lost, WorkerLost) and said in lost.message and "Train starts a new run" in lost.message
    backend = client.backend
    assert isinstance(backend, ProcessBackend)
    backend.initializer = None
    state = client.answer(Start(tiny(epochs=1, early_stopping=NO_STOP)))  # a new process trains again
    assert isinstance(state, RunState) and state.has_model
    assert backend.close(10)


def test_a_killed_training_process_is_reported_and_replaced() -> None:
    client = Client(ProcessBackend)
    client.send(Start(tiny(epochs=100_000, early_stopping=NO_STOP)))
    client.wait(lambda m: isinstance(m, EpochEnded))
    pid = client.backend.pid  # type: ignore[attr-defined]
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    _survives(client, "it was killed (SIGKILL")


def test_a_segmentation_fault_in_training_is_reported_and_replaced() -> None:
    client = Client(lambda sink: ProcessBackend(sink, initializer=crash_in_the_second_epoch))
    client.send(Start(tiny(epochs=5, early_stopping=NO_STOP)))
    _survives(client, "it crashed inside PyTorch (a segmentation fault)")
    # The first epoch's numbers arrived before the crash; then the new process's one epoch.
    assert [e.epoch for e in client.of(EpochEnded)] == [0, 0]


def test_messages_hold_no_tensors(client: Client) -> None:
    client.answer(Start(tiny(epochs=1, early_stopping=NO_STOP)))

    def tensors(value: Any) -> bool:
        if isinstance(value, torch.Tensor):
            return True
        if isinstance(value, dict):
            return any(tensors(v) for v in value.values())
        if isinstance(value, list | tuple):
            return any(tensors(v) for v in value)
        fields = getattr(value, "__dataclass_fields__", None)
        return bool(fields) and any(tensors(getattr(value, f)) for f in fields)

    assert client.messages and not any(tensors(m) for m in client.messages)
    assert all(not isinstance(m, np.ndarray) for m in client.messages)


def test_a_terminal_s_run_sends_no_pictures_keeps_no_epochs_and_says_when_a_save_fails(tmp_path: Path) -> None:
    """A moons run (2-D points: a window gets decision-boundary pictures) with a terminal's options."""
    client = Client(ThreadBackend)
    blocked = tmp_path / "a directory"
    blocked.mkdir()  # a model file cannot be written where a directory is
    options = RunOptions.terminal(save_to=str(blocked), save_every=1)
    state = client.answer(Start(tiny(epochs=2, early_stopping=NO_STOP), options=options))
    assert isinstance(state, RunState) and state.has_model and state.snapshot_epochs == ()
    assert not client.of(HistogramSnapshot) and not client.of(BoundarySnapshot)
    assert len(client.of(SaveFailed)) == 2 and "a directory" in client.of(SaveFailed)[0].message
    assert client.backend.close(10)
    windowed = Client(ThreadBackend)  # the window's options: both pictures, every epoch kept
    state = windowed.answer(Start(tiny(epochs=2, early_stopping=NO_STOP)))
    assert windowed.of(HistogramSnapshot) and windowed.of(BoundarySnapshot) and state.snapshot_epochs == (0, 1)
    assert windowed.backend.close(10)


def test_a_training_process_whose_window_is_gone_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window killed (its end of the pipe closed): the training process's session does not
    die with a BrokenPipeError traceback on its next message; it stops and ends."""
    import multiprocessing

    from workbench.engine.backends import serve

    ours, theirs = multiprocessing.Pipe()
    ours.close()
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    serve(theirs)
    assert errors == []
