"""Layer health measured on real runs: dying ReLUs under a too-high rate, a vanishing gradient
through a deep sigmoid stack, and nothing raised on healthy networks."""

from __future__ import annotations

import json
from typing import Any

from workbench.engine import Trainer
from workbench.engine.events import HealthReport
from workbench.engine.health import HealthProbe
from workbench.spec import ExperimentSpec, load_preset

RELUS = [
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 64},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 64},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 10},
]
SIGMOIDS = [{"type": "Flatten"}]
SIGMOIDS += [row for _ in range(8) for row in ({"type": "Linear", "out_features": 32}, {"type": "Sigmoid"})]
SIGMOIDS += [{"type": "Linear", "out_features": 10}]


def digits(layers: list[dict[str, Any]], lr: float, epochs: int = 2) -> ExperimentSpec:
    doc = json.loads(load_preset("digits_mlp").to_json())
    doc["network"]["layers"] = layers
    doc["training"].update(optimizer={"name": "SGD", "lr": lr}, epochs=epochs, early_stopping={"enabled": False})
    return ExperimentSpec.from_dict(doc)


def reports(experiment: ExperimentSpec, budget: float = 1.0) -> list[HealthReport]:
    said: list[HealthReport] = []
    Trainer(experiment, [HealthProbe(said.append, budget)]).fit()
    return said


def flags(said: list[HealthReport]) -> set[tuple[int, str]]:
    return {(flag.layer, flag.code) for report in said for flag in report.flags}


def test_relus_die_under_a_too_high_rate_and_not_under_a_sane_one() -> None:
    hot = reports(digits(RELUS, 2.0, epochs=1))
    assert {(2, "dead_units"), (4, "dead_units")} <= flags(hot)  # within the first epoch
    dead = {h.layer: h.dead for h in hot[0].layers if h.dead is not None}
    assert set(dead) == {2, 4} and min(dead.values()) > 0.4
    assert flags(reports(digits(RELUS, 0.05))) == set()


def test_a_deep_sigmoid_stacks_gradient_vanishes() -> None:
    said = reports(digits(SIGMOIDS, 0.1, epochs=1))
    first = next(h for h in said[0].layers if h.layer == 1)
    assert first.gradient is not None and first.gradient < 1e-3  # against the last layer's
    assert (1, "vanishing") in flags(said) and (1, "barely_learns") not in flags(said)


def test_the_presets_train_healthy() -> None:
    for name in ("digits_mlp", "digits_cnn"):
        preset = load_preset(name)
        preset = preset.model_copy(update={"training": preset.training.model_copy(update={"epochs": 3})})
        said = reports(preset)
        assert flags(said) == set(), name
        measured = {h.layer for h in said[-1].layers}
        weights = {i for i, row in enumerate(preset.network.layers) if row.type in ("Linear", "Conv2d")}
        assert weights <= measured  # every weight layer is measured


def test_every_epoch_is_measured_within_the_budget_and_the_first_and_last_always() -> None:
    every = reports(digits(RELUS, 0.05, epochs=4))
    assert [r.epoch for r in every] == [0, 1, 2, 3]
    assert [r.epoch for r in reports(digits(RELUS, 0.05, epochs=4), budget=0.0)] == [0, 3]


def test_the_health_presets_show_what_they_say() -> None:
    """Each layer-health preset, for its first epochs: the dying and vanishing ones raise their
    flags, their fixes raise none."""
    raised = {}
    for name in ("dying_relus", "healthy_relus", "vanishing_gradients", "vanishing_gradients_fixed"):
        preset = load_preset(name)
        preset = preset.model_copy(update={"training": preset.training.model_copy(update={"epochs": 2})})
        raised[name] = {code for _layer, code in flags(reports(preset))}
    assert "dead_units" in raised["dying_relus"] and raised["healthy_relus"] == set()
    assert "vanishing" in raised["vanishing_gradients"] and raised["vanishing_gradients_fixed"] == set()


def test_an_autoencoder_is_measured_in_its_encoder_code_and_decoder() -> None:
    """A VAE's layers, each in its own list: dying ReLUs in the decoder are flagged there."""
    vae = load_preset("digits_vae")
    doc = json.loads(vae.to_json())
    doc["training"].update(optimizer={"name": "SGD", "lr": 0.2}, epochs=2, early_stopping={"enabled": False})
    said = reports(ExperimentSpec.from_dict(doc))
    places = {(h.part, h.layer) for h in said[-1].layers}
    weights = {("layers", i) for i, row in enumerate(vae.network.layers) if row.type == "Linear"}
    weights |= {("decoder", i) for i, row in enumerate(vae.network.decoder) if row.type == "Linear"}
    assert weights | {("latent", 0), ("latent", 1)} <= places  # every weight layer, the code's mean and spread
    last = max(i for part, i in weights if part == "decoder")
    assert next(h for h in said[-1].layers if (h.part, h.layer) == ("decoder", last)).gradient == 1.0
    dead = {(flag.part, flag.layer) for report in said for flag in report.flags if flag.code == "dead_units"}
    assert ("decoder", 1) in dead  # a ReLU of the decoder, flagged in the decoder's list
