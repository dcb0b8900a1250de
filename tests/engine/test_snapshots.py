"""Per-epoch snapshots: the weights of any epoch, to test or export after the run."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer, load_model
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.snapshots import EpochSnapshots, evaluate_weights, weights_bytes

NO_STOP = {"enabled": False}


def equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_each_epoch_is_the_weights_the_run_had_then() -> None:
    snapshots = EpochSnapshots()
    Trainer(tiny(epochs=5, early_stopping=NO_STOP), [snapshots]).fit()
    assert snapshots.epochs == [0, 1, 2, 3, 4]
    shorter = Trainer(tiny(epochs=3, early_stopping=NO_STOP))
    shorter.fit()
    assert equal(snapshots.weights[2], shorter.copy_weights())
    assert not equal(snapshots.weights[1], snapshots.weights[2])


def test_past_the_budget_old_epochs_thin_out_but_best_and_latest_stay() -> None:
    probe = Trainer(tiny(epochs=1))
    probe.prepare()
    size = weights_bytes(probe.copy_weights())
    snapshots = EpochSnapshots(budget_bytes=int(4.5 * size))
    spec = tiny(epochs=12, early_stopping=NO_STOP, optimizer={"name": "SGD", "lr": 0.5})
    history = Trainer(spec, [snapshots]).fit()
    kept = snapshots.epochs
    assert 2 <= len(kept) <= 4 and kept[-1] == 11 and history.best_epoch in kept
    assert kept[0] == 0  # thinning drops every other one: the start of the run stays


def test_any_epoch_can_be_tested_without_touching_the_run() -> None:
    snapshots = EpochSnapshots()
    spec = tiny(epochs=4, early_stopping={"enabled": True, "patience": 50, "restore_best_weights": True})
    trainer = Trainer(spec, [snapshots])
    history = trainer.fit()
    assert history.best_epoch is not None and history.test is not None
    end = trainer.copy_weights()
    best = evaluate_weights(trainer.trained(), snapshots.weights[history.best_epoch])
    first = evaluate_weights(trainer.trained(), snapshots.weights[0])
    assert best is not None and first is not None
    assert best.loss == history.test.loss and best.accuracy == history.test.accuracy  # the restored best
    assert first.loss != best.loss and first.confusion is not None and first.confusion.sum() == first.samples
    assert equal(trainer.copy_weights(), end)


def test_export_an_epoch_and_still_continue_from_the_end(tmp_path: Path) -> None:
    snapshots = EpochSnapshots()
    trainer = Trainer(tiny(epochs=4, early_stopping=NO_STOP), [snapshots])
    trainer.fit()
    path = save_trained(tmp_path / "epoch1.pt", trainer, snapshots.weights[1])
    assert equal(torch.load(path, weights_only=True)["state_dict"], snapshots.weights[1])
    assert load_model(path).module is not None
    resumed = resume_run(path)
    assert resumed.model is not None
    assert equal({k: v.cpu() for k, v in resumed.model.state_dict().items()}, trainer.copy_weights())
    assert equal(resumed.best_weights(), trainer.best_weights())


class _Run:
    """What the callback reads of a trainer: its weights now and its best epoch so far."""

    def __init__(self) -> None:
        self.history = type("History", (), {"best_epoch": None})()
        self.value = 0.0

    def epoch_weights(self) -> dict[str, torch.Tensor]:
        return {"w": torch.full((4,), self.value)}


def test_the_best_epoch_survives_thinning_wherever_it_falls() -> None:
    """Every epoch in turn as the best: thinning (which drops every other old epoch) keeps it."""
    for best in range(10):
        snapshots, run = EpochSnapshots(budget_bytes=3 * 16), _Run()
        snapshots.set_trainer(run)  # type: ignore[arg-type]
        for epoch in range(10):
            run.value = float(epoch)
            if epoch == best:
                run.history.best_epoch = best
            snapshots.on_epoch_end(epoch)
        assert best in snapshots.epochs and 9 in snapshots.epochs, (best, snapshots.epochs)
        assert float(snapshots.weights[best]["w"][0]) == best  # and they are that epoch's weights
