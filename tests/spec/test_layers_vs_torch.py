"""The spec's shape inference must agree with torch exactly: every shape, every parameter."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.engine import build_network
from workbench.engine.autoencoder import Autoencoder
from workbench.engine.builder import ResidualBlock
from workbench.spec import LAYER_TYPES, ExperimentSpec, NetworkSpec, preset_names, presets_dir


def L(type_: str, **kw: object) -> dict[str, object]:
    return {"type": type_, **kw}


# (input shape, layers): together these use every layer type with non-default options.
CASES = [
    ((4,), [L("Linear", out_features=7), L("ReLU"), L("Linear", out_features=3, bias=False)]),
    (
        (3, 16, 16),
        [
            L("Conv2d", out_channels=5, kernel_size=3, stride=2, padding=1),
            L("BatchNorm2d"),
            L("GELU"),
            L("MaxPool2d", kernel_size=2),
            L("Dropout2d", p=0.2),
            L("Flatten"),
            L("Linear", out_features=4),
        ],
    ),
    (
        (1, 15, 13),
        [
            L("Conv2d", out_channels=4, kernel_size=4, bias=False),
            L("AvgPool2d", kernel_size=3, stride=2),
            L("LeakyReLU", negative_slope=0.2),
            L("AdaptiveAvgPool2d", output_size=2),
            L("Flatten"),
        ],
    ),
    (
        (2, 9, 9),
        [
            L("MaxPool2d", kernel_size=3, stride=1),
            L("AdaptiveAvgPool2d", output_size=1),
            L("Flatten"),
            L("BatchNorm1d"),
            L("SiLU"),
        ],
    ),
    (
        (6, 20),
        [
            L("Conv1d", out_channels=8, kernel_size=5, stride=2, padding=2),
            L("BatchNorm1d"),
            L("ELU", alpha=0.5),
            L("Conv1d", out_channels=3, kernel_size=3, bias=False),
            L("Flatten"),
            L("Dropout", p=0.1),
        ],
    ),
    ((3, 5, 5), [L("LayerNorm"), L("Flatten"), L("LayerNorm"), L("Sigmoid"), L("Tanh")]),
    ((7, 5), [L("RNN", hidden_size=6), L("Linear", out_features=2)]),
    ((7, 5), [L("LSTM", hidden_size=4, num_layers=2, bidirectional=True), L("Linear", out_features=2)]),
    ((9, 3), [L("GRU", hidden_size=5, num_layers=3), L("LayerNorm")]),
    ((9, 3), [L("GRU", hidden_size=5, bidirectional=True)]),
    ((9, 3), [L("RNN", hidden_size=2, num_layers=2, bidirectional=True)]),
    ((9, 3), [L("LSTM", hidden_size=3)]),
    # Sequences: every step's output into another recurrent layer, and the layers that make sequences.
    (
        (9, 3),
        [
            L("LSTM", hidden_size=4, num_layers=2, dropout=0.3, output="sequence"),
            L("GRU", hidden_size=5, bidirectional=True, output="sequence"),
            L("RNN", hidden_size=3),
        ],
    ),
    ((12,), [L("Unflatten", dim=1, unflattened_size=[-1, 2]), L("GRU", hidden_size=4), L("Linear", out_features=1)]),
    ((24,), [L("Unflatten", dim=-1, unflattened_size=[2, 3, 4]), L("Flatten")]),
    ((2, 12), [L("Unflatten", dim=2, unflattened_size=[3, -1]), L("Conv2d", out_channels=2, kernel_size=2)]),
    # A convolutional decoder's way up: 7x7 -> 14x14 -> 28x28, and odd sizes with output padding.
    (
        (8, 7, 7),
        [
            L("ConvTranspose2d", out_channels=4, kernel_size=4, stride=2, padding=1),
            L("ConvTranspose2d", out_channels=1, kernel_size=3, stride=2, padding=1, output_padding=1, bias=False),
        ],
    ),
    ((3, 5, 4), [L("ConvTranspose2d", out_channels=2, kernel_size=2, stride=3)]),
    (
        (4, 16),  # Conv1d reads (channels, length); a recurrent layer reads (steps, features)
        [
            L("Conv1d", out_channels=6, kernel_size=3),
            L("Permute", dims=[0, 2, 1]),
            L("GRU", hidden_size=5),
            L("Linear", out_features=3),
        ],
    ),
    ((2, 3, 4), [L("Permute", dims=[0, 3, 1, 2]), L("Flatten")]),
    (
        (3, 9, 9),
        [
            L("Residual", layers=[L("Conv2d", out_channels=3, padding=1), L("ReLU")]),  # added as it is
            L("Residual", layers=[L("Conv2d", out_channels=8, stride=2, padding=1), L("BatchNorm2d")]),  # 1x1, stride 2
            L(
                "Residual",
                layers=[L("Conv2d", out_channels=4, kernel_size=5), L("Conv2d", out_channels=4, kernel_size=1)],
            ),  # 5x5 -> 1x1
            L("Flatten"),
            L("Residual", layers=[L("Linear", out_features=6), L("Tanh")]),  # a Linear projection
        ],
    ),
]


def assert_agrees_with_torch(network: NetworkSpec, input_shape: tuple[int, ...]) -> None:
    analysis = network.analyze(input_shape)
    assert analysis.ok, analysis.error
    model = build_network(network, input_shape).eval()
    # An autoencoder's rows: its encoder's layers, the code (a mean, and a VAE's log-variance), its decoder's.
    modules = [*model.encoder, model.mean, *model.decoder] if isinstance(model, Autoencoder) else list(model)
    x = torch.randn(3, *input_shape)
    with torch.no_grad():
        for module, row in zip(modules, analysis.rows, strict=True):
            if isinstance(module, ResidualBlock):  # its own layers, one by one, then the sum
                inner = x
                for part, inner_row in zip(module.body, row.inner, strict=True):
                    inner = part(inner)
                    assert tuple(inner.shape[1:]) == inner_row.output_shape, inner_row.location
                    assert sum(p.numel() for p in part.parameters()) == inner_row.params, inner_row.location
            x = module(x)
            if isinstance(model, Autoencoder) and module is model.mean and model.log_var is not None:
                module = torch.nn.ModuleList([model.mean, model.log_var])
            assert tuple(x.shape[1:]) == row.output_shape, f"{row.location}: torch {tuple(x.shape[1:])}"
            torch_params = sum(p.numel() for p in module.parameters())
            assert torch_params == row.params, f"{row.location}: torch counts {torch_params}"
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    assert tuple(x.shape[1:]) == analysis.output_shape


@pytest.mark.parametrize(("input_shape", "layers"), CASES)
def test_shapes_and_counts_match_torch(input_shape: tuple[int, ...], layers: list[dict[str, object]]) -> None:
    assert_agrees_with_torch(NetworkSpec.model_validate({"layers": layers}), input_shape)


def test_cases_cover_every_layer_type() -> None:
    used = {layer["type"] for _, layers in CASES for layer in layers}
    assert used == set(LAYER_TYPES)


@pytest.mark.parametrize("name", preset_names())
def test_presets_match_torch(name: str) -> None:
    experiment = ExperimentSpec.load(presets_dir() / f"{name}.json")
    assert_agrees_with_torch(experiment.network, experiment.data_shape().input_shape)


def test_seed_network_has_545098_parameters() -> None:
    experiment = ExperimentSpec.load(presets_dir() / "seed_cifar10_cnn.json")
    analysis = experiment.analyze()
    assert analysis.total_params == 545_098
    assert sum(p.numel() for p in build_network(experiment.network, (3, 32, 32)).parameters()) == 545_098


windows = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["Conv2d", "MaxPool2d", "AvgPool2d", "Conv1d"]),
        "kernel_size": st.integers(1, 7),
        "stride": st.integers(1, 4),
        "padding": st.integers(0, 3),
    }
)


@settings(max_examples=60, deadline=None)
@given(window=windows, size=st.tuples(st.integers(1, 12), st.integers(1, 12)), channels=st.integers(1, 3))
def test_sliding_windows_agree_with_torch(window: dict[str, int], size: tuple[int, int], channels: int) -> None:
    """Where the spec says a window does not fit, torch refuses too; where it fits, shapes agree."""
    kind = window["kind"]
    layer: dict[str, object] = {"type": kind, "kernel_size": window["kernel_size"], "stride": window["stride"]}
    if kind.startswith("Conv"):
        layer.update(out_channels=2, padding=window["padding"])
    input_shape = (channels, size[0]) if kind == "Conv1d" else (channels, *size)
    network = NetworkSpec.model_validate({"layers": [layer]})
    analysis = network.analyze(input_shape)
    if analysis.ok:
        assert_agrees_with_torch(network, input_shape)
        return
    torch_module = getattr(torch.nn, kind)(
        **{k: v for k, v in layer.items() if k != "type" and k != "out_channels"},
        **({"in_channels": channels, "out_channels": 2} if kind.startswith("Conv") else {}),
    )
    with pytest.raises(RuntimeError):
        torch_module(torch.zeros(1, *input_shape))


@settings(max_examples=60, deadline=None)
@given(
    kernel=st.integers(1, 5),
    stride=st.integers(1, 4),
    padding=st.integers(0, 4),
    extra=st.integers(0, 3),
    size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
)
def test_transposed_convolutions_agree_with_torch(
    kernel: int, stride: int, padding: int, extra: int, size: tuple[int, int]
) -> None:
    """Where the spec refuses a transposed convolution, torch refuses too or gives nothing (an output
    of size 0); where it fits, shapes agree."""
    layer = {"type": "ConvTranspose2d", "out_channels": 2, "kernel_size": kernel, "stride": stride}
    layer.update(padding=padding, output_padding=extra)
    network = NetworkSpec.model_validate({"layers": [layer]})
    if network.analyze((1, *size)).ok:
        assert_agrees_with_torch(network, (1, *size))
        return
    try:
        out = torch.nn.ConvTranspose2d(1, 2, kernel, stride, padding, output_padding=extra)(torch.zeros(1, 1, *size))
    except (RuntimeError, ValueError):
        return
    assert 0 in out.shape[2:]


pictures = st.one_of(
    st.builds(lambda c, k, s, p: L("Conv2d", out_channels=c, kernel_size=k, stride=s, padding=p),
              st.integers(1, 6), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1)),
    st.just(L("ReLU")),
    st.just(L("BatchNorm2d")),
    st.just(L("MaxPool2d", kernel_size=2)),
)  # fmt: skip
blocks = st.lists(pictures, min_size=1, max_size=3).map(lambda inner: L("Residual", layers=inner))


@settings(max_examples=60, deadline=None)
@given(
    layers=st.lists(st.one_of(pictures, blocks), min_size=1, max_size=5),
    size=st.integers(3, 12),
    channels=st.integers(1, 3),
)
def test_random_stacks_with_residual_blocks_agree_with_torch(
    layers: list[dict[str, object]], size: int, channels: int
) -> None:
    """Stacks of convolutions, pooling and residual blocks (each holding a few of those): where the
    spec says they fit, every shape and count is torch's, the blocks' own layers' too."""
    network = NetworkSpec.model_validate({"layers": [*layers, L("Flatten"), L("Linear", out_features=3)]})
    if network.analyze((channels, size, size)).ok:
        assert_agrees_with_torch(network, (channels, size, size))
