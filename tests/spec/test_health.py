"""The layer-health rules: a table of thresholds, read here, and the sentences they say."""

from __future__ import annotations

import pytest

from workbench import i18n
from workbench.spec.health import RULES, SAID_BY, LayerHealth, Measure, Rule, judge

RULE = {rule.code: rule for rule in RULES}


def test_every_rule_has_a_measure_a_threshold_a_sentence_and_a_fix() -> None:
    assert set(RULE) == {"dead_units", "saturated", "steps_too_big", "barely_learns", "vanishing"}
    for rule in RULES:
        assert rule.says and rule.fix
        assert (rule.above != float("inf")) != (rule.below != float("-inf"))  # one side each


FIELD = {Measure.DEAD: "dead", Measure.SATURATED: "saturated", Measure.UPDATE: "update", Measure.GRADIENT: "gradient"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_rule_is_raised_just_past_its_threshold(rule: Rule) -> None:
    upper = rule.above != float("inf")
    edge = rule.above if upper else rule.below
    past = edge * 1.01 if upper else edge * 0.99
    assert judge([LayerHealth(3, **{FIELD[rule.measure]: edge})]) == []
    assert [(f.layer, f.code) for f in judge([LayerHealth(3, **{FIELD[rule.measure]: past})])] == [(3, rule.code)]


def test_a_layer_that_barely_learns_is_not_flagged_when_its_cause_is() -> None:
    vanishing = judge([LayerHealth(1, update=1e-9, gradient=1e-6), LayerHealth(5, update=1e-9)])
    assert [(f.layer, f.code) for f in vanishing] == [(1, "vanishing")]
    dead = judge([LayerHealth(1, update=0.0), LayerHealth(2, dead=0.9)])
    assert [(f.layer, f.code) for f in dead] == [(2, "dead_units")]
    alone = judge([LayerHealth(1, update=1e-9, gradient=0.5)])
    assert [(f.layer, f.code) for f in alone] == [(1, "barely_learns")]
    assert SAID_BY == {"barely_learns": ("vanishing", "dead_units")}


def test_a_flag_says_what_is_wrong_and_what_to_try_in_the_language_spoken() -> None:
    flag = judge([LayerHealth(2, dead=0.41)])[0]
    assert flag.sentence() == "41% of these units never fire: lower the learning rate, or try LeakyReLU"
    try:
        i18n.set_language("zh_CN")
        said = flag.sentence()
        assert "41%" in said and "LeakyReLU" in said and "从不" in said
    finally:
        i18n.set_language("en")
