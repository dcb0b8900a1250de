"""The main window: for now the experiment's layer table with shapes and parameter counts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..spec import ExperimentSpec, format_shape
from ..spec.peek import DataProblem


class QtMainWindow(QMainWindow):
    """Top-level window showing one experiment."""

    def __init__(self, experiment: ExperimentSpec, path: Path | None = None) -> None:
        super().__init__()
        self.experiment = experiment
        self.path = path
        title = experiment.name or (path.stem if path else "Untitled")
        self.setWindowTitle(f"{title} - Workbench")
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("layerTable")
        self.table.setHorizontalHeaderLabels(["Layer", "Output shape", "Parameters"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.total = QLabel()
        self.total.setObjectName("paramCountLabel")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.table)
        layout.addWidget(self.total)
        self.setCentralWidget(body)
        self.resize(720, 480)
        self._render()

    def _render(self) -> None:
        base_dir = self.path.parent if self.path else None
        try:
            analysis = self.experiment.analyze(base_dir)
        except DataProblem as exc:
            self.total.setText(str(exc.problem))
            return
        self.table.setRowCount(len(analysis.rows))
        # Rows are numbered from 0, as messages name them: network.layers[3].
        self.table.setVerticalHeaderLabels([str(row.index) for row in analysis.rows])
        for i, row in enumerate(analysis.rows):
            shape = format_shape(row.output_shape) if row.output_shape else (row.error or "")
            for col, text in enumerate((row.layer.summary(), shape, f"{row.params:,}")):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.total.setText(f"Total parameters: {analysis.total_params:,}")
