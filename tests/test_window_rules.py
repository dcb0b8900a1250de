"""The rules of the window's actions, without Qt: for a state, what each action may do and, when it
may not, why. (`workbench.gui.window_state`; import-linter keeps Qt out of it.)"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from workbench.gui.window_state import Act, WindowState, controls, status_line

IDLE = WindowState(has_model=False)
TRAINED = WindowState(has_model=True, run_ended="Finished all 30 epochs.", pictures=True)
TRAINING = WindowState(running=True, continue_problem="A run is active.")
PAUSED = replace(TRAINING, paused=True)
SPREAD = replace(TRAINING, spread=True)
OPENING = WindowState(running=True, opening="digits.pt", continue_problem="A run is active.")
LOADING = WindowState(engine="Loading PyTorch…")
BROKEN = WindowState(problems=("Layer 4 (Linear): needs a flat input", "Learning rate must be > 0"))
NO_DATA = WindowState(data_problem="file not found: x.csv")
FINDING = WindowState(finding_lr=True)
NUMBERS = replace(TRAINED, pictures=False)
CHANGED = replace(TRAINED, continue_problem="The settings changed since the last run")
VARIANTS = replace(IDLE, variants=2)

ALL = list(Act)
EDITING = {Act.NEW, Act.OPEN, Act.PRESET, Act.OPEN_RUN, Act.EDIT, Act.FIND_LR, Act.EXERCISES, Act.OPEN_EXERCISES}
SWEEPS = {Act.TRAIN, Act.REPEAT, Act.VARY}  # where Train goes, a repeat and a sweep go too

# state, the actions allowed in it (every other action is not, and says why)
TABLE = [
    ("idle", IDLE, EDITING | SWEEPS),
    ("an experiment with variants", VARIANTS, EDITING | SWEEPS | {Act.VARIANTS}),
    ("trained", TRAINED, EDITING | SWEEPS | {Act.CONTINUE, Act.PICTURE, Act.EXPORT, Act.FINE_TUNE}),
    ("training", TRAINING, {Act.PAUSE, Act.STOP}),
    ("paused", PAUSED, {Act.PAUSE, Act.STOP}),
    ("on several processes", SPREAD, {Act.STOP}),
    ("opening a saved run", OPENING, set()),
    ("loading PyTorch", LOADING, EDITING),
    ("settings with problems", BROKEN, EDITING),
    ("data that cannot load", NO_DATA, EDITING),
    ("finding a learning rate", FINDING, EDITING - {Act.FIND_LR}),
    ("a run on numbers", NUMBERS, EDITING | SWEEPS | {Act.CONTINUE, Act.EXPORT, Act.FINE_TUNE}),
    ("settings changed since the run", CHANGED, EDITING | SWEEPS | {Act.PICTURE, Act.EXPORT, Act.FINE_TUNE}),
]


@pytest.mark.parametrize(("state", "allowed"), [(s, a) for _, s, a in TABLE], ids=[name for name, *_ in TABLE])
def test_each_action_is_allowed_or_says_why_not(state: WindowState, allowed: set[Act]) -> None:
    said = controls(state)
    assert set(said) == set(ALL)
    assert {act for act, control in said.items() if control.enabled} == allowed
    for act, control in said.items():
        assert bool(control.why) != control.enabled, act  # a reason exactly when it is not allowed


def test_the_reasons_name_the_cause() -> None:
    assert controls(BROKEN)[Act.TRAIN].why == "\n".join(BROKEN.problems)  # every problem, each on its line
    assert controls(LOADING)[Act.TRAIN].why == "Loading PyTorch…"
    assert "x.csv" in controls(NO_DATA)[Act.TRAIN].why
    assert controls(CHANGED)[Act.CONTINUE].why == CHANGED.continue_problem
    assert controls(BROKEN)[Act.CONTINUE].why == controls(BROKEN)[Act.TRAIN].why  # what blocks Train blocks it too
    assert controls(SPREAD)[Act.PAUSE].why != controls(IDLE)[Act.PAUSE].why  # cannot pause, vs nothing to pause
    assert controls(NUMBERS)[Act.PICTURE].why != controls(IDLE)[Act.PICTURE].why


@pytest.mark.parametrize(
    ("state", "starts"),
    [
        (OPENING, "Opening the run saved in digits.pt"),
        (TRAINING, "Training…"),
        (PAUSED, "Paused."),
        (FINDING, "Finding a learning rate"),
        (BROKEN, "Cannot train: Layer 4 (Linear): needs a flat input"),
        (LOADING, "Loading PyTorch…"),
        (replace(TRAINED, run_failed="The run failed: out of memory"), "The run failed"),
        (TRAINED, "Finished all 30 epochs."),
        (IDLE, "Ready to train."),
        (replace(IDLE, sweep_runs=3), "A sweep trains in its own window: 3 runs queued or training."),
    ],
)
def test_the_status_line_says_what_matters_most(state: WindowState, starts: str) -> None:
    assert status_line(state).startswith(starts)


def test_the_rules_load_without_qt() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, workbench.gui.window_state; print('PySide6' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
