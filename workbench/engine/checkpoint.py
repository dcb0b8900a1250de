"""Checkpoints: a run written with its training state, so that it continues later as if it had
never stopped (`save_trained`, `SaveEvery` every N epochs, `resume_run` to take it up again)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..i18n import _
from ..spec import ExperimentSpec, SpecError
from .callbacks import Callback, EarlyStopping
from .events import TestResult
from .history import test_to_dict
from .model_file import ModelFileError, read_model_file, save_model, weights_for

if TYPE_CHECKING:
    from .trainer import Trainer

# In a saved run, a callback's state that holds the best epoch's weights names them instead of a second copy.
SAME_AS_BEST = "same as best_weights"


@dataclass(frozen=True)
class PartialEpoch:
    """An epoch a stop cut short: where its batch order started and what its first batches gave,
    so that continuing finishes it, batch for batch, as if the run had never stopped."""

    epoch: int
    generator: torch.Tensor  # the batch-order generator's state at the start of the epoch
    done: int  # batches trained (steps, on several processes)
    seen: int  # samples trained (by all processes): where the rest of the epoch starts in its order
    losses: list[float]
    metric: list[float]  # the running sums of the values logged beside the loss (Objective.keys)
    loss_sum: float | None = None  # the loss summed over the samples (None in older files: from `losses`)

    def as_state(self) -> dict[str, Any]:
        """Plain data and tensors, for a model file (whose epochs count from 1)."""
        return {**self.__dict__, "epoch": self.epoch + 1}

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> PartialEpoch | None:
        """The partial epoch `as_state` described, or None."""
        if state is None:
            return None
        return cls(
            int(state["epoch"]) - 1,
            state["generator"],
            int(state["done"]),
            int(state["seen"]),
            [float(v) for v in state["losses"]],
            [float(v) for v in state["metric"]] if isinstance(state["metric"], list) else [float(state["metric"])],
            float(state["loss_sum"]) if state.get("loss_sum") is not None else None,
        )


def keyed(callbacks: Iterable[Callback]) -> list[tuple[str, Callback]]:
    """Each callback with the key its state is saved under: its `state_key`, numbered from the
    second of a kind ("EarlyStopping", "EarlyStopping#2")."""
    pairs: list[tuple[str, Callback]] = []
    for callback in callbacks:
        same = sum(1 for key, _callback in pairs if key.split("#")[0] == callback.state_key)
        pairs.append((callback.state_key + (f"#{same + 1}" if same else ""), callback))
    return pairs


def callback_states(
    callbacks: Iterable[tuple[str, Callback]], best_weights: Mapping[str, torch.Tensor] | None
) -> dict[str, dict[str, Any]]:
    """Every callback's state that has one, by key; a state holding the run's best weights names them."""
    states = {}
    for key, callback in callbacks:
        state = callback.state_dict()
        if state:
            shared = best_weights
            states[key] = {k: SAME_AS_BEST if shared is not None and v is shared else v for k, v in state.items()}
    return states


def load_callback_states(
    callbacks: Iterable[tuple[str, Callback]],
    state: Mapping[str, Any],
    best_weights: Mapping[str, torch.Tensor] | None,
) -> None:
    """Give each callback the state a saved run kept for it (files from before callbacks had their
    own state keep early stopping's patience beside the run's best epoch)."""
    callbacks = list(callbacks)
    saved = state.get("callbacks")
    es = next((c for _key, c in callbacks if isinstance(c, EarlyStopping)), None)
    if saved is None and es is not None and state.get("patience") is not None:  # a file from before
        best, best_epoch, _wait = state["best"]
        saved = {es.state_key: {"best": best, "best_epoch": best_epoch, "wait": state["patience"]}}
        saved[es.state_key]["best_weights"] = SAME_AS_BEST if es.restore_best_weights else None
    for key, callback in callbacks:
        if saved and key in saved:
            callback.load_state_dict(
                {k: best_weights if isinstance(v, str) and v == SAME_AS_BEST else v for k, v in saved[key].items()}
            )


def split_sizes(sizes: Mapping[str, int]) -> str:
    """ "1,079 train / 359 val / 359 test"."""
    return _("{train} train / {val} val / {test} test").format(
        train=f"{sizes['train']:,}", val=f"{sizes['val']:,}", test=f"{sizes['test']:,}"
    )


def _same_weights(a: Mapping[str, torch.Tensor] | None, b: Mapping[str, torch.Tensor]) -> bool:
    return a is not None and a.keys() == b.keys() and all(torch.equal(a[k].cpu(), b[k].cpu()) for k in a)


def _training_state(trainer: Trainer, saved: Mapping[str, torch.Tensor]) -> dict[str, Any]:
    """The trainer's state without second copies of the weights the file already holds."""
    state = trainer.state_dict()
    state["best_is_saved"] = _same_weights(state["best_weights"], saved)
    state["best_weights"] = None if state["best_is_saved"] else state["best_weights"]
    state["weights"] = None if _same_weights(state["weights"], saved) else state["weights"]
    return state


def saved_weights_test(trainer: Trainer, weights: Mapping[str, torch.Tensor]) -> TestResult | None:
    """The test result of `weights` when a finished run did not end on them (its own test is of the
    weights it ended with); None when they are those weights, or there is no test to match."""
    if trainer.model is None or trainer.history.test is None:
        return None
    if _same_weights(trainer.model.state_dict(), weights):
        return None
    from .snapshots import evaluate_weights

    return evaluate_weights(trainer.trained(), dict(weights))


def save_trained(
    path: str | Path,
    trainer: Trainer,
    weights: Mapping[str, torch.Tensor] | None = None,
    test: TestResult | None = None,
) -> Path:
    """Write a finished run's model with its best epoch's weights, or `weights` (another epoch's),
    and its training state, so that `resume_run` can continue the run from the file (the CLI's
    --out and the window's Export).

    The file's test result is always of the weights it holds: when the run ended on other weights
    (early stopping off, so the last epoch's), those saved are tested too (`test`, when the caller
    has already done so) and the history says which epoch's they are.
    """
    assert trainer.model is not None and trainer.data is not None, "train first"
    best = weights if weights is not None else trainer.best_weights()
    state = _training_state(trainer, best)
    history = {key: state["history"][key] for key in trainer.history.as_dict()}  # as the state tells it
    own = test or saved_weights_test(trainer, best)
    if own is not None:
        history["test"] = test_to_dict(own)
        history["test_weights"] = "saved"  # not the weights the run ended with: those saved in this file
    return save_model(
        path,
        trainer.model,
        trainer.experiment,
        input_shape=trainer.data.input_shape,
        class_names=trainer.data.class_names,
        normalization=trainer.data.normalization.as_dict(),
        history=history,
        state_dict=best,
        training_state=state,
    )


class SaveEvery(Callback):
    """Writes the run to a model file every `every` epochs, replacing the last one, so that a run cut
    short (a crash, a closed laptop) continues from its last save: `resume_run(path)`.

    A write that fails does not stop training: `on_error` gets the message (the next save tries again).
    """

    def __init__(self, path: str | Path, every: int, on_error: Callable[[str], None] | None = None) -> None:
        self.path, self.every, self.on_error = Path(path), every, on_error

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        from .trainer import Trainer

        if not isinstance(self.trainer, Trainer) or (epoch + 1) % self.every:
            return  # the run's whole state is saved: only a Trainer has it
        try:
            save_trained(self.path, self.trainer)
        except ModelFileError as exc:
            if self.on_error is not None:
                self.on_error(str(exc))


def resume_run(
    path: str | Path,
    callbacks: Iterable[Callback] = (),
    *,
    base_dir: Path | None = None,
    device: str | None = None,
    **options: Any,
) -> Trainer:
    """A Trainer that takes up the run saved in a model file: call `continue_training(epochs)` on it.

    The data is loaded again from the experiment's settings (relative paths from `base_dir`) and
    must be the run's. Raises ModelFileError for a file without a training state or a damaged
    one, and SpecError or DataError when the data cannot be loaded or is not the run's.
    """
    from .data import DataError
    from .trainer import Trainer

    path = Path(path)
    content = read_model_file(path)
    state = content.get("training_state")
    if not isinstance(state, dict):
        raise ModelFileError(
            _(
                "{path} holds a trained model but not its training state, so its run cannot continue "
                "(model files from Export model… and `workbench train --out` hold it)"
            ).format(path=path)
        )
    try:
        experiment = ExperimentSpec.from_json(content["experiment"], source=_("{path} (experiment)").format(path=path))
        saved = content["state_dict"]
        weights_for(path, experiment.network.analyze(tuple(content["input_shape"])).total_params, saved)
        state = {
            **state,
            "weights": state["weights"] if state["weights"] is not None else saved,
            "best_weights": state["best_weights"]
            if state["best_weights"] is not None
            else (saved if state["best_is_saved"] else None),
        }
    except SpecError as exc:
        raise ModelFileError(str(exc)) from exc
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ModelFileError(
            _("{path} is damaged: {error}").format(path=path, error=f"{type(exc).__name__}: {exc}")
        ) from exc
    trainer = Trainer(experiment, callbacks, base_dir=base_dir, device=device, **options)
    try:
        trainer.load_state_dict(state)
    except (SpecError, DataError):
        raise  # the data, not the file: the caller says which
    except (
        KeyError,
        TypeError,
        ValueError,
        RuntimeError,
        AttributeError,
        IndexError,
    ) as exc:  # parts of the wrong kind
        raise ModelFileError(
            _("{path} has a damaged training state: {error}").format(path=path, error=f"{type(exc).__name__}: {exc}")
        ) from exc
    _find_pictures_again(trainer)
    return trainer


def _find_pictures_again(trainer: Trainer) -> None:
    """The file keeps the test scores, not the pictures behind them (the surest mistakes, a
    regression's forecast): they are found again, with the weights the run's test is of (those it
    ended with), in the data just loaded."""
    from .evaluate import find_forecast, find_mistakes

    test, network, data = trainer.history.test, trainer.model, trainer.data
    if test is None or test.mistakes or test.forecast is not None or network is None or data is None:
        return
    mistakes = find_mistakes(network, data, "test") if test.confusion is not None else ()
    forecast = find_forecast(network, data, "test") if test.mae is not None else None
    trainer.history.test = replace(test, mistakes=mistakes, forecast=forecast)
