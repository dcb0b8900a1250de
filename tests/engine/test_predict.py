"""A picture of the student's own, answered by the trained network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.engine.helpers import tiny
from workbench.engine import DataError, Trainer
from workbench.engine.predict import predict_picture

CNN = [
    {"type": "Conv2d", "out_channels": 4, "padding": 1},
    {"type": "ReLU"},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(tiny(CNN, {"kind": "digits"}, epochs=2, optimizer={"name": "Adam", "lr": 0.01}))
    trainer.fit()
    return trainer


def test_a_test_picture_saved_as_a_file_gets_the_networks_answer(trained: Trainer, tmp_path: Path) -> None:
    assert trained.data is not None and trained.model is not None
    pictures, _ = trained.data.parts["test"]
    sample = pictures[3]
    Image.fromarray(sample[0].numpy()).save(tmp_path / "digit.png")
    prediction = predict_picture(trained.trained(), tmp_path / "digit.png")
    assert prediction.image.shape == (1, 8, 8) and not prediction.inverted
    assert np.abs(prediction.image.astype(int) - sample.numpy().astype(int)).mean() < 40  # made again much the same
    assert prediction.class_names == tuple(str(d) for d in range(10))
    trained.model.eval()
    with torch.no_grad():  # the answer is the network's for the picture it was shown
        shown = torch.from_numpy(prediction.image)[None]
        expected = torch.softmax(trained.model(trained.data.transform(shown, training=False)), 1)[0]
    assert np.allclose(prediction.probabilities, expected.numpy(), atol=1e-6)
    assert prediction.probabilities.sum() == pytest.approx(1.0)


def test_a_dark_digit_on_white_paper_is_inverted_and_resized(trained: Trainer, tmp_path: Path) -> None:
    assert trained.data is not None
    sample = trained.data.parts["test"][0][3][0].numpy()
    paper = Image.fromarray(255 - sample).resize((64, 64), Image.Resampling.NEAREST).convert("RGB")
    paper.save(tmp_path / "paper.jpg", quality=95)
    prediction = predict_picture(trained.trained(), tmp_path / "paper.jpg")
    assert prediction.inverted and prediction.image.shape == (1, 8, 8)
    assert np.abs(prediction.image[0].astype(int) - sample.astype(int)).mean() < 40  # light on dark again


def test_pictures_only(trained: Trainer, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(DataError, match="cannot read the picture"):
        predict_picture(trained.trained(), tmp_path / "notes.txt")
    points = Trainer(tiny(epochs=1))
    points.fit()
    with pytest.raises(DataError, match="does not sort pictures"):
        predict_picture(points.trained(), tmp_path / "notes.txt")


def test_a_drawing_on_a_transparent_page_reads_as_on_white_paper(trained: Trainer, tmp_path: Path) -> None:
    assert trained.data is not None
    ink = 255 - trained.data.parts["test"][0][3][0].numpy()  # dark ink where the digit is
    big = np.kron(ink, np.ones((8, 8), dtype=np.uint8))
    alpha = np.where(big < 128, 255, 0).astype(np.uint8)  # the page itself left transparent
    Image.fromarray(np.stack([big * 0, big * 0, big * 0, alpha], axis=2), "RGBA").save(tmp_path / "drawn.png")
    Image.fromarray(np.where(big < 128, 0, 255).astype(np.uint8)).save(tmp_path / "paper.png")
    drawn, paper = (predict_picture(trained.trained(), tmp_path / name) for name in ("drawn.png", "paper.png"))
    assert drawn.image.max() > 0 and drawn.inverted  # not a black square
    assert np.array_equal(drawn.image, paper.image)
