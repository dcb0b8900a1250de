"""The Results tab is never a floating sentence: a regression's forecast beside the truth, an
autoencoder's pointer to its pictures, and the reason when there are no pictures of mistakes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pytestqt.qtbot import QtBot

from workbench.engine.events import Forecast, Mistake, TestResult
from workbench.gui.plots.results_panel import NO_MISTAKES, NOT_PICTURES, ResultsPanel


def panel(qtbot: QtBot) -> ResultsPanel:
    shown = ResultsPanel()
    qtbot.addWidget(shown)
    shown.resize(500, 600)
    shown.show()
    return shown


def curves(results: ResultsPanel) -> list[pg.PlotDataItem]:
    return [i for i in results.forecast.plot.getPlotItem().items if isinstance(i, pg.PlotDataItem)]


def test_a_forecast_along_time_shows_the_series_the_truth_and_the_forecast(qtbot: QtBot) -> None:
    results = panel(qtbot)
    truth = np.sin(np.arange(50) / 5).astype(np.float32)
    forecast = Forecast(truth, truth + 0.1, in_time=True, context=np.zeros(12, np.float32))
    results.show_test(TestResult(0.01, None, 0.1, 50, None, forecast=forecast))
    assert results.forecast.isVisible() and not results.matrix.isVisible()
    seen, real, guess = curves(results)
    assert len(seen.getData()[0]) == 12 and seen.getData()[0][-1] == -1  # the steps before the first forecast
    assert np.array_equal(real.getData()[1], truth) and np.array_equal(guess.getData()[1], truth + 0.1)
    assert "Forecast on the test series" in results.forecast.title.text()


def test_independent_answers_are_drawn_against_the_truth(qtbot: QtBot) -> None:
    results = panel(qtbot)
    truth = np.linspace(0, 2, 30, dtype=np.float32)
    results.show_test(TestResult(0.01, None, 0.1, 30, None, forecast=Forecast(truth, truth * 0.9, in_time=False)))
    diagonal, points = curves(results)
    assert np.array_equal(points.getData()[0], truth) and np.array_equal(points.getData()[1], truth * 0.9)
    assert diagonal.getData()[0][0] == diagonal.getData()[1][0] == 0 and diagonal.getData()[1][-1] == 2
    results.clear()
    assert not results.forecast.isVisible()


def test_an_autoencoders_results_say_where_its_pictures_are(qtbot: QtBot) -> None:
    results = panel(qtbot)
    results.show_test(TestResult(23.8, None, None, 180, None, recon=21.7, kl=2.1))
    assert results.elsewhere.isVisible() and "Latent space" in results.elsewhere.text()
    results.show_test(TestResult(0.1, 0.9, None, 10, np.eye(2, dtype=np.int64) * 5))
    assert not results.elsewhere.isVisible()


def test_without_pictures_of_mistakes_it_says_why(qtbot: QtBot) -> None:
    results = panel(qtbot)
    points = np.array([[40, 3], [5, 52]])
    results.show_test(TestResult(0.3, 0.92, None, 100, points, ("0", "1")))
    assert results.mistakes_title.isVisible() and results.mistakes_title.text() == NOT_PICTURES
    results.show_test(TestResult(0.01, 1.0, None, 90, np.array([[40, 0], [0, 50]]), ("0", "1")))
    assert results.mistakes_title.text() == NO_MISTAKES
    picture = Mistake(np.zeros((1, 8, 8), np.uint8), 0, 1, 0.9)
    results.show_test(TestResult(0.3, 0.92, None, 100, points, ("0", "1"), (picture,)))
    assert results.mistakes.isVisible() and "Surest mistakes" in results.mistakes_title.text()


def test_counts_of_a_hundred_and_more_show_whole(qtbot: QtBot) -> None:
    results = panel(qtbot)
    results.resize(300, 600)  # a narrow tab: 11 columns of 25 pixels would cut the counts
    counts = np.full((10, 10), 3, dtype=np.int64) + np.diag(np.full(10, 1234))
    results.show_test(TestResult(0.1, 0.97, None, int(counts.sum()), counts, tuple(str(k) for k in range(10))))
    qtbot.wait(20)
    metrics = results.matrix.fontMetrics()
    for column in range(10):
        assert metrics.horizontalAdvance("1234") < results.matrix.columnWidth(column)


def test_the_sentences_stay_together_at_the_top(qtbot: QtBot) -> None:
    results = panel(qtbot)
    results.show_test(TestResult(23.8, None, None, 180, None, recon=21.7, kl=2.1))
    qtbot.wait(20)
    gap = results.elsewhere.geometry().top() - results.metrics.geometry().bottom()
    assert gap < 40 and results.filler.isVisible()  # not spread over the tab's height
    results.show_test(TestResult(0.1, 0.9, None, 10, np.eye(2, dtype=np.int64) * 5))
    assert not results.filler.isVisible()  # the matrix takes the room


def test_a_fashion_mnist_run_names_its_classes_in_chinese(qtbot: QtBot) -> None:
    """Model files keep torchvision's English class names; a Chinese student reads them in Chinese:
    the matrix's rows and columns and the mistakes' captions."""
    from workbench import i18n
    from workbench.spec.datasets import FASHION_NAMES

    try:
        i18n.set_language("zh_CN")
        results = panel(qtbot)
        counts = np.eye(10, dtype=np.int64) * 5
        counts[0, 6] = 2  # two T-shirts taken for shirts
        shirt = Mistake(np.zeros((1, 28, 28), np.uint8), 0, 6, 0.8)
        results.show_test(TestResult(0.4, 0.9, None, 52, counts, FASHION_NAMES, (shirt,)))
        rows = [results.matrix.verticalHeaderItem(i).text() for i in range(10)]  # type: ignore[union-attr]
        column = results.matrix.horizontalHeaderItem(6).text()  # type: ignore[union-attr]
    finally:
        i18n.set_language("en")
    assert rows[:3] == ["T 恤/上衣", "裤子", "套头衫"] and column == "→ 衬衫"
