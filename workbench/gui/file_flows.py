"""The window's file flows: new, open (an experiment, a preset, a saved run), save, recent files,
export, and the questions before anything is lost (unsaved settings, a trained run not exported)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Slot
from PySide6.QtWidgets import QMainWindow, QMenu

from ..atomic import atomic_write
from ..i18n import _
from ..spec import ExperimentSpec, NetworkSpec, SpecError, default_experiment, load_preset, preset_names, preset_path
from .dialogs import Answer, Dialogs
from .document import ExperimentDocument
from .preset_dialog import PresetInfo
from .run import RunController

if TYPE_CHECKING:
    from .training_view import QtTrainingView

MAX_RECENT = 8

if TYPE_CHECKING:  # mixed into QtMainWindow, a QMainWindow
    _Window = QMainWindow
else:
    _Window = object


def file_stem(name: str, fallback: str) -> str:
    """A file name from an experiment's name: its words joined by _ (no commas, slashes or
    spaces a shell or a file manager would trip on), `fallback` when none is left."""
    return re.sub(r"\W+", "_", name).strip("_").lower() or fallback


class FileFlows(_Window):
    """New, open, save, export and the questions before leaving a run or settings (a mixin of the
    main window: the flows ask through its dialogs and change its document and runs)."""

    document: ExperimentDocument
    dialogs: Dialogs
    runs: RunController
    settings: QSettings
    training_view: QtTrainingView
    recent_menu: QMenu
    engine_state: str  # "" once PyTorch is loaded

    def _confirm_discard(self) -> bool:
        """True when it is fine to drop the current experiment (saved, discarded, or nothing to save)."""
        if not self.document.dirty:
            return True
        answer = self.dialogs.unsaved_changes(self.document.title)
        if answer is Answer.SAVE:
            return self.save()
        return answer is Answer.DISCARD

    def _agree_to_leave(self, action: str, then: Callable[[], object]) -> Callable[[], None] | None:
        """Ask about what `action` would lose: the current run's unexported model, then unsaved
        settings. None when the student keeps them (Cancel; or Export, after which `then` runs
        again); else a function to call once the action has happened. The run's protection is let
        go only then, so a Cancel anywhere later leaves it armed."""
        let_go = False
        if self.runs.at_risk:
            record = self.runs.current
            answer = self.dialogs.unexported_run(record.name if record else _("the last run"), action)
            if answer is Answer.EXPORT:
                self.export_model(then)
            if answer is not Answer.DISCARD:
                return None
            let_go = True
        if not self._confirm_discard():
            return None
        return self.runs.exported if let_go else lambda: None

    @Slot()
    def new(self) -> None:
        """A new experiment: the default data and settings, an empty stack to build."""
        left = self._agree_to_leave(_("starting a new experiment"), self.new)
        if left is not None:
            start = default_experiment()
            self.document.replace(start.model_copy(update={"name": "", "network": NetworkSpec()}), None)
            left()

    @Slot()
    def open_dialog(self) -> None:
        """Choose an experiment file and open it."""
        path = self.dialogs.open_path(self.document.base_dir)
        if path is not None:
            self.open_path(path)

    @Slot()
    def open_preset_dialog(self) -> None:
        """File > Open preset: choose a shipped experiment by its name and what it teaches."""
        presets = [PresetInfo(n, (e := load_preset(n)).name, e.description) for n in preset_names()]
        chosen = self.dialogs.choose_preset(presets)
        if chosen is not None:
            self.open_path(preset_path(chosen), as_template=True)

    @Slot()
    def open_run_dialog(self) -> None:
        """Choose a model file and take up its run."""
        if self.runs.running or self.engine_state:
            return
        path = self.dialogs.open_model_path(self.document.base_dir)
        if path is None:
            return
        left = self._agree_to_leave(_("opening {file}").format(file=path.name), partial(self.open_run, path))
        if left is not None:
            self.open_run(path, left)

    def open_run(self, path: Path, left: Callable[[], None] = lambda: None) -> None:
        """Take up the run saved in `path` (its settings replace the experiment; a bad file changes
        nothing); `left()` once it has replaced the current run."""
        opening = _("Opening the run saved in {file}…").format(file=path.name)
        self.statusBar().showMessage(opening)
        self.training_view.show_opening(opening)

        def opened() -> None:
            assert self.runs.current is not None
            self.training_view.show_opening("")
            self.document.replace(self.runs.current.spec, None)
            self.training_view.start_run()  # after: the run is shown, not the experiment's introduction
            left()

        def failed(message: str) -> None:
            self.training_view.show_opening("")
            self.dialogs.error(_("Cannot open the saved run"), message)
            self.statusBar().showMessage(_("Could not open {file}.").format(file=path.name), 4000)

        self.runs.open_saved(path, opened, failed)

    def open_path(self, path: Path, as_template: bool = False) -> bool:
        """Open `path` (a preset opens as a new, unsaved copy), having asked about what it would
        lose. A bad file changes nothing and asks nothing."""
        try:
            experiment = ExperimentSpec.load(path)
        except SpecError as exc:
            self.dialogs.error(_("Cannot open the experiment"), str(exc))
            return False
        action = _("opening a preset") if as_template else _("opening {file}").format(file=path.name)
        left = self._agree_to_leave(action, partial(self.open_path, path, as_template))
        if left is None:
            return False
        self.document.replace(experiment, None if as_template else path)
        left()
        if not as_template:
            self._remember(path)
        return True

    @Slot()
    def save(self) -> bool:
        """Save to the current file (asks for one the first time)."""
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    @Slot()
    def save_as(self) -> bool:
        """Save under a new name."""
        suggestion = Path.home() / f"{(self.document.spec.name or 'experiment').replace(' ', '_').lower()}.json"
        path = self.dialogs.save_path(self.document.path or suggestion)
        return self._write(path) if path is not None else False

    def _write(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as exc:
            self.dialogs.error(
                _("Cannot save"), _("Could not write {path}: {error}").format(path=path, error=exc.strerror or exc)
            )
            return False
        self._remember(path)
        self.statusBar().showMessage(_("Saved {path}").format(path=path), 4000)
        return True

    def _remember(self, path: Path) -> None:
        recent = [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recentFiles", [str(path.resolve()), *recent][:MAX_RECENT])

    def recent_files(self) -> list[str]:
        """Recently opened or saved experiment files, newest first."""
        value = self.settings.value("recentFiles", [])
        return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]

    @Slot()
    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self.recent_files():
            self.recent_menu.addAction(entry, partial(self.open_path, Path(entry)))
        if not self.recent_files():
            self.recent_menu.addAction(_("(none yet)")).setEnabled(False)

    @Slot()
    def export_model(self, then: Callable[[], object] | None = None) -> None:
        """Save the last run's model: .pt (plain PyTorch), TorchScript, or ONNX when available;
        once it is written, do `then` (what the student was doing when asked to export first)."""
        if not self.runs.exportable:
            return
        from ..engine.exporters import onnx_available

        formats = {_("Workbench model") + " (*.pt)": ".pt", "TorchScript (*.torchscript)": ".torchscript"}
        if onnx_available():
            formats["ONNX (*.onnx)"] = ".onnx"
        path = self.dialogs.export_path(self._model_path(), formats)
        if path is not None:
            self._export(path, partial(self._exported, then=then))

    @Slot()
    def fine_tune(self) -> None:
        """Save the last run's model as a .pt file, then start the network from it: the next run's
        layers that match it take its weights (freeze some, change the last, train on new data)."""
        if not self.runs.exportable:
            return
        formats = {_("Workbench model") + " (*.pt)": ".pt"}
        path = self.dialogs.export_path(self._model_path(), formats, _("Save the model to start from"))
        if path is not None:
            self._export(path.with_suffix(".pt"), self._start_from)  # only a Workbench model file can start a run

    def _model_path(self) -> Path:
        """Where the last run's model is offered to be saved: named after the experiment (and the epoch shown)."""
        name = file_stem(self.document.spec.name, "model")
        record = self.runs.current
        if record is not None and record.chosen_epoch is not None:
            name += f"_epoch{record.chosen_epoch + 1}"
        return (self.document.base_dir or Path.home()) / f"{name}.pt"

    def _export(self, path: Path, done: Callable[[Path], None]) -> None:
        self.statusBar().showMessage(_("Exporting {path}…").format(path=path))
        self.runs.export(path, done, self._export_failed)

    def _start_from(self, path: Path) -> None:
        """The network starts from the model just saved in `path` (beside the experiment: by its name)."""
        self.runs.exported()
        base = self.document.base_dir
        where = path.name if base is not None and path.parent.resolve() == base.resolve() else str(path)
        network = self.document.spec.network.model_copy(update={"start_from": where})
        self.document.set_network(network, _("Start from {file}").format(file=path.name))
        said = _(
            "Saved {path}. The next run starts from its weights, layer by layer where the layers match. "
            "Freeze the layers to keep (their Frozen switch), change the last layer or the data, and train."
        )
        self.dialogs.info(_("Fine-tuning"), said.format(path=path))

    @Slot()
    def export_script(self) -> None:
        """Write the run shown (or the experiment, before it trains) as a PyTorch script or notebook."""
        from ..engine.script import ScriptSource, export_text
        from ..spec.peek import DataError

        record = self.runs.current
        spec = record.spec if record is not None else self.document.spec
        base = self.document.base_dir
        formats = {_("Python script") + " (*.py)": ".py", _("Jupyter notebook") + " (*.ipynb)": ".ipynb"}
        name = file_stem(spec.name, "experiment")
        path = self.dialogs.export_path((base or Path.home()) / f"{name}.py", formats, _("Export as Python script"))
        if path is None:
            return
        try:
            text = export_text(ScriptSource.of_experiment(spec, base), _notebook_or_script(path), path.stem)
            atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        except (SpecError, DataError, OSError) as exc:
            self.dialogs.error(_("Export failed"), str(exc) + "\n" + _("Nothing was written."))
            return
        self.statusBar().showMessage(_("Exported {path}").format(path=path), 6000)
        command = f"python {path.name}" if path.suffix.lower() == ".py" else f"jupyter notebook {path.name}"
        said = _(
            "Saved {path}. It needs only PyTorch (and the libraries its data needs): run it with {command} "
            "and it trains this network the same way, epoch by epoch."
        )
        self.dialogs.info(_("Python script written"), said.format(path=path, command=command))

    def _exported(self, path: Path, then: Callable[[], object] | None = None) -> None:
        self.runs.exported()
        self.statusBar().showMessage(_("Exported {path}").format(path=path), 6000)
        if then is not None:
            then()
            return
        saved = _("Saved {path}").format(path=path)
        record = self.runs.current  # the run exported: the settings may have changed since
        if record is not None and record.spec.network.is_autoencoder and path.suffix.lower() != ".pt":
            from ..engine.exporters import part_paths

            encoder, decoder = (where.name for where in part_paths(path).values())
            saved = _("Saved {path}, and beside it the encoder ({encoder}) and the decoder ({decoder})").format(
                path=path, encoder=encoder, decoder=decoder
            )
        self.dialogs.info(_("Model exported"), saved)

    def _export_failed(self, message: str, _trace: str | None) -> None:
        self.statusBar().showMessage(_("Export failed"), 6000)
        self.dialogs.error(_("Export failed"), message + "\n" + _("Nothing was written."))


def _notebook_or_script(path: Path) -> str:
    """The export format a file's name asks for."""
    return "notebook" if path.suffix.lower() == ".ipynb" else "script"
