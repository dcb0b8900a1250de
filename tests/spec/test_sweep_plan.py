"""A sweep's plan and its verdict: the values of one setting, the seeds, and whether the best value's
lead is more than the seeds' spread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.helpers import tiny
from workbench.spec import ExperimentSpec, SpecError, load_preset
from workbench.spec.sweep import (
    MAX_RUNS,
    ValueResult,
    Vary,
    Verdict,
    compare,
    log_spaced,
    plan,
    variants_of,
    with_value,
)


def test_values_are_read_as_json_else_as_text() -> None:
    assert Vary.parse("training.optimizer.lr=1e-4,1e-3,1e-2") == Vary("training.optimizer.lr", (1e-4, 1e-3, 1e-2))
    assert Vary.parse("training.optimizer.name=SGD,Adam").values == ("SGD", "Adam")
    assert Vary.parse("dataset.augment.horizontal_flip=true,false").values == (True, False)
    assert Vary.parse("training.optimizer.lr=1e-4..1e-1:4").values == (0.0001, 0.001, 0.01, 0.1)
    assert log_spaced(0.001, 0.1, 3) == [0.001, 0.01, 0.1]
    assert Vary.parse("training.optimizer.nesterov=true,1").values == (True, 1)  # a switch is not a number


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("training.optimizer.lr", "write it as SETTING=VALUE,VALUE,..."),
        ("=1,2", "write it as SETTING=VALUE,VALUE,..."),
        ("training.epochs=3,3", "a value is listed twice"),
        ("training.optimizer.lr=1,1.0", "a value is listed twice"),  # one value, two spellings
        ("training.optimizer.lr=1..0.1:3", "needs 0 < LOW < HIGH"),
        ("training.optimizer.lr=1e-4..1e-1:1", "from 2 to 50 values"),
    ],
)
def test_a_vary_that_cannot_be_read_says_how_to_write_it(text: str, said: str) -> None:
    with pytest.raises(ValueError) as caught:
        Vary.parse(text)
    assert said in str(caught.value)


def test_a_value_is_put_at_its_place_in_the_experiment() -> None:
    base = load_preset("digits_mlp")
    assert with_value(base, "training.optimizer.lr", 0.5).training.optimizer.lr == 0.5
    wider = with_value(base, "network.layers[1].out_features", 7)
    assert wider.network.layers[1].out_features == 7  # type: ignore[attr-defined]
    assert wider.network.layers[2:] == base.network.layers[2:] and wider.training == base.training


def test_a_new_kind_keeps_the_settings_it_takes() -> None:
    """Adam to SGD: the rate and the weight decay stay, Adam's betas go."""
    adam = load_preset("spiral_mlp")
    assert adam.training.optimizer.name == "Adam"
    sgd = with_value(adam, "training.optimizer.name", "SGD").training.optimizer
    assert sgd.name == "SGD" and sgd.lr == adam.training.optimizer.lr
    assert not hasattr(sgd, "betas")


@pytest.mark.parametrize(
    ("path", "value", "where", "said"),
    [
        ("training.optimizer.rate", 0.1, "training.optimizer.rate", "is not a setting of this experiment"),
        ("network.layers[9].out_features", 3, "network.layers[9].out_features", "is not a setting"),
        ("training..epochs", 3, "training..epochs", "is not a setting"),
        ("training.optimizer.lr", -1, "training.optimizer.lr", "must be > 0"),
        ("training.epochs", True, "training.epochs", "must be a whole number"),
    ],
)
def test_a_value_that_does_not_fit_names_its_place(path: str, value: object, where: str, said: str) -> None:
    with pytest.raises(SpecError) as caught:
        with_value(load_preset("digits_mlp"), path, value)
    assert [(p.path, said in p.message) for p in caught.value.problems] == [(where, True)]


def test_the_plan_is_each_value_with_each_seed() -> None:
    base = tiny(seed=7)
    runs = plan(base, Vary("training.optimizer.lr", (0.1, 0.01)), 3)
    assert [(r.value, r.seed) for r in runs] == [(0.1, 7), (0.1, 8), (0.1, 9), (0.01, 7), (0.01, 8), (0.01, 9)]
    assert [r.experiment.training.seed for r in runs] == [7, 8, 9, 7, 8, 9]
    assert [r.experiment.training.optimizer.lr for r in runs] == [0.1] * 3 + [0.01] * 3
    assert len({r.name for r in runs}) == 6 and runs[0].name == "lr=0.1-seed7"
    assert [r.name for r in plan(base, None, 2)] == ["seed7", "seed8"]
    with pytest.raises(SpecError, match="a sweep takes at most"):
        plan(base, Vary("training.epochs", tuple(range(1, 12))), MAX_RUNS // 10 + 1)


def test_the_verdict_weighs_the_lead_against_the_spread() -> None:
    same = compare([ValueResult(0.1, (0.9, 0.9)), ValueResult(0.01, (0.9, 0.9))], higher_is_better=True)
    assert same.verdict is Verdict.NOT_REAL and same.difference == 0
    close = compare([ValueResult("a", (0.90, 0.95, 0.85)), ValueResult("b", (0.91, 0.86, 0.96))], True)
    assert close.verdict is Verdict.NOT_REAL and close.best.value == "b" and close.p_value is not None
    far = compare([ValueResult(1e-5, (0.33, 0.35, 0.31)), ValueResult(1e-2, (0.95, 0.97, 0.96))], True)
    assert far.verdict is Verdict.REAL and far.best.value == 1e-2 and far.difference == pytest.approx(0.63)
    lower = compare([ValueResult("a", (0.5, 0.52, 0.51)), ValueResult("b", (0.2, 0.21, 0.19))], False)
    assert lower.verdict is Verdict.REAL and lower.best.value == "b"
    assert compare([ValueResult("a", (0.5,)), ValueResult("b", (0.6,))], True).verdict is Verdict.ONE_SEED
    assert compare([ValueResult("a", (0.5, 0.6))], True).verdict is Verdict.ONE_VALUE


def test_welch_s_test_agrees_with_scipy() -> None:
    """p-values scipy.stats.ttest_ind(equal_var=False) gives for the same samples."""
    from workbench.spec.sweep import welch_p

    assert welch_p((1, 2, 3, 4, 5), (2, 3, 4, 5, 9)) == pytest.approx(0.2937254912355014, rel=1e-9)
    assert welch_p((0.33, 0.35, 0.31), (0.95, 0.97, 0.96)) == pytest.approx(2.2586159266404024e-05, rel=1e-9)
    assert welch_p((0.5, 0.6), (0.55, 0.9)) == pytest.approx(0.4938577134888539, rel=1e-9)
    assert welch_p((0.7, 0.7), (0.7, 0.7)) == 1.0 and welch_p((0.7, 0.7), (0.8, 0.8)) == 0.0


def test_a_version_1_file_opens_as_version_2_and_round_trips(tmp_path: Path) -> None:
    """Version 2 added variants: a version-1 file (none) migrates and is otherwise the same, written back
    as version 2 without an empty variants list."""
    document = json.loads(load_preset("spiral_mlp").to_json())
    assert document["format_version"] == 2 and "variants" not in document
    old = {**document, "format_version": 1}
    (tmp_path / "old.json").write_text(json.dumps(old))
    opened = ExperimentSpec.load(tmp_path / "old.json")
    assert opened == load_preset("spiral_mlp") and opened.format_version == 2
    opened.save(tmp_path / "new.json")
    assert json.loads((tmp_path / "new.json").read_text()) == document
    assert ExperimentSpec.load(tmp_path / "new.json") == opened


def test_the_variants_a_file_carries_are_checked_and_applied() -> None:
    pair = load_preset("adding_rnn_vs_lstm")
    assert [v.name for v in pair.variants] == ["RNN", "LSTM"]
    lstm = pair.variant("LSTM")
    assert lstm.network.layers[0].type == "LSTM" and lstm.variants == []
    assert lstm.network.layers[0].hidden_size == pair.network.layers[0].hidden_size  # type: ignore[attr-defined]
    assert lstm.name == "Adding problem: RNN vs LSTM (LSTM)" and lstm.training == pair.training
    runs = plan(pair, variants_of(pair), 2)
    assert [(r.value, r.seed, r.experiment.network.layers[0].type) for r in runs] == [
        ("RNN", 0, "RNN"),
        ("RNN", 1, "RNN"),
        ("LSTM", 0, "LSTM"),
        ("LSTM", 1, "LSTM"),
    ]
    assert load_preset("digits_vae").variant("β = 0").network.autoencoder.beta == 0.0
    document = json.loads(pair.to_json())
    # A change that no longer fits (the experiment was edited) is said when the variant is trained: the
    # file still opens. One that is no place at all is refused with the file.
    stale = ExperimentSpec.from_dict(
        {**document, "variants": [{"name": "GRU", "changes": {"network.layers[5].type": "GRU"}}]}
    )
    with pytest.raises(SpecError) as caught:
        stale.variant("GRU")
    assert "variants[0] (GRU): network.layers[5].type: is not a setting of this experiment" in str(caught.value)
    bad = {**document, "variants": [{"name": "GRU", "changes": {"network..layers": "GRU"}}]}
    with pytest.raises(SpecError, match="variants\\[0\\] \\(GRU\\): network..layers: is not a setting"):
        ExperimentSpec.from_dict(bad)
    twice = {**document, "variants": [document["variants"][0], document["variants"][0]]}
    with pytest.raises(SpecError, match="variants\\[1\\]: the name 'RNN' is taken already"):
        ExperimentSpec.from_dict(twice)
    with pytest.raises(SpecError, match="carries no variants"):
        variants_of(load_preset("digits_mlp"))
