"""Turn a network spec into a torch module whose shapes agree with the spec's inference."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..spec import ExperimentSpec, LayerInfo, NetworkAnalysis, NetworkSpec, Shape, SpecError
from ..spec.errors import Problem
from ..spec.layers import Layer, Recurrent, Residual, projection


class LastStep(nn.Module):
    """Runs an RNN/LSTM/GRU over (batch, steps, features) and returns the final state.

    For a bidirectional layer the forward direction's last state and the backward direction's
    last state (which has read the whole sequence from the end) are joined, as Keras does.
    """

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, state = self.rnn(x)
        h_n: torch.Tensor = state[0] if isinstance(state, tuple) else state
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return h_n[-1]


class EveryStep(nn.Module):
    """Runs an RNN/LSTM/GRU over (batch, steps, features) and returns every step's output,
    (batch, steps, hidden x directions), for another recurrent layer to read."""

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.rnn(x)[0]
        return out


class Stack(nn.Sequential):
    """`nn.Sequential` whose frozen BatchNorm layers (no parameter to train) stay in evaluation
    mode when it trains, so that they keep their statistics as they keep their weights."""

    def train(self, mode: bool = True) -> Stack:
        super().train(mode)
        for module in self:
            if isinstance(module, _BatchNorm) and not any(p.requires_grad for p in module.parameters()):
                module.eval()
        return self


class ResidualBlock(nn.Module):
    """A residual block: `body(x) + projection(x)`, the projection an `nn.Identity` when the body
    keeps the shape, else a 1x1 `nn.Conv2d` or an `nn.Linear` that matches it."""

    def __init__(self, body: nn.Sequential, projection: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x) + self.projection(x)
        return out


def shortcut(info: LayerInfo) -> nn.Module:
    """The projection of a residual block's row: what carries its input to its output's shape."""
    found = projection(info.input_shape, info.output_shape or ())
    if found is None:
        return nn.Identity()
    module_class: type[nn.Module] = getattr(nn, found.kind)
    return module_class(**found.arguments())


def build_layer(layer: Layer, info: LayerInfo) -> nn.Module:
    """The torch module for one analysed layer, with the inferred input sizes filled in; a frozen
    layer's parameters do not ask for gradients."""
    module = _module(layer, info)
    if info.frozen:
        module.requires_grad_(False)
    return module


def _module(layer: Layer, info: LayerInfo) -> nn.Module:
    if isinstance(layer, Residual):  # its layers first, then the projection: the order of the seed's draws
        body = Stack(*(build_layer(row.layer, row) for row in info.inner))
        return ResidualBlock(body, shortcut(info))
    kwargs = {**layer.arguments(), **info.inferred}
    if isinstance(layer, Recurrent):
        rnn_class: type[nn.RNNBase] = getattr(nn, layer.type)
        rnn = rnn_class(batch_first=True, **kwargs)
        return LastStep(rnn) if layer.output == "last" else EveryStep(rnn)
    if layer.type == "Permute":  # PyTorch's own is in torchvision (torch.nn has none)
        from torchvision.ops import Permute

        permute: nn.Module = Permute(**kwargs)
        return permute
    module_class: type[nn.Module] = getattr(nn, layer.type)
    return module_class(**kwargs)


def _checked(analysis: NetworkAnalysis) -> NetworkAnalysis:
    if analysis.error is not None:
        row = analysis.rows[-1]
        raise SpecError([Problem(row.location, row.error or "")])
    return analysis


def build_network(network: NetworkSpec, input_shape: Shape) -> nn.Module:
    """A `Stack` (an `nn.Sequential`) of the network's layers for inputs of `input_shape` (batch excluded);
    for an autoencoder an `Autoencoder` of an encoder, the latent code and a decoder."""
    analysis = _checked(network.analyze(input_shape))
    encoder = Stack(*(build_layer(row.layer, row) for row in analysis.part("layers")))
    if not network.is_autoencoder:
        return encoder
    from .autoencoder import Autoencoder

    latent = analysis.part("latent")[0]
    decoder = Stack(*(build_layer(row.layer, row) for row in analysis.part("decoder")))
    return Autoencoder(encoder, latent.input_shape[0], network.autoencoder, decoder)


def build_model(experiment: ExperimentSpec) -> nn.Module:
    """The experiment's network as a torch module, sized for the experiment's data."""
    return build_network(experiment.network, experiment.data_shape().input_shape)
