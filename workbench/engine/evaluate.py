"""Evaluation passes: validation each epoch and the final test, without gradients."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..spec import Task
from ..spec.memory import EVAL_BATCH
from ..spec.metrics import metric_for
from .events import MISTAKES, Mistake, TestResult
from .prepare import PreparedData

MAX_MISTAKES = 1000  # in all, so that many classes do not fill the memory


@dataclass(frozen=True)
class Evaluation:
    """Mean loss and metric over one split, and the confusion matrix for classification."""

    loss: float
    metric: float
    samples: int
    confusion: torch.Tensor | None


def metric_sum(out: torch.Tensor, y: torch.Tensor, task: Task) -> torch.Tensor:
    """Correct predictions (classification) or summed absolute error (regression), on the device."""
    if task is Task.CLASSIFICATION:
        return (out.argmax(1) == y).sum()
    return (out - y).abs().mean(1).sum()


@torch.no_grad()
def evaluate(
    model: nn.Module, data: PreparedData, part: str, loss_fn: nn.Module, confusion: bool = False
) -> Evaluation:
    """Loss and accuracy (or MAE) of `model` on 'val' or 'test', in eval mode."""
    was_training = model.training
    model.eval()
    device = data.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    metric = torch.zeros((), device=device, dtype=torch.float64)
    classes = len(data.class_names)
    matrix = torch.zeros(classes * classes, device=device, dtype=torch.int64) if confusion else None
    n = 0
    for x, y in data.eval_batches(part):
        out = model(x)
        loss_sum += loss_fn(out, y).double() * len(y)
        metric += metric_sum(out, y, data.task)
        if matrix is not None:
            matrix += torch.bincount(y * classes + out.argmax(1), minlength=classes * classes)
        n += len(y)
    model.train(was_training)
    totals = torch.stack([loss_sum, metric]).cpu().tolist()
    return Evaluation(
        totals[0] / max(n, 1),
        totals[1] / max(n, 1),
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
    if pictures.dim() != 4 or pictures.dtype != torch.uint8 or data.task is not Task.CLASSIFICATION:
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
    return tuple(
        Mistake(pictures[i].cpu().numpy().copy(), pairs[i][0], pairs[i][1], float(confidence[i])) for i in chosen
    )


def metric_name(task: Task) -> str:
    """`accuracy` for classification, `mae` for regression (see spec.metrics)."""
    return metric_for(task).key


def final_evaluation(model: nn.Module, data: PreparedData, loss_fn: nn.Module, part: str = "test") -> TestResult:
    """The final evaluation as plain data, with the confusion matrix for classification."""
    classify = data.task is Task.CLASSIFICATION
    ev = evaluate(model, data, part, loss_fn, confusion=classify)
    return TestResult(
        loss=ev.loss,
        accuracy=ev.metric if classify else None,
        mae=None if classify else ev.metric,
        samples=ev.samples,
        confusion=ev.confusion.numpy() if ev.confusion is not None else None,
        class_names=data.class_names,
        mistakes=find_mistakes(model, data, part) if classify else (),
    )


def evaluate_loaded(
    module: nn.Module,
    raw_x: torch.Tensor,
    raw_y: torch.Tensor,
    task: Task,
    loss_fn: nn.Module,
    class_names: tuple[str, ...],
    scale: float,
) -> TestResult:
    """Evaluate an exported model (which normalizes its own input) on raw samples."""
    module.eval()
    classes = len(class_names)
    loss_sum = metric = 0.0
    matrix = torch.zeros(classes * classes, dtype=torch.int64) if task is Task.CLASSIFICATION else None
    with torch.no_grad():
        for start in range(0, len(raw_y), EVAL_BATCH):
            x = raw_x[start : start + EVAL_BATCH].to(torch.float32) * scale
            y = raw_y[start : start + EVAL_BATCH]
            out = module(x)
            loss_sum += float(loss_fn(out, y)) * len(y)
            metric += float(metric_sum(out, y, task))
            if matrix is not None:
                matrix += torch.bincount(y * classes + out.argmax(1), minlength=classes * classes)
    n = max(len(raw_y), 1)
    classify = task is Task.CLASSIFICATION
    return TestResult(
        loss_sum / n,
        metric / n if classify else None,
        None if classify else metric / n,
        len(raw_y),
        matrix.reshape(classes, classes).numpy() if matrix is not None else None,
        class_names,
    )
