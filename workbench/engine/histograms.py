"""Weight and gradient histograms, computed on the training device with a fixed bin count."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .events import HistogramSnapshot, LayerHistogram


def weight_layers(model: nn.Module) -> list[tuple[str, list[nn.Parameter]]]:
    """Every layer that has weights, with its weight tensors (biases and norm offsets left out),
    named as the layer list numbers them: "1: Linear" for the first layer of the stack."""
    layers = []
    named = getattr(model, "named_layers", None)  # an autoencoder names its encoder's, code's and decoder's
    children = named() if named is not None else model.named_children()
    for name, module in children:
        weights = [p for n, p in module.named_parameters() if "weight" in n.rsplit(".", 1)[-1]]
        if weights:
            number = str(int(name) + 1) if name.isdigit() else name
            inner = getattr(module, "rnn", module)  # a recurrent layer's wrapper (LastStep, EveryStep): its RNN
            layers.append((f"{number}: {type(inner).__name__}", weights))
    return layers


def _histogram(values: torch.Tensor, bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Counts and (min, max) on the device; no transfer to the host here."""
    lo_hi = torch.stack(torch.aminmax(values)).to(torch.float32)
    counts = torch.histc(values.to(torch.float32), bins=bins)  # range from the data, as lo_hi
    return counts, lo_hi


def _edges(lo: float, hi: float, bins: int) -> np.ndarray:
    if lo == hi:  # torch.histc widens an empty range the same way
        lo, hi = lo - 1.0, hi + 1.0
    return np.linspace(lo, hi, bins + 1, dtype=np.float32)


class HistogramRecorder:
    """Takes snapshots of one model's weight (and gradient) distributions."""

    def __init__(self, model: nn.Module, bins: int = 40) -> None:
        self.bins = bins
        self.layers = weight_layers(model)

    def snapshot(self, step: int, epoch: int, gradients: bool = True) -> HistogramSnapshot:
        """Histograms of every weight layer; one device-to-host copy for all of them."""
        parts: list[torch.Tensor] = []
        has_grad: list[bool] = []
        with torch.no_grad():
            for _, weights in self.layers:
                w = torch.cat([p.detach().reshape(-1) for p in weights])
                parts.extend(_histogram(w, self.bins))
                grads = [p.grad.reshape(-1) for p in weights if p.grad is not None]
                has_grad.append(gradients and len(grads) == len(weights))
                if has_grad[-1]:
                    parts.extend(_histogram(torch.cat(grads), self.bins))
            host = torch.cat(parts).cpu().numpy() if parts else np.zeros(0, np.float32)
        out = []
        cursor = 0
        size = self.bins + 2  # counts, then min and max

        def take() -> tuple[np.ndarray, np.ndarray]:
            nonlocal cursor
            block = host[cursor : cursor + size]
            cursor += size
            return block[: self.bins].copy(), _edges(float(block[-2]), float(block[-1]), self.bins)

        for (name, _), grad in zip(self.layers, has_grad, strict=True):
            counts, edges = take()
            g_counts, g_edges = take() if grad else (None, None)
            out.append(LayerHistogram(name, counts, edges, g_counts, g_edges))
        return HistogramSnapshot(step, epoch, tuple(out))
