"""Autoencoders and VAEs in the engine: the loss is reconstruction + β·KL and logs both terms, a VAE
on digits learns to rebuild better than the mean picture, its views show its codes and pictures,
and its model file rebuilds the encoder and the decoder, whose samples are the trained model's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from workbench.engine import Trainer
from workbench.engine.autoencoder import Autoencoder, LatentViews, Reconstruction, kl_per_sample
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.events import LatentSnapshot
from workbench.engine.model_file import load_model
from workbench.engine.stream import EventStream
from workbench.spec import ExperimentSpec
from workbench.spec.network import AutoencoderSpec

from .helpers import Recorder


def vae(epochs: int = 12, **autoencoder: Any) -> ExperimentSpec:
    """A small VAE on the bundled digits (64 pixels through a 2-number code)."""
    return ExperimentSpec.from_dict(
        {
            "dataset": {"kind": "digits", "normalize": {"mode": "none"}},
            "network": {
                "kind": "autoencoder",
                "autoencoder": {"latent_size": 2, "reconstruction": "bce", **autoencoder},
                "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 64}, {"type": "ReLU"}],
                "decoder": [
                    {"type": "Linear", "out_features": 64},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 64},
                    {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 8, 8]},
                ],
            },
            "training": {
                "epochs": epochs,
                "batch_size": 64,
                "optimizer": {"name": "Adam", "lr": 0.003},
                "device": "cpu",
            },
        }
    )


def test_kl_is_zero_for_a_standard_normal_and_grows_away_from_it() -> None:
    zero = torch.zeros(3, 2)
    assert torch.equal(kl_per_sample(zero, zero), torch.zeros(3))
    # KL(N(1, 1) || N(0, 1)) = 1/2 per dimension; a narrower spread costs too.
    assert kl_per_sample(torch.ones(1, 2), torch.zeros(1, 2)).item() == pytest.approx(1.0)
    assert kl_per_sample(zero[:1], torch.full((1, 2), -2.0)).item() == pytest.approx(-0.5 * 2 * (1 - 2 - torch.e**-2))


def test_the_loss_is_reconstruction_plus_beta_kl_with_the_warm_up_on_the_gradient_only() -> None:
    spec = AutoencoderSpec(latent_size=2, beta=2.0, kl_warmup_epochs=3)
    assert [spec.beta_at(e) for e in range(5)] == [0.5, 1.0, 1.5, 2.0, 2.0]
    torch.manual_seed(0)
    model = Autoencoder(torch.nn.Flatten(), 4, spec, torch.nn.Linear(2, 4))
    x = torch.rand(5, 4)
    objective = Reconstruction(spec, seed=3)
    loss, logged, sums = objective.train_loss(model, x, torch.zeros(5), epoch=0, step=7)
    recon, kl = sums[0] / 5, sums[1] / 5
    assert objective.keys == ("recon", "kl")
    assert loss.item() == pytest.approx((recon + 0.5 * kl).item(), rel=1e-6)  # β at epoch 0 of the warm-up
    assert logged.item() == pytest.approx((recon + 2.0 * kl).item(), rel=1e-6)  # logged with the full β
    again = objective.train_loss(model, x, torch.zeros(5), epoch=0, step=7)[1]
    other = objective.train_loss(model, x, torch.zeros(5), epoch=0, step=8)[1]
    assert again == logged and other != logged  # the noise is the step's: the same step draws the same


def test_beta_zero_is_a_plain_autoencoder_without_a_spread_or_noise() -> None:
    spec = AutoencoderSpec(latent_size=3, beta=0.0)
    model = Autoencoder(torch.nn.Flatten(), 4, spec, torch.nn.Linear(3, 4))
    assert model.log_var is None and Reconstruction(spec).keys == ("recon",)
    x = torch.rand(6, 4)
    train = Reconstruction(spec).train_loss(model, x, torch.zeros(6), epoch=0, step=1)[1]
    evaluated = Reconstruction(spec).eval_batch(model, x, torch.zeros(6))[0]
    assert train.item() == pytest.approx(evaluated.item())  # nothing is drawn at random


def test_a_vae_on_digits_learns_to_rebuild_better_than_the_mean_picture() -> None:
    trainer = Trainer(vae(), histogram_every=0)
    history = trainer.fit()
    logs = history.history
    assert set(logs) >= {"loss", "recon", "kl", "val_loss", "val_recon", "val_kl"}
    assert logs["loss"][-1] < 0.85 * logs["loss"][0]
    for epoch in range(len(logs["loss"])):  # the logged loss is the sum of its terms (β = 1)
        assert logs["val_loss"][epoch] == pytest.approx(logs["val_recon"][epoch] + logs["val_kl"][epoch], rel=1e-5)
    assert logs["kl"][-1] > 0.5  # the codes carry information: not collapsed onto the prior
    assert history.test is not None and history.test.recon is not None and history.test.kl is not None
    assert history.test.accuracy is None and history.test.confusion is None
    data, model = trainer.data, trainer.model
    assert data is not None and isinstance(model, Autoencoder)
    x = data.transform(data.parts["test"][0], training=False)
    mean_picture = data.transform(data.parts["train"][0], training=False).mean(0, keepdim=True)
    with torch.no_grad():
        rebuilt = model.eval()(x)
    error = (rebuilt - x).pow(2).mean().item()
    assert error < 0.75 * (mean_picture - x).pow(2).mean().item()


def test_a_vae_shows_its_codes_rebuilt_pictures_samples_and_a_walk_as_it_trains() -> None:
    events: list[Any] = []
    trainer = Trainer(vae(epochs=2), [EventStream(events.append, boundary_every=0.0)], histogram_every=0)
    trainer.fit()
    views = [e for e in events if isinstance(e, LatentSnapshot)]
    assert [v.epoch for v in views] == [1, 2, 2]  # after each epoch, and once more for the weights it ends on
    last = views[-1]
    assert last.codes.shape == (len(last.labels), 2) and set(last.labels.tolist()) == set(range(10))
    assert last.originals is not None and last.rebuilt is not None
    assert last.originals.shape == last.rebuilt.shape == (16, 1, 8, 8) and last.rebuilt.dtype.name == "uint8"
    assert last.samples is not None and last.samples.shape == (16, 1, 8, 8)
    assert last.walk is not None and last.walk.shape == (64, 1, 8, 8) and last.walk_columns == 8
    # The originals are the test pictures whose codes come first.
    data = trainer.data
    assert data is not None and torch.equal(torch.from_numpy(last.originals), data.parts["test"][0][:16])


def test_views_of_a_bigger_code_show_its_two_main_directions_and_walk_between_pictures() -> None:
    trainer = Trainer(vae(epochs=1, latent_size=5), histogram_every=0)
    trainer.fit()
    assert trainer.data is not None and trainer.model is not None
    view = LatentViews(trainer.data, 5, True, seed=0).snapshot(trainer.model, 1)
    assert view.codes.shape[1] == 2 and view.walk is not None and len(view.walk) == 4 * 8
    assert view.latent_size == 5 and "from one test picture" in view.walk_words


def test_the_model_file_gives_the_encoder_and_the_decoder_and_reloaded_samples_are_the_same(tmp_path: Path) -> None:
    trainer = Trainer(vae(epochs=3), histogram_every=0)
    trainer.fit()
    path = save_trained(tmp_path / "vae.pt", trainer)
    loaded, again = load_model(path), load_model(path)
    assert loaded.latent_size == 2
    z = torch.randn(8, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        samples = loaded.decoder(z)
        model = trainer.model
        assert isinstance(model, Autoencoder)
        direct = model.eval().decode(z)  # normalization none: the same units
        assert torch.equal(samples, again.decoder(z))
        assert torch.allclose(samples, direct, atol=1e-6) and samples.shape == (8, 1, 8, 8)
        assert 0.0 <= samples.min() and samples.max() <= 1.0
        pictures = trainer.data.parts["test"][0][:4].float() / 255  # type: ignore[union-attr]
        codes = loaded.encoder(pictures)
        assert codes.shape == (4, 2)
        assert torch.allclose(loaded.module(pictures), loaded.decoder(codes), atol=1e-6)


def test_a_vae_cut_inside_an_epoch_continues_exactly_from_the_file(tmp_path: Path) -> None:
    whole = Trainer(vae(epochs=2), histogram_every=0)
    expected = whole.fit()

    class StopAt(Recorder):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if self.trainer is not None and self.trainer.steps == 20:  # 17 batches an epoch: inside epoch 2
                self.trainer.request_stop()

    cut = Trainer(vae(epochs=2), [StopAt()], histogram_every=0)
    cut.fit()
    path = save_trained(tmp_path / "cut.pt", cut, weights=cut.copy_weights())
    resumed = resume_run(path)
    resumed.continue_training(1)
    assert resumed.history.history == expected.history


def test_a_standardized_autoencoders_decoder_gives_pictures_in_the_datas_own_units(tmp_path: Path) -> None:
    doc = json.loads(vae(epochs=1, reconstruction="mse", beta=0.0).to_json())
    doc["dataset"]["normalize"]["mode"] = "standardize"
    spec = ExperimentSpec.from_dict(doc)
    trainer = Trainer(spec, histogram_every=0)
    trainer.fit()
    norm, model = trainer.data.normalization, trainer.model  # type: ignore[union-attr]
    assert isinstance(model, Autoencoder) and norm.std != (1.0,)
    loaded = load_model(save_trained(tmp_path / "ae.pt", trainer))
    z = torch.randn(4, 2)
    with torch.no_grad():
        expected = model.eval().decode(z) * norm.std[0] + norm.mean[0]
        assert torch.allclose(loaded.decoder(z), expected, atol=1e-5)


def test_a_vae_whose_codes_collapse_onto_the_prior_says_so() -> None:
    doc = json.loads(vae(epochs=12).to_json())
    doc["training"]["optimizer"]["lr"] = 0.13  # far too high for this VAE: its codes give up within 12 epochs
    trainer = Trainer(ExperimentSpec.from_dict(doc), histogram_every=0)
    history = trainer.fit()
    assert trainer.learned is False and "the posterior has collapsed" in history.message
    healthy = Trainer(vae(epochs=6), histogram_every=0)
    assert "collapsed" not in healthy.fit().message and healthy.learned is True
