"""When a layer is unwell, in plain words: the rules the layer-health flags follow.

The engine measures each weight layer after every epoch (`engine/health.py`: on a fixed batch of
validation samples, and from the epoch's weights and its last step's gradients); these rules turn
the numbers into flags with a sentence and the fix, the same for the window and the command line.
The thresholds are this table's and nowhere else's (`tests/spec/test_health.py` reads it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ..i18n import N_, _


class Measure(StrEnum):
    """What is measured of a layer at the end of an epoch."""

    DEAD = "dead"  # share of a ReLU's units that never fire (never positive) on the fixed batch
    SATURATED = "saturated"  # share of a tanh's or a sigmoid's inputs beyond SATURATION: its slope is ~0 there
    UPDATE = "update"  # how far one step moves the weights, against their size (about 1e-3 is healthy)
    GRADIENT = "gradient"  # the layer's gradient norm against the last layer's


MEASURE_WORDS = {  # how the window names each measure (its plot's title), and whether it spans decades
    Measure.DEAD: (N_("ReLU units that never fire (share)"), False),
    Measure.SATURATED: (N_("tanh / sigmoid inputs where it is flat (share)"), False),
    Measure.UPDATE: (N_("one step's change against the weights' size"), True),
    Measure.GRADIENT: (N_("gradient against the last layer's"), True),
}

SATURATION = 2.5  # |pre-activation| beyond which tanh and sigmoid are flat (tanh'(2.5) = 0.03)


@dataclass(frozen=True)
class Rule:
    """A flag: raised when `measure` is above `above` (or below `below`)."""

    code: str
    measure: Measure
    above: float = math.inf
    below: float = -math.inf
    says: str = ""  # what is wrong, with {share} or {ratio}
    fix: str = ""  # what to try


RULES = (
    Rule(
        "dead_units",
        Measure.DEAD,
        above=0.4,
        says=N_("{share} of these units never fire"),
        fix=N_("lower the learning rate, or try LeakyReLU"),
    ),
    Rule(
        "saturated",
        Measure.SATURATED,
        above=0.5,
        says=N_("{share} of the inputs to this activation are where it is flat, so little gradient passes"),
        fix=N_("try ReLU, or BatchNorm before it, or a lower learning rate"),
    ),
    Rule(
        "steps_too_big",
        Measure.UPDATE,
        above=1e-1,
        says=N_("one step moves these weights by {ratio} of their size"),
        fix=N_("lower the learning rate"),
    ),
    Rule(
        "barely_learns",
        Measure.UPDATE,
        below=1e-6,
        says=N_("one step moves these weights by only {ratio} of their size, so the layer barely learns"),
        fix=N_("raise the learning rate, or look for a vanishing gradient"),
    ),
    Rule(
        "vanishing",
        Measure.GRADIENT,
        below=1e-3,
        says=N_("its gradient is {ratio} of the last layer's, so the signal vanishes on its way back"),
        fix=N_("try ReLU instead of sigmoid or tanh, or BatchNorm, or fewer layers"),
    ),
)


@dataclass(frozen=True)
class LayerHealth:
    """One weight layer's measures after one epoch (None: not measured for this layer)."""

    layer: int  # its place in its list, from 0
    dead: float | None = None
    saturated: float | None = None
    update: float | None = None
    gradient: float | None = None
    part: str = "layers"  # its list: the stack (an autoencoder's encoder), "latent" (the code) or "decoder"

    def value(self, measure: Measure) -> float | None:
        """The measured value of `measure`, or None."""
        return {
            Measure.DEAD: self.dead,
            Measure.SATURATED: self.saturated,
            Measure.UPDATE: self.update,
            Measure.GRADIENT: self.gradient,
        }[measure]


@dataclass(frozen=True)
class Flag:
    """A rule raised for one layer: which, by how much."""

    layer: int
    code: str
    value: float
    part: str = "layers"  # the list the layer is in (see LayerHealth)

    @property
    def rule(self) -> Rule:
        """The rule that raised it."""
        return next(rule for rule in RULES if rule.code == self.code)

    def sentence(self) -> str:
        """What is wrong and what to try, in the language spoken."""
        rule = self.rule
        said = _(rule.says).format(share=f"{self.value:.0%}", ratio=f"{self.value:.1g}")
        return _("{problem}: {fix}").format(problem=said, fix=_(rule.fix))


# A flag whose cause another flag names: raised only when none of those is (a layer barely learns
# because the gradient vanishes on its way back, or because the units after it are dead).
SAID_BY = {"barely_learns": ("vanishing", "dead_units")}


def judge(layers: tuple[LayerHealth, ...] | list[LayerHealth]) -> list[Flag]:
    """Every rule raised by any layer, in layer order."""
    raised = [
        Flag(health.layer, rule.code, value, health.part)
        for health in layers
        for rule in RULES
        if (value := health.value(rule.measure)) is not None
        and math.isfinite(value)
        and (value > rule.above or value < rule.below)
    ]
    codes = {flag.code for flag in raised}
    return [flag for flag in raised if not codes & set(SAID_BY.get(flag.code, ()))]
