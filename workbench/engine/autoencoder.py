"""Autoencoders and VAEs: the module, its objective (reconstruction + β·KL) and what it shows.

The encoder (the network's `layers`) ends flat; a Linear layer gives the latent code's mean (and,
for a VAE, a second its log-variance); the decoder rebuilds the input from a code. A VAE trains
on codes drawn with the reparameterization trick, z = mean + exp(log_var / 2) * noise, so that the
draw has a gradient; its KL term pulls every code's distribution towards a standard normal, which
is what makes codes drawn from that normal decode into new samples.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..i18n import _
from ..spec.datasets import Task
from ..spec.metrics import KL_KEY, metric_for
from ..spec.network import AutoencoderSpec
from .events import LatentSnapshot
from .prepare import PreparedData


class Autoencoder(nn.Module):
    """An encoder, the latent code and a decoder; `forward` rebuilds its input through the code's mean."""

    def __init__(self, encoder: nn.Module, features: int, spec: AutoencoderSpec, decoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.mean = nn.Linear(features, spec.latent_size)
        self.log_var = nn.Linear(features, spec.latent_size) if spec.variational else None
        self.decoder = decoder
        self.latent_size = spec.latent_size
        self.bce = spec.reconstruction == "bce"  # the decoder gives logits: pictures through a sigmoid

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The codes' means and (for a VAE) log-variances, (batch, latent_size) each."""
        h = self.encoder(x)
        return self.mean(h), self.log_var(h) if self.log_var is not None else None

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Rebuilt inputs from codes, in the network's input units (values from 0 to 1 with bce)."""
        out: torch.Tensor = self.decoder(z)
        return torch.sigmoid(out) if self.bce else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)[0])

    def named_layers(self) -> list[tuple[str, nn.Module]]:
        """Every layer, named as a Sequential's children are (the encoder's "0", "1", ...), then the
        code and the decoder's, as the window names them ("decoder 1")."""
        layers = list(self.encoder.named_children())
        layers.append(("code", self.mean))
        if self.log_var is not None:
            layers.append(("code spread", self.log_var))
        return layers + [(f"decoder {int(n) + 1}", m) for n, m in self.decoder.named_children()]


def kl_per_sample(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, 1)) of each sample's code, summed over its dimensions."""
    return -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(1)


class Reconstruction:
    """reconstruction + β·KL per sample (the negative ELBO for β = 1); logs both terms."""

    def __init__(self, spec: AutoencoderSpec, seed: int = 0, rank: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self.rank = rank  # of the processes training together: each draws its own noise
        recon = metric_for(Task.RECONSTRUCTION).key
        self.keys: tuple[str, ...] = (recon, KL_KEY) if spec.variational else (recon,)

    def noise(self, shape: torch.Size, step: int, device: torch.device) -> torch.Tensor:
        """The standard normal noise of training step `step`: drawn from the seed and the step alone,
        so that a run continued from a file (even from the middle of an epoch) draws what the
        uncut run would have drawn."""
        # The CPU generator keeps 32 bits of a seed: each rank starts a quarter of that range apart.
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step + self.rank * 0x40000000)
        return torch.randn(shape, generator=generator).to(device)

    def _terms(
        self, model: nn.Module, x: torch.Tensor, step: int | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction per sample, KL per sample, rebuilt inputs); for a training `step` of a
        VAE, from a code drawn around the mean (the reparameterization trick), else from the mean."""
        assert isinstance(model, Autoencoder)
        mean, log_var = model.encode(x)
        z = mean
        if step is not None and log_var is not None:
            z = mean + self.noise(mean.shape, step, mean.device) * (0.5 * log_var).exp()
        out = model.decoder(z)
        if model.bce:
            recon = F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)
            out = torch.sigmoid(out)
        else:
            recon = (out - x).pow(2).flatten(1).sum(1)
        kl = kl_per_sample(mean, log_var) if log_var is not None else torch.zeros_like(recon)
        return recon, kl, out

    def train_loss(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        recon, kl, _ = self._terms(model, x, step)
        # The warm-up weighs the KL less while it lasts; the logged loss keeps the full β, so that
        # it is comparable with the validation loss and from one epoch to the next.
        loss = (recon + self.spec.beta_at(epoch) * kl).mean()
        logged = (recon + self.spec.beta * kl).mean().detach()
        return loss, logged, self._sums(recon.detach(), kl.detach())

    def eval_batch(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        recon, kl, out = self._terms(model, x, None)
        return (recon + self.spec.beta * kl).mean(), self._sums(recon, kl), out

    def _sums(self, recon: torch.Tensor, kl: torch.Tensor) -> torch.Tensor:
        sums = [recon.sum(dtype=torch.float64), kl.sum(dtype=torch.float64)]
        return torch.stack(sums[: len(self.keys)])


SHOWN = 16  # test pictures shown with their reconstructions, and samples drawn from the prior
MAX_CODES = 2000  # test codes drawn on the plane
WALK = 8  # pictures along each side of the latent walk
WALK_REACH = 2.0  # a 2-D walk spans [-2, 2] on both axes: 95% of a standard normal


class LatentViews:
    """The pictures an autoencoder's run shows as it trains: fixed test pictures and their
    reconstructions, fixed prior draws decoded (the same noise each epoch, so a student sees the
    samples sharpen), the test set's codes on a plane and a walk through the latent space."""

    def __init__(self, data: PreparedData, latent_size: int, variational: bool, seed: int) -> None:
        part = next((p for p in ("test", "val", "train") if data.size(p)), "train")
        x, y = data.parts[part]
        step = max(1, len(y) // MAX_CODES)
        self.inputs = data.transform(x[::step], training=False)
        self.labels = y[::step].to("cpu").numpy().astype(np.int64) if y.dtype == torch.int64 else np.zeros(0, np.int64)
        self.pictures = len(data.input_shape) == 3
        self.originals = x[::step][:SHOWN].to("cpu").numpy().copy() if self.pictures else None
        self.class_names = data.class_names
        self.latent_size = latent_size
        shape = (1, *data.normalization.shape_for(data.input_shape))
        norm = data.normalization
        self._mean = torch.tensor(norm.mean, dtype=torch.float32, device=data.device).reshape(shape)
        self._std = torch.tensor(norm.std, dtype=torch.float32, device=data.device).reshape(shape)
        self._scale = norm.scale
        generator = torch.Generator().manual_seed(seed)
        self.prior = torch.randn(SHOWN, latent_size, generator=generator).to(data.device) if variational else None

    def _to_pixels(self, out: torch.Tensor) -> np.ndarray:
        """Rebuilt inputs (the network's units) as the data holds pictures: uint8 from 0 to 255."""
        raw = (out.float() * self._std + self._mean) / self._scale
        return raw.round().clamp(0, 255).to(torch.uint8).cpu().numpy()

    def snapshot(self, model: nn.Module, epoch: int, restored: bool = False) -> LatentSnapshot:
        """The views of `model` now, in eval mode (its own mode restored afterwards)."""
        assert isinstance(model, Autoencoder)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                codes = torch.cat([model.encode(chunk)[0] for chunk in torch.split(self.inputs, 1024)])
                rebuilt = self._to_pixels(model.decode(codes[:SHOWN])) if self.pictures else None
                prior = self.prior if self.pictures else None
                samples = self._to_pixels(model.decode(prior)) if prior is not None else None
                walk, words = self._walk(model, codes)
        finally:
            model.train(was_training)
        return LatentSnapshot(
            epoch,
            self.latent_size,
            self.originals,
            rebuilt,
            samples,
            on_plane(codes).cpu().numpy(),
            self.labels,
            self.class_names,
            walk,
            WALK,
            words,
            restored,
        )

    def _walk(self, model: Autoencoder, codes: torch.Tensor) -> tuple[np.ndarray | None, str]:
        """A 2-D latent: the plane decoded on a grid. More code values: straight lines from one test
        picture's code to another's, one line a row."""
        if not self.pictures:
            return None, ""
        steps = torch.linspace(0, 1, WALK, device=codes.device)
        if self.latent_size == 2:
            reach = WALK_REACH if self.prior is not None else float(codes.abs().max().clamp(min=1e-3))
            axis = torch.linspace(-reach, reach, WALK, device=codes.device)
            ys, xs = torch.meshgrid(axis.flip(0), axis, indexing="ij")  # rows go down the y axis
            grid = torch.stack([xs.reshape(-1), ys.reshape(-1)], 1)
            words = _("the plane from {low} to {high} on both axes").format(low=f"{-reach:g}", high=f"{reach:g}")
            return self._to_pixels(model.decode(grid)), words
        rows = min(4, len(codes) // 2)
        starts, ends = codes[:rows], codes[rows : 2 * rows]
        line = starts[:, None, :] + steps[None, :, None] * (ends - starts)[:, None, :]
        pictures = self._to_pixels(model.decode(line.reshape(-1, self.latent_size)))
        return pictures, _("from one test picture's code to another's")


def on_plane(codes: torch.Tensor) -> torch.Tensor:
    """Codes with two values as they are; more, along their two principal directions."""
    if codes.shape[1] <= 2:
        return codes.float()
    centred = codes.float() - codes.float().mean(0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    projected: torch.Tensor = centred @ v[:2].T
    return projected
