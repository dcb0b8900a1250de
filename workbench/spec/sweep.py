"""A sweep: one experiment trained for each value of one of its settings, each value with K seeds,
and the comparison of the results: whether the best value beats the next by more than the spread
of the seeds. Plain data and arithmetic: the runs themselves are the engine's (`engine.queue`)."""

from __future__ import annotations

import json
import math
import re
import statistics
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from ..i18n import _
from .errors import Problem, SpecError
from .experiment import ExperimentSpec
from .places import _members

SWEEP_FORMAT_VERSION = 1
MAX_RUNS = 200  # values x seeds: more is a mistake, not a lesson


@dataclass(frozen=True)
class Vary:
    """One setting, by its place in the experiment file (`training.optimizer.lr`), and its values."""

    path: str
    values: tuple[Any, ...]

    @classmethod
    def parse(cls, text: str) -> Vary:
        """`PATH=V1,V2,...` or `PATH=LOW..HIGH:N` (N values spaced evenly on a log scale, for rates);
        ValueError says what is accepted."""
        path, equals, listed = text.partition("=")
        if not equals or not path.strip() or not listed.strip():
            raise ValueError(
                _("{text}: write it as SETTING=VALUE,VALUE,... like {example}").format(
                    text=repr(text), example="training.optimizer.lr=1e-4,1e-3,1e-2"
                )
            )
        spaced = re.fullmatch(r"\s*([^.]+(?:\.\d*)?(?:e-?\d+)?)\.\.(.+):(\d+)\s*", listed)
        values = (
            log_spaced(float(spaced[1]), float(spaced[2]), int(spaced[3]))
            if spaced
            else [_value(v) for v in listed.split(",")]
        )
        if len(set(map(_same_value, values))) != len(values):  # 1 and 1.0 are one value
            raise ValueError(_("{text}: a value is listed twice").format(text=repr(text)))
        return cls(path.strip(), tuple(values))


def _same_value(value: Any) -> str:
    """What two values that train the same share: a number's value, whatever its spelling."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return repr(float(value)) if number else json.dumps(value)


def _value(text: str) -> Any:
    """A value as JSON reads it (numbers, true, false, null), else as text (`Adam`)."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def log_spaced(low: float, high: float, count: int) -> list[float]:
    """`count` values from `low` to `high` spaced evenly on a log scale, each to 3 significant digits."""
    if not 0 < low < high or not 2 <= count <= 50:
        raise ValueError(
            _("a log-spaced range needs 0 < LOW < HIGH and from 2 to 50 values, like {example}").format(
                example="1e-4..1e-1:4"
            )
        )
    step = math.log10(high / low) / (count - 1)
    return [float(f"{low * 10 ** (step * i):.3g}") for i in range(count)]


VARIANT = "variant"  # the "setting" of a sweep over the variants an experiment file carries


def with_value(experiment: ExperimentSpec, path: str, value: Any) -> ExperimentSpec:
    """One run's experiment: the variant called `value` in a sweep over variants, else the
    experiment with the setting at `path` set to `value` (see ExperimentSpec.with_setting)."""
    if path == VARIANT:
        return experiment.variant(value)
    return experiment.with_setting(path, value)


def variants_of(experiment: ExperimentSpec) -> Vary:
    """A sweep over the variants the experiment file carries; SpecError when it carries none."""
    if not experiment.variants:
        raise SpecError([Problem("variants", _("this experiment carries no variants: name a setting with --vary"))])
    return Vary(VARIANT, tuple(variant.name for variant in experiment.variants))


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its value (None in a plain repeat), its seed and its experiment."""

    name: str
    value: Any
    seed: int
    experiment: ExperimentSpec


def plan(experiment: ExperimentSpec, vary: Vary | None, seeds: int) -> list[PlannedRun]:
    """Every run of a sweep, value by value, seed by seed: the experiment's own seed, then the next ones."""
    if not 1 <= seeds <= 100:
        raise SpecError([Problem("--seeds", _("must be from 1 to 100"))])
    values: Sequence[Any] = vary.values if vary is not None else (None,)
    if len(values) * seeds > MAX_RUNS:
        raise SpecError(
            [
                Problem(
                    "--vary",
                    _("{count} runs in all: a sweep takes at most {most}").format(
                        count=len(values) * seeds, most=MAX_RUNS
                    ),
                )
            ]
        )
    runs = []
    for value in values:
        base = experiment if vary is None else with_value(experiment, vary.path, value)
        for k in range(seeds):
            seed = base.training.seed + k
            seeded = base.model_copy(update={"training": base.training.model_copy(update={"seed": seed})})
            label = "" if vary is None else f"{vary.path.rsplit('.', 1)[-1]}={_slug(value)}-"
            runs.append(PlannedRun(f"{label}seed{seed}", value, seed, seeded))
    return runs


def _slug(value: Any) -> str:
    """A value as part of a file name."""
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", value if isinstance(value, str) else json.dumps(value))[:40]


class Verdict(StrEnum):
    """Whether the best value's lead is more than the seeds' spread (Welch's t-test, 5%)."""

    REAL = "real"
    NOT_REAL = "not_real"
    ONE_SEED = "one_seed"  # no spread to judge by
    ONE_VALUE = "one_value"  # nothing to compare with


@dataclass(frozen=True)
class ValueResult:
    """One value's runs summed up: the compared metric over its seeds."""

    value: Any
    scores: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores)

    @property
    def sd(self) -> float:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0


@dataclass(frozen=True)
class Comparison:
    """The best value against the runner-up: the verdict and the numbers it rests on."""

    verdict: Verdict
    best: ValueResult
    second: ValueResult | None
    difference: float  # best mean - second mean, in the metric's direction (>= 0)
    p_value: float | None


def compare(results: Sequence[ValueResult], higher_is_better: bool) -> Comparison:
    """Rank the values by their mean and judge the best against the next with Welch's t-test: a
    real difference when a lead that large would come from the seeds alone less than 5% of the time."""
    ranked = sorted(results, key=lambda r: r.mean, reverse=higher_is_better)
    best = ranked[0]
    if len(ranked) == 1:
        return Comparison(Verdict.ONE_VALUE, best, None, 0.0, None)
    second = ranked[1]
    difference = abs(best.mean - second.mean)
    if min(len(best.scores), len(second.scores)) < 2:
        return Comparison(Verdict.ONE_SEED, best, second, difference, None)
    p_value = welch_p(best.scores, second.scores)
    return Comparison(Verdict.REAL if p_value < 0.05 else Verdict.NOT_REAL, best, second, difference, p_value)


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of Welch's t-test (two samples, unequal spreads); 1.0 when both are the
    same constant, 0.0 when they are different constants."""
    mean_a, mean_b = statistics.fmean(a), statistics.fmean(b)
    var_a, var_b = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    if var_a + var_b == 0:
        return 1.0 if mean_a == mean_b else 0.0
    t = (mean_a - mean_b) / math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1))
    return _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method):
    the t-distribution's two tails are I_{df/(df+t^2)}(df/2, 1/2)."""
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)) / a
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return front * result


# --- what a student may vary, as the window offers it ------------------------------------------

_NOT_VARIED = {"format_version", "name", "description", "kind", "type", "path", "device", "seed", "processes"}
_RATES = ("lr", "eps", "weight_decay", "l1", "grad_clip", "min_delta")  # spread over powers of 10
_NOT_VARIED_PLACES = ("variants", "training.early_stopping.monitor", "training.early_stopping.mode")


def sweepable(experiment: ExperimentSpec) -> list[str]:
    """The places of the settings a sweep may vary, in the file's order: numbers, switches and
    choices; not names, files, the seed (a sweep has its own) or the early-stopping monitor (what
    is compared)."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in _NOT_VARIED or (key == "name" and path.endswith(("optimizer", "scheduler"))):
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            if path.endswith(("layers", "decoder")):  # a layer's settings; not a list's items (betas, mean)
                for n, item in enumerate(node):
                    walk(item, f"{path}[{n}]")
        elif node is not None and not path.startswith(_NOT_VARIED_PLACES):
            found.append(path)

    walk(json.loads(experiment.to_json()), "")
    return found


def suggested_values(experiment: ExperimentSpec, path: str) -> list[Any]:
    """Values to start a sweep from: a rate or a decay a factor of 10 either side, a size halved
    and doubled, a switch both ways, a choice among its kinds."""
    from .variants import setting_place

    parent, key = setting_place(json.loads(experiment.to_json()), path)
    value = parent[key]
    if isinstance(value, bool):
        return [False, True]
    if isinstance(value, int):
        return sorted({max(1, value // 2), value, value * 2}) if value > 0 else [0, 1, 2]
    if isinstance(value, float) and str(key) in _RATES:
        return [float(f"{value / 10:.3g}"), value, float(f"{value * 10:.3g}")] if value > 0 else [0.0, 1e-4, 1e-3]
    if isinstance(value, float):  # a share, a probability or a weight: halved and doubled
        doubled = float(f"{value * 2:.3g}")
        if value < 1:  # a share or a probability stays below 1
            doubled = min(doubled, 0.9)
        return sorted({float(f"{value / 2:.3g}"), value, doubled}) if value > 0 else [0.0]
    return choices(experiment, path) or [value]


def choices(experiment: ExperimentSpec, path: str) -> list[Any]:
    """The values a choice may take (a field's listed values, or the kinds an optimizer or a
    scheduler may be); [] for anything else."""
    from .variants import steps_of

    steps = steps_of(path)
    holder: Any = None
    node: Any = experiment
    for step in steps[:-1]:
        holder, node = node, node[step] if isinstance(step, int) else getattr(node, step, None)
    if not isinstance(node, BaseModel) or not isinstance(steps[-1], str):
        return []
    info = type(node).model_fields.get(steps[-1])
    if info is None:
        return []
    listed = _literal(info.annotation)
    if len(listed) > 1:
        return listed
    if steps[-1] == "name" and isinstance(holder, BaseModel) and isinstance(steps[-2], str):
        kinds = type(holder).model_fields[steps[-2]].annotation
        return [value for member in _members(kinds) for value in _literal(member.model_fields["name"].annotation)]
    return []


def _literal(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Annotated:
        return _literal(typing.get_args(annotation)[0])
    return list(typing.get_args(annotation)) if typing.get_origin(annotation) is typing.Literal else []
