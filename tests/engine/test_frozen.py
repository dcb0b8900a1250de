"""Frozen layers: training leaves their weights (and a BatchNorm layer's statistics) as they are,
the optimizer holds only the rest, and health does not take a still layer for one that fails."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.engine.helpers import tiny
from tests.engine.test_health import RELUS, digits, flags, reports
from tests.engine.test_script import Case, assert_replayed, replay
from workbench.engine import Trainer
from workbench.engine.builder import build_model
from workbench.engine.lr_finder import find_lr
from workbench.engine.optim import build_optimizer
from workbench.engine.script import script_parts

FROZEN_MLP = [
    {"type": "Linear", "out_features": 16, "frozen": True},
    {"type": "BatchNorm1d", "frozen": True},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 8},
    {"type": "BatchNorm1d"},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]


def test_training_leaves_frozen_weights_and_statistics_and_changes_the_rest() -> None:
    experiment = tiny(FROZEN_MLP, l1=1e-3, optimizer={"name": "AdamW", "lr": 0.01, "weight_decay": 0.1})
    trainer = Trainer(experiment)
    trainer.fit()
    assert trainer.model is not None
    before = {k: v for k, v in trainer.model.state_dict().items()}
    torch.manual_seed(experiment.training.seed)
    fresh = build_model(experiment).state_dict()
    frozen = [k for k in fresh if k.split(".")[0] in ("0", "1") and k != "1.num_batches_tracked"]
    assert {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"} <= set(frozen)
    for key in frozen:
        assert torch.equal(before[key], fresh[key]), key
    for key in ("3.weight", "4.running_mean", "6.weight"):
        assert not torch.equal(before[key], fresh[key]), key


def test_the_optimizer_holds_only_what_trains() -> None:
    experiment = tiny(FROZEN_MLP)
    model = build_model(experiment)
    optimizer = build_optimizer(model, experiment.training.optimizer)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    trained = {id(p) for name, p in model.named_parameters() if name.split(".")[0] not in ("0", "1")}
    assert held == trained


def test_the_learning_rate_test_keeps_frozen_statistics() -> None:
    experiment = tiny(FROZEN_MLP)
    torch.manual_seed(experiment.training.seed)
    fresh = build_model(experiment)
    fresh.train()
    assert not fresh[1].training and fresh[4].training  # a frozen BatchNorm stays in evaluation mode
    assert len(find_lr(experiment, steps=12).lrs) == 12  # runs with frozen layers


def test_a_frozen_layer_is_not_flagged_for_barely_learning() -> None:
    layers = [dict(row) for row in RELUS]
    layers[3]["frozen"] = True
    said = reports(digits(layers, 0.05))
    assert flags(said) == set()
    assert all(h.update is None for report in said for h in report.layers if h.layer == 3)


def test_frozen_layers_replay_in_the_exported_script(tmp_path: Path) -> None:
    case = Case("frozen", tiny(FROZEN_MLP, l1=1e-3, optimizer={"name": "AdamW", "lr": 0.01, "weight_decay": 0.1}))
    (done,) = replay([case], tmp_path)
    assert_replayed(done)


def test_the_scripts_optimizer_is_given_only_what_trains() -> None:
    experiment = tiny(FROZEN_MLP)
    parts = {part.title: part.code for part in script_parts(experiment, (2,), "frozen")}
    assert "[p for p in model.parameters() if p.requires_grad]" in parts["The optimizer"]
    plain = {part.title: part.code for part in script_parts(tiny(), (2,), "plain")}
    assert "torch.optim.SGD(\n        model.parameters()," in plain["The optimizer"]


def test_residual_blocks_with_frozen_layers_replay_in_the_exported_script(tmp_path: Path) -> None:
    inner = [
        {"type": "Linear", "out_features": 16},
        {"type": "BatchNorm1d", "frozen": True},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 8},
    ]
    same = [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}]
    layers = [{"type": "Linear", "out_features": 16}, {"type": "Residual", "layers": inner}]
    layers += [{"type": "Residual", "layers": same}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
    case = Case("residual", tiny(layers, optimizer={"name": "Adam", "lr": 0.01}))
    (done,) = replay([case], tmp_path)
    assert_replayed(done)
    assert done.trainer is not None and done.trainer.model is not None
    torch.manual_seed(case.experiment.training.seed)
    fresh = build_model(case.experiment).state_dict()
    for key in ("1.body.1.weight", "1.body.1.running_mean"):
        assert torch.equal(done.trainer.model.state_dict()[key], fresh[key]), key
    assert not torch.equal(done.trainer.model.state_dict()["1.projection.weight"], fresh["1.projection.weight"])
