"""Ask a trained network about one picture of the student's own (DIGITS' "classify one")."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from ..i18n import _
from ..spec import Task
from .data import DataError, pictures_as_rows, rows_as_pictures
from .data.files import read_picture
from .events import Prediction
from .picture import ink_fill, prepare_ink
from .trained import TrainedNetwork

DARK = 64  # a border darker than this (0-255) is a dark background, as in MNIST and the digits


def _border(images: torch.Tensor) -> float:
    """Mean brightness of the outermost pixels of (N, C, H, W) uint8 pictures."""
    edges = torch.cat(
        [images[..., 0, :].flatten(), images[..., -1, :].flatten(), images[..., 0].flatten(), images[..., -1].flatten()]
    )
    return float(edges.float().mean())


def predict_picture(
    trained: TrainedNetwork, path: Path, weights: Mapping[str, torch.Tensor] | None = None
) -> Prediction:
    """The trained network's answer for the picture at `path` (the run's end weights, or `weights`).

    The picture is converted to the data's channels and size. When the training pictures have a
    dark background and this one a light one (a digit drawn on white paper), it is inverted.
    Raises DataError for data that is not pictures or a file that is not one.
    """
    data, dataset = trained.data, trained.experiment.dataset
    stored = data.parts["train"][0][:1000].cpu()
    rows = dataset.reads_rows  # the network reads each picture row by row: shown the picture, read as rows
    train_pictures = rows_as_pictures(stored, dataset.picture_channels()) if rows else stored
    if train_pictures.dim() != 4 or data.task is not Task.CLASSIFICATION:
        raise DataError(
            _("this network does not sort pictures into classes (its samples are {shape})").format(
                shape=data.input_shape
            )
        )
    channels, height, width = train_pictures.shape[1:]
    if channels == 1 and _border(train_pictures) < DARK:
        # Ink on a dark background (digits, letters, clothes): made as the training pictures were.
        gray = read_picture(path, None, None, "L", own=True)[0]
        peak = float(train_pictures.flatten(1).amax(1).float().median())
        array, inverted = prepare_ink(gray, height, width, ink_fill(train_pictures), peak)
        picture = torch.from_numpy(array)
    else:
        array = read_picture(path, height, width, "L" if channels == 1 else "RGB", own=True)
        picture = torch.from_numpy(array.copy())
        inverted = _border(train_pictures) < DARK and _border(picture[None]) > 255 - DARK
        if inverted:
            picture = 255 - picture
    network = trained.network(weights)
    was_training = network.training
    network.eval()
    with torch.no_grad():
        sample = pictures_as_rows(picture[None]) if rows else picture[None]
        scores = network(data.transform(sample, training=False))
    network.train(was_training)
    probabilities = torch.softmax(scores.float(), dim=1)[0].cpu().numpy()
    return Prediction(picture.numpy(), probabilities, data.class_names, inverted)
