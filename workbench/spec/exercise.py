"""An exercise: a starting experiment, the settings the student may not change, a goal made of
conditions on the run's results, hints shown one at a time and an explanation once solved; every
text in English and Chinese in one file. Plain data and rules on plain numbers: the command line
checks a saved run against it, the window ticks the same conditions while the run trains.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, ValidationError, field_validator, model_validator

from ..i18n import N_, _, language
from .datasets import Task
from .errors import ExerciseFileError, Problem, SpecError, problems_from_validation
from .experiment import ExperimentSpec, read_text
from .fields import SpecModel
from .lessons import COLLAPSED_KL, overfitting_span
from .variants import setting_place

EXERCISE_FORMAT_VERSION = 1


class Words(SpecModel):
    """A text in English and in Chinese; the window shows the student's language."""

    en: str = Field(min_length=1, max_length=4000, title="English")
    zh_CN: str = Field("", max_length=4000, title="Chinese")

    def said(self, speaking: str | None = None) -> str:
        """The text in `speaking` (default: the language spoken now), English when it has no other."""
        return self.zh_CN if (speaking or language()) == "zh_CN" and self.zh_CN else self.en


# What a student reads for each metric (the checklist's words; files keep the names).
METRIC_WORDS = {
    "val_accuracy": N_("validation accuracy"),
    "val_loss": N_("validation loss"),
    "val_mae": N_("validation MAE"),
    "val_recon": N_("validation reconstruction loss"),
    "test_accuracy": N_("test accuracy"),
    "test_loss": N_("test loss"),
    "test_mae": N_("test MAE"),
    "test_recon": N_("test reconstruction loss"),
}


def metric_value(metric: str, value: float) -> str:
    """A metric's value as the window shows it: accuracies in percent, the others as numbers."""
    return f"{value * 100:.4g}%" if metric.endswith("accuracy") else f"{value:.4g}"


Metric = Literal[
    "val_accuracy", "val_loss", "val_mae", "val_recon", "test_accuracy", "test_loss", "test_mae", "test_recon"
]


class MetricGoal(SpecModel):
    """A result of the kept weights (the best epoch's for validation; the test's) at least or at most a value."""

    kind: Literal["metric"] = "metric"
    metric: Metric
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> MetricGoal:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(_("give at_least or at_most, one of them"))
        return self


class ParametersGoal(SpecModel):
    """The network has at most this many parameters."""

    kind: Literal["parameters"] = "parameters"
    at_most: int = Field(ge=1)


class EpochsGoal(SpecModel):
    """The run trained at most this many epochs."""

    kind: Literal["epochs"] = "epochs"
    at_most: int = Field(ge=1)


class SettingGoal(SpecModel):
    """A setting, by its place in the experiment file, has this value (or one of these)."""

    kind: Literal["setting"] = "setting"
    place: str = Field(title="Setting")
    value: Any = None
    one_of: list[Any] | None = Field(None, min_length=1, max_length=50, title="One of")

    @model_validator(mode="after")
    def _one_way(self) -> SettingGoal:
        if ("value" in self.model_fields_set) == (self.one_of is not None):
            raise ValueError(_("give value or one_of, one of them"))
        return self

    def wanted(self, actual: Any) -> bool:
        """Whether the setting's `actual` value is what the condition asks."""
        return actual in self.one_of if self.one_of is not None else actual == self.value

    def asked(self) -> str:
        """The condition in the forms' words: "Normalization: Method = standardize"."""
        from .places import place_words

        kind = self.place.rsplit(".", 1)
        place = place_words(kind[0] if len(kind) == 2 and kind[1] in ("name", "kind", "type") else self.place)
        if self.one_of is None:
            return f"{place} = {shown_value(self.value)}"
        values = _("{first}, {second}")  # a list: "Adam, Adagrad"; in Chinese "Adam、Adagrad"
        listed = shown_value(self.one_of[0])
        for value in self.one_of[1:]:
            listed = values.format(first=listed, second=shown_value(value))
        return _("{place} is one of {values}").format(place=place, values=listed)


def shown_value(value: Any) -> str:
    """A setting's value as the forms show it: a choice by its label (and its name in the file,
    in another language than English), anything else as JSON writes it."""
    from .fields import choice_words
    from .places import value_named

    if not isinstance(value, str):
        return json.dumps(value)
    return value if _(choice_words(value)) == value else value_named(value)  # Adam is Adam in every language


class OverfittingGoal(SpecModel):
    """The curves show overfitting (the span the plots shade), or (`shown` false) they do not."""

    kind: Literal["overfitting"] = "overfitting"
    shown: bool = True


class EarlyStoppedGoal(SpecModel):
    """Early stopping ended the run."""

    kind: Literal["early_stopped"] = "early_stopped"


class CodesUsedGoal(SpecModel):
    """A VAE's codes carry information: its KL term stays above the collapse level."""

    kind: Literal["codes_used"] = "codes_used"


Condition = Annotated[
    MetricGoal | ParametersGoal | EpochsGoal | SettingGoal | OverfittingGoal | EarlyStoppedGoal | CodesUsedGoal,
    Field(discriminator="kind"),
]


class ExerciseSpec(SpecModel):
    """One exercise: where the student starts, what they may change, what counts as solved."""

    format_version: Annotated[int, Strict()] = EXERCISE_FORMAT_VERSION
    id: str = Field(pattern=r"^[a-z0-9_]{1,60}$", title="Name in files")
    title: Words
    goal: Words
    experiment: ExperimentSpec
    locked: list[str] = Field(default_factory=list, max_length=200, title="Locked settings")
    conditions: list[Condition] = Field(min_length=1, max_length=20)
    hints: list[Words] = Field(default_factory=list, max_length=10)
    explanation: Words

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version != EXERCISE_FORMAT_VERSION:
            raise ValueError(
                _("version {version} is not an exercise version this Workbench reads ({current})").format(
                    version=version, current=EXERCISE_FORMAT_VERSION
                )
            )
        return version

    @model_validator(mode="after")
    def _places_exist(self) -> ExerciseSpec:
        document = json.loads(self.experiment.to_json())
        places = list(self.locked) + [c.place for c in self.conditions if isinstance(c, SettingGoal)]
        for place in places:
            setting_place(document, place)  # SpecError (a ValueError) names a place the experiment lacks
        return self

    # --- files -------------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any, source: str | None = None) -> ExerciseSpec:
        if not isinstance(document, dict):
            raise ExerciseFileError([Problem("", _("the file must hold a JSON object ({...})"))], source)
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise ExerciseFileError(problems_from_validation(exc, document), source) from None

    @classmethod
    def load(cls, path: Path) -> ExerciseSpec:
        """Read an exercise file; SpecError names what is wrong and where."""
        try:
            document = json.loads(read_text(path))
        except ValueError as exc:
            if isinstance(exc, SpecError):
                raise
            raise ExerciseFileError([Problem("", _("not valid JSON: {error}").format(error=exc))], str(path)) from None
        return cls.from_dict(document, str(path))

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True) + "\n"

    # --- what the student did --------------------------------------------------------------------

    def kept_locked(self, experiment: ExperimentSpec) -> ExperimentSpec | None:
        """`experiment` with every locked setting put back as the exercise has it (an edit that
        changed one as a side effect, a new optimizer's default rate, keeps the rest); None when
        that gives no valid experiment, or one that still differs in a locked setting."""
        mine, theirs = json.loads(self.experiment.to_json()), json.loads(experiment.to_json())
        for place in self.locked:
            try:
                parent, key = setting_place(theirs, place)
            except SpecError:
                return None  # the edit took the setting away (another kind of optimizer or layer)
            parent[key] = _at(mine, place)
        try:
            kept = ExperimentSpec.from_dict(theirs)
        except (SpecError, ValueError):
            return None
        return None if self.changed_locked(kept) else kept

    def changed_locked(self, experiment: ExperimentSpec) -> list[str]:
        """The locked places where `experiment` differs from the exercise's own."""
        mine, theirs = json.loads(self.experiment.to_json()), json.loads(experiment.to_json())
        changed = []
        for place in self.locked:
            if _at(mine, place) != _at(theirs, place):
                changed.append(place)
        return changed


class ExerciseBundle(SpecModel):
    """Several exercises in one file, as a teacher hands them out (`workbench exercise bundle`)."""

    format: Literal["workbench-exercises"] = "workbench-exercises"
    format_version: Annotated[int, Strict()] = EXERCISE_FORMAT_VERSION
    title: Words
    exercises: list[ExerciseSpec] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _named_once(self) -> ExerciseBundle:
        names = [exercise.id for exercise in self.exercises]
        for n, name in enumerate(names):
            if name in names[:n]:
                raise ValueError(_("exercises[{n}]: the name {name} is taken already").format(n=n, name=repr(name)))
        return self

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True) + "\n"


def load_bundle(path: Path) -> ExerciseBundle:
    """A bundle file, or an exercise file as a bundle of one (titled by it); SpecError names what
    is wrong and where."""
    try:
        document = json.loads(read_text(path))
    except SpecError:
        raise
    except ValueError as exc:
        raise ExerciseFileError([Problem("", _("not valid JSON: {error}").format(error=exc))], str(path)) from None
    if isinstance(document, dict) and document.get("format") == "workbench-exercises":
        try:
            return ExerciseBundle.model_validate(document)
        except ValidationError as exc:
            raise ExerciseFileError(problems_from_validation(exc, document), str(path)) from None
    exercise = ExerciseSpec.from_dict(document, str(path))
    return ExerciseBundle(title=exercise.title, exercises=[exercise])


def load_exercises(path: Path) -> list[ExerciseSpec]:
    """The exercises of an exercise file or of a bundle; SpecError names what is wrong and where."""
    return load_bundle(path).exercises


def holds_exercises(path: Path) -> bool:
    """True when `path` is an exercise file or a bundle of them (by its shape: the command line
    opens it among the exercises, not as an experiment); False for anything else, unread."""
    try:
        document = json.loads(read_text(path))
    except (OSError, ValueError):
        return False
    if not isinstance(document, dict):
        return False
    return document.get("format") == "workbench-exercises" or {"conditions", "experiment"} <= document.keys()


def score_of(exercise: ExerciseSpec) -> MetricGoal | None:
    """The condition whose value is an attempt's result (the first on a metric), if any."""
    return next((c for c in exercise.conditions if isinstance(c, MetricGoal)), None)


def template(experiment: ExperimentSpec, name: str) -> ExerciseSpec:
    """An exercise to edit, from an experiment: its data locked, a goal on the validation result."""
    goal = (
        MetricGoal(metric="val_accuracy", at_least=0.9)
        if experiment.task is Task.CLASSIFICATION
        else MetricGoal(metric="val_loss", at_most=0.1)
    )
    return ExerciseSpec(
        id=name,
        title=Words(en=experiment.name or name, zh_CN=""),
        goal=Words(en="Describe what the student must reach, and what they may change."),
        experiment=experiment.model_copy(update={"variants": []}),
        locked=["dataset"],
        conditions=[goal],
        hints=[Words(en="A first hint.")],
        explanation=Words(en="What the student has just seen, and why."),
    )


def _at(document: dict[str, Any], place: str) -> Any:
    try:
        parent, key = setting_place(document, place)
    except SpecError:
        return None  # the student's experiment has no such place: not the exercise's
    return parent[key]


@dataclass(frozen=True)
class RunFacts:
    """What a run says, as plain numbers: enough to check every condition."""

    experiment: ExperimentSpec
    curves: dict[str, list[float | None]]  # per epoch: loss, val_loss, val_accuracy, kl, ...
    best_epoch: int | None  # from 1
    stop_reason: str
    test: dict[str, Any] | None
    parameters: int
    majority_rate: float | None = None


@dataclass(frozen=True)
class Checked:
    """One condition: met or not, and the sentence that says what it asks and what the run has."""

    met: bool
    said: str
    extra: dict[str, Any] = field(default_factory=dict)


def asked(condition: Any) -> str:
    """What a condition asks, before any run (the window's checklist until a run starts)."""
    if isinstance(condition, MetricGoal):
        return _metric_asked(condition)
    if isinstance(condition, ParametersGoal):
        return _("at most {most} parameters").format(most=f"{condition.at_most:,}")
    if isinstance(condition, EpochsGoal):
        return _("at most {most} epochs").format(most=condition.at_most)
    if isinstance(condition, SettingGoal):
        return condition.asked()
    if isinstance(condition, OverfittingGoal):
        return _("the curves show overfitting") if condition.shown else _("the curves show no overfitting")
    if isinstance(condition, EarlyStoppedGoal):
        return _("early stopping ends the run")
    return _("the codes carry information (KL above {level})").format(level=COLLAPSED_KL)


def check(exercise: ExerciseSpec, run: RunFacts) -> list[Checked]:
    """Each condition of the exercise's goal against the run."""
    return [_check(condition, run) for condition in exercise.conditions]


def _check(condition: Any, run: RunFacts) -> Checked:
    if isinstance(condition, MetricGoal):
        return _metric(condition, run)
    if isinstance(condition, ParametersGoal):
        said = _("at most {most} parameters: the network has {count}").format(
            most=f"{condition.at_most:,}", count=f"{run.parameters:,}"
        )
        return Checked(run.parameters <= condition.at_most, said)
    if isinstance(condition, EpochsGoal):
        done = len(run.curves.get("val_loss") or run.curves.get("loss") or [])
        said = _("at most {most} epochs: the run trained {count}").format(most=condition.at_most, count=done)
        return Checked(0 < done <= condition.at_most, said)
    if isinstance(condition, SettingGoal):
        value = _at(json.loads(run.experiment.to_json()), condition.place)
        has = _("the run has {actual}").format(actual=shown_value(value))
        return Checked(condition.wanted(value), _("{asked}: {has}").format(asked=condition.asked(), has=has))
    if isinstance(condition, OverfittingGoal):
        return _overfitting(condition, run)
    if isinstance(condition, EarlyStoppedGoal):
        return Checked(run.stop_reason == "early_stopped", _("early stopping ends the run"))
    kl = [v for v in run.curves.get("val_kl") or run.curves.get("kl") or [] if v is not None]
    last = kl[-1] if kl else None
    said = _("the codes carry information (KL above {level}): the run ends at {kl}").format(
        level=COLLAPSED_KL, kl="-" if last is None else f"{last:.3f}"
    )
    return Checked(last is not None and last > COLLAPSED_KL, said)


def _metric(goal: MetricGoal, run: RunFacts) -> Checked:
    where, name = goal.metric.split("_", 1)
    value: float | None
    if where == "test":
        found = (run.test or {}).get(name)
        value = float(found) if isinstance(found, int | float) else None
    else:
        curve = run.curves.get(goal.metric) or []
        best = run.best_epoch
        value = curve[best - 1] if best is not None and 0 < best <= len(curve) else None
    said = _metric_asked(goal)
    if value is None or not math.isfinite(value):
        return Checked(False, _("{asked}: {has}").format(asked=said, has=_("the run has none yet")))
    met = value >= goal.at_least if goal.at_least is not None else value <= (goal.at_most or 0.0)
    has = _("the run has {value}").format(value=metric_value(goal.metric, value))
    return Checked(met, _("{asked}: {has}").format(asked=said, has=has), {"value": value})


def _metric_asked(goal: MetricGoal) -> str:
    words = _("{metric} at least {bound}") if goal.at_least is not None else _("{metric} at most {bound}")
    bound = goal.at_least if goal.at_least is not None else goal.at_most
    assert bound is not None
    return words.format(metric=_(METRIC_WORDS[goal.metric]), bound=metric_value(goal.metric, bound))


def _overfitting(goal: OverfittingGoal, run: RunFacts) -> Checked:
    loss, val_loss = _numbers(run.curves.get("loss")), _numbers(run.curves.get("val_loss"))
    accuracy = run.curves.get("val_accuracy")
    span = overfitting_span(loss, val_loss, _numbers(accuracy) if accuracy else None, run.majority_rate)
    shown = span is not None
    said = _("the curves show overfitting") if goal.shown else _("the curves show no overfitting")
    if span is not None:
        has = _("they show it after epoch {epoch}").format(epoch=span[0] + 1)  # the span counts from 0
    else:
        has = _("they show none") if len(val_loss) else _("the run has none yet")
    return Checked(shown == goal.shown, _("{asked}: {has}").format(asked=said, has=has))


def _numbers(values: Sequence[float | None] | None) -> list[float]:
    return [math.nan if v is None else float(v) for v in values or []]
