"""Evaluation passes: validation each epoch and the final test, without gradients."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..spec import Task
from ..spec.memory import EVAL_BATCH
from ..spec.metrics import KL_KEY
from .data import rows_as_pictures
from .events import MISTAKES, Forecast, Mistake, TestResult
from .model_file import WorkbenchModel
from .objective import Objective
from .prepare import PreparedData
from .strategy import Strategy

MAX_MISTAKES = 1000  # in all, so that many classes do not fill the memory
FORECAST_POINTS = 300  # test answers drawn beside the truth


@dataclass(frozen=True)
class Evaluation:
    """Mean loss and the mean of each value the objective logs (`values`) over one split, and the
    confusion matrix for classification."""

    loss: float
    values: dict[str, float]
    samples: int
    confusion: torch.Tensor | None

    @property
    def metric(self) -> float:
        """The task's metric (accuracy, MAE or the reconstruction loss)."""
        return next(iter(self.values.values()))


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: PreparedData,
    part: str,
    objective: Objective,
    confusion: bool = False,
    strategy: Strategy | None = None,
) -> Evaluation:
    """Loss and accuracy (MAE, reconstruction and KL) of `model` on 'val' or 'test', in eval mode.
    Under a run's `strategy`, each process evaluates its share and every one gets the values over
    the whole split."""
    strategy = strategy or Strategy()
    strategy.share_buffers(model)
    was_training = model.training
    model.eval()
    device = data.device
    loss_sum = torch.zeros(1, device=device, dtype=torch.float64)
    sums = torch.zeros(len(objective.keys), device=device, dtype=torch.float64)
    classes = len(data.class_names)
    matrix = torch.zeros(classes * classes, device=device, dtype=torch.int64) if confusion else None
    n = 0
    for x, y in data.eval_batches(part, strategy.shard):
        loss, batch_sums, out = objective.eval_batch(model, x, y)
        loss_sum += loss.double() * len(y)
        sums += batch_sums
        if matrix is not None:
            matrix += torch.bincount(y * classes + out.argmax(1), minlength=classes * classes)
        n += len(y)
    model.train(was_training)
    values = torch.cat([loss_sum, sums, torch.tensor([n], device=device, dtype=torch.float64)])
    strategy.reduce(values)
    if matrix is not None:
        strategy.reduce(matrix)
    *sums_list, count = values.cpu().tolist()
    n = int(count)
    totals = [t / max(n, 1) for t in sums_list]
    return Evaluation(
        totals[0],
        dict(zip(objective.keys, totals[1:], strict=True)),
        n,
        matrix.reshape(classes, classes).cpu() if matrix is not None else None,
    )


@torch.no_grad()
def find_mistakes(
    model: nn.Module, data: PreparedData, part: str, per_cell: int = MISTAKES, limit: int = MAX_MISTAKES
) -> tuple[Mistake, ...]:
    """The pictures of `part` the model gets wrong, most confident first (none for other data):
    at most `per_cell` for each pair of true class and answer (a cell of the confusion matrix),
    at most `limit` in all. The first `per_cell` are the most confident mistakes of all.

    The confident mistakes teach the most: a network sure that a 4 is a 9 shows what it looks at.
    """
    pictures, labels = data.parts[part]
    whole = pictures.dim() == 4 or (pictures.dim() == 3 and data.row_channels is not None)
    if not whole or pictures.dtype != torch.uint8 or data.task is not Task.CLASSIFICATION:
        return ()
    was_training = model.training
    model.eval()
    answers = [torch.softmax(model(x).float(), dim=1).max(1) for x, _ in data.eval_batches(part)]
    model.train(was_training)
    if not answers:
        return ()
    confidence = torch.cat([a.values for a in answers])
    predicted = torch.cat([a.indices for a in answers])
    truth = labels.to(predicted.device)
    wrong = torch.nonzero(predicted != truth).flatten()
    order = wrong[confidence[wrong].argsort(descending=True)].cpu().tolist()
    pairs = torch.stack([truth, predicted], 1).cpu().tolist()
    taken: dict[tuple[int, int], int] = {}
    chosen = []
    for i in order:
        cell = (pairs[i][0], pairs[i][1])
        if taken.get(cell, 0) < per_cell:
            taken[cell] = taken.get(cell, 0) + 1
            chosen.append(i)
            if len(chosen) == limit:
                break
    shown = pictures[chosen].cpu()
    if shown.dim() == 3 and data.row_channels is not None:  # read row by row: shown as the pictures they are
        shown = rows_as_pictures(shown, data.row_channels)
    return tuple(
        Mistake(shown[n].numpy().copy(), pairs[i][0], pairs[i][1], float(confidence[i])) for n, i in enumerate(chosen)
    )


@torch.no_grad()
def find_forecast(model: nn.Module, data: PreparedData, part: str, limit: int = FORECAST_POINTS) -> Forecast | None:
    """A regression's first output on the first `limit` samples of `part`, beside the truth (None
    for other tasks, or no samples)."""
    if data.task is not Task.REGRESSION or not data.size(part):
        return None
    was_training = model.training
    model.eval()
    truth, predicted, seen = [], [], 0
    for x, y in data.eval_batches(part):
        out = model(x)
        predicted.append(out.reshape(len(out), -1)[:, 0].float().cpu())
        truth.append(y.reshape(len(y), -1)[:, 0].float().cpu())
        seen += len(y)
        if seen >= limit:
            break
    model.train(was_training)
    context = None
    inputs = data.parts[part][0]
    if data.in_time and inputs.dim() == 3:  # (samples, steps, features): the steps before the first forecast
        context = inputs[0, :, 0].float().cpu().numpy()
    return Forecast(torch.cat(truth)[:limit].numpy(), torch.cat(predicted)[:limit].numpy(), data.in_time, context)


def test_result(
    ev: Evaluation,
    class_names: tuple[str, ...],
    mistakes: tuple[Mistake, ...] = (),
    forecast: Forecast | None = None,
) -> TestResult:
    """An evaluation as the plain data a run reports: each task's score in its own field."""
    return TestResult(
        loss=ev.loss,
        accuracy=ev.values.get("accuracy"),
        mae=ev.values.get("mae"),
        samples=ev.samples,
        confusion=ev.confusion.numpy() if ev.confusion is not None else None,
        class_names=class_names,
        mistakes=mistakes,
        recon=ev.values.get("recon"),
        kl=ev.values.get(KL_KEY),
        forecast=forecast,
    )


def final_evaluation(
    model: nn.Module, data: PreparedData, objective: Objective, part: str = "test", strategy: Strategy | None = None
) -> TestResult:
    """The final evaluation as plain data, with the confusion matrix for classification, and the
    mistakes or a regression's forecast (which rank 0 alone looks for in a run on several
    processes: it alone reports)."""
    classify = "accuracy" in objective.keys
    ev = evaluate(model, data, part, objective, confusion=classify, strategy=strategy)
    if strategy is not None and not strategy.is_global_zero:
        return test_result(ev, data.class_names)
    mistakes = find_mistakes(model, data, part) if classify else ()
    forecast = find_forecast(model, data, part) if "mae" in objective.keys else None  # not an autoencoder's
    return test_result(ev, data.class_names, mistakes, forecast)


@torch.no_grad()
def evaluate_loaded(
    module: WorkbenchModel,
    raw_x: torch.Tensor,
    raw_y: torch.Tensor,
    objective: Objective,
    class_names: tuple[str, ...],
    scale: float,
) -> TestResult:
    """Evaluate a saved model (its network after its own normalization) on raw samples."""
    module.eval()
    classify = "accuracy" in objective.keys
    classes = len(class_names)
    loss_sum = 0.0
    sums = torch.zeros(len(objective.keys), dtype=torch.float64)
    matrix = torch.zeros(classes * classes, dtype=torch.int64) if classify else None
    for start in range(0, len(raw_y), EVAL_BATCH):
        x = module.normalize(raw_x[start : start + EVAL_BATCH].to(torch.float32) * scale)
        y = raw_y[start : start + EVAL_BATCH]
        loss, batch_sums, out = objective.eval_batch(module.network, x, y)
        loss_sum += float(loss) * len(y)
        sums += batch_sums
        if matrix is not None:
            matrix += torch.bincount(y * classes + out.argmax(1), minlength=classes * classes)
    n = max(len(raw_y), 1)
    values = dict(zip(objective.keys, (float(s) / n for s in sums), strict=True))
    confusion = matrix.reshape(classes, classes) if matrix is not None else None
    return test_result(Evaluation(loss_sum / n, values, len(raw_y), confusion), class_names)
