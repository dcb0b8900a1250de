"""The window's actions and menus, as tables: a new action is a row here (and a method of the
window that does it); which of them are allowed when is `window_state.controls`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMenu

from ..i18n import LANGUAGES, N_, _, language, ngettext
from .window_state import Act, WindowState

if TYPE_CHECKING:
    from .main_window import QtMainWindow

Keys = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionRow:
    """One action: the window's attribute that holds it, its menu text, the window's method it
    calls, its keys, its object name (for tests and the layout) and its status-bar sentence."""

    attr: str
    text: str
    slot: str
    keys: QKeySequence.StandardKey | str | tuple[str, ...] | None = None
    name: str = ""
    tip: str = ""


ACTIONS = (
    ActionRow("new_action", N_("&New"), "new", Keys.New, "newAction"),
    ActionRow("open_action", N_("&Open…"), "open_dialog", Keys.Open, "openAction"),
    ActionRow(
        "preset_action",
        N_("Open &preset…"),
        "open_preset_dialog",
        "Ctrl+Shift+P",
        "presetAction",
        N_("Start from a ready-made experiment: each says what it shows"),
    ),
    ActionRow(
        "open_run_action",
        N_("Open saved &run…"),
        "open_run_dialog",
        "Ctrl+Shift+O",
        "openRunAction",
        N_(
            "Open a model file (.pt) saved by Export model: its curves and results come back, and Continue trains it on"
        ),
    ),
    ActionRow("save_action", N_("&Save"), "save", Keys.Save, "saveAction"),
    ActionRow("save_as_action", N_("Save &as…"), "save_as", Keys.SaveAs, "saveAsAction"),
    ActionRow("export_action", N_("&Export model…"), "export_model", "Ctrl+E", "exportAction"),
    ActionRow(
        "script_action",
        N_("Export as Python &script…"),
        "export_script",
        "Ctrl+Shift+E",
        "scriptAction",
        N_("Write the run as a PyTorch script (or notebook) that trains the same network the same way"),
    ),
    ActionRow("quit_action", N_("&Quit"), "close", Keys.Quit, "quitAction"),
    ActionRow("undo_action", N_("&Undo"), "undo", Keys.Undo, "undoAction"),
    ActionRow("redo_action", N_("&Redo"), "redo", ("Ctrl+Y", "Ctrl+Shift+Z"), "redoAction"),
    ActionRow(
        "reset_layout_action",
        N_("&Reset layout"),
        "reset_layout",
        None,
        "resetLayoutAction",
        N_("Put the panels back where they start, sized for this screen"),
    ),
    ActionRow("train_action", N_("&Train"), "train", "F5", "trainAction"),
    ActionRow("continue_action", N_("&Continue training"), "continue_training", "Ctrl+F5", "continueAction"),
    ActionRow(
        "fine_tune_action",
        N_("&Fine-tune from this run…"),
        "fine_tune",
        None,
        "fineTuneAction",
        N_("Save the trained model and start the network from its weights: freeze layers, train the rest on new data"),
    ),
    ActionRow(
        "repeat_action",
        N_("Re&peat over seeds"),
        "repeat",
        "F7",
        "repeatAction",
        N_("Train the experiment once for each seed (the number beside Repeat) and show their mean and spread"),
    ),
    ActionRow(
        "vary_action",
        N_("&Vary one setting…"),
        "vary_setting",
        "F8",
        "varyAction",
        N_(
            "Train the experiment for each value of one setting, several seeds each, "
            "and see whether the best is really better"
        ),
    ),
    ActionRow(
        "variants_action",
        N_("Train the varia&nts…"),
        "train_variants",
        None,
        "variantsAction",
        N_("Queue the versions this experiment file carries (an RNN and an LSTM, β 1 and β 0) over several seeds"),
    ),
    ActionRow(
        "open_sweep_action",
        N_("Open s&weep…"),
        "open_sweep_dialog",
        None,
        "openSweepAction",
        N_("Reopen a sweep's folder: its runs, plots, table and verdict"),
    ),
    ActionRow(
        "course_action",
        N_("&Course…"),
        "open_course",
        None,
        "courseAction",
        N_("Exercises along the guide: each a goal your run must reach, checked as it trains"),
    ),
    ActionRow(
        "open_exercises_action",
        N_("&Open exercises…"),
        "open_exercises_dialog",
        None,
        "openExercisesAction",
        N_("Open an exercise file (or a bundle of them) from your teacher"),
    ),
    ActionRow("find_lr_action", N_("Find a &learning rate…"), "find_lr", "Ctrl+L", "findLrAction"),
    ActionRow("picture_action", N_("Try a p&icture…"), "try_picture", "Ctrl+I", "tryPictureAction"),
    ActionRow("pause_action", N_("&Pause / Resume"), "toggle_pause", "F6", "pauseAction"),
    ActionRow("stop_action", N_("&Stop"), "stop", "Shift+F5", "stopAction"),
    ActionRow("guide_action", N_("&Guide"), "show_guide", "F1", "guideAction"),
    ActionRow("shortcuts_action", N_("&Keyboard shortcuts"), "show_shortcuts", None, "shortcutsAction"),
    ActionRow("about_action", N_("&About Workbench"), "about", None, "aboutAction"),
)

SEPARATOR, RECENT, DOCKS, LANGUAGE = "-", "recent", "docks", "language"
# The menus, in order: each entry an action's attribute, or a separator or a submenu built here.
MENUS = (
    (
        N_("&File"),
        ("new_action", "open_action", "preset_action", RECENT, "open_run_action", "open_sweep_action", SEPARATOR)
        + ("save_action", "save_as_action", "export_action", "script_action", SEPARATOR, "quit_action"),
    ),
    (N_("&Edit"), ("undo_action", "redo_action")),
    (
        N_("&Run"),
        ("train_action", "continue_action", "pause_action", "stop_action", SEPARATOR, "fine_tune_action")
        + (SEPARATOR, "repeat_action")
        + ("vary_action", "variants_action", SEPARATOR, "find_lr_action", "picture_action"),
    ),
    (N_("E&xercises"), ("course_action", "open_exercises_action")),
    (N_("&View"), (DOCKS, SEPARATOR, "reset_layout_action", LANGUAGE)),
    (N_("&Help"), ("guide_action", "shortcuts_action", "about_action")),
)

TRAIN_TIP = N_("Train the network (F5)")  # the run bar's buttons' tooltips, when they are allowed
PAUSE_TIP = N_("Pause or resume training (F6)")
STOP_TIP = N_("Stop training after the current batch (Shift+F5)")
EXPORT_TIP = N_("Save the trained model as a .pt file (Ctrl+E)")
REPEAT_TIP = N_(
    "Train the experiment this many times, each with its own seed, side by side (F7): the band shows the noise"
)


def continue_tip(epochs: int) -> str:
    """What Continue does, for `epochs` more epochs."""
    first = ngettext(
        "Train {epochs} more epoch of the last run (the Epochs setting) from where it stopped: ",
        "Train {epochs} more epochs of the last run (the Epochs setting) from where it stopped: ",
        epochs,
    ).format(epochs=epochs)
    return first + _("its weights, optimizer state and learning-rate schedule carry on (Ctrl+F5)")


Tip = str | Callable[[WindowState], str]
# The actions whose availability depends on what the window is doing: the action, the run bar's
# button that does the same, and what its tooltip says when it is allowed (`controls` says why not).
CONTROLLED: dict[Act, tuple[str, str | None, Tip]] = {
    Act.NEW: ("new_action", None, ""),
    Act.OPEN: ("open_action", None, ""),
    Act.PRESET: ("preset_action", None, ""),
    Act.OPEN_RUN: ("open_run_action", None, ""),
    Act.TRAIN: ("train_action", "train_button", TRAIN_TIP),
    Act.CONTINUE: ("continue_action", "continue_button", lambda state: continue_tip(state.epochs)),
    Act.PAUSE: ("pause_action", "pause_button", PAUSE_TIP),
    Act.STOP: ("stop_action", "stop_button", STOP_TIP),
    Act.FIND_LR: ("find_lr_action", None, ""),
    Act.PICTURE: ("picture_action", None, ""),
    Act.EXPORT: ("export_action", "export_button", EXPORT_TIP),
    Act.FINE_TUNE: ("fine_tune_action", None, ""),
    Act.REPEAT: ("repeat_action", "repeat_button", REPEAT_TIP),
    Act.VARY: ("vary_action", None, ""),
    Act.VARIANTS: ("variants_action", None, ""),
    Act.EXERCISES: ("course_action", None, ""),
    Act.OPEN_EXERCISES: ("open_exercises_action", None, ""),
}


def _call(slot: Callable[[], Any], _checked: bool = False) -> None:
    slot()  # a menu's `triggered(checked)` would otherwise reach slots whose first argument means else


def build_actions(window: QtMainWindow) -> None:
    """Every action of `ACTIONS`, as the window's attribute; undo and redo are the document's."""
    for row in ACTIONS:
        if row.attr in ("undo_action", "redo_action"):
            stack = window.document.undo_stack
            make = stack.createUndoAction if row.attr == "undo_action" else stack.createRedoAction
            action = make(window, _(row.text))
        else:
            action = QAction(_(row.text), window)
            action.triggered.connect(partial(_call, getattr(window, row.slot)))
        keys = row.keys if isinstance(row.keys, tuple) else (row.keys,) if row.keys is not None else ()
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setObjectName(row.name)
        if row.tip:
            action.setStatusTip(_(row.tip))
        setattr(window, row.attr, action)
    for attr, button, _tip in CONTROLLED.values():  # a run bar's button does what its action does
        if button is not None:
            getattr(window, button).clicked.connect(getattr(window, attr).trigger)
    exports = QMenu(window.export_button)  # the Export button's arrow: every way out of Workbench
    exports.addActions([getattr(window, "export_action"), getattr(window, "script_action")])  # noqa: B009 - set above
    window.export_button.setMenu(exports)


def controlled(window: QtMainWindow) -> dict[Act, tuple[QAction, QAbstractButton | None, Tip]]:
    """`CONTROLLED` with the window's own actions and buttons."""
    return {
        act: (getattr(window, action), getattr(window, button) if button else None, tip)
        for act, (action, button, tip) in CONTROLLED.items()
    }


def build_menus(window: QtMainWindow) -> None:
    """The menu bar, from `MENUS`."""
    bar = window.menuBar()
    for title, entries in MENUS:
        menu = bar.addMenu(_(title))
        for entry in entries:
            if entry == SEPARATOR:
                menu.addSeparator()
            elif entry == RECENT:
                window.recent_menu = menu.addMenu(_("Open &recent"))
                window.recent_menu.setObjectName("recentMenu")
                window.recent_menu.aboutToShow.connect(window._fill_recent)
            elif entry == DOCKS:
                menu.addActions([window.left_dock.toggleViewAction(), window.right_dock.toggleViewAction()])
            elif entry == LANGUAGE:
                window.language_menu = _language_menu(window, menu)
            else:
                menu.addAction(getattr(window, entry))


def _language_menu(window: QtMainWindow, view: QMenu) -> QMenu:
    menu = view.addMenu(_("&Language"))
    menu.setObjectName("languageMenu")
    for code, name in LANGUAGES.items():  # each language in its own words
        action = menu.addAction(name)
        action.triggered.connect(partial(window.choose_language, code))
        action.setObjectName(f"language_{code}")
        action.setCheckable(True)
        action.setChecked(code == language())
    return menu
