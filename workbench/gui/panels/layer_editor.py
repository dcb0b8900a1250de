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
from ...spec.layers import Layer, LayerCategory, Residual, converted, shortcut_words
from ...spec.memory import format_bytes
from ...spec.network import PART_WORDS, LayerInfo, LayerPart
from ...spec.peek import DataError
from ...spec.shapes import Shape
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
    LayerCategory.BLOCKS: N_("Blocks"),
}
# A layer of the list (block None) or of the residual block at row `block`: (block, index).
Sel = tuple[int | None, int]


MIN_ROWS, MAX_ROWS = 4, 12  # the layer list's height, in rows


def _ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


class LayerList(QTreeWidget):
    """The rows of the stack; a drag and drop asks the editor to move a layer instead of moving items."""

    move_requested = Signal(int, int)
    move_in_block = Signal(int, int, int)  # a residual block's row, and a move of one of its layers
    command = Signal(str)  # "remove", "duplicate", "up", "down" from the keyboard

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("layerList")
        self.setAccessibleName(pgettext("the layer list", "Layers"))
        self.setColumnCount(4)
        self.setHeaderLabels(["#", _("Layer"), _("Output shape"), _("Parameters")])
        self.setRootIsDecorated(False)  # a residual block's layers are always shown, a step in
        self.setIndentation(self.fontMetrics().horizontalAdvance("0"))
        self.setItemsExpandable(False)
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
        rows = min(max(self.rows(), MIN_ROWS), MAX_ROWS)
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

    def rows(self) -> int:
        """The rows shown: the layers and the layers inside the blocks."""
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        return len(items) + sum(item.childCount() for item in items if item is not None)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        current = self.currentItem()
        target_item = self.itemAt(event.position().toPoint())
        below = self.dropIndicatorPosition() == QAbstractItemView.DropIndicatorPosition.BelowItem
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        block = current.parent() if current is not None else None
        if current is not None and block is not None:  # a layer inside a block moves within it
            if target_item is not None and target_item.parent() is block:
                moved, onto = block.indexOfChild(current), block.indexOfChild(target_item)
                into = drop_position(moved, onto, below, block.childCount())
                if into != moved:
                    self.move_in_block.emit(self.indexOfTopLevelItem(block), moved, into)
            return
        if target_item is not None and target_item.parent() is not None:  # onto a block's layer: the block
            target_item = target_item.parent()
        source = self.indexOfTopLevelItem(current) if current is not None else -1
        target = self.indexOfTopLevelItem(target_item) if target_item is not None else None
        insert_at = drop_position(source, target, below, self.topLevelItemCount())
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
        self.form_sel: Sel | None = None  # the layer whose form is shown
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
        self.list.move_in_block.connect(self.move_in_block)
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
        self.inferred_label = WrappedLabel()  # a block's shortcut is a sentence
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
        selected = self.selected()
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
            item = self._item(str(i + 1), layer, rows.get(i))
            self.list.addTopLevelItem(item)
            if isinstance(layer, Residual):
                inner = {r.index: r for r in rows[i].inner} if i in rows else {}
                for k, part in enumerate(layer.layers):
                    item.addChild(self._item(f"{i + 1}.{k + 1}", part, inner.get(k)))
                item.setExpanded(True)
        self.list.blockSignals(False)
        self.list.updateGeometry()  # as tall as its rows
        self._render_totals(spec, data_error)
        self._render_advice(spec)
        self._render_health()
        self._render_start()
        if selected is not None and self._item_at(selected) is not None:
            self.select_at(selected)
        elif layers:
            row = 0 if selected is None else selected[1] if selected[0] is None else selected[0]
            self.select(min(row, len(layers) - 1))
        else:
            self._show_form(None)

    def _item(self, number: str, layer: Layer, row: LayerInfo | None) -> QTreeWidgetItem:
        """One row: its number (`4`, or `4.2` inside a block), the layer, its output shape and
        parameters, or that it does not fit."""
        summary = (
            _("Residual block ({count} layers)").format(count=len(layer.layers))
            if isinstance(layer, Residual)
            else layer.summary()
        )
        item = QTreeWidgetItem([number, summary, "", ""])
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        item.setToolTip(1, _(type(layer).doc))
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
        return item

    @staticmethod
    def _show_frozen(item: QTreeWidgetItem) -> None:
        """A frozen layer's row: marked, its parameters greyed (training leaves them as they are)."""
        item.setText(1, _("frozen · {layer}").format(layer=item.text(1)))  # first: a narrow list elides the end
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
            self.form_sel = None  # another list: the selected row's form is another layer's
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
            item = self.list.topLevelItem(a.index) if a.block is None else self._item_at((a.block, a.index))
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

    def _show_form(self, sel: Sel | int | None) -> None:
        if isinstance(sel, int):
            sel = (None, sel)
        layer = self._layer_at(sel) if sel is not None else None
        if sel is not None and layer is not None and self.form is not None and self.form_sel == sel:
            if self.form.cls is type(layer):  # same layer edited: keep the editors (and the focus)
                self.form.set_value(layer)
                self._show_inferred(sel)
                return
        self.form_sel = sel if layer is not None else None
        if self.form is not None:
            discard(self.form)
            self.form = None
        if sel is None or layer is None:
            self.form_title.setText(
                _("Add a layer to the decoder to start: Add layer, above the list")
                if self.part == "decoder"
                else _("Add a layer to this list to start: Add layer, above the list")
            )
            self.inferred_label.setText("")
            self.type_row.hide()
            return
        block, index = sel
        words = _(PART_WORDS[self.part])
        number = f"{index + 1}" if block is None else f"{block + 1}.{index + 1}"
        self.form_title.setText(f"<b>{words} {number}: {layer.type}</b> · {_(type(layer).doc)}")
        self._show_types(layer)
        place = ("network", self.part, index) if block is None else ("network", self.part, block, "layers", index)
        self.form = ModelForm(type(layer), layer, hidden=("layers",), place=place)
        self.form.setObjectName("layerForm")
        self.form.edited.connect(lambda new, change, at=sel: self.replace_at(at, new, change))
        self.form_holder.addWidget(self.form)
        self._chain_tabs(self.form)
        self._show_inferred(sel)

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
        sel = self.selected()
        if sel is not None:
            self.change_type(sel[1], self.type_combo.itemText(row), sel[0])

    def change_type(self, index: int, type_name: str, block: int | None = None) -> None:
        """Make layer `index` (of the block at `block`, if given) a `type_name` layer, keeping the
        settings both types have."""
        layers = self._scope(block)
        if 0 <= index < len(layers) and layers[index].type != type_name:
            old = layers[index].type
            layers[index] = converted(layers[index], type_name)
            self._commit_at(block, layers, _("{old} to {new}").format(old=old, new=type_name), index)

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

    def _show_inferred(self, sel: Sel) -> None:
        row = self._row_at(sel)
        if row is not None and isinstance(row.layer, Residual):
            self.inferred_label.setText(shortcut_words(row.input_shape, row.output_shape))
            return
        inferred = ", ".join(f"{k} = {v}" for k, v in row.inferred.items()) if row else ""
        self.inferred_label.setText(
            _("Inferred from the layer before: {values}").format(values=inferred) if inferred else ""
        )

    def _row_at(self, sel: Sel) -> LayerInfo | None:
        """The analysis row of the layer at `sel`, when the analysis reaches it."""
        block, index = sel
        rows = self.analysis.part(self.part) if self.analysis else []
        if block is not None:
            outer = next((r for r in rows if r.index == block), None)
            rows = list(outer.inner) if outer is not None else []
        return next((r for r in rows if r.index == index), None)

    # --- selection ----------------------------------------------------------------------------

    def selected(self) -> Sel | None:
        """The selected layer: (None, its row), or (its block's row, its index in the block); None."""
        item = self.list.currentItem()
        if item is None:
            return None
        parent = item.parent()
        if parent is None:
            return (None, self.list.indexOfTopLevelItem(item))
        return (self.list.indexOfTopLevelItem(parent), parent.indexOfChild(item))

    def selected_index(self) -> int:
        """Row of the selected layer (of its block, for a layer inside one), or -1."""
        sel = self.selected()
        return -1 if sel is None else sel[1] if sel[0] is None else sel[0]

    def select(self, index: int) -> None:
        """Select a row and show its form."""
        self.select_at((None, index))

    def select_at(self, sel: Sel) -> None:
        """Select a layer of the list or of a block, and show its form."""
        item = self._item_at(sel)
        if item is not None:
            self.list.setCurrentItem(item)
        self._show_form(sel)

    def _item_at(self, sel: Sel) -> QTreeWidgetItem | None:
        block, index = sel
        if block is None:
            return self.list.topLevelItem(index)
        outer = self.list.topLevelItem(block)
        return outer.child(index) if outer is not None else None

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
        self._show_form(self.selected() if current is not None else None)
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

    def _scope(self, block: int | None) -> list[Layer]:
        """The layers of the list shown, or of its residual block at row `block`."""
        layers = self._layers()
        if block is None:
            return layers
        outer = layers[block] if 0 <= block < len(layers) else None
        return list(outer.layers) if isinstance(outer, Residual) else []

    def _layer_at(self, sel: Sel) -> Layer | None:
        layers = self._scope(sel[0])
        return layers[sel[1]] if 0 <= sel[1] < len(layers) else None

    def _shape_before(self, at: int) -> Shape | None:
        """The shape a layer inserted at row `at` of the list would receive, when known."""
        if self.analysis is None:
            return None
        rows = self.analysis.part(self.part)
        if at == 0:
            return rows[0].input_shape if rows else self.analysis.input_shape
        row = next((r for r in rows if r.index == at - 1), None)
        return row.output_shape if row is not None else None

    def add(self, type_name: str) -> None:
        """Insert a new layer of `type_name` after the selected one (at the end when none is); after
        a layer inside a block, into the block (a new block: after the block). A new residual block
        keeps the shape it receives: two convolutions for pictures, two Linear layers for vectors."""
        sel = self.selected()
        block = sel[0] if sel is not None and type_name != "Residual" else None
        if sel is not None and sel[0] is not None and block is None:
            sel = (None, sel[0])
        layers = self._scope(block)
        at = sel[1] + 1 if sel is not None else len(layers)
        if type_name == "Residual":
            layer: Layer = Residual.suited(self._shape_before(at))
        else:
            layer = LAYER_TYPES[type_name].model_validate({"type": type_name})
        layers.insert(at, layer)
        self._commit_at(block, layers, _("Add {layer}").format(layer=type_name), at)

    def remove_selected(self) -> None:
        """Remove the selected layer (a block's last layer: the block)."""
        sel = self.selected()
        layers = self._scope(sel[0]) if sel is not None else []
        if sel is not None and 0 <= sel[1] < len(layers):
            removed = layers.pop(sel[1])
            self._commit_at(
                sel[0], layers, _("Remove {layer}").format(layer=removed.type), min(sel[1], len(layers) - 1)
            )

    def duplicate_selected(self) -> None:
        """Insert a copy of the selected layer below it."""
        sel = self.selected()
        layers = self._scope(sel[0]) if sel is not None else []
        if sel is not None and 0 <= sel[1] < len(layers):
            layers.insert(sel[1] + 1, layers[sel[1]])
            self._commit_at(sel[0], layers, _("Duplicate {layer}").format(layer=layers[sel[1]].type), sel[1] + 1)

    @Slot(str)
    def _key_command(self, command: str) -> None:
        if command == "remove":
            self.remove_selected()
        elif command == "duplicate":
            self.duplicate_selected()
        else:
            self.move_selected(-1 if command == "up" else 1)

    def move_selected(self, step: int) -> None:
        """Move the selected layer up (-1) or down (+1), within its block for a layer inside one."""
        sel = self.selected()
        if sel is None:
            return
        if sel[0] is None:
            self.move_layer(sel[1], sel[1] + step)
        else:
            self.move_in_block(sel[0], sel[1], sel[1] + step)

    @Slot(int, int, int)
    def move_in_block(self, block: int, source: int, target: int) -> None:
        """Move layer `source` of the block at row `block` so that it ends up at `target`."""
        layers = self._scope(block)
        if not (0 <= source < len(layers) and 0 <= target < len(layers)) or source == target:
            return
        layer = layers.pop(source)
        layers.insert(target, layer)
        self._commit_at(block, layers, _("Move {layer}").format(layer=layer.type), target)

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

    def replace_at(self, sel: Sel, layer: Layer, change: FieldChange) -> None:
        """Put a layer of the list, or of a block, edited in one field in place (one undo step)."""
        block, index = sel
        if block is None:
            self.replace(index, layer, change)
            return
        inner = self._scope(block)
        inner[index] = layer
        outer = self._layers()[block].model_copy(update={"layers": inner})
        self.document.edit_layer(block, outer, change, self.part, inner=index)

    def _commit(self, layers: list[Layer], text: str, select: int) -> None:
        self.document.set_layers(layers, text, self.part)
        if 0 <= select < self.list.topLevelItemCount():
            self.select(select)

    def _commit_at(self, block: int | None, layers: list[Layer], text: str, select: int) -> None:
        """The list, or the block at row `block`, with `layers`; a block left empty goes."""
        if block is None:
            self._commit(layers, text, select)
            return
        outer = self._layers()
        if not layers:
            outer.pop(block)
            self._commit(outer, text, min(block, len(outer) - 1))
            return
        outer[block] = Residual(layers=layers)
        self.document.set_layers(outer, text, self.part)
        if self._item_at((block, select)) is not None:
            self.select_at((block, select))


if __name__ == "__main__":
    from ..standalone import show

    show(lambda doc: QtLayerEditor(doc))
