"""The layer-stack editor: the network as a table of layers with shapes, and a form per layer."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QScrollArea,
    QTabBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import StartReport
from ...i18n import N_, _, pgettext
from ...spec import LAYER_TYPES, ExperimentSpec, NetworkAnalysis, NetworkSpec, catalog, format_shape
from ...spec.layers import Layer, LayerCategory, converted
from ...spec.memory import format_bytes
from ...spec.network import PART_WORDS, LayerPart
from ...spec.peek import DataError
from ..document import ExperimentDocument
from ..forms.model_form import FieldChange, ModelForm, discard
from ..theme import Tone, colour, error_background, style
from ..wrapped_label import WrappedLabel

STRUCTURE_BUTTONS = (
    "addLayerButton",
    "removeLayerButton",
    "duplicateLayerButton",
    "moveLayerUpButton",
    "moveLayerDownButton",
)


def drop_position(source: int, target: int | None, below: bool, count: int) -> int:
    """Where a row dragged from `source` lands when dropped on row `target` (None: empty space)."""
    insert_at = count if target is None else target + int(below)
    return insert_at - 1 if source < insert_at else insert_at  # taking the row out shifts those below up


# What the Add layer menu calls each group of the catalog.
CATEGORY_WORDS = {
    LayerCategory.CORE: N_("Core"),
    LayerCategory.CONVOLUTION: N_("Convolution"),
    LayerCategory.POOLING: N_("Pooling"),
    LayerCategory.NORMALIZATION: N_("Normalization"),
    LayerCategory.REGULARIZATION: N_("Regularization"),
    LayerCategory.ACTIVATION: N_("Activation"),
    LayerCategory.RECURRENT: N_("Recurrent"),
}


MIN_ROWS, MAX_ROWS = 4, 12  # the layer list's height, in rows


def _ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


class LayerList(QTreeWidget):
    """The rows of the stack; a drag and drop asks the editor to move a layer instead of moving items."""

    move_requested = Signal(int, int)
    command = Signal(str)  # "remove", "duplicate", "up", "down" from the keyboard

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("layerList")
        self.setAccessibleName(pgettext("the layer list", "Layers"))
        self.setColumnCount(4)
        self.setHeaderLabels(["#", _("Layer"), _("Output shape"), _("Parameters")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As tall as its rows (a few at least, a dozen at most: longer stacks scroll), so that the
        totals and the selected layer's form follow right below it."""
        rows = min(max(self.topLevelItemCount(), MIN_ROWS), MAX_ROWS)
        row = self.sizeHintForRow(0) if self.topLevelItemCount() else self.fontMetrics().height() + 6
        height = self.header().sizeHint().height() + rows * row + 2 * self.frameWidth() + 4
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.sizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        key = event.key()
        commands: dict[tuple[bool, int], str] = {
            (False, int(Qt.Key.Key_Delete)): "remove",
            (False, int(Qt.Key.Key_Backspace)): "remove",
            (True, int(Qt.Key.Key_D)): "duplicate",
            (True, int(Qt.Key.Key_Up)): "up",
            (True, int(Qt.Key.Key_Down)): "down",
        }
        command = commands.get((ctrl, int(key)))
        if command is None:
            super().keyPressEvent(event)
            return
        event.accept()
        self.command.emit(command)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        current = self.currentItem()
        source = self.indexOfTopLevelItem(current) if current is not None else -1
        target_item = self.itemAt(event.position().toPoint())
        target = self.indexOfTopLevelItem(target_item) if target_item is not None else None
        below = self.dropIndicatorPosition() == QAbstractItemView.DropIndicatorPosition.BelowItem
        insert_at = drop_position(source, target, below, self.topLevelItemCount())
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if source >= 0 and insert_at != source:
            self.move_requested.emit(source, insert_at)


class QtLayerEditor(QWidget):
    """Edit the layer stack: add from the catalog, insert, remove, duplicate, reorder, edit a layer.

    Every change is one undoable edit of the document; the view re-renders from the document.
    """

    layer_selected = Signal(str, int)  # the part shown ("layers" or "decoder") and the row selected

    def __init__(self, document: ExperimentDocument) -> None:
        super().__init__()
        self.setObjectName("layerEditor")
        self.setAccessibleName(_("Layer stack editor"))
        self.document = document
        self.analysis: NetworkAnalysis | None = None
        self.form: ModelForm | None = None
        self.form_index = -1
        self.part: LayerPart = "layers"  # the list shown: the stack (an autoencoder's encoder) or the decoder
        self._build()
        document.changed.connect(self.show_spec)
        self.show_spec(document.spec)

    # --- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The network's own settings: its kind, and an autoencoder's code and loss.
        self.network_form = ModelForm(
            NetworkSpec, self.document.spec.network, hidden=("layers", "decoder"), place=("network",)
        )
        self.network_form.setObjectName("networkForm")
        self.network_form.edited.connect(self._network_edited)
        layout.addWidget(self.network_form)
        self.part_tabs = QTabBar()
        self.part_tabs.setObjectName("networkPartTabs")
        self.part_tabs.setAccessibleName(_("Which layers the list shows: the encoder's or the decoder's"))
        for text, tip in (
            (_("Encoder"), _("The layers from the input to the latent code")),
            (_("Decoder"), _("The layers from the latent code back to the input's shape")),
        ):
            self.part_tabs.setTabToolTip(self.part_tabs.addTab(text), tip)
        self.part_tabs.currentChanged.connect(self._part_chosen)
        self.part_tabs.hide()
        layout.addWidget(self.part_tabs)
        self.list = LayerList()
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.move_requested.connect(self.move_layer)
        layout.addLayout(self._buttons())
        layout.addWidget(self.list)
        self.error_label = WrappedLabel()
        self.error_label.setObjectName("layerErrorLabel")
        self.error_label.setStyleSheet(style(Tone.ERROR))
        layout.addWidget(self.error_label)
        self.advice_label = WrappedLabel()
        self.advice_label.setObjectName("layerAdviceLabel")
        self.advice_label.setStyleSheet(style(Tone.ADVICE))
        self.advice_label.hide()
        layout.addWidget(self.advice_label)
        self.health_label = WrappedLabel()  # what the last run's layer health says (engine.health)
        self.health_label.setObjectName("layerHealthLabel")
        self.health_label.setStyleSheet(style(Tone.ADVICE))
        self.health_label.hide()
        layout.addWidget(self.health_label)
        self.health: dict[int, list[str]] = {}  # layer -> what its health says, for this network
        self.health_epoch: int | None = None
        self.start_label = WrappedLabel()  # which layers the run shown copied from its start file
        self.start_label.setObjectName("layerStartLabel")
        self.start_label.setStyleSheet(style(Tone.NOTE))
        self.start_label.hide()
        layout.addWidget(self.start_label)
        self.started: StartReport | None = None
        self.total_label = QLabel()
        self.total_label.setObjectName("paramCountLabel")
        self.total_label.setAccessibleName(_("Total parameters"))
        layout.addWidget(self.total_label)
        self.form_title = WrappedLabel()
        layout.addWidget(self.form_title)
        # Another layer of the same kind in its place, keeping the settings both have (RNN -> LSTM).
        self.type_row = QWidget()
        type_layout = QHBoxLayout(self.type_row)
        type_layout.setContentsMargins(0, 0, 0, 0)
        type_label = QLabel(_("Type"))
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("layerTypeCombo")
        self.type_combo.setToolTip(_("Make this layer another of its kind, keeping the settings both have"))
        type_label.setBuddy(self.type_combo)
        type_layout.addWidget(type_label)
        type_layout.addWidget(self.type_combo, 1)
        self.type_combo.activated.connect(self._type_chosen)
        self.type_row.hide()
        layout.addWidget(self.type_row)
        self.form_holder = QVBoxLayout()
        layout.addLayout(self.form_holder)
        self.inferred_label = QLabel()
        self.inferred_label.setObjectName("inferredLabel")
        self.inferred_label.setStyleSheet(style(Tone.MUTED))
        layout.addWidget(self.inferred_label)
        layout.addStretch(1)  # room to spare goes below the form, not into the list
        self.list.command.connect(self._key_command)

    def _button(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.add_button = self._button("addLayerButton", _("Add layer"), _("Add a layer after the selected one"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(self._catalog_menu())
        row.addWidget(self.add_button)
        for name, text, tip, slot in (
            ("removeLayerButton", _("Remove"), _("Remove the selected layer (Delete)"), self.remove_selected),
            (
                "duplicateLayerButton",
                _("Duplicate"),
                _("Duplicate the selected layer (Ctrl+D)"),
                self.duplicate_selected,
            ),
            ("moveLayerUpButton", "↑", _("Move the selected layer up (Ctrl+Up)"), lambda: self.move_selected(-1)),
            ("moveLayerDownButton", "↓", _("Move the selected layer down (Ctrl+Down)"), lambda: self.move_selected(1)),
        ):
            button = self._button(name, text, tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            setattr(self, name.removesuffix("Button").replace("Layer", "_"), button)
        row.addStretch(1)
        return row

    def lock_structure(self, locked: bool, type_locked: bool = False) -> None:
        """While an exercise locks the network: no layer added, removed, moved or made another type;
        `type_locked`: the selected layer stays of its type (the document refuses such edits
        whatever asks; these controls say so before)."""
        why = _("Locked by the exercise: it cannot be changed here.")
        for button in self.findChildren(QToolButton):
            if button.objectName() in STRUCTURE_BUTTONS:
                button.setEnabled(not locked)
        fixed = locked or type_locked
        self.type_combo.setEnabled(not fixed)
        self.type_combo.setToolTip(
            why if fixed else _("Make this layer another of its kind, keeping the settings both have")
        )
        self.list.setDragEnabled(not locked)

    def _catalog_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("layerCatalogMenu")
        for category, classes in catalog().items():
            sub = menu.addMenu(_(CATEGORY_WORDS[category]))
            for cls in classes:
                type_name = cls.model_fields["type"].default
                action = sub.addAction(type_name)
                action.setToolTip(_(cls.doc))
                action.setStatusTip(_(cls.doc))
                action.triggered.connect(lambda _checked=False, t=type_name: self.add(t))
        return menu

    # --- rendering ----------------------------------------------------------------------------

    @Slot(object)
    def show_spec(self, spec: ExperimentSpec) -> None:
        """Show the stack of `spec`: rows, shapes, counts, errors, totals and the selected form."""
        selected = self.selected_index()
        self._show_network(spec)
        layers = getattr(spec.network, self.part)
        try:
            self.analysis = spec.network.analyze(spec.data_shape(self.document.base_dir).input_shape)
            data_error = ""
        except DataError as exc:
            self.analysis, data_error = (
                None,
                _("Shapes need the data: {problem}").format(problem=exc.problem.in_words(spec)),
            )
        self.list.blockSignals(True)
        self.list.clear()
        rows = {row.index: row for row in self.analysis.part(self.part)} if self.analysis else {}
        for i, layer in enumerate(layers):
            item = QTreeWidgetItem([str(i + 1), layer.summary(), "", ""])
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            item.setToolTip(1, _(type(layer).doc))
            row = rows.get(i)
            if row is not None and row.error is None:
                item.setText(2, format_shape(row.output_shape or ()))
                item.setText(3, f"{row.params:,}")
                if row.frozen:
                    self._show_frozen(item)
            elif row is not None:
                item.setText(2, "⚠ " + _("does not fit"))
                for col in range(4):
                    item.setForeground(col, QBrush(colour(Tone.ERROR)))
                    item.setBackground(col, QBrush(error_background()))
                    item.setToolTip(col, row.error or "")
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        self.list.updateGeometry()  # as tall as its rows
        self._render_totals(spec, data_error)
        self._render_advice(spec)
        self._render_health()
        self._render_start()
        if layers:
            self.select(min(max(selected, 0), len(layers) - 1))
        else:
            self._show_form(None)

    @staticmethod
    def _show_frozen(item: QTreeWidgetItem) -> None:
        """A frozen layer's row: marked, its parameters greyed (training leaves them as they are)."""
        item.setText(1, _("{layer} · frozen").format(layer=item.text(1)))
        item.setForeground(3, QBrush(colour(Tone.MUTED)))
        item.setToolTip(3, _("Frozen: training leaves these parameters as they are"))

    def _show_network(self, spec: ExperimentSpec) -> None:
        """The network's settings, and for an autoencoder the Encoder / Decoder choice of list."""
        network = spec.network
        if self.network_form.value != network:
            self.network_form.set_value(network)
        if not network.is_autoencoder:
            self.part = "layers"
        self.part_tabs.blockSignals(True)
        self.part_tabs.setCurrentIndex(0 if self.part == "layers" else 1)
        self.part_tabs.blockSignals(False)
        self.part_tabs.setVisible(network.is_autoencoder)

    @Slot(object, object)
    def _network_edited(self, network: NetworkSpec, change: FieldChange) -> None:
        self.document.set_network(network, change)

    @Slot(int)
    def _part_chosen(self, index: int) -> None:
        """Show the encoder's layers (0) or the decoder's (1)."""
        part: LayerPart = "layers" if index == 0 else "decoder"
        if part != self.part:
            self.part = part
            self.form_index = -1  # another list: the selected row's form is another layer's
            self.show_spec(self.document.spec)
            if self.list.topLevelItemCount():
                self.select(0)

    def _render_totals(self, spec: ExperimentSpec, data_error: str) -> None:
        analysis = self.analysis
        if analysis is None:
            self.error_label.setText(data_error)
            self.total_label.setText("")
            return
        self.error_label.setText(analysis.error_words or "")
        self.error_label.setVisible(bool(analysis.error))
        out = format_shape(analysis.output_shape) if analysis.output_shape is not None else "—"
        memory = spec.memory(self.document.base_dir)
        params = _("<b>{params}</b> parameters").format(params=f"{analysis.total_params:,}")
        if analysis.frozen_params:
            params = _("<b>{params}</b> parameters to train, {frozen} frozen").format(
                params=f"{analysis.trainable_params:,}", frozen=f"{analysis.frozen_params:,}"
            )
        self.total_label.setText(
            _("{params} &nbsp;·&nbsp; ~{memory} to train").format(params=params, memory=format_bytes(memory.total))
            + "<br>"
            + _("input {shape} &nbsp;→&nbsp; output {out}").format(shape=format_shape(analysis.input_shape), out=out)
        )
        parts = "\n".join(f"  {name}: {format_bytes(size)}" for name, size in memory.parts())
        self.total_label.setToolTip(_("Memory a run needs, estimated before it starts:") + "\n" + parts)

    def _render_advice(self, spec: ExperimentSpec) -> None:
        """Advice (amber) on rows that train but cost the network something; only once shapes fit."""
        advice = spec.advice(self.document.base_dir) if self.analysis is not None and self.analysis.ok else []
        self.advice_label.setText("\n".join(_("Tip: {advice}").format(advice=a.in_words()) for a in advice))
        self.advice_label.setVisible(bool(advice))
        for a in advice:
            item = self.list.topLevelItem(a.index)
            if item is not None:
                for col in range(4):
                    item.setForeground(col, QBrush(colour(Tone.ADVICE)))  # trains, but could do better
                    item.setToolTip(col, a.in_words())

    def show_health(self, epoch: int | None, said: dict[int, list[str]]) -> None:
        """Flag the layers whose health (after `epoch`, from 0) raised a rule, with what to try;
        nothing when `said` is empty (a healthy run, or one of another network)."""
        if (epoch, said) != (self.health_epoch, self.health):
            self.health_epoch, self.health = epoch, said
            self._render_health()

    def show_start(self, report: StartReport | None) -> None:
        """Say which layers the run shown started from its model file and which started fresh
        (this list's: the encoder's and the code's, or the decoder's); nothing for None."""
        if report != self.started:
            self.started = report
            self._render_start()

    def _render_start(self) -> None:
        report = self.started
        shown = (
            () if report is None else [r for r in report.layers if (r.part == "decoder") == (self.part == "decoder")]
        )
        if report is not None and shown:
            self.start_label.setText("\n".join([report.lines()[0], *(layer.in_words() for layer in shown)]))
        self.start_label.setVisible(bool(shown))

    def _render_health(self) -> None:
        lines = []
        for index in range(self.list.topLevelItemCount()):  # no flag left from an earlier report
            item = self.list.topLevelItem(index)
            if item is not None and index not in self.health and item.text(0) != str(index + 1):
                item.setText(0, str(index + 1))
                item.setData(0, Qt.ItemDataRole.ForegroundRole, None)
                item.setToolTip(0, "")
        for index, sentences in sorted(self.health.items()):
            item = self.list.topLevelItem(index) if index < self.list.topLevelItemCount() else None
            if item is None:
                continue
            item.setText(0, "⚠ " + str(index + 1))
            item.setForeground(0, QBrush(colour(Tone.ADVICE)))
            item.setToolTip(0, "\n".join(sentences))
            lines += [_("Layer {number}: {health}").format(number=index + 1, health=s) for s in sentences]
        if lines and self.health_epoch is not None:
            heading = _("After epoch {epoch}:").format(epoch=self.health_epoch + 1)
            self.health_label.setText("\n".join([heading, *lines]))
        self.health_label.setVisible(bool(lines))

    def _show_form(self, index: int | None) -> None:
        if index is not None and self.form is not None and self.form_index == index:
            layer = self._layers()[index]
            if self.form.cls is type(layer):  # same layer edited: keep the editors (and the focus)
                self.form.set_value(layer)
                self._show_inferred(index)
                return
        self.form_index = index if index is not None else -1
        if self.form is not None:
            discard(self.form)
            self.form = None
        if index is None:
            self.form_title.setText(
                _("Add a layer to the decoder to start: Add layer, above the list")
                if self.part == "decoder"
                else _("Add a layer to this list to start: Add layer, above the list")
            )
            self.inferred_label.setText("")
            self.type_row.hide()
            return
        layer = self._layers()[index]
        words = _(PART_WORDS[self.part])
        self.form_title.setText(f"<b>{words} {index + 1}: {layer.type}</b> · {_(type(layer).doc)}")
        self._show_types(layer)
        self.form = ModelForm(type(layer), layer, place=("network", self.part, index))
        self.form.setObjectName("layerForm")
        self.form.edited.connect(lambda new, change, i=index: self.replace(i, new, change))
        self.form_holder.addWidget(self.form)
        self._chain_tabs(self.form)
        self._show_inferred(index)

    def _show_types(self, layer: Layer) -> None:
        """The types `layer` can become: those of its group of the catalog, when there are others
        that do the same kind of thing (core layers do different things: not offered)."""
        kinds = [cls.model_fields["type"].default for cls in catalog()[layer.category]]
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        self.type_combo.addItems(kinds)
        self.type_combo.setCurrentText(layer.type)
        self.type_combo.blockSignals(False)
        self.type_row.setVisible(len(kinds) > 1 and layer.category is not LayerCategory.CORE)

    @Slot(int)
    def _type_chosen(self, row: int) -> None:
        self.change_type(self.selected_index(), self.type_combo.itemText(row))

    def change_type(self, index: int, type_name: str) -> None:
        """Make layer `index` a `type_name` layer, keeping the settings both types have."""
        layers = self._layers()
        if 0 <= index < len(layers) and layers[index].type != type_name:
            old = layers[index].type
            layers[index] = converted(layers[index], type_name)
            self._commit(layers, _("{old} to {new}").format(old=old, new=type_name), index)

    def _chain_tabs(self, form: QWidget) -> None:
        """Tab goes from the layer list into the selected layer's form, then on to what follows the
        list (a new form's widgets would otherwise come last in the window's tab order)."""
        previous: QWidget = self.list
        if self.type_row.isVisibleTo(self):
            QWidget.setTabOrder(previous, self.type_combo)
            previous = self.type_combo
        for widget in form.findChildren(QWidget):
            takes_tab = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            own = widget.window() is form.window()  # not a combo box's list, a window of its own
            if takes_tab and own and not isinstance(widget.parentWidget(), QAbstractSpinBox):  # not a spin box's line
                QWidget.setTabOrder(previous, widget)
                previous = widget

    def _show_inferred(self, index: int) -> None:
        rows = self.analysis.part(self.part) if self.analysis else []
        row = next((r for r in rows if r.index == index), None)
        inferred = ", ".join(f"{k} = {v}" for k, v in row.inferred.items()) if row else ""
        self.inferred_label.setText(
            _("Inferred from the layer before: {values}").format(values=inferred) if inferred else ""
        )

    # --- selection ----------------------------------------------------------------------------

    def selected_index(self) -> int:
        """Row of the selected layer, or -1."""
        item = self.list.currentItem()
        return self.list.indexOfTopLevelItem(item) if item is not None else -1

    def select(self, index: int) -> None:
        """Select a row and show its form."""
        item = self.list.topLevelItem(index)
        if item is not None:
            self.list.setCurrentItem(item)
        self._show_form(index)

    def select_in(self, part: str, index: int) -> None:
        """Select layer `index` of the stack ("layers") or of the decoder, switching lists when
        needed, and bring its row into view (a box clicked on the network)."""
        wanted = 1 if part == "decoder" and self.part_tabs.isVisible() else 0
        if self.part_tabs.currentIndex() != wanted:
            self.part_tabs.setCurrentIndex(wanted)
        self.select(index)
        QTimer.singleShot(0, lambda: self._row_into_view(index))

    def _row_into_view(self, index: int) -> None:
        """Scroll the panel around the editor so that row `index` of the list shows (its form may
        stay below: the student picked the layer on the network and looks at where it is)."""
        area = next((a for a in _ancestors(self) if isinstance(a, QScrollArea)), None)
        item = self.list.topLevelItem(index)
        inner = area.widget() if area is not None else None
        if area is None or item is None or inner is None:
            return
        rect = self.list.visualItemRect(item)
        point = self.list.viewport().mapTo(inner, rect.center())
        area.ensureVisible(point.x(), point.y(), 0, rect.height() * 2)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _selection_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self._show_form(self.list.indexOfTopLevelItem(current) if current is not None else None)
        self.layer_selected.emit(self.part, self.selected_index())
        if self.list.hasFocus():  # the student picked it (a click, the arrow keys): show its settings
            QTimer.singleShot(0, self.bring_form_into_view)  # once the new form is laid out

    @Slot()
    def bring_form_into_view(self) -> None:
        """Scroll the panel around the editor so that the selected layer's title and form show
        (as much of the form as fits)."""
        area = next((a for a in _ancestors(self) if isinstance(a, QScrollArea)), None)
        if area is None or self.form is None:
            return
        area.ensureWidgetVisible(self.form, 0, 0)
        area.ensureWidgetVisible(self.form_title, 0, 0)  # a form taller than the panel: its top

    # --- edits --------------------------------------------------------------------------------

    def _layers(self) -> list[Layer]:
        return list(getattr(self.document.spec.network, self.part))

    def add(self, type_name: str) -> None:
        """Insert a new layer of `type_name` after the selected one (at the end when none is)."""
        layers = self._layers()
        at = self.selected_index() + 1 if self.selected_index() >= 0 else len(layers)
        layers.insert(at, LAYER_TYPES[type_name].model_validate({"type": type_name}))
        self._commit(layers, _("Add {layer}").format(layer=type_name), at)

    def remove_selected(self) -> None:
        """Remove the selected layer."""
        index, layers = self.selected_index(), self._layers()
        if 0 <= index < len(layers):
            removed = layers.pop(index)
            self._commit(layers, _("Remove {layer}").format(layer=removed.type), min(index, len(layers) - 1))

    def duplicate_selected(self) -> None:
        """Insert a copy of the selected layer below it."""
        index, layers = self.selected_index(), self._layers()
        if 0 <= index < len(layers):
            layers.insert(index + 1, layers[index])
            self._commit(layers, _("Duplicate {layer}").format(layer=layers[index].type), index + 1)

    @Slot(str)
    def _key_command(self, command: str) -> None:
        if command == "remove":
            self.remove_selected()
        elif command == "duplicate":
            self.duplicate_selected()
        else:
            self.move_selected(-1 if command == "up" else 1)

    def move_selected(self, step: int) -> None:
        """Move the selected layer up (-1) or down (+1)."""
        index = self.selected_index()
        self.move_layer(index, index + step)

    @Slot(int, int)
    def move_layer(self, source: int, target: int) -> None:
        """Move the layer at `source` so that it ends up at `target`."""
        layers = self._layers()
        if not (0 <= source < len(layers) and 0 <= target < len(layers)) or source == target:
            return
        layer = layers.pop(source)
        layers.insert(target, layer)
        self._commit(layers, _("Move {layer}").format(layer=layer.type), target)

    def replace(self, index: int, layer: Layer, change: FieldChange) -> None:
        """Put a layer edited in one field in place (one undo step per field)."""
        self.document.edit_layer(index, layer, change, self.part)

    def _commit(self, layers: list[Layer], text: str, select: int) -> None:
        self.document.set_layers(layers, text, self.part)
        if 0 <= select < self.list.topLevelItemCount():
            self.select(select)


if __name__ == "__main__":
    from ..standalone import show

    show(lambda doc: QtLayerEditor(doc))
