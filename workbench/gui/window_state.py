"""What the window is doing, as plain data, and what each of its actions may do now.

The window gathers a `WindowState` from its parts (the experiment being edited, the run controller,
the engine, the data preview) whenever one of them changes, asks `controls` what every action may
do, and renders the answer: enabled or not, and the sentence that says why not. `status_line` is
the status bar's sentence for the same state. No Qt here: the rules are a table a test reads
(`tests/gui/test_window_state.py`), like napari's context keys decide what its actions enable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..i18n import _, ngettext
from ..spec.health import Flag


class Act(StrEnum):
    """The window's actions whose availability depends on what it is doing."""

    NEW = "new"
    OPEN = "open"
    PRESET = "preset"
    OPEN_RUN = "open_run"
    EDIT = "edit"  # the settings: the data, the layers, the training form
    TRAIN = "train"
    CONTINUE = "continue"
    PAUSE = "pause"
    STOP = "stop"
    FIND_LR = "find_lr"
    PICTURE = "picture"
    EXPORT = "export"
    FINE_TUNE = "fine_tune"  # the last run's model saved, and the network started from it
    REPEAT = "repeat"  # the experiment over N seeds
    VARY = "vary"  # one setting over its values
    VARIANTS = "variants"  # the variants the file carries
    EXERCISES = "exercises"  # the course's list, to open one
    OPEN_EXERCISES = "open_exercises"  # a teacher's exercise file


@dataclass(frozen=True)
class WindowState:
    """Everything the window's actions depend on, read from its parts at one moment."""

    problems: tuple[str, ...] = ()  # the experiment's problems, in the window's words
    engine: str = ""  # why training cannot start yet (PyTorch loading, or failed); "" once ready
    data_problem: str = ""  # why the data cannot be loaded; "" when it can
    finding_lr: bool = False  # the learning-rate range test is under way
    running: bool = False  # a run (or the opening of a saved one) is under way
    paused: bool = False
    opening: str = ""  # the file of a saved run being opened; "" when none is
    spread: bool = False  # the run under way trains on several processes, which cannot pause
    has_model: bool = False  # the last run (trained or opened) holds a trained model
    continue_problem: str = ""  # why the last run cannot go on (settings changed, ...); "" if it can
    run_ended: str = ""  # how the last run ended, as its sentence; "" while none has (or it runs)
    run_failed: str = ""  # why the last run failed; "" unless it did
    pictures: bool = False  # the last run's network sorts pictures (Try a picture)
    epochs: int = 1  # the Epochs setting: what Continue adds
    shown_epoch: int | None = None  # the epoch whose weights the views show; None: the run's end
    selected_layer: int = -1  # in the layer list; -1: none
    variants: int = 0  # how many variants the experiment file carries
    sweep_runs: int = 0  # runs of the open sweeps queued or training (in their own processes)

    @property
    def training(self) -> bool:
        """A run trains (not a saved run being opened)."""
        return self.running and not self.opening

    @property
    def train_blocker(self) -> str:
        """Why Train cannot start, apart from a run under way; "" when it can."""
        if self.problems:
            return "\n".join(self.problems)
        if self.engine:
            return self.engine
        if self.data_problem:
            return _("The data cannot be loaded: {problem}").format(problem=self.data_problem)
        if self.finding_lr:
            return _("Finding a learning rate: Train waits until the range test is done.")
        return ""


@dataclass(frozen=True)
class Control:
    """What one action may do now: enabled, or not and why (its tooltip and status sentence)."""

    enabled: bool
    why: str = ""


ALLOWED = Control(True)


def _unless(reason: str) -> Control:
    return Control(False, reason) if reason else ALLOWED


def controls(state: WindowState) -> dict[Act, Control]:
    """For every action, whether it is allowed in `state` and, when it is not, why."""
    busy = _("A run is under way: this waits until it ends (Stop ends it after the current batch).")
    locked = busy if state.running else ""
    no_model = "" if state.has_model else _("Train a run first.")
    picture = (
        locked
        or ("" if state.run_ended else _("Train a run first."))
        or ("" if state.pictures else _("This network's inputs are not pictures."))
    )
    pause = ""
    if not state.running or state.opening:
        pause = _("Nothing is training.")
    elif state.spread:
        pause = _("A run on several processes cannot pause: Stop ends it and keeps what it has learned")
    return {
        Act.NEW: _unless(locked),
        Act.OPEN: _unless(locked),
        Act.PRESET: _unless(locked),
        Act.OPEN_RUN: _unless(locked),
        Act.EDIT: _unless(locked),
        Act.TRAIN: _unless(state.train_blocker or locked),
        Act.CONTINUE: _unless(state.train_blocker or locked or no_model or state.continue_problem),
        Act.PAUSE: _unless(pause),
        Act.STOP: _unless("" if state.training else _("Nothing is training.")),
        Act.FIND_LR: _unless(locked or (_("The range test is already under way.") if state.finding_lr else "")),
        Act.PICTURE: _unless(picture),
        Act.EXPORT: _unless(locked or no_model),
        Act.FINE_TUNE: _unless(locked or no_model),
        Act.EXERCISES: _unless(locked),  # an exercise replaces the experiment, as Open does
        Act.OPEN_EXERCISES: _unless(locked),
        Act.REPEAT: _unless(state.train_blocker or locked),  # the settings it copies are the ones a run uses
        Act.VARY: _unless(state.train_blocker or locked),
        Act.VARIANTS: _unless(
            state.train_blocker or locked or ("" if state.variants else _("This experiment carries no variants."))
        ),
    }


def status_line(state: WindowState) -> str:
    """The status bar's sentence for `state`: what is happening, or why Train cannot start, or how
    the last run ended."""
    if state.opening:
        return _("Opening the run saved in {file}…").format(file=state.opening)
    if state.running:
        if state.paused:
            return _("Paused. Settings are locked while a run is active.")
        return _("Training… settings are locked until the run ends.")
    if state.finding_lr:
        return _("Finding a learning rate: a copy of the network trains for a few batches…")
    if state.sweep_runs:
        return ngettext(
            "A sweep trains in its own window: {count} run queued or training.",
            "A sweep trains in its own window: {count} runs queued or training.",
            state.sweep_runs,
        ).format(count=state.sweep_runs)
    blocker = state.train_blocker
    if blocker and blocker != state.engine:
        return _("Cannot train: {reason}").format(reason=blocker.splitlines()[0])
    return state.engine or state.run_failed or state.run_ended or _("Ready to train.")


def health_said(flags: Iterable[Flag], part: str) -> dict[int, list[str]]:
    """What the layer list shown (`part`: the stack or encoder, or the decoder) says of each of its
    rows' health: the sentences of the flags raised in that list."""
    said: dict[int, list[str]] = {}
    for flag in flags:
        if flag.part == part:
            said.setdefault(flag.layer, []).append(flag.sentence())
    return said
