"""Start a network from a trained one: each layer that has a layer of the same kind and the same
shapes at the same place in a Workbench model file takes its weights (and a BatchNorm layer its
statistics); the others keep the fresh weights their seed gave them.

The file is read only through `model_file.load_model` (`torch.load(weights_only=True)`, its
archive, fields and weights checked), and its SHA-256 is kept with the run, so a run says which
file it started from.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from torch import nn

from .events import LayerStart, StartReport
from .health import Place, places


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kind(module: nn.Module) -> str:
    """A layer's PyTorch class: a recurrent layer's own, not its wrapper's (LastStep)."""
    rnn = getattr(module, "rnn", None)
    return type(rnn if isinstance(rnn, nn.Module) else module).__name__


def _frozen(module: nn.Module) -> bool:
    return not any(p.requires_grad for p in module.parameters())


def _layer_start(place: Place, own: nn.Module, theirs: nn.Module | None) -> LayerStart:
    (part, index, prefix), kind, frozen = place, _kind(own), _frozen(own)
    if theirs is None:
        return LayerStart(part, index, kind, "missing", frozen, prefix=prefix)
    if _kind(theirs) != kind:
        return LayerStart(part, index, kind, "kind", frozen, file_kind=_kind(theirs), prefix=prefix)
    ours, their_state = own.state_dict(), theirs.state_dict()
    for name, tensor in ours.items():
        found = their_state.get(name)
        if found is None or found.shape != tensor.shape:
            shape = tuple(found.shape) if found is not None else ()
            return LayerStart(part, index, kind, "shape", frozen, "", name, shape, tuple(tensor.shape), prefix)
    own.load_state_dict(their_state)
    return LayerStart(part, index, kind, "copied", frozen, prefix=prefix)


def start_from(model: nn.Module, path: Path, memory_limit: int | None = None) -> StartReport:
    """Copy into `model` the weights of every layer that matches the model file's layer at the
    same place (same kind and shapes); ModelFileError when the file cannot be read safely."""
    from .model_file import load_model

    loaded = load_model(path, memory_limit)
    theirs = {(part, index): module for (part, index, _prefix), module in places(loaded.module.network)}
    layers = tuple(
        _layer_start(place, module, theirs.get(place[:2]))
        for place, module in places(model)
        if next(iter(module.state_dict()), None) is not None  # layers with weights or statistics
    )
    return StartReport(str(path), sha256_of(path), layers)
