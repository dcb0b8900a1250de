"""The test pictures a classifier gets wrong, most confident first."""

from __future__ import annotations

import numpy as np
import torch

from tests.engine.helpers import tiny
from workbench.engine import Trainer
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
