"""What every layer makes of one example: feature maps of a CNN, a recurrent state over the steps,
an autoencoder's layers; from the weights of the epoch asked for, without touching the run's model."""

from __future__ import annotations

import numpy as np
import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer
from workbench.engine.activations import MAX_MAPS, activations
from workbench.engine.snapshots import EpochSnapshots
from workbench.spec.presets import load_preset

DIGITS = {"kind": "digits", "val_fraction": 0.2, "test_fraction": 0.2}
CNN = [
    {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


def _trained(experiment, epochs_kept: bool = False):  # noqa: ANN001, ANN202 - a test's shorthand
    snapshots = EpochSnapshots()
    trainer = Trainer(experiment, callbacks=[snapshots] if epochs_kept else [])
    trainer.fit()
    return trainer, snapshots


def test_a_cnn_shows_every_feature_map_of_its_first_convolution_and_its_filters() -> None:
    trainer, _ = _trained(tiny(CNN, DIGITS, epochs=1))
    seen = activations(trainer.trained(), None, example=3)
    assert [layer.name for layer in seen.layers] == ["1: Conv2d", "2: ReLU", "3: MaxPool2d", "4: Flatten", "5: Linear"]
    conv = seen.layers[0]
    assert conv.kind == "maps" and conv.shape == (16, 8, 8) and conv.values.shape == (16, 8, 8)
    assert seen.layers[2].shape == (16, 4, 4) and seen.layers[3].kind == "units" and seen.layers[3].shape == (256,)
    assert seen.filters is not None and seen.filters.shape == (16, 1, 3, 3)
    # The maps are the model's own: the convolution applied to the example as the network sees it.
    model = trainer.model.eval()
    x = torch.from_numpy(seen.values)[None]
    assert np.allclose(conv.values, model[0](x)[0].detach().numpy(), atol=1e-5)
    assert seen.picture is not None and seen.picture.shape == (1, 8, 8) and seen.picture.dtype == np.uint8
    answer = int(model(x).argmax())
    assert seen.answer == answer and seen.truth == int(trainer.data.parts["test"][1][3])
    assert seen.split == "test" and seen.example == 3 and seen.examples == trainer.data.size("test")


def test_the_maps_are_cut_to_what_is_worth_sending() -> None:
    wide = [
        {"type": "Conv2d", "out_channels": 40, "kernel_size": 3},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10},
    ]
    trainer, _ = _trained(tiny(wide, DIGITS, epochs=1))
    seen = activations(trainer.trained(), None, example=0)
    assert seen.layers[0].shape == (40, 6, 6) and seen.layers[0].values.shape == (MAX_MAPS, 6, 6)
    assert seen.layers[1].shape == (1440,) and seen.layers[1].values.shape == (256,)


def test_another_epoch_s_weights_give_its_own_activations_and_leave_the_run_s_model_alone() -> None:
    trainer, snapshots = _trained(tiny(CNN, DIGITS, epochs=3, early_stopping={"enabled": False}), epochs_kept=True)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.model.train()
    first = activations(trainer.trained(), snapshots.weights[0], example=0, epoch=0)
    last = activations(trainer.trained(), None, example=0)
    assert first.epoch == 0 and not np.allclose(first.layers[0].values, last.layers[0].values)
    assert all(torch.equal(v, trainer.model.state_dict()[k]) for k, v in before.items())
    assert trainer.model.training  # its mode restored
    assert activations(trainer.trained(), None, example=10**6).example == trainer.data.size("test") - 1


def test_the_next_mistake_is_an_example_the_network_gets_wrong() -> None:
    trainer, _ = _trained(tiny(CNN, DIGITS, epochs=1, optimizer={"name": "SGD", "lr": 0.001}))
    seen = activations(trainer.trained(), None, example=0, mistake=True)
    assert seen.answer != seen.truth and seen.example > 0
    again = activations(trainer.trained(), None, example=seen.example, mistake=True)
    assert again.answer != again.truth and again.example != seen.example


def test_a_recurrent_layer_shows_its_state_at_every_step() -> None:
    experiment = tiny(
        [{"type": "LSTM", "hidden_size": 12, "output": "last"}, {"type": "Linear", "out_features": 10}],
        {**DIGITS, "as_sequence": True},
        epochs=1,
    )
    trainer, _ = _trained(experiment)
    seen = activations(trainer.trained(), None, example=0)
    state = seen.layers[0]
    assert state.name == "1: LSTM" and state.kind == "steps" and state.shape == (8, 12)
    assert seen.picture is not None and seen.picture.shape == (1, 8, 8)  # rows shown as the picture they are
    assert np.allclose(
        state.values[-1], trainer.model[0](torch.from_numpy(seen.values)[None])[0].detach().numpy(), atol=1e-5
    )


def test_an_autoencoder_shows_its_encoder_code_and_decoder() -> None:
    vae = load_preset("digits_vae")
    experiment = vae.model_copy(update={"training": vae.training.model_copy(update={"epochs": 1, "device": "cpu"})})
    trainer, _ = _trained(experiment)
    seen = activations(trainer.trained(), None, example=0)
    names = [layer.name for layer in seen.layers]
    assert names[:2] == ["1: Flatten", "2: Linear"] and "code: Linear" in names and names[-1] == "decoder 6: Unflatten"
    assert seen.layers[-1].kind == "maps" and seen.answer is None and seen.filters is None
