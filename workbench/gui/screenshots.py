"""Render the README's screenshots on a real X11 desktop: `python -m workbench.gui.screenshots docs`.

Each picture is the whole screen of a virtual laptop (Xvfb with a window manager, Qt's xcb
platform; see `virtual_desktop`), so it shows what a student sees: the window as it opens,
digits_cnn in the middle of training and the overfitting demo after early stopping on a
1366x768 screen, what digits_cnn's layers make of a test digit, playground_xor drawn neuron by
neuron, the layer health of vanishing gradients, the window after a run on a small 1024x700 one,
and the overfitting demo and the Inside tab in simplified Chinese (README.zh-CN.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (Screen size, language) -> the pictures taken on it, in order.
SHOTS: dict[tuple[tuple[int, int], str], tuple[str, ...]] = {
    ((1366, 768), "en"): (
        "main-window",
        "training-live",
        "overfitting-demo",
        "comparison",
        "try-a-picture",
        "digits-vae",
        "inside-the-network",
        "network-playground",
        "layer-health",
        "repeat-seeds",
        "sweep-learning-rate",
        "sweep-variants",
        "exercise-training",
        "exercise-solved",
        "exercise-list",
        "residual-block",
        "fine-tuning",
    ),
    ((1024, 700), "en"): ("small-screen",),
    ((1366, 768), "zh_CN"): (  # README.zh-CN.md
        "zh-CN-overfitting-demo",
        "zh-CN-inside-the-network",
        "zh-CN-exercise-training",
        "zh-CN-exercise-solved",
        "zh-CN-fine-tuning",
    ),
}
CHILD_FLAG = "--on-this-screen"


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Process Qt events until `condition()` holds; False when the timeout passed first."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    return True


class _Discard:
    """Answers the window's questions (unexported run, unsaved changes) so it closes unattended;
    a picture asked for is `picture`."""

    picture: Path | None = None

    def open_picture_path(self, start: Path | None) -> Path | None:
        return self.picture

    def vary(self, experiment: Any, variants: bool, seeds: int, place: str | None = None) -> Any:
        from .vary_dialog import VaryDialog

        return VaryDialog(experiment, variants, seeds, None, place).chosen()  # as it opens: Queue the runs

    def __getattr__(self, name: str) -> Any:
        from .dialogs import Answer

        return lambda *args, **kwargs: Answer.DISCARD


def _window(preset: str | None) -> Any:
    from ..spec import preset_path
    from .app import create_main_window

    window: Any = create_main_window(preset_path(preset) if preset else None)
    window.dialogs = _Discard()
    window.show_on_screen()
    panel = window.dataset_panel
    wait_until(lambda: bool(panel.shown_key) and panel.job is None and window.engine_ready)
    wait_until(lambda: False, 1.5)  # the window manager has placed it; the docks have their widths
    return window


def _save(path: Path) -> Path:
    from PySide6.QtGui import QGuiApplication

    wait_until(lambda: False, 0.5)  # let the redraw timer catch up
    screen = QGuiApplication.primaryScreen()
    if not screen.grabWindow(0).save(str(path)):  # the whole screen, window manager included
        raise OSError(f"could not write {path}")
    return path


def _train(window: Any, until: Callable[[Any], bool]) -> None:
    """Start a run and wait until `until(the run's record)` holds."""
    window.train()
    if not wait_until(lambda: until(window.runs.current), 300):
        raise RuntimeError("the run did not get there in time")


def _main_window(path: Path) -> None:
    window = _window(None)
    _save(path)
    window.close()


def _training_live(path: Path) -> None:
    window = _window("digits_cnn")
    _train(window, lambda run: run.last_epoch is not None and run.last_epoch.epoch >= 9)
    window.toggle_pause()
    _save(path)
    window.toggle_pause()
    wait_until(lambda: not window.runs.running, 120)
    window.close()


def _after_a_run(preset: str | None) -> Callable[[Path], None]:
    def scene(path: Path) -> None:
        window = _window(preset)
        _train(window, lambda run: run.ended is not None)
        wait_until(lambda: not window.runs.running, 60)
        _save(path)
        window.close()

    return scene


def _comparison(path: Path) -> None:
    """Two runs of the digits MLP, the second with a Dropout layer: the overlay and the Runs table."""
    window = _window(None)
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    window.layer_editor.select(1)
    window.layer_editor.add("Dropout")
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    view = window.training_view
    view.tabs.setCurrentIndex(view.tabs.count() - 1)  # the Runs tab
    _save(path)
    window.close()


def _digit_on_paper(folder: Path) -> Path:
    """A dark 7 drawn on a light page, off centre, as a photo of a student's digit would be."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (240, 240), 232)
    draw = ImageDraw.Draw(page)
    draw.text((70, 40), "7", fill=30, font=ImageFont.load_default(size=120))
    path = folder / "my-digit.png"
    page.save(path)
    return path


def _try_picture(path: Path) -> None:
    """digits_cnn answers a picture of the student's own."""
    window = _window("digits_cnn")
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    window.dialogs.picture = _digit_on_paper(Path(tempfile.mkdtemp(prefix="workbench-picture-")))
    window.try_picture()
    wait_until(lambda: window.prediction_dialog is not None and window.prediction_dialog.isVisible(), 60)
    _save(path)
    window.prediction_dialog.close()
    window.close()


def _digits_vae(path: Path) -> None:
    """digits_vae after its run: the Latent space tab, and the decoder in the layer list."""
    from PySide6.QtWidgets import QScrollArea

    window = _window("digits_vae")
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    window.layer_editor.part_tabs.setCurrentIndex(1)
    window.findChild(QScrollArea, "layerScroll").ensureWidgetVisible(window.layer_editor.list)
    _save(path)
    window.close()


def _residual_block(path: Path) -> None:
    """digits_cnn with a residual block built by hand after its first ReLU: its first convolution
    made 32 channels with stride 2, the shortcut shown under the block, then trained."""
    from PySide6.QtWidgets import QScrollArea

    window = _window("digits_cnn")
    editor = window.layer_editor
    editor.select(1)
    editor.add("Residual")
    editor.select_at((2, 0))
    editor.form.widgets["out_channels"].spin.setValue(32)
    editor.form.widgets["stride"].spin.setValue(2)
    editor.select_at((2, 2))
    editor.form.widgets["out_channels"].spin.setValue(32)
    editor.select(2)
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    _layer_list_in_view(window)
    window.findChild(QScrollArea, "layerScroll").ensureWidgetVisible(editor.inferred_label, 0, 0)  # the shortcut
    _save(path)
    window.close()


def _layer_list_in_view(window: Any) -> None:
    """The layer list and what is said under it (the totals, a block's shortcut, the start file)."""
    from PySide6.QtWidgets import QScrollArea

    area, editor = window.findChild(QScrollArea, "layerScroll"), window.layer_editor
    area.ensureWidgetVisible(editor.form_title, 0, 0)
    area.ensureWidgetVisible(editor.list, 0, 0)


def _fine_tuning(path: Path) -> None:
    """transfer_finetune after its run: the frozen convolutions, the parameters to train and frozen,
    and which layers came from the built-in model, under the list."""
    from PySide6.QtWidgets import QScrollArea

    window = _window("transfer_finetune")
    _train(window, lambda run: run.ended is not None)
    wait_until(lambda: not window.runs.running, 60)
    window.layer_editor.select(0)
    _layer_list_in_view(window)
    window.findChild(QScrollArea, "layerScroll").ensureWidgetVisible(window.layer_editor.start_label, 0, 0)
    _save(path)
    window.close()


def _on_tab(preset: str, tab: str) -> Callable[[Path], None]:
    """A preset after its run, with the training view's `tab` (an attribute: "inside", "network") shown."""

    def scene(path: Path) -> None:
        window = _window(preset)
        _train(window, lambda run: run.ended is not None)
        wait_until(lambda: not window.runs.running, 60)
        view = window.training_view
        view.tabs.setCurrentWidget(getattr(view, tab))
        view.refresh()
        if tab == "inside":
            wait_until(lambda: view.inside.shown is not None, 60)
        _save(path)
        window.close()

    return scene


def _sweep(preset: str | None, start: Callable[[Any], None], done: Callable[[Any], bool]) -> Callable[[Path], None]:
    """A sweep started from the window (`start`), its window pictured once `done(its session)`."""

    def scene(path: Path) -> None:
        window = _window(preset)
        window.sweeps_root = Path(tempfile.mkdtemp(prefix="workbench-sweeps-"))
        start(window)
        (sweep,) = window.sweep_windows
        wait_until(lambda: done(sweep.session), 600)
        wait_until(lambda: False, 1.0)  # the last run's row and curves drawn
        _save(path)
        sweep.session.stop()
        wait_until(lambda: not sweep.session.active, 120)
        sweep.close()
        window.close()

    return scene


def _repeat(window: Any) -> None:
    window.repeat_box.setValue(5)
    window.repeat()


def _learning_rates(window: Any) -> None:
    from ..spec.sweep import Vary, log_spaced

    window._start_sweep(Vary("training.optimizer.lr", tuple(log_spaced(1e-4, 1e-1, 4))), 3, "lr")


def _exercise(name: str, solve: Callable[[Any], None], until: Callable[[Any], bool]) -> Callable[[Path], None]:
    """The course's exercise `name` opened, a hint shown, `solve(window)` done as a student would
    do it, and the window pictured once `until(the run's record)` (paused there when it trains)."""

    def scene(path: Path) -> None:
        from ..spec.course import load_course

        window = _window(None)
        window.bundle = load_course()
        window.start_exercise([e.id for e in window.bundle.exercises].index(name))
        window.show_hint()
        solve(window)
        _train(window, until)
        if window.runs.running:
            window.toggle_pause()
            wait_until(lambda: False, 1.0)  # the checklist ticked at the last epoch
        _save(path)
        if window.runs.running:
            window.stop()
        wait_until(lambda: not window.runs.running, 120)
        window.close()

    return scene


def _to_adam(window: Any) -> None:
    """What a student does in "SGD, Adam or Adagrad": Adam in the optimizer's list, the rate kept."""
    from ..spec.training import Adam

    training = window.document.spec.training
    adam = Adam(lr=training.optimizer.lr)
    window.document.set_training(training.model_copy(update={"optimizer": adam}), "Adam")


def _exercise_list(path: Path) -> None:
    """The course's list, where the student stands in each exercise (the attempts of the scenes before)."""
    from .exercise_view import ExercisesDialog

    window = _window(None)
    offered: list[Any] = []
    window.dialogs.choose_exercise = lambda course, rows: offered.append((course, rows))
    window.open_course()
    ((course, rows),) = offered
    dialog = ExercisesDialog(course, rows, window)
    dialog.show()
    _save(path)
    dialog.close()
    window.close()


SCENES: dict[str, Callable[[Path], None]] = {
    "repeat-seeds": _sweep(None, _repeat, lambda session: not session.active),
    "sweep-learning-rate": _sweep(None, _learning_rates, lambda session: not session.active),
    "sweep-variants": _sweep(  # the queue at work: two runs training, the others waiting
        "adding_rnn_vs_lstm",
        lambda window: window.train_variants(),
        lambda session: sum(len(epochs) for epochs in session.progress.values()) >= 6,
    ),
    "exercise-training": _exercise("choose_optimizer", _to_adam, lambda run: len(run.epochs) >= 3),
    "exercise-solved": _exercise("choose_optimizer", _to_adam, lambda run: run.ended is not None),
    "exercise-list": _exercise_list,
    "residual-block": _residual_block,
    "fine-tuning": _fine_tuning,
    "zh-CN-fine-tuning": _fine_tuning,
    "zh-CN-exercise-training": _exercise("choose_optimizer", _to_adam, lambda run: len(run.epochs) >= 3),
    "zh-CN-exercise-solved": _exercise("choose_optimizer", _to_adam, lambda run: run.ended is not None),
    "main-window": _main_window,
    "training-live": _training_live,
    "overfitting-demo": _after_a_run("overfitting_demo"),
    "comparison": _comparison,
    "try-a-picture": _try_picture,
    "digits-vae": _digits_vae,
    "small-screen": _after_a_run(None),
    "zh-CN-overfitting-demo": _after_a_run("overfitting_demo"),
    "inside-the-network": _on_tab("digits_cnn", "inside"),
    "network-playground": _on_tab("playground_xor", "network"),
    "layer-health": _on_tab("vanishing_gradients", "network"),
    "zh-CN-inside-the-network": _on_tab("digits_cnn", "inside"),
}


def render_here(out_dir: Path, names: list[str]) -> list[Path]:
    """Take the named pictures on the display this process runs on."""
    from PySide6.QtWidgets import QApplication

    from ..i18n import language
    from .app import speak_qt

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    speak_qt(language())  # the language the environment asks for (render sets LANGUAGE)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for name in names:
        path = out_dir / f"{name}.png"
        SCENES[name](path)
        saved.append(path)
    return saved


def render(out_dir: Path) -> list[Path]:
    """Start a virtual desktop per screen size and take its pictures there (a process per screen:
    Qt's platform and screen are fixed for the life of a process)."""
    from .virtual_desktop import VirtualDesktop

    saved = []
    settings = tempfile.mkdtemp(prefix="workbench-shots-")  # never the student's own settings
    for ((width, height), language), names in SHOTS.items():
        with VirtualDesktop(width, height) as desktop:
            env = {**desktop.environ(), "WORKBENCH_SETTINGS_DIR": os.path.join(settings, f"{width}x{height}")}
            env["LANGUAGE"] = language
            command = [sys.executable, "-m", "workbench.gui.screenshots", CHILD_FLAG, str(out_dir), *names]
            subprocess.run(command, env=env, check=True, timeout=900)
        saved += [out_dir / f"{name}.png" for name in names]
    return saved


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == CHILD_FLAG:
        render_here(Path(sys.argv[2]), sys.argv[3:])
    else:
        for picture in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
            print(picture)
