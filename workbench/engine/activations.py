"""What every layer makes of one example: feature maps, unit outputs, a hidden state over the steps.

Computed where the network lives (the training process) and sent to the window as small arrays:
the first MAX_MAPS channels of a convolution's feature maps, the first MAX_UNITS values of a
vector, a recurrent layer's state at every step. The run's own model is untouched (the weights of
another epoch go into a copy) and is evaluated in eval mode, as testing does.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from ..spec import Task
from .data import rows_as_pictures
from .events import Activations, LayerOutput
from .trained import TrainedNetwork

MAX_MAPS = 32  # feature maps per layer: enough to see what a layer looks for, small to send
MAX_UNITS = 256
MAX_STEPS = 512
MAX_FILTERS = 64


def named_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every layer, named as the layer list numbers it ("1: Conv2d"; an autoencoder's "code",
    "decoder 1: Linear")."""
    named = getattr(model, "named_layers", None)
    children = named() if named is not None else model.named_children()
    layers = []
    for name, module in children:
        number = str(int(name) + 1) if name.isdigit() else name
        inner = getattr(module, "rnn", module)  # a recurrent layer's wrapper: its RNN
        layers.append((f"{number}: {type(inner).__name__}", module))
    return layers


def layer_output(name: str, output: torch.Tensor) -> LayerOutput:
    """One layer's output for one example (batch of one), cut to what is worth sending."""
    out = output[0].detach().float().cpu()
    shape = tuple(out.shape)
    if out.dim() == 3:
        return LayerOutput(name, "maps", shape, out[:MAX_MAPS].numpy().copy())
    if out.dim() == 2:
        return LayerOutput(name, "steps", shape, out[:MAX_STEPS, :MAX_UNITS].numpy().copy())
    return LayerOutput(name, "units", shape, out.reshape(-1)[:MAX_UNITS].numpy().copy())


def _capture(model: nn.Module, x: torch.Tensor) -> tuple[list[LayerOutput], torch.Tensor]:
    """Run `x` (one example) through the model, keeping what every layer makes of it; a recurrent
    layer gives its hidden state at every step (its RNN's output), not only the last."""
    layers = named_layers(model)
    captured: dict[str, torch.Tensor] = {}
    hooks = []
    for name, module in layers:
        watched = getattr(module, "rnn", module)

        def keep(_m: nn.Module, _i: object, out: object, name: str = name) -> None:
            captured[name] = out[0] if isinstance(out, tuple) else out  # type: ignore[assignment]

        hooks.append(watched.register_forward_hook(keep))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            result = model(x)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    outputs = [layer_output(name, captured[name]) for name, _ in layers if isinstance(captured.get(name), torch.Tensor)]
    return outputs, result


def first_filters(model: nn.Module) -> np.ndarray | None:
    """The first 2-D convolution's filters (out, in, kh, kw): what its feature maps look for."""
    conv = next((m for _, m in named_layers(model) if isinstance(m, nn.Conv2d)), None)
    return conv.weight.detach()[:MAX_FILTERS].float().cpu().numpy().copy() if conv is not None else None


def shown_split(trained: TrainedNetwork) -> str:
    """The split whose examples are looked at: the test split, else the validation split."""
    return "test" if trained.data.size("test") else "val"


def next_mistake(trained: TrainedNetwork, model: nn.Module, split: str, after: int) -> int | None:
    """The first example after `after` (wrapping round) the model answers wrongly; None if none."""
    data = trained.data
    if data.task is not Task.CLASSIFICATION:
        return None
    was_training = model.training
    model.eval()
    with torch.no_grad():
        answers = torch.cat([model(x).argmax(1).cpu() for x, _ in data.eval_batches(split)])
    model.train(was_training)
    wrong = torch.nonzero(answers != data.parts[split][1].cpu()).flatten().tolist()
    return next((i for i in wrong if i > after), wrong[0] if wrong else None)


def activations(
    trained: TrainedNetwork,
    weights: Mapping[str, torch.Tensor] | None,
    example: int,
    epoch: int | None = None,
    mistake: bool = False,
) -> Activations:
    """Every layer's output for `example` of the test split (the validation split without one) at
    `weights` (None: those the run ended with); with `mistake`, for the next example after it the
    network gets wrong (the same one when there is none)."""
    data = trained.data
    split = shown_split(trained)
    count = data.size(split)
    if not count:
        raise ValueError("the data has no test or validation samples to look at")
    model = trained.network(weights)
    example = min(max(example, 0), count - 1)
    if mistake:
        found = next_mistake(trained, model, split, example)
        example = found if found is not None else example
    raw, labels = data.parts[split]
    x = data.transform(raw[example : example + 1], training=False)
    layers, result = _capture(model, x)
    truth = answer = confidence = None
    if data.task is Task.CLASSIFICATION and not trained.experiment.network.is_autoencoder:
        probabilities = torch.softmax(result.float(), dim=1)[0]
        truth, answer = int(labels[example]), int(probabilities.argmax())
        confidence = float(probabilities[answer])
    return Activations(
        epoch,
        split,
        example,
        count,
        _picture(trained, raw[example : example + 1]),
        x[0].float().cpu().numpy().copy(),
        truth,
        answer,
        confidence,
        tuple(data.class_names or ()),
        tuple(layers),
        first_filters(model),
    )


def _picture(trained: TrainedNetwork, raw: torch.Tensor) -> np.ndarray | None:
    """The example as the picture it is (pictures read row by row shown whole again), else None."""
    data = trained.data
    if raw.dtype != torch.uint8:
        return None
    if raw.dim() == 4:
        return raw[0].cpu().numpy().copy()
    if raw.dim() == 3 and data.row_channels is not None:
        return rows_as_pictures(raw.cpu(), data.row_channels)[0].numpy().copy()
    return None
