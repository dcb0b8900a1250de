"""An autoencoder in the spec: its shape table (encoder, code, decoder) agrees with torch, the
decoder must give back the input's shape, and every mistake is refused with the fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workbench.engine.builder import build_network
from workbench.spec import ExperimentSpec, Task
from workbench.spec.network import NetworkSpec

ENCODER = [{"type": "Flatten"}, {"type": "Linear", "out_features": 32}, {"type": "ReLU"}]
DECODER = [
    {"type": "Linear", "out_features": 32},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 64},
    {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 8, 8]},
]


def autoencoder(decoder: list[dict[str, Any]] | None = None, **settings: Any) -> ExperimentSpec:
    network = {"kind": "autoencoder", "layers": ENCODER, "decoder": DECODER if decoder is None else decoder}
    dataset = settings.pop("dataset", {"kind": "digits", "normalize": {"mode": "none"}})
    return ExperimentSpec.from_dict({"dataset": dataset, "network": {**network, "autoencoder": settings}})


@pytest.mark.parametrize("beta", [1.0, 0.0])
def test_the_shape_table_runs_through_the_code_and_counts_what_torch_builds(beta: float) -> None:
    spec = autoencoder(beta=beta, latent_size=3)
    analysis = spec.analyze()
    assert [r.part for r in analysis.rows] == ["layers"] * 3 + ["latent"] + ["decoder"] * 4
    latent = analysis.part("latent")[0]
    assert latent.output_shape == (3,) and latent.location == "network.autoencoder.latent_size"
    heads = 2 if beta else 1  # a VAE's code has a mean and a log-variance
    assert latent.params == heads * (32 * 3 + 3)
    assert analysis.output_shape == (1, 8, 8) and spec.check() == [] and spec.task is Task.RECONSTRUCTION
    model = build_network(spec.network, (1, 8, 8))
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params


def test_the_decoder_must_give_back_the_input_and_says_how() -> None:
    empty = autoencoder(decoder=[]).check()
    assert [p.path for p in empty] == ["network.decoder"] and "Linear(64) and Unflatten" in empty[0].message
    flat = autoencoder(decoder=DECODER[:3]).check()
    assert flat[0].path == "network.decoder" and "end it with Unflatten(1, [1, 8, 8])" in flat[0].message
    short = autoencoder(decoder=[{"type": "Linear", "out_features": 10}]).check()
    assert "make its last Linear output 64 values, then Unflatten(1, [1, 8, 8])" in short[0].message
    wrong = autoencoder(decoder=[{"type": "Conv2d", "out_channels": 4}]).check()
    assert wrong[0].path.startswith("network.decoder[0] (Conv2d)")  # the code is flat: a Conv2d cannot take it


def test_the_encoder_must_end_flat_for_the_code() -> None:
    doc = json.loads(autoencoder().to_json())
    doc["network"]["layers"] = [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}]
    problems = ExperimentSpec.from_dict(doc).check()
    assert problems[0].path == "network.autoencoder.latent_size"
    assert "takes a flat vector but the encoder gives (4, 6, 6): end the encoder with Flatten" in problems[0].message


def test_binary_cross_entropy_needs_pictures_from_zero_to_one() -> None:
    standardized = autoencoder(reconstruction="bce", dataset={"kind": "digits"}).check()
    assert [p.path for p in standardized] == ["dataset.normalize.mode"]
    assert "or set network.autoencoder.reconstruction to mse" in standardized[0].message
    assert autoencoder(reconstruction="mse", dataset={"kind": "digits"}).check() == []


def test_the_training_loss_setting_is_left_to_auto() -> None:
    doc = json.loads(autoencoder().to_json())
    doc["training"]["loss"] = "cross_entropy"
    problems = ExperimentSpec.from_dict(doc).check()
    assert [p.path for p in problems] == ["training.loss"] and "set it to auto" in problems[0].message


def test_early_stopping_may_watch_the_reconstruction_but_not_accuracy() -> None:
    doc = json.loads(autoencoder().to_json())
    doc["training"]["early_stopping"] = {"enabled": True, "monitor": "val_accuracy"}
    problems = ExperimentSpec.from_dict(doc).check()
    assert [p.path for p in problems] == ["training.early_stopping.monitor"]
    assert "use val_loss or val_recon" in problems[0].message


def test_a_stack_is_written_as_before_and_an_autoencoder_keeps_its_parts() -> None:
    stack = NetworkSpec.model_validate({"layers": ENCODER})
    assert list(stack.model_dump()) == ["layers"]
    spec = autoencoder(beta=0.5, kl_warmup_epochs=3)
    assert ExperimentSpec.from_json(spec.to_json()) == spec
    # A decoder built and then switched off is kept, so that switching back loses nothing.
    switched = spec.network.model_copy(update={"kind": "stack"})
    assert NetworkSpec.model_validate(switched.model_dump()) == switched


def test_a_mirrored_decoder_trains_at_once() -> None:
    mlp = ExperimentSpec.load("resources/presets/digits_mlp.json")
    network = mlp.network.model_copy(update={"kind": "autoencoder"})
    decoder = network.mirrored_decoder((1, 8, 8))
    assert [layer.summary() for layer in decoder][-2:] == ["Linear(64)", "Unflatten(1, unflattened_size=[1, 8, 8])"]
    spec = mlp.model_copy(update={"network": network.model_copy(update={"decoder": decoder})})
    assert spec.check() == []
