"""A regression's test answers beside the truth, for the Results tab: along time for windows of one
series, predicted against true for independent sequences; found again when a run is reopened."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.evaluate import FORECAST_POINTS

GRU = [{"type": "GRU", "hidden_size": 8}, {"type": "Linear", "out_features": 1}]


def test_a_forecast_along_the_test_series() -> None:
    spec = tiny(GRU, {"kind": "sine", "n_samples": 400, "window": 12, "val_fraction": 0.2, "test_fraction": 0.2})
    trainer = Trainer(spec)
    history = trainer.fit()
    assert history.test is not None and trainer.data is not None and trainer.model is not None
    forecast = history.test.forecast
    assert forecast is not None and forecast.in_time
    inputs, targets = trainer.data.parts["test"]
    assert len(forecast.truth) == len(forecast.predicted) == min(len(targets), FORECAST_POINTS) == 80
    assert np.allclose(forecast.truth, targets[:, 0].numpy())  # the test split, in time order
    assert forecast.context is not None and np.allclose(forecast.context, inputs[0, :, 0].numpy())
    trainer.model.eval()
    with torch.no_grad():
        first = trainer.model(trainer.data.transform(inputs[:1], training=False))  # its answer for the first step
    assert abs(forecast.predicted[0] - float(first[0, 0])) < 1e-5


def test_independent_sequences_are_predicted_against_true(tmp_path: Path) -> None:
    spec = tiny(GRU, {"kind": "adding", "n_samples": 200, "length": 10, "val_fraction": 0.25, "test_fraction": 0.25})
    trainer = Trainer(spec)
    history = trainer.fit()
    assert history.test is not None and history.test.forecast is not None
    forecast = history.test.forecast
    assert not forecast.in_time and forecast.context is None and len(forecast.truth) == 50
    assert abs(float(np.mean(np.abs(forecast.truth - forecast.predicted))) - history.test.mae) < 1e-4  # test's MAE
    save_trained(tmp_path / "run.pt", trainer)
    again = resume_run(tmp_path / "run.pt").history.test  # the file's scores are of the weights it holds
    assert again is not None and again.forecast is not None and again.mae is not None and not again.forecast.in_time
    assert abs(float(np.mean(np.abs(again.forecast.truth - again.forecast.predicted))) - again.mae) < 1e-4


def test_classifiers_have_no_forecast() -> None:
    history = Trainer(tiny(epochs=1)).fit()
    assert history.test is not None and history.test.forecast is None
