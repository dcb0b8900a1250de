"""Each task's metric is named once (spec.metrics); everything that words or watches it agrees."""

from __future__ import annotations

from workbench.engine.early_stopping import resolve_mode
from workbench.engine.objective import Supervised
from workbench.spec import ExperimentSpec, Problem, Task
from workbench.spec.lessons import metric_words
from workbench.spec.metrics import METRICS, metric_for
from workbench.spec.training import MONITORS


def test_early_stopping_may_watch_the_loss_or_any_metric() -> None:
    assert set(MONITORS) == {"val_loss"} | {f"val_{m.key}" for m in METRICS}


def test_each_task_has_its_metric_worded_and_ordered() -> None:
    assert {m.task for m in METRICS} == set(Task)
    assert Supervised(None, Task.CLASSIFICATION).keys == (metric_for(Task.CLASSIFICATION).key,) == ("accuracy",)  # type: ignore[arg-type]
    assert Supervised(None, Task.REGRESSION).keys == ("mae",)  # type: ignore[arg-type]
    assert metric_words("val_mae") == "validation mean absolute error" and metric_words("accuracy") == (
        "training accuracy"
    )
    assert [resolve_mode(k, "auto") for k in ("val_accuracy", "accuracy", "val_mae", "val_loss", "loss")] == [
        "max",
        "max",
        "min",
        "min",
        "min",
    ]


def test_watching_the_other_task_s_metric_is_refused_with_the_right_one() -> None:
    moons = {"dataset": {"kind": "moons"}, "network": {"layers": [{"type": "Linear", "out_features": 2}]}}
    doc = {**moons, "training": {"early_stopping": {"enabled": True, "monitor": "val_mae"}}}
    said = "val_mae is for regression; use val_loss or val_accuracy"
    assert Problem("training.early_stopping.monitor", said) in ExperimentSpec.from_dict(doc).check()


def test_every_logged_key_has_its_words() -> None:
    from workbench.spec.metrics import KL_KEY, metric_words_table

    keys = {"loss", KL_KEY} | {m.key for m in METRICS}
    assert set(metric_words_table()) == keys | {f"val_{k}" for k in keys}
    assert metric_words("val_recon") == "validation reconstruction loss"
