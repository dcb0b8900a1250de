"""The network as PyTorch source: the class it defines is the network the workbench trains, weight for
weight (the same names and shapes, the same starting weights from the same seed), for every layer type,
the presets and autoencoders; and its comments do the arithmetic of the inferred sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.spec.test_layers_vs_torch import CASES
from workbench.engine import build_network
from workbench.spec import ExperimentSpec, NetworkSpec, load_preset, preset_names, presets_dir
from workbench.spec.code import model_source


def _made(source: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace["Net"]


def _same_network(network: NetworkSpec, input_shape: tuple[int, ...]) -> None:
    torch.manual_seed(5)
    ours = build_network(network, input_shape)
    torch.manual_seed(5)
    theirs = _made(model_source(network, input_shape))()
    mine, written = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(written)
    assert all(torch.equal(mine[k], written[k]) for k in mine)  # created in the same order: the same draws
    ours.eval(), theirs.eval()
    x = torch.randn(3, *input_shape)
    assert torch.allclose(ours(x), theirs(x))


@pytest.mark.parametrize(("input_shape", "layers"), CASES)
def test_every_layer_type_is_written_as_the_workbench_builds_it(
    input_shape: tuple[int, ...], layers: list[dict[str, object]]
) -> None:
    _same_network(NetworkSpec.model_validate({"layers": layers}), input_shape)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_s_network(name: str) -> None:
    experiment = ExperimentSpec.load(presets_dir() / f"{name}.json")
    _same_network(experiment.network, experiment.data_shape().input_shape)


def test_the_inferred_sizes_come_with_their_arithmetic() -> None:
    experiment = ExperimentSpec.load(presets_dir() / "digits_cnn.json")
    source = model_source(experiment.network, (1, 8, 8))
    assert "# in_features = 32 * 2 * 2 = 128: the (32, 2, 2) values before it, flattened" in source
    assert "nn.Linear(in_features=128, out_features=64, bias=True)," in source
    assert "# in_channels = 16: the channels of its input (16, 4, 4)" in source
    assert "workbench" not in source


def test_the_source_passes_ruff(tmp_path: Path) -> None:
    experiment = ExperimentSpec.load(presets_dir() / "digits_vae.json")
    path = tmp_path / "net.py"
    path.write_text(model_source(experiment.network, (1, 8, 8)))
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    done = subprocess.run([str(ruff), "check", "--isolated", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_the_comments_name_what_each_inferred_size_comes_from() -> None:
    lstm = load_preset("digits_lstm")
    text = model_source(lstm.network, (8, 8))
    assert "input_size = 8: the features of each step" in text  # a sequence's, not channels
    assert "class LastStep" in text and "class EveryStep" not in text  # only the wrappers used
    spiral = load_preset("spiral_mlp")
    assert "in_features = 2: the 2 values of each input" in model_source(spiral.network, (2,))
    vae = load_preset("digits_vae")
    text = model_source(vae.network, (1, 8, 8))
    assert "in_features = 2: the 2 numbers of the code" in text and "self.log_var = nn.Linear" in text
