"""Sequences in the engine: pictures read row by row, the generated series and adding problem,
per-feature normalization, the split by time, and recurrent networks that learn what they should:
an LSTM solves the adding problem where a plain RNN stays at the baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from workbench.engine import Trainer
from workbench.engine.data import RawData, load_raw, viewed
from workbench.engine.prepare import PreparedData
from workbench.spec import ExperimentSpec, Task
from workbench.spec.datasets import AddingDataset, DigitsDataset, ImageFolderDataset, SineDataset


def test_rows_are_the_pictures_rows_channel_by_channel() -> None:
    pictures = load_raw(DigitsDataset())
    rows = load_raw(DigitsDataset(as_sequence=True))
    assert rows.input_shape == (8, 8) and rows.x.dtype == torch.uint8  # scaled per batch, as pictures are
    assert torch.equal(rows.x, pictures.x[:, 0]) and torch.equal(rows.y, pictures.y)
    colour = torch.arange(2 * 3 * 2 * 2, dtype=torch.uint8).reshape(2, 3, 2, 2)  # (N, C, H, W)
    raw = viewed(RawData(colour, torch.tensor([0, 1]), Task.CLASSIFICATION, ("a", "b")), _colour_rows())
    assert raw.input_shape == (2, 6)
    # Row 0 of picture 0: pixel (0,0) in channels 0, 1, 2, then pixel (0,1) in channels 0, 1, 2.
    assert raw.x[0, 0].tolist() == [colour[0, c, 0, w].item() for w in range(2) for c in range(3)]


def _colour_rows() -> ImageFolderDataset:
    return ImageFolderDataset(path="x", image_size=4, channels=3, as_sequence=True)  # the view reads the shape given


def test_each_window_is_followed_by_its_target() -> None:
    raw = load_raw(SineDataset(n_samples=50, window=8, horizon=1, noise=0.2), seed=4)
    assert raw.input_shape == (8, 1) and raw.task is Task.REGRESSION and raw.y.shape == (50, 1)
    # Windows slide one step: window i+1 ends with the value window i had to forecast.
    assert torch.equal(raw.x[1:, -1, 0], raw.y[:-1, 0])
    ahead = load_raw(SineDataset(n_samples=50, window=8, horizon=3, noise=0.2), seed=4)
    assert torch.equal(ahead.x[3:, -1, 0], ahead.y[:-3, 0])
    assert torch.equal(load_raw(SineDataset(n_samples=50), seed=4).x, load_raw(SineDataset(n_samples=50), seed=4).x)


def test_the_adding_problem_sums_the_two_marked_numbers() -> None:
    raw = load_raw(AddingDataset(n_samples=200, length=10), seed=1)
    values, marks = raw.x[:, :, 0], raw.x[:, :, 1]
    assert raw.input_shape == (10, 2) and marks.sum(1).tolist() == [2.0] * 200
    assert marks[:, :5].sum(1).tolist() == [1.0] * 200  # one mark in each half, as the problem is set
    assert torch.allclose((values * marks).sum(1), raw.y[:, 0])
    assert 0.0 <= values.min() and values.max() < 1.0


def test_sequences_are_normalized_per_feature_from_the_training_steps() -> None:
    spec = AddingDataset(n_samples=400, length=12)
    raw = load_raw(spec, seed=0)
    data = PreparedData(raw, spec, seed=0, device=torch.device("cpu"))
    train = raw.x[torch.from_numpy(data.split.train)].double()
    assert data.normalization.mean == pytest.approx(train.mean((0, 1)).tolist())
    assert data.normalization.std == pytest.approx(train.std((0, 1), unbiased=False).tolist())
    x = data.transform(raw.x[:5], training=False)
    expected = (raw.x[:5] - torch.tensor(data.normalization.mean)) / torch.tensor(data.normalization.std)
    assert torch.allclose(x, expected.float(), atol=1e-6)


def test_the_split_by_time_keeps_the_future_out_of_training() -> None:
    spec = SineDataset(n_samples=300, window=10, val_fraction=0.2, test_fraction=0.1)
    data = PreparedData(load_raw(spec, seed=5), spec, seed=5, device=torch.device("cpu"))
    split = data.split
    assert split.train.max() < split.val.min() and split.val.max() < split.test.min()
    # The statistics come from the past only: the trend makes the future's mean higher.
    past = load_raw(spec, seed=5).x[: len(split.train)].double().mean().item()
    assert data.normalization.mean == pytest.approx([past])


def experiment(dataset: dict[str, Any], layer: str, epochs: int, **options: Any) -> ExperimentSpec:
    return ExperimentSpec.from_dict(
        {
            "dataset": dataset,
            "network": {
                "layers": [{"type": layer, "hidden_size": 32, **options}, {"type": "Linear", "out_features": 1}]
            },
            "training": {
                "epochs": epochs,
                "batch_size": 32,
                "optimizer": {"name": "Adam", "lr": 0.003},
                "early_stopping": {"enabled": False},
                "device": "cpu",
            },
        }
    )


def test_an_lstm_solves_the_adding_problem_where_a_plain_rnn_stays_at_the_baseline() -> None:
    """The vanishing gradient, measured: 60 steps, only two of which matter. Always answering 1.0
    scores a mean squared error of about 1/6; the RNN stays there, the LSTM falls far below."""
    adding = {"kind": "adding", "n_samples": 3000, "length": 60}
    rnn = Trainer(experiment(adding, "RNN", epochs=10)).fit()
    lstm = Trainer(experiment(adding, "LSTM", epochs=10)).fit()
    assert min(rnn.history["val_loss"]) > 0.12
    assert min(lstm.history["val_loss"]) < 0.02


def test_an_lstm_reads_digits_row_by_row() -> None:
    spec = ExperimentSpec.from_dict(
        {
            "dataset": {"kind": "digits", "as_sequence": True},
            "network": {"layers": [{"type": "LSTM", "hidden_size": 32}, {"type": "Linear", "out_features": 10}]},
            "training": {"epochs": 6, "batch_size": 32, "optimizer": {"name": "Adam", "lr": 0.01}, "device": "cpu"},
        }
    )
    history = Trainer(spec).fit()
    assert max(history.history["val_accuracy"]) > 0.85


def test_stacked_recurrent_layers_pass_every_step_on() -> None:
    """LSTM (every step) -> GRU (last step) -> Linear forecasts the sine far better than the series' spread."""
    sine = {"kind": "sine", "n_samples": 600, "window": 16, "noise": 0.05}
    spec = experiment(sine, "LSTM", epochs=8, output="sequence")
    layers = [
        spec.network.layers[0].model_dump(),
        {"type": "GRU", "hidden_size": 16},
        {"type": "Linear", "out_features": 1},
    ]
    stacked = spec.model_copy(update={"network": spec.network.model_validate({"layers": layers})})
    history = Trainer(stacked).fit()
    assert min(history.history["val_mae"]) < 0.2  # the series' values spread over about ±1.5
    raw = load_raw(SineDataset(**sine))
    assert float(np.abs(raw.y.numpy() - raw.y.numpy().mean()).mean()) > 0.5


def test_weight_histograms_name_recurrent_layers_as_the_layer_list_does() -> None:
    from workbench.engine.builder import build_network
    from workbench.engine.histograms import weight_layers
    from workbench.spec import NetworkSpec

    layers = [{"type": "LSTM", "output": "sequence"}, {"type": "GRU"}, {"type": "Linear", "out_features": 1}]
    model = build_network(NetworkSpec.model_validate({"layers": layers}), (5, 2))
    assert [name for name, _ in weight_layers(model)] == ["1: LSTM", "2: GRU", "3: Linear"]


def test_a_picture_tried_on_a_network_that_reads_rows_is_read_row_by_row(tmp_path: Any) -> None:
    from PIL import Image

    from workbench.engine.data import pictures_as_rows, rows_as_pictures
    from workbench.engine.predict import predict_picture

    spec = ExperimentSpec.from_dict(
        {
            "dataset": {"kind": "digits", "as_sequence": True},
            "network": {"layers": [{"type": "GRU", "hidden_size": 8}, {"type": "Linear", "out_features": 10}]},
            "training": {"epochs": 1, "device": "cpu"},
        }
    )
    trainer = Trainer(spec)
    trainer.fit()
    seven = np.zeros((8, 8), dtype=np.uint8)
    seven[1, 2:6], seven[2:7, 5] = 200, 200
    Image.fromarray(seven).save(tmp_path / "seven.png")
    prediction = predict_picture(trainer.trained(), tmp_path / "seven.png")
    assert prediction.image.shape == (1, 8, 8)  # shown as the picture it is
    assert trainer.model is not None
    with torch.no_grad():
        rows = pictures_as_rows(torch.from_numpy(prediction.image)[None])  # read as the network reads
        expected = torch.softmax(trainer.model(trainer.data.transform(rows, training=False)), 1)[0]  # type: ignore[union-attr]
    assert prediction.probabilities == pytest.approx(expected.numpy(), abs=1e-6)
    colour = torch.arange(2 * 3 * 4 * 5, dtype=torch.uint8).reshape(2, 3, 4, 5)
    assert torch.equal(rows_as_pictures(pictures_as_rows(colour), 3), colour)


def _table(tmp_path: Any, rows: int) -> Any:
    path = tmp_path / "weather.csv"
    lines = ["hour,temperature,humidity"] + [f"{i % 24},{i * 0.5},{100 - i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_time_series_forecasts_a_column_from_the_rows_before(tmp_path: Any) -> None:
    from workbench.spec.datasets import CsvSeriesDataset

    path = _table(tmp_path, 20)
    spec = CsvSeriesDataset(
        path=str(path), target="temperature", inputs=["temperature", "humidity"], window=4, horizon=2
    )
    raw = load_raw(spec)
    assert raw.input_shape == (4, 2) and len(raw.y) == 20 - 4 - 2 + 1 and raw.task is Task.REGRESSION
    assert raw.x[0].tolist() == [[0.0, 100.0], [0.5, 99.0], [1.0, 98.0], [1.5, 97.0]]  # rows 0-3
    assert raw.y[0].item() == 2.5  # row 5: two rows after the window
    every = load_raw(spec.model_copy(update={"inputs": []}))
    assert every.input_shape == (4, 3)  # no inputs named: every column
    experiment = ExperimentSpec.from_dict({"dataset": spec.model_dump()})
    assert experiment.data_shape().input_shape == (4, 2) and spec.split(15, 0).test.tolist() == [13, 14]


@pytest.mark.parametrize(
    ("update", "field", "said"),
    [
        ({"target": ""}, "dataset.target", "choose the column to forecast (one of: hour, temperature, humidity)"),
        ({"target": "rain"}, "dataset.target", "no column 'rain' in weather.csv"),
        ({"inputs": ["wind"]}, "dataset.inputs", "no column 'wind' in weather.csv"),
        (
            {"window": 18},
            "dataset.window",
            "weather.csv has 20 rows: a window of 18 and a horizon of 3 need at least 21",
        ),
    ],
)
def test_a_csv_time_series_that_cannot_be_read_names_the_field(
    tmp_path: Any, update: dict[str, Any], field: str, said: str
) -> None:
    from workbench.engine.data import DataError
    from workbench.spec.datasets import CsvSeriesDataset

    spec = CsvSeriesDataset(path=str(_table(tmp_path, 20)), target="temperature", horizon=3).model_copy(update=update)
    with pytest.raises(DataError) as caught:
        load_raw(spec)
    assert caught.value.problem.path == field and said in str(caught.value)
