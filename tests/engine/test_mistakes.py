"""The test pictures a classifier gets wrong, most confident first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer
from workbench.engine.checkpoint import resume_run, save_trained
from workbench.engine.evaluate import MISTAKES, find_mistakes


def test_mistakes_are_wrong_and_most_confident_first() -> None:
    spec = tiny([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], {"kind": "digits"}, epochs=1)
    trainer = Trainer(spec)
    history = trainer.fit()
    assert history.test is not None and trainer.model is not None and trainer.data is not None
    mistakes = history.test.mistakes
    assert len(mistakes) > 0
    assert all(m.true != m.predicted for m in mistakes)
    confidences = [m.confidence for m in mistakes]
    assert confidences == sorted(confidences, reverse=True)
    pictures, labels = trainer.data.parts["test"]
    first = mistakes[0]
    assert first.image.shape == (1, 8, 8) and first.image.dtype == np.uint8
    matches = [i for i in range(len(labels)) if torch.equal(pictures[i], torch.from_numpy(first.image))]
    assert matches and int(labels[matches[0]]) == first.true
    confusion = history.test.confusion
    assert confusion is not None
    off = confusion - np.diag(np.diag(confusion))
    assert len(mistakes) == int(np.minimum(off, MISTAKES).sum())  # every cell's most confident, up to 8 each
    for m in mistakes:
        assert sum(1 for o in mistakes if (o.true, o.predicted) == (m.true, m.predicted)) <= MISTAKES
    uncapped = find_mistakes(trainer.model, trainer.data, "test", per_cell=len(labels))
    assert len(uncapped) == int(off.sum())  # every wrong answer, when no cell is capped
    strip = [m.confidence for m in mistakes[:MISTAKES]]
    assert strip == [m.confidence for m in uncapped[:MISTAKES]]  # the strip's first row: the surest of all


def test_no_mistake_pictures_for_points() -> None:
    trainer = Trainer(tiny(epochs=1))
    trainer.fit()
    assert trainer.history.test is not None and trainer.history.test.mistakes == ()
    assert trainer.model is not None and trainer.data is not None
    assert find_mistakes(trainer.model, trainer.data, "test") == ()


def test_pictures_read_row_by_row_are_shown_as_the_pictures_they_are() -> None:
    rows = tiny(
        [{"type": "LSTM", "hidden_size": 8}, {"type": "Linear", "out_features": 10}],
        {"kind": "digits", "as_sequence": True},
        epochs=1,
    )
    trainer = Trainer(rows)
    history = trainer.fit()
    assert history.test is not None and history.test.mistakes and trainer.data is not None
    first = history.test.mistakes[0]
    assert first.image.shape == (1, 8, 8) and first.image.dtype == np.uint8  # a picture again, not 8 rows
    sequences, _labels = trainer.data.parts["test"]
    assert any(torch.equal(s, torch.from_numpy(first.image[0])) for s in sequences)  # the picture the LSTM read


def test_a_reopened_run_finds_its_mistakes_again(tmp_path: Path) -> None:
    spec = tiny([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], {"kind": "digits"}, epochs=1)
    trainer = Trainer(spec)
    history = trainer.fit()
    assert history.test is not None and history.test.mistakes
    save_trained(tmp_path / "run.pt", trainer)
    taken_up = resume_run(tmp_path / "run.pt")
    again = taken_up.history.test
    assert again is not None and again.confusion is not None
    assert [(m.true, m.predicted) for m in again.mistakes] == [(m.true, m.predicted) for m in history.test.mistakes]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(again.mistakes, history.test.mistakes, strict=True))
