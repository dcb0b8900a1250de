"""The residual preset pair shows what its descriptions promise: thirteen plain convolutions stay
at chance, with layer health flagging their vanishing gradient; the same depth in residual blocks
learns within a few epochs, with no flag."""

from __future__ import annotations

from workbench.engine import Trainer
from workbench.engine.events import HealthReport
from workbench.engine.health import HealthProbe
from workbench.spec import ExperimentSpec, load_preset

EPOCHS = 3


def trained(name: str) -> tuple[Trainer, list[HealthReport]]:
    preset = load_preset(name)
    shorter = preset.training.model_copy(update={"epochs": EPOCHS, "device": "cpu"})
    said: list[HealthReport] = []
    trainer = Trainer(ExperimentSpec.model_validate({**preset.model_dump(), "training": shorter.model_dump()}),
                      [HealthProbe(said.append, 1.0)])  # fmt: skip
    trainer.fit()
    return trainer, said


def test_thirteen_plain_convolutions_stay_at_chance_and_the_residual_ones_learn() -> None:
    plain, plain_said = trained("deep_plain_cnn")
    residual, residual_said = trained("deep_residual_cnn")
    assert plain.experiment.analyze().total_params == residual.experiment.analyze().total_params
    assert plain.history.history["val_accuracy"][-1] < 0.2 and plain.history.history["loss"][-1] > 2.29
    assert residual.history.history["val_accuracy"][-1] > 0.8
    assert "vanishing" in {flag.code for report in plain_said for flag in report.flags}
    assert not [flag for report in residual_said for flag in report.flags]
