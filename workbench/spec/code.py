"""The network as plain PyTorch source: an `nn.Module` class a student can read, run and keep.

Each layer is written with PyTorch's own name and every argument spelled out, the sizes the
shapes imply (`in_features`, `in_channels`) included, with the arithmetic in a comment above it
(`in_features = 32 * 2 * 2 = 128: the (32, 2, 2) maps before it, flattened`). The modules are
created in the order, and kept under the names, of the network the workbench trains, so a
model file's weights load into it (`load_state_dict`) and the same seed initializes it alike.
No torch here: the text only.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .errors import Problem, SpecError
from .layers import Layer, Recurrent, Residual, projection
from .network import LayerInfo, NetworkSpec
from .shapes import Shape, format_shape, numel

INDENT = "    "
LINE_WIDTH = 116  # longer layer lines are wrapped, one argument a line

# Helpers the class needs besides torch.nn: a recurrent layer's wrappers (PyTorch's RNNs return
# a tuple; a stack wants one tensor) and torchvision's Permute.
LAST_STEP = '''class LastStep(nn.Module):
    """Runs an RNN/LSTM/GRU over (batch, steps, features) and returns its final state (both
    directions' joined for a bidirectional one)."""

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return h_n[-1]'''

EVERY_STEP = '''class EveryStep(nn.Module):
    """Runs an RNN/LSTM/GRU and returns its output at every step, for another recurrent layer."""

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rnn(x)[0]'''


RESIDUAL = '''class Residual(nn.Module):
    """A residual block: its layers' output plus its input (through `projection`, a 1x1 convolution
    or a Linear layer, where the layers change the shape; nn.Identity where they keep it)."""

    def __init__(self, body: nn.Sequential, projection: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.projection(x)'''


def _every_row(rows: list[LayerInfo]) -> list[LayerInfo]:
    """The rows and, after each residual block's, its layers' rows."""
    return [r for row in rows for r in (row, *row.inner)]


def recurrent_helpers(rows: list[LayerInfo]) -> str:
    """The classes the network's layers need besides torch.nn (PyTorch's RNNs return a tuple, a
    stack wants one tensor; a residual block adds its input), as source, each followed by two blank
    lines; "" when none."""
    every = _every_row(rows)
    outputs = {r.layer.output for r in every if isinstance(r.layer, Recurrent)}
    used = [text for output, text in (("last", LAST_STEP), ("sequence", EVERY_STEP)) if output in outputs]
    if any(isinstance(r.layer, Residual) for r in every):
        used.append(RESIDUAL)
    return "".join(f"\n\n{text}\n" for text in used)


def _value(value: Any) -> str:
    """A constructor argument as Python source (tuples stay tuples, lists lists)."""
    return repr(value)


def arithmetic(
    name: str,
    value: Any,
    before: Shape,
    unflattened: Shape | None = None,
    source: str = "outputs of the layer before it",
) -> str:
    """How an inferred size follows from the shape before the layer (`unflattened`: that shape
    before a Flatten just above; `source`: what gives those values, for a first layer "values of
    each input" or "numbers of the code"), in words and numbers."""
    if unflattened is not None and isinstance(value, int) and value == numel(unflattened):
        before = unflattened
    if isinstance(value, int) and len(before) > 1 and value == numel(before):
        product = " * ".join(str(d) for d in before)
        return f"{name} = {product} = {value}: the {format_shape(before)} values before it, flattened"
    if name == "input_size" and isinstance(value, int) and len(before) > 1 and value == before[-1]:
        return f"{name} = {value}: the features of each step of its input {format_shape(before)}"
    if isinstance(value, int) and len(before) > 1 and value == before[0]:
        return f"{name} = {value}: the channels of its input {format_shape(before)}"
    if isinstance(value, int) and len(before) == 1 and value == before[0]:
        return f"{name} = {value}: the {value} {source}"
    return f"{name} = {_value(value)}: from its input {format_shape(before)}"


def layer_source(layer: Layer, row: LayerInfo) -> str:
    """One layer's constructor call, every argument named (the inferred sizes first, as PyTorch's
    signatures have them)."""
    kwargs = {**row.inferred, **layer.arguments()}
    if isinstance(layer, Recurrent):
        args = ", ".join(f"{k}={_value(v)}" for k, v in kwargs.items())
        wrapper = "LastStep" if layer.output == "last" else "EveryStep"
        return f"{wrapper}(nn.{layer.type}({args}, batch_first=True))"
    args = ", ".join(f"{k}={_value(v)}" for k, v in kwargs.items())
    module = "Permute" if layer.type == "Permute" else f"nn.{layer.type}"
    return f"{module}({args})"


def _layer_lines(rows: list[LayerInfo], depth: int, first: str = "values of each input") -> list[str]:
    """A Sequential's arguments: each layer with its comment (what it receives and makes);
    `first`: what the first layer receives."""
    pad = INDENT * depth
    lines = []
    for n, row in enumerate(rows):
        said = [f"{row.number}. {format_shape(row.input_shape)} -> {format_shape(row.output_shape or ())}"]
        flat = rows[n - 1].input_shape if n and rows[n - 1].layer.type == "Flatten" else None
        source = first if n == 0 else "outputs of the layer before it"
        said += [arithmetic(k, v, row.input_shape, flat, source) for k, v in row.inferred.items()]
        lines += [f"{pad}# {words}" for words in said]
        if isinstance(row.layer, Residual):
            lines += _block_lines(row, depth, source)
        else:
            lines += _wrapped(f"{pad}{layer_source(row.layer, row)},", pad)
    return lines


def _block_lines(row: LayerInfo, depth: int, source: str) -> list[str]:
    """A residual block: `Residual(nn.Sequential(its layers), the projection)`."""
    pad, inner = INDENT * depth, INDENT * (depth + 1)
    found = projection(row.input_shape, row.output_shape or ())
    if found is None:
        shortcut, why = "nn.Identity()", f"its input {format_shape(row.input_shape)} is added as it is"
    else:
        arguments = ", ".join(f"{k}={v!r}" for k, v in found.arguments().items())
        shortcut = f"nn.{found.kind}({arguments})"
        why = f"{format_shape(row.input_shape)} -> {format_shape(row.output_shape or ())}, to be added"
    return [
        f"{pad}Residual(",
        f"{inner}nn.Sequential(",
        *_layer_lines(list(row.inner), depth + 2, source),
        f"{inner}),",
        f"{inner}# the shortcut: {why}",
        f"{inner}{shortcut},",
        f"{pad}),",
    ]


def _wrapped(line: str, pad: str) -> list[str]:
    """A layer's line as it is, or, past LINE_WIDTH, its outermost call's arguments one a line."""
    if len(line) <= LINE_WIDTH:
        return [line]
    head, _, rest = line.partition("(")
    inner, close = (rest[:-3], ")),") if rest.endswith(")),") else (rest[:-2], "),")
    if close == ")),":  # a recurrent wrapper: the RNN's own arguments one a line
        outer, _, inner = inner.partition("(")
        head, close = f"{head}({outer}", ")),"
    return [f"{head}(", *(f"{pad}{INDENT}{arg}," for arg in inner.split(", ")), f"{pad}{close}"]


def model_source(network: NetworkSpec, input_shape: Shape, name: str = "Net", imports: bool = True) -> str:
    """Python source defining class `name`: the network for inputs of `input_shape` (batch not
    counted), with the imports it needs (unless `imports` is False: see `model_imports`). Raises
    SpecError when the layers do not fit."""
    analysis = network.analyze(input_shape)
    if analysis.error is not None:
        row = analysis.rows[-1]
        raise SpecError([Problem(row.location, row.error or "")])
    head = model_imports(network, input_shape) if imports else []
    body = [*head, recurrent_helpers(list(analysis.rows))]
    out = format_shape(analysis.output_shape or ())
    if not network.is_autoencoder:
        body += [
            "",
            f"class {name}(nn.Sequential):",
            f'{INDENT}"""The layers in order: input {format_shape(input_shape)} -> output {out}."""',
            "",
            f"{INDENT}def __init__(self) -> None:",
            f"{INDENT * 2}super().__init__(",
            *_layer_lines(analysis.part("layers"), 3),
            f"{INDENT * 2})",
            *frozen_lines({"self": analysis.part("layers")}, name),
        ]
    else:
        features = analysis.part("latent")[0].input_shape[0]
        body += _autoencoder_lines(network, features, analysis.part("layers"), analysis.part("decoder"), name)
    return "\n".join(line for line in body if line is not None).strip() + "\n"


def model_imports(network: NetworkSpec, input_shape: Shape) -> list[str]:
    """The import lines the class of `model_source` needs."""
    permute = any(r.layer.type == "Permute" for r in network.analyze(input_shape).rows)
    return ["import torch", "from torch import nn"] + (["from torchvision.ops import Permute"] if permute else [])


WRAP = 96  # docstrings are wrapped at this width


def frozen_lines(parts: dict[str, list[LayerInfo]], name: str) -> list[str]:
    """The end of `__init__` that freezes the frozen layers of each part (`self.encoder`: its rows),
    and a `train` that keeps frozen BatchNorm layers' statistics; nothing when no layer is frozen."""
    places = {
        f"{where}[{r.index}]" if r.block is None else f"{where}[{r.block}].body[{r.index}]": r
        for where, rows in parts.items()
        for r in _every_row(rows)
    }
    frozen = [place for place, row in places.items() if row.frozen]
    if not frozen:
        return []
    norms = [place for place in frozen if "BatchNorm" in places[place].layer.type]
    pad, pad2 = INDENT, INDENT * 2
    lines = [
        f"{pad2}# Frozen: training leaves these layers' weights as they are.",
        f"{pad2}for layer in [{', '.join(frozen)}]:",
        f"{pad2}{INDENT}layer.requires_grad_(False)",
    ]
    if norms:
        lines += [
            "",
            f'{pad}def train(self, mode: bool = True) -> "{name}":',
            f'{pad2}"""Dropout and BatchNorm as in training, but a frozen BatchNorm keeps its statistics."""',
            f"{pad2}super().train(mode)",
            *(f"{pad2}{norm}.eval()" for norm in norms),
            f"{pad2}return self",
        ]
    return lines


def _docstring(text: str, width: int) -> list[str]:
    """A docstring's lines, wrapped to `width`."""
    lines = textwrap.wrap(text, width - 6)
    lines[0] = '"""' + lines[0]
    lines[-1] += '"""'
    return lines


def _autoencoder_lines(
    network: NetworkSpec, features: int, encoder: list[LayerInfo], decoder: list[LayerInfo], name: str
) -> list[str]:
    """An autoencoder: the encoder, the code's mean (and log-variance, for a VAE), the decoder;
    created in the workbench's order (encoder, decoder, then the code), so one seed gives the same
    starting weights."""
    spec = network.autoencoder
    code = f"nn.Linear(in_features={features}, out_features={spec.latent_size})"
    sigmoid = spec.reconstruction == "bce"  # the decoder gives logits: pictures through a sigmoid
    pad, pad2 = INDENT, INDENT * 2
    variational = spec.variational
    what = "A variational autoencoder (VAE)" if variational else "An autoencoder"
    code_is = "a mean and a log-variance of" if variational else "a code of"
    rebuilt = (
        "Inputs rebuilt from codes, from 0 to 1. The decoder gives logits, which training scores directly "
        "(binary cross entropy with logits); the sigmoid is for using the model afterwards."
        if sigmoid
        else "Inputs rebuilt from codes."
    )
    return [
        "",
        f"class {name}(nn.Module):",
        f'{pad}"""{what}: the encoder squeezes each input into {code_is} {spec.latent_size} numbers,',
        f'{pad}the decoder rebuilds the input from a code."""',
        "",
        f"{pad}def __init__(self) -> None:",
        f"{pad2}super().__init__()",
        f"{pad2}encoder = nn.Sequential(",
        *_layer_lines(encoder, 3),
        f"{pad2})",
        f"{pad2}decoder = nn.Sequential(",
        *_layer_lines(decoder, 3, "numbers of the code"),
        f"{pad2})",
        f"{pad2}self.encoder = encoder",
        f"{pad2}# the code: {features} features -> {spec.latent_size} numbers"
        + (", a mean and a log-variance each" if variational else ""),
        f"{pad2}self.mean = {code}",
        *([f"{pad2}self.log_var = {code}"] if variational else []),
        f"{pad2}self.decoder = decoder",
        *frozen_lines({"self.encoder": encoder, "self.decoder": decoder}, name),
        "",
        f"{pad}def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:",
        f'{pad2}"""The codes\' means and log-variances."""'
        if variational
        else f'{pad2}"""The codes (their means, as a VAE would say: a plain autoencoder has no spread)."""',
        f"{pad2}h = self.encoder(x)",
        f"{pad2}return self.mean(h), {'self.log_var(h)' if variational else 'None'}",
        "",
        f"{pad}def decode(self, z: torch.Tensor) -> torch.Tensor:",
        *(f"{pad2}{line}" for line in _docstring(rebuilt, WRAP - len(pad2))),
        f"{pad2}return torch.sigmoid(self.decoder(z))" if sigmoid else f"{pad2}return self.decoder(z)",
        "",
        f"{pad}def forward(self, x: torch.Tensor) -> torch.Tensor:",
        f"{pad2}return self.decode(self.encode(x)[0])",
    ]
