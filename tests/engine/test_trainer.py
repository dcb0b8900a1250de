"""The training loop: hooks, reproducibility, equivalence with plain PyTorch, stop reasons."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.engine.helpers import Recorder, tiny
from workbench.engine import Callback, StopReason, Trainer, build_model
from workbench.engine.data import load_raw
from workbench.spec import SpecError
from workbench.spec.split import split_indices


def test_hook_order() -> None:
    rec = Recorder()
    history = Trainer(tiny(epochs=2), [rec]).fit()
    batches = 4  # 60 training samples in batches of 16
    expected = [("train_begin", None)]
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        for b in range(batches):
            expected += [("batch_begin", b), ("batch_end", b)]
        expected.append(("epoch_end", epoch))
    expected += [("test_end", None), ("train_end", None)]
    assert rec.calls == expected
    assert history.stop_reason is StopReason.COMPLETED
    assert set(rec.epoch_logs[0]) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history.history["loss"] == [logs["loss"] for logs in rec.epoch_logs]


def test_logs_are_plain_floats_and_history_is_complete() -> None:
    rec = Recorder()
    history = Trainer(tiny(epochs=3), [rec]).fit()
    assert all(type(v) is float for logs in rec.epoch_logs for v in logs.values())
    assert history.epoch == [0, 1, 2] and len(history.batch_losses) == 12
    assert history.test is not None and history.test.confusion is not None
    assert int(history.test.confusion.sum()) == history.test.samples == 30
    assert history.best_epoch is not None and history.message.startswith("Finished all 3 epochs")


def test_same_seed_same_losses() -> None:
    a = Recorder()
    b = Recorder()
    Trainer(tiny(epochs=2, seed=5, optimizer={"name": "Adam", "lr": 0.01}), [a]).fit()
    Trainer(tiny(epochs=2, seed=5, optimizer={"name": "Adam", "lr": 0.01}), [b]).fit()
    c = Recorder()
    Trainer(tiny(epochs=2, seed=6, optimizer={"name": "Adam", "lr": 0.01}), [c]).fit()
    assert a.batch_losses == b.batch_losses and a.batch_losses != c.batch_losses


def test_losses_equal_a_plain_pytorch_loop() -> None:
    """Same model, same seed, same batches: the engine's losses are a plain loop's, to the bit."""
    experiment = tiny(
        epochs=2,
        seed=3,
        optimizer={"name": "SGD", "lr": 0.05, "momentum": 0.9},
        dataset={
            "kind": "moons",
            "n_samples": 100,
            "val_fraction": 0.2,
            "test_fraction": 0.0,
            "normalize": {"mode": "none"},
        },
    )
    rec = Recorder()
    Trainer(experiment, [rec]).fit()

    torch.manual_seed(3)
    model = build_model(experiment)
    raw = load_raw(experiment.dataset, seed=3)
    train = torch.from_numpy(split_indices(100, 0.2, 0.0, seed=3).train)
    x, y = raw.x[train], raw.y[train]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(3)
    plain = []
    for _ in range(2):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), 16):
            idx = order[start : start + 16]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            plain.append(loss.item())
    assert rec.batch_losses == plain


def test_stop_pause_resume_from_another_thread() -> None:
    class Pauser(Callback):
        def __init__(self) -> None:
            self.batches = 0
            self.first = threading.Event()

        def on_train_batch_end(self, batch: int, logs: object = None) -> None:
            self.batches += 1
            self.first.set()
            time.sleep(0.002)  # keep the run long enough to act on

    pauser = Pauser()
    trainer = Trainer(tiny(epochs=10_000, optimizer={"name": "Adam", "lr": 0.01}), [pauser])
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(trainer.fit()))
    worker.start()
    assert pauser.first.wait(30)
    trainer.pause()
    time.sleep(0.1)
    held = pauser.batches
    time.sleep(0.3)
    assert pauser.batches <= held + 1 and trainer.paused  # at most the batch in flight finishes
    steps_before = float(trainer.optimizer.state_dict()["state"][0]["step"])
    trainer.resume()
    time.sleep(0.2)
    assert pauser.batches > held + 1
    assert float(trainer.optimizer.state_dict()["state"][0]["step"]) > steps_before  # Adam's state carried on
    trainer.request_stop()
    stopped_at = pauser.batches
    worker.join(10)
    assert not worker.is_alive()
    assert pauser.batches <= stopped_at + 1
    history = result[0]
    assert history.stop_reason is StopReason.USER_STOPPED  # type: ignore[attr-defined]
    assert history.message.startswith("Stopped by you")  # type: ignore[attr-defined]


def test_stop_while_paused_ends_the_run() -> None:
    trainer = Trainer(tiny(epochs=10_000))
    trainer.prepare()
    trainer.pause()
    worker = threading.Thread(target=trainer.fit)
    worker.start()
    time.sleep(0.2)
    trainer.request_stop()
    worker.join(10)
    assert not worker.is_alive() and trainer.history.stop_reason is StopReason.USER_STOPPED


def test_divergence_stops_with_a_hint_and_keeps_the_best_weights() -> None:
    rec = Recorder()
    trainer = Trainer(tiny(epochs=50, optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9}), [rec])
    history = trainer.fit()
    assert history.stop_reason is StopReason.DIVERGED
    assert "lower the learning rate" in history.message and "10" in history.message
    assert len(history.epoch) < 50
    weights = trainer.best_weights()
    assert all(torch.equal(v, weights[k]) for k, v in trainer.model.state_dict().items())  # type: ignore[union-attr]
    assert all(torch.isfinite(v).all() for v in trainer.model.state_dict().values())  # type: ignore[union-attr]


def test_nan_loss_diverges() -> None:
    experiment = tiny(
        epochs=5,
        dataset={"kind": "moons", "n_samples": 120, "normalize": {"mode": "fixed", "mean": [0], "std": [0.001]}},
        optimizer={"name": "SGD", "lr": 10.0, "momentum": 0.9},
    )
    history = Trainer(experiment).fit()
    assert history.stop_reason is StopReason.DIVERGED and "weights" in history.message


def test_early_stopping_restores_the_best_epoch() -> None:
    experiment = tiny(
        epochs=200,
        optimizer={"name": "Adam", "lr": 0.05},
        dataset={"kind": "moons", "n_samples": 60, "noise": 0.5, "val_fraction": 0.5, "test_fraction": 0.0},
        layers=[
            {"type": "Linear", "out_features": 128},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 128},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 2},
        ],
        early_stopping={"enabled": True, "patience": 4},
    )
    trainer = Trainer(experiment)
    history = trainer.fit()
    assert history.stop_reason is StopReason.EARLY_STOPPED
    best = history.best_epoch
    assert best is not None and len(history.epoch) == best + 1 + 4
    assert history.message == (
        f"Stopped at epoch {best + 5}: validation loss did not improve for 4 epochs; "
        f"weights restored from epoch {best + 1}."
    )
    assert history.test is None
    from workbench.engine.evaluate import evaluate

    assert trainer.model is not None and trainer.data is not None
    ev = evaluate(trainer.model, trainer.data, "val", trainer.objective)
    assert ev.loss == pytest.approx(history.history["val_loss"][best], rel=1e-6)


def test_best_epoch_is_tracked_without_early_stopping() -> None:
    history = Trainer(tiny(epochs=4, optimizer={"name": "Adam", "lr": 0.01})).fit()
    losses = history.history["val_loss"]
    assert history.best_epoch == int(np.argmin(losses)) and history.best_value == min(losses)


def test_a_failing_callback_fails_the_run_not_the_caller() -> None:
    class Broken(Callback):
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            raise ZeroDivisionError("oops")

    rec = Recorder()
    history = Trainer(tiny(epochs=3), [Broken(), rec]).fit()
    assert history.stop_reason is StopReason.FAILED
    assert history.message == "The run failed: ZeroDivisionError: oops."
    assert history.error is not None and "ZeroDivisionError" in history.error
    assert rec.calls[-1] == ("train_end", None)


def test_bad_input_raises_before_training() -> None:
    broken = tiny(layers=[{"type": "Conv2d"}])
    with pytest.raises(SpecError, match=r"network.layers\[0\] \(Conv2d\): needs an image"):
        Trainer(broken).fit()
    with pytest.raises(SpecError, match="training.device: cuda:7 is not available"):
        Trainer(tiny(device="cuda:7")).fit()


def test_progress_is_throttled_but_drops_no_loss() -> None:
    rec = Recorder()
    experiment = tiny(epochs=30, batch_size=4)
    history = Trainer(experiment, [rec], progress_rate=5.0).fit()
    steps = np.concatenate([p.steps for p in rec.progress])
    losses = np.concatenate([p.losses for p in rec.progress])
    assert steps.tolist() == list(range(30 * 15))  # every step, once, in order
    assert losses.tolist() == pytest.approx(rec.batch_losses) and len(history.epoch) == 30
    assert len(rec.progress) <= 30 + 5 * (history.test is not None) + 5 * 30  # at most one per epoch end + rate
    fast = Recorder()
    Trainer(experiment, [fast], progress_rate=1000.0).fit()
    assert len(rec.progress) < len(fast.progress)


def test_histograms_on_the_interval_and_at_least_once_an_epoch() -> None:
    rec = Recorder()
    Trainer(tiny(epochs=3), [rec], histogram_every=3, histogram_bins=8).fit()  # 4 batches an epoch
    assert [s.step for s in rec.histograms] == [0, 3, 6, 9]
    sparse = Recorder()
    Trainer(tiny(epochs=3), [sparse], histogram_every=50).fit()
    assert [(s.step, s.epoch) for s in sparse.histograms] == [(0, 0), (4, 1), (8, 2)]
    snap = rec.histograms[0]
    assert [h.layer for h in snap.layers] == ["1: Linear", "3: Linear"]  # numbered as the layer list shows them
    first = snap.layers[0]
    assert first.weight_counts.sum() == 2 * 16 and len(first.weight_edges) == 9
    assert first.grad_counts is not None and first.grad_counts.sum() == 2 * 16
    assert isinstance(first.weight_counts, np.ndarray)


def test_scheduler_l1_and_clipping() -> None:
    rec = Recorder()
    Trainer(tiny(epochs=4, scheduler={"name": "step", "step_size": 2, "gamma": 0.5}), [rec]).fit()
    assert [logs["lr"] for logs in rec.epoch_logs] == [0.1, 0.1, 0.05, 0.05]

    plain = Trainer(tiny(epochs=5))
    plain.fit()
    sparse = Trainer(tiny(epochs=5, l1=0.05))
    sparse.fit()

    def l1_norm(t: Trainer) -> float:
        return sum(float(p.detach().abs().sum()) for p in t.model.parameters() if p.dim() > 1)  # type: ignore[union-attr]

    assert l1_norm(sparse) < 0.9 * l1_norm(plain)

    clipped = Trainer(tiny(epochs=1, grad_clip=0.001, optimizer={"name": "SGD", "lr": 1.0}))
    clipped.prepare()
    before = torch.cat([p.detach().flatten().clone() for p in clipped.model.parameters()])  # type: ignore[union-attr]

    class StopAfterOne(Callback):
        def on_train_batch_end(self, batch: int, logs: object = None) -> None:
            assert self.trainer is not None
            self.trainer.request_stop()

    clipped.user_callbacks.append(StopAfterOne())
    clipped.fit()
    after = torch.cat([p.detach().flatten() for p in clipped.model.parameters()])  # type: ignore[union-attr]
    assert float((after - before).norm()) <= 1.0 * 0.001 + 1e-6


def test_completed_run_with_restore_ends_on_the_best_epoch() -> None:
    experiment = tiny(
        epochs=25,
        optimizer={"name": "Adam", "lr": 0.05},
        dataset={"kind": "moons", "n_samples": 60, "noise": 0.5, "val_fraction": 0.5, "test_fraction": 0.0},
        layers=[{"type": "Linear", "out_features": 128}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}],
        early_stopping={"enabled": True, "patience": 1000},
    )
    trainer = Trainer(experiment)
    history = trainer.fit()
    best = history.best_epoch
    assert history.stop_reason is StopReason.COMPLETED and best is not None and best < 24
    assert history.message.endswith(f"Weights restored from epoch {best + 1}.")
    assert all(torch.equal(v, trainer.best_weights()[k]) for k, v in trainer.model.state_dict().items())  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "scheduler",
    [
        {"name": "none"},
        {"name": "step", "step_size": 3, "gamma": 0.5},
        {"name": "exponential", "gamma": 0.9},
        {"name": "cosine", "eta_min": 0.001},
        {"name": "cosine", "T_max": 4},
    ],
)
def test_the_torch_free_schedule_preview_matches_torch(scheduler: dict[str, object]) -> None:
    from workbench.engine.optim import lr_schedule

    spec = tiny(scheduler=scheduler).training.scheduler
    assert spec.rates(0.1, 12) == pytest.approx(lr_schedule(spec, 0.1, 12), rel=1e-9, abs=1e-12)


def test_regression_logs_mae(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=200), rng.normal(size=200)
    rows = "\n".join(f"{x:.4f},{y:.4f},{2 * x - y:.4f}" for x, y in zip(a, b, strict=True))
    (tmp_path / "r.csv").write_text("a,b,target\n" + rows + "\n")
    experiment = tiny(
        epochs=15,
        optimizer={"name": "Adam", "lr": 0.02},
        layers=[{"type": "Linear", "out_features": 1}],
        dataset={
            "kind": "csv",
            "path": "r.csv",
            "target": "target",
            "task": "regression",
            "val_fraction": 0.2,
            "test_fraction": 0.1,
        },
    )
    rec = Recorder()
    history = Trainer(experiment, [rec], base_dir=tmp_path).fit()
    assert set(rec.epoch_logs[0]) == {"loss", "mae", "val_loss", "val_mae", "lr"}
    assert history.history["val_mae"][-1] < 0.5 * history.history["val_mae"][0]
    assert history.test is not None and history.test.mae is not None and history.test.confusion is None


def test_the_logged_loss_is_the_data_loss_without_the_l1_penalty() -> None:
    """L1 trains the weights, but the loss a student reads stays comparable with val_loss: with the
    penalty at 1 (many times the data loss) and a step too small to move anything, the logged
    training loss is still the data loss of the weights it was measured on."""
    rec = Recorder()
    trainer = Trainer(tiny(epochs=1, l1=1.0, batch_size=1000, optimizer={"name": "SGD", "lr": 1e-9}), [rec])
    trainer.prepare()
    assert trainer.model is not None and trainer.data is not None
    x, y = trainer.data.parts["train"]
    with torch.no_grad():
        data_loss = float(trainer.objective.loss_fn(trainer.model(trainer.data.transform(x, training=False)), y))
        penalty = sum(float(p.abs().sum()) for n, p in trainer.model.named_parameters() if p.dim() > 1)
    trainer.fit()
    assert penalty > 5 * data_loss  # the penalty would show
    assert rec.epoch_logs[0]["loss"] == pytest.approx(data_loss, rel=1e-4)


def test_the_trained_network_is_the_run_s_own() -> None:
    """What testing, pictures and exports take: the run's network and data themselves, no copies."""
    trainer = Trainer(tiny(epochs=1))
    with pytest.raises(RuntimeError, match="^train the network first$"):
        trainer.trained()
    trainer.fit()
    trained = trainer.trained()
    assert trained.model is trainer.model and trained.data is trainer.data and trained.history is trainer.history
    assert trained.experiment is trainer.experiment and trained.objective is trainer.objective
    assert trained.device == trainer.device and trained.network() is trainer.model
