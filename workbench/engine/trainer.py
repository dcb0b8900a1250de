"""The training loop: ours, with Keras' hooks, cooperative stop/pause and honest stop reasons."""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..i18n import _, sentences
from ..spec import ExperimentSpec
from ..spec.lessons import codes_used, learned
from ..spec.metrics import KL_KEY
from . import outcome
from .callbacks import Callback, CallbackList, EarlyStopping, Logs
from .checkpoint import PartialEpoch, callback_states, keyed, load_callback_states, split_sizes
from .data import DataError, RawData
from .device import describe_failure, device_label
from .distributed import Ranks
from .evaluate import evaluate, final_evaluation
from .events import StopReason
from .histograms import HistogramRecorder
from .history import History
from .objective import Objective
from .optim import step_scheduler
from .prepare import PreparedData
from .run_setup import prepare_run
from .strategy import Strategy, choose
from .throttle import ProgressThrottle
from .trained import TrainedNetwork

Weights = dict[str, torch.Tensor]

# A batch loss this many times above the first batch's (or above this many times 1) means the
# run has blown up even while the numbers are still finite.
EXPLOSION_FACTOR = 1e4
# Runs whose weights can be trained further: a diverged or failed run would only repeat its failure.
CONTINUABLE = (StopReason.COMPLETED, StopReason.EARLY_STOPPED, StopReason.USER_STOPPED)


class TrainingStep(nn.Module):
    """A network and its objective as one module, whose forward is a training step's loss: what
    DDP wraps on several processes, so that it sees the whole step (an autoencoder's objective
    calls its encoder and decoder, not its forward)."""

    def __init__(self, model: nn.Module, objective: Objective) -> None:
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(
        self, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(the loss to train on, the loss as logged, the sums of the logged values)."""
        return self.objective.train_loss(self.model, x, y, epoch, step)


class Trainer:
    """Trains one experiment: `Trainer(experiment, callbacks=[...]).fit() -> History`.

    `raw` trains on tensors already in memory instead of loading the experiment's dataset (its
    split, normalization and augmentation settings still apply). `fit` runs in the calling thread;
    `request_stop`, `pause` and `resume` may be called from any other thread and take effect
    between batches. `continue_training(n)` trains n more epochs of a finished run, from its
    weights, optimizer state, schedule and batch order, as if the run had been planned longer.
    Bad input (an invalid network, unreadable data, an unavailable device) raises SpecError or
    DataError before training starts; anything that goes wrong during training ends the run with
    StopReason.FAILED instead of raising.

    The parts around the loop live in their own modules: `run_setup` builds what a run trains with,
    `checkpoint` saves and takes up runs, `throttle` groups batch losses into progress events,
    `outcome` words how a run ended, `trained` is the network apart from the loop.
    """

    def __init__(
        self,
        experiment: ExperimentSpec,
        callbacks: Iterable[Callback] = (),
        *,
        base_dir: Path | None = None,
        device: str | None = None,
        progress_rate: float = 20.0,
        histogram_every: int = 50,
        histogram_bins: int = 40,
        raw: RawData | None = None,
        memory_limit: int | None = None,
        ranks: Ranks | None = None,
    ) -> None:
        self.experiment = experiment
        # How the run's processes agree (one process: at once), chosen once; it meets the others in prepare().
        self.strategy: Strategy = choose(ranks)
        self.memory_limit = memory_limit  # bytes a run may need; None: what the machine has free
        self.base_dir = base_dir
        self.device_name = device or experiment.training.device
        self.progress_interval = 1.0 / progress_rate if progress_rate > 0 else 0.0
        self.histogram_every = histogram_every
        self.histogram_bins = histogram_bins
        self.user_callbacks = list(callbacks)
        self.raw = raw  # data already in memory (a notebook's tensors, a benchmark) instead of the spec's loader
        self.history = History(epochs_planned=experiment.training.epochs)
        self.model: nn.Module | None = None
        self._net: Callable[..., Any] | None = None  # the model and its loss as one step, as the strategy wraps it
        self.data: PreparedData | None = None
        self.early_stopping: EarlyStopping | None = None
        self._stop = threading.Event()  # the run stops (on several processes: agreed by all)
        self._asked = threading.Event()  # on several processes: a stop asked of this one, not yet agreed
        self._running = threading.Event()
        self._running.set()
        self._stop_reason: StopReason | None = None
        self._stop_message = ""
        self._stop_weights: Weights | None = None
        self._stop_epoch: int | None = None  # the epoch of _stop_weights (None: the weights it started with)
        self._partial: PartialEpoch | None = None  # an epoch a stop cut short, to finish on continuing
        self.weights_epoch: int | None = None  # after a run: the epoch (from 0) whose weights the model holds
        # Run state, set by prepare() and fit().
        self.device = torch.device("cpu")
        self.first_loss: float | None = None
        self._initial: Weights = {}
        self._best_weights: Weights | None = None
        self._epoch_copy: tuple[int, Weights] | None = None  # (step, weights): one copy per epoch end, shared
        self._lr_used = 0.0
        self._step = 0
        self._start = 0.0
        self._trained_s = 0.0  # training time of the finished parts of the run
        self._generator: torch.Generator | None = None  # the batch order, kept when the run continues
        self._extended = False  # extend() has planned more epochs that continue_training() has not run

    # --- control, from any thread -------------------------------------------------------------

    def request_stop(
        self,
        reason: StopReason = StopReason.USER_STOPPED,
        message: str = "",
        weights: Weights | None = None,
        epoch: int | None = None,
    ) -> None:
        """Ask the run to end after the current batch; the first request's reason wins. `weights`:
        the weights to end on instead of the last ones, those of `epoch` (from 0; None: the start's).

        On several processes, a plain stop (Ctrl-C, the window's Stop) is only noted: the processes
        agree on it when they next meet (`Strategy.sync_steps`) and all stop there together.
        The other reasons come from decisions every process takes alike, and take effect at once.
        """
        if not self.strategy.stops_alone and reason is StopReason.USER_STOPPED:
            self._asked.set()
            return
        if not self._stop.is_set():
            self._stop_reason, self._stop_message, self._stop_weights = reason, message, weights
            self._stop_epoch = epoch
            self._stop.set()
        self._running.set()  # a paused run must wake up to stop

    def pause(self) -> None:
        """Hold the run between two batches; the optimizer state is kept. (Not on several
        processes: the others would wait for this one until they gave up.)"""
        if not self._stop.is_set() and self.strategy.can_pause:
            self._running.clear()

    def resume(self) -> None:
        """Continue a paused run."""
        self._running.set()

    @property
    def paused(self) -> bool:
        """True while the run is held by `pause`."""
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        """True once a stop has been asked for."""
        return self._stop.is_set()

    # --- setup --------------------------------------------------------------------------------

    def prepare(self, fresh: bool = True) -> None:
        """Load the data, build the model and optimizer (`run_setup.prepare_run`); raises SpecError
        or DataError on bad input. A fresh run's weights start from the network's `start_from`
        file; a run that a saved state replaces (fresh=False) does not read it."""
        if self.model is not None:
            return
        setup = prepare_run(
            self.experiment,
            base_dir=self.base_dir,
            device=self.device_name,
            raw=self.raw,
            memory_limit=self.memory_limit,
            callbacks=self.user_callbacks,
            strategy=self.strategy,
            fresh=fresh,
        )
        self.device, self.data, self.model = setup.device, setup.data, setup.model
        if setup.started_from is not None:
            self.history.started_from = setup.started_from.as_state()
        # On several processes, each step goes through DDP, which averages the gradients.
        self._net = self.strategy.wrap(TrainingStep(self.model, setup.objective))
        self.objective, self.optimizer, self.scheduler = setup.objective, setup.optimizer, setup.scheduler
        self.best, self.early_stopping = setup.best, setup.early_stopping
        self.history.monitor = setup.monitor
        self.history.split = self.data.split
        self.history.class_names = self.data.class_names
        self.history.majority_rate = None if self.experiment.network.is_autoencoder else self.data.majority_rate()
        self.history.device = self.strategy.label(device_label(self.device))

    def trained(self) -> TrainedNetwork:
        """The network as trained so far, apart from the loop (for tests, pictures and exports)."""
        if self.model is None:
            raise RuntimeError("train the network first")
        assert self.data is not None  # prepared together with the model
        return TrainedNetwork(self.experiment, self.model, self.data, self.objective, self.device, self.history)

    def copy_weights(self) -> Weights:
        """A detached copy of the model's weights (on the CPU, so the device can be freed)."""
        assert self.model is not None
        return {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}

    def epoch_weights(self) -> Weights:
        """The weights as the latest epoch ended: one copy (on the CPU) shared by all that keep them (the
        best epoch, early stopping, the window's epochs), so that keeping them costs one copy. Read only."""
        if self._epoch_copy is None or self._epoch_copy[0] != self._step:
            self._epoch_copy = (self._step, self.copy_weights())
        return self._epoch_copy[1]

    @property
    def elapsed(self) -> float:
        """Seconds of training so far (pauses not counted)."""
        return time.perf_counter() - self._start if self._start else 0.0

    @property
    def trained_seconds(self) -> float:
        """Training time so far, pauses and the gaps between continued parts left out."""
        return self.elapsed if self.history.stop_reason is None and self._start else self._trained_s

    @property
    def steps(self) -> int:
        """Optimizer steps taken so far."""
        return self._step

    @property
    def patience_left(self) -> int | None:
        """Epochs without improvement left before early stopping, or None when it is off."""
        return self.early_stopping.patience_left if self.early_stopping else None

    # --- the run ------------------------------------------------------------------------------

    def fit(self) -> History:
        """Train until the epochs are done or a stop is requested; returns the History."""
        self.prepare()
        assert self.model is not None and self.data is not None
        if self._generator is not None:
            raise RuntimeError("this trainer has run: use continue_training for more epochs")
        self._generator = torch.Generator().manual_seed(self.experiment.training.seed)
        self._initial = self.copy_weights()
        return self._run()

    @property
    def can_continue(self) -> bool:
        """True when the run ended with weights worth training further (not diverged, not failed)."""
        return self.model is not None and self.history.stop_reason in CONTINUABLE

    def continue_training(self, epochs: int | None = None) -> History:
        """Train `epochs` more epochs of a finished run; the History grows, epochs keep their numbers.

        The model continues from the weights the run ended with (its best epoch's, when they were
        restored); the optimizer, the learning-rate schedule and the batch order carry on where
        they stopped. Early stopping counts its patience afresh against the best epoch so far.
        `epochs=None` trains the epochs `extend` planned.
        """
        if epochs is not None:
            self.extend(epochs)
        if not self._extended:
            raise RuntimeError("call extend(epochs) first, or pass epochs")
        self._extended = False
        return self._run()

    def extend(self, epochs: int) -> None:
        """Plan `epochs` more epochs of a finished run, for `continue_training()` to train.

        A window calls this in its own thread before handing `continue_training` to a worker,
        so that a stop asked for in between is kept, not undone when the worker starts.
        """
        if not self.can_continue:
            raise RuntimeError("only a run that completed or was stopped can continue")
        if epochs < 1:
            raise ValueError("continue for at least one epoch")
        self._stop.clear()
        self._asked.clear()
        self._running.set()
        self._stop_reason, self._stop_message, self._stop_weights, self._stop_epoch = None, "", None, None
        h = self.history
        h.stop_reason, h.message, h.test, h.error = None, "", None, None
        h.epochs_planned = len(h.epoch) + epochs
        if self.early_stopping is not None:
            self.early_stopping.restart_patience()
        self._extended = True

    # --- saving a run to continue later -------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """What continuing this run later needs besides its data, as tensors and plain data.

        The weights it ended with and its best epoch's, the optimizer and schedule state, the batch
        order, the best-epoch and patience counters and the whole History. A model file keeps it
        under `training_state`; `load_state_dict` on a new Trainer of the same experiment reads it.
        Taken during a run (from a callback's `on_epoch_end`), it describes the run as stopped
        after that epoch, so that a run cut short (a crash, a closed laptop) continues from there.
        """
        if self.model is None or self.data is None or self._generator is None:
            raise RuntimeError("only a run that has started has a state to save")
        history = self.history.state()
        weights_epoch = self.weights_epoch
        if self.history.stop_reason is None:  # still training: saved as if stopped after this epoch
            done, planned = len(self.history.epoch), self.history.epochs_planned
            weights_epoch = done - 1  # the weights of the epoch that just ended
            history["stop_reason"] = str(StopReason.USER_STOPPED)
            history["message"] = outcome.saved_while_training(done, planned)
        return {
            "weights": self.copy_weights(),
            "best_weights": self.best_weights(),  # before any epoch ended: the weights the run started from
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "generator": self._generator.get_state(),
            "counters": {
                "step": self._step,
                "trained_s": self.trained_seconds,
                "first_loss": self.first_loss,
                "weights_epoch": weights_epoch,  # the epoch whose weights "weights" are
            },
            "best": [self.best.best, self.best.best_epoch, self.best.wait],
            "callbacks": callback_states(self._callbacks(), self._best_weights),
            "sizes": {part: self.data.size(part) for part in ("train", "val", "test")},
            "history": history,
            "partial_epoch": self._partial.as_state() if self._partial is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take up a run that `state_dict` saved: prepares this trainer (data, model), then restores
        everything, so that `continue_training(n)` trains on as the saved run would have.

        Raises DataError when the data is not the run's (other sizes or classes), SpecError or
        DataError when it cannot be loaded, and KeyError, TypeError or RuntimeError on a damaged state.
        """
        self.prepare(fresh=False)
        assert self.model is not None and self.data is not None
        sizes = {part: self.data.size(part) for part in ("train", "val", "test")}
        history = History.from_state(dict(state["history"]))
        if sizes != dict(state["sizes"]) or history.class_names != self.data.class_names:
            template = (
                _("the data is not the saved run's: it has {sizes} where the run had {saved}")
                if history.class_names == self.data.class_names
                else _("the data is not the saved run's: it has {sizes} where the run had {saved}, and other classes")
            )
            raise DataError(template.format(sizes=split_sizes(sizes), saved=split_sizes(state["sizes"])))
        self.model.load_state_dict(state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self._generator = torch.Generator()
        self._generator.set_state(state["generator"])
        counters = state["counters"]
        self._step, self._trained_s, self.first_loss = counters["step"], counters["trained_s"], counters["first_loss"]
        epoch = counters.get("weights_epoch")  # files written before it was kept have none
        self.weights_epoch = epoch if isinstance(epoch, int) and 0 <= epoch < len(history.epoch) else None
        best = state["best_weights"]
        self._best_weights = {k: v.detach().cpu().clone() for k, v in best.items()} if best is not None else None
        self._initial = self._best_weights or self.copy_weights()
        self.best.best, self.best.best_epoch, self.best.wait = state["best"]
        load_callback_states(self._callbacks(), state, self._best_weights)
        history.split, history.device = self.data.split, self.history.device
        self.history = history
        self._partial = PartialEpoch.from_state(state.get("partial_epoch"))

    def _callbacks(self) -> list[tuple[str, Callback]]:
        """The run's callbacks (early stopping first), each with the key its state is saved under."""
        es = [self.early_stopping] if self.early_stopping is not None else []
        return keyed([*es, *(c for c in self.user_callbacks if c is not self.early_stopping)])

    def _run(self) -> History:
        self.history.processes = self.strategy.world
        callbacks = CallbackList(callback for _key, callback in self._callbacks())
        for callback in callbacks.callbacks:
            callback.set_trainer(self)
        callbacks.call("on_train_begin", {})
        try:
            self._loop(callbacks)
        except Exception as exc:  # noqa: BLE001 - a failed run is reported, not raised
            self._fail(exc)
        self._trained_s = self.elapsed
        self._finish(callbacks)
        return self.history

    def _fail(self, exc: BaseException) -> None:
        self.history.error = traceback.format_exc()
        # On several processes a step that fails as another process ends is that one's failure.
        message = self.strategy.failure(exc) or describe_failure(exc)
        self._stop_reason, self._stop_message = StopReason.FAILED, message
        self._stop.set()

    def _loop(self, callbacks: CallbackList) -> None:
        assert self.data is not None and self.model is not None and self._generator is not None
        generator = self._generator  # the batch order depends on the seed only
        wanted = self.histogram_every > 0 and callbacks.wants("on_histograms")
        recorder = HistogramRecorder(self.model, self.histogram_bins) if wanted else None
        self._start = time.perf_counter() - self._trained_s
        for epoch in range(len(self.history.epoch), self.history.epochs_planned):
            if self._stop.is_set():
                break
            callbacks.call("on_epoch_begin", epoch, {})
            train_logs = self._train_epoch(epoch, generator, callbacks, recorder)
            if train_logs is None:
                break
            logs = self._agree({**train_logs, **self._validate(), "lr": self._lr_used})
            step_scheduler(self.scheduler, logs)
            self.history.append(epoch, logs)
            bad = [v for v in logs.values() if not math.isfinite(v)]
            if bad:
                self._diverged(epoch, None, bad[0])
            self._track_best(epoch, logs)
            callbacks.call("on_epoch_end", epoch, logs)

    def _agree(self, logs: Logs) -> Logs:
        """An epoch's logs as every process will decide from them: rank 0's, on several processes
        (where a stop asked of any process is agreed on too, to take effect before the next epoch)."""
        values, stop = self.strategy.agree(list(logs.values()), self._asked.is_set())
        if stop:
            self._agreed_stop()
        return dict(zip(logs, values, strict=True))

    def _agreed_stop(self) -> None:
        """The stop that one of several processes was asked for, now that all have agreed on it."""
        if not self._stop.is_set():
            self._stop_reason = StopReason.USER_STOPPED
            self._stop.set()

    def _train_epoch(
        self, epoch: int, generator: torch.Generator, callbacks: CallbackList, recorder: HistogramRecorder | None
    ) -> Logs | None:
        """One pass over the training data; None when the run stopped or diverged inside it."""
        assert self.data is not None and self.model is not None
        batch_size = self.experiment.training.batch_size
        world = self.strategy.world
        self.model.train()
        self._lr_used = float(self.optimizer.param_groups[0]["lr"])
        keys = self.objective.keys
        # What a stop inside this epoch left (the numbers of all processes), then this process's
        # own sums (on the device), summed over the processes once, as the epoch ends.
        done, seen, kept, carried_sums, carried_loss = self._epoch_so_far(epoch, generator, batch_size)
        metric = torch.zeros(len(keys), device=self.device, dtype=torch.float64)  # sums of what `keys` name
        loss_sum = torch.zeros(1, device=self.device, dtype=torch.float64)
        batches = done + self.data.batches_per_epoch(batch_size, world, seen)
        losses = torch.zeros(batches, device=self.device)  # each step's loss (of all processes once they meet)
        losses[:done] = torch.tensor(kept, device=self.device)
        first = self._step == 0  # the run's first batch: its first point is drawn at once
        self._emit = ProgressThrottle(self.progress_interval, epoch, self.history.epochs_planned, batches, first)
        self._emit.skip(done, seen)
        self.strategy.start_epoch(done)
        # At least one snapshot an epoch: with few batches an epoch, the history still shows every epoch.
        every = max(1, min(self.histogram_every, batches))
        started = generator.get_state()
        batches_of = self.data.train_batches(batch_size, generator, seen, self.strategy.shard)
        for batch, (x, y) in enumerate(batches_of, start=done):
            if not self._running.is_set():
                self._wait_while_paused()
            if self._stop.is_set():
                break
            if callbacks.batch_hooks:
                callbacks.call("on_train_batch_begin", batch, {})
            snapshot = recorder if recorder is not None and self._step % every == 0 else None
            loss, sums = self._train_step(x, y, epoch, callbacks, snapshot)
            losses[batch] = loss  # stays on the device: no synchronisation per batch
            loss_sum.add_(loss.double(), alpha=len(y))  # one kernel fewer a step than `+= loss * n`, the same sum
            metric += sums
            # Every process's batch has the same size (prepare.shard_of): the step trained `world` times it.
            seen, done = seen + len(y) * world, batch + 1
            self._step += 1
            if callbacks.batch_hooks:
                callbacks.call("on_train_batch_end", batch, {"loss": float(loss)})
            meets = self.strategy.sync_due(done, batches, self._emit.due())
            if meets and not self._sync(losses, done, seen, callbacks):
                return None
        if done < batches:  # stopped inside the epoch: report what ran; continuing finishes the epoch
            self._sync(losses, done, seen, callbacks)
        totals = self.strategy.reduce(torch.cat([loss_sum, metric])).cpu().tolist()
        loss_total = totals[0] + carried_loss
        sums_total = [total + carried for total, carried in zip(totals[1:], carried_sums, strict=True)]
        if done < batches:
            kept = losses[:done].cpu().tolist()
            self._partial = PartialEpoch(epoch, started, done, seen, kept, sums_total, loss_total)
            return None
        return {"loss": loss_total / seen, **{key: total / seen for key, total in zip(keys, sums_total, strict=True)}}

    def _sync(self, losses: torch.Tensor, done: int, seen: int, callbacks: CallbackList) -> bool:
        """The processes meet (one process: it reports): the steps since the last meeting become
        the steps of all, a stop asked of any is agreed, and their progress is reported; False when
        a loss is not finite or has exploded (the run then stops as diverged, everywhere alike)."""
        first = self._emit.sent
        if done > first:
            chunk, stop = self.strategy.sync_steps(losses[first:done], self._asked.is_set(), self.progress_interval)
            losses[first:done] = chunk
            if stop:
                self._agreed_stop()
        return self._report(losses, done, seen, callbacks)

    def _epoch_so_far(
        self, epoch: int, generator: torch.Generator, batch_size: int
    ) -> tuple[int, int, list[float], list[float], float]:
        """Where `epoch` starts: (steps done, samples seen, their losses, the sums of the logged
        values, the loss summed over the samples). Nothing done, unless a stop cut this epoch short:
        then its batch order is taken up where the stop left it."""
        partial, self._partial = self._partial, None
        if partial is None or partial.epoch != epoch:
            return 0, 0, [], [0.0] * len(self.objective.keys), 0.0
        generator.set_state(partial.generator)
        # Older files lack the loss sum: every batch before a stop inside an epoch is a whole one.
        loss_sum = partial.loss_sum if partial.loss_sum is not None else sum(partial.losses) * batch_size
        return partial.done, partial.seen, partial.losses, partial.metric, loss_sum

    def _train_step(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        epoch: int,
        callbacks: CallbackList,
        recorder: HistogramRecorder | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step; (the batch's loss as logged, the sums of the objective's keys)."""
        assert self.model is not None
        training = self.experiment.training
        self.optimizer.zero_grad(set_to_none=True)
        assert self._net is not None  # prepared with the model
        # Under DDP, the step's forward prepares the gradients' averaging in backward.
        step: tuple[torch.Tensor, torch.Tensor, torch.Tensor] = self._net(x, y, epoch, self._step)
        loss, logged, sums = step
        if training.l1:
            # The penalty trains the weights; the logged loss stays the data loss, comparable to val_loss.
            penalty = sum(p.abs().sum() for n, p in self.model.named_parameters() if p.dim() > 1)
            (loss + training.l1 * penalty).backward()  # type: ignore[no-untyped-call]
        else:
            loss.backward()  # type: ignore[no-untyped-call]
        if recorder is not None:  # a snapshot is due at this step
            callbacks.call("on_histograms", recorder.snapshot(self._step, epoch))
        if training.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), training.grad_clip)
        self.optimizer.step()
        return logged, sums

    def _report(self, losses: torch.Tensor, done: int, seen: int, callbacks: CallbackList) -> bool:
        """Send the progress of the batches not yet reported; False when one of their losses is not
        finite or has exploded (the run then stops as diverged)."""
        progress = self._emit.flush(losses, done, seen, self._step, self._start)
        if progress is None:
            return True
        chunk = progress.losses
        self.history.batch_losses.extend(chunk.tolist())
        callbacks.call("on_progress", progress)
        if self.first_loss is None and chunk.size and np.isfinite(chunk[0]):
            self.first_loss = float(chunk[0])
        limit = EXPLOSION_FACTOR * max(self.first_loss or 1.0, 1.0)
        bad = np.flatnonzero(~(np.abs(chunk) <= limit))  # NaN fails every comparison
        if bad.size:
            self._diverged(progress.epoch, int(progress.steps[bad[0]]) + 1, float(chunk[bad[0]]))
            return False
        return True

    def _wait_while_paused(self) -> None:
        started = time.perf_counter()
        self._running.wait()
        self._start += time.perf_counter() - started  # paused time is not training time
        self._emit.hold(time.perf_counter() - started)

    def _validate(self) -> Logs:
        assert self.data is not None and self.model is not None
        if not self.data.size("val"):
            return {}
        ev = evaluate(self.model, self.data, "val", self.objective, strategy=self.strategy)
        return {"val_loss": ev.loss, **{f"val_{key}": value for key, value in ev.values.items()}}

    def _track_best(self, epoch: int, logs: Logs) -> None:
        value = logs.get(self.history.monitor)
        if value is not None and self.best.update(epoch, value):
            self.history.best_epoch, self.history.best_value = epoch, value
            self._best_weights = self.epoch_weights()

    def best_weights(self) -> Weights:
        """The weights of the best epoch so far (the starting weights before any epoch ends)."""
        return self._best_weights if self._best_weights is not None else self._initial

    def _diverged(self, epoch: int, step: int | None, value: float) -> None:
        best = self.history.best_epoch
        message = outcome.diverged(epoch, step, value, self._lr_used, best)
        self.request_stop(StopReason.DIVERGED, message, weights=self.best_weights(), epoch=best)

    # --- the end ------------------------------------------------------------------------------

    def _finish(self, callbacks: CallbackList) -> None:
        assert self.model is not None and self.data is not None
        reason = self._stop_reason or StopReason.COMPLETED
        restored = ""
        self.weights_epoch = len(self.history.epoch) - 1
        if self._stop_weights is not None:
            self.model.load_state_dict(self._stop_weights)
            if self._stop_epoch is not None:  # else the start's weights: said by the stop's message
                self.weights_epoch = self._stop_epoch
                if reason is StopReason.COMPLETED and self._stop_epoch != len(self.history.epoch) - 1:
                    restored = outcome.restored(self._stop_epoch)
        self.history.stop_reason = reason
        self.history.message = sentences(self._stop_message or self._default_message(reason), restored)
        if self.learned is False and reason is not StopReason.DIVERGED:
            self.history.message = sentences(self.history.message, self._not_learned())
        if reason is not StopReason.FAILED and self.data.size("test"):
            try:
                self.history.test = final_evaluation(self.model, self.data, self.objective, strategy=self.strategy)
            except Exception as exc:  # noqa: BLE001 - e.g. out of memory on a large test split
                self._fail(exc)
                self.history.stop_reason, self.history.message = StopReason.FAILED, self._stop_message
        if self.history.test is not None:
            callbacks.call("on_test_end", self.history.test)
        last = {k: v[-1] for k, v in self.history.history.items()}
        callbacks.call("on_train_end", last)

    @property
    def learned(self) -> bool | None:
        """For a classifier: did validation accuracy ever beat chance? For a VAE: do its codes carry
        anything, at the weights it ends on (see spec.lessons)? None otherwise."""
        kl = self._kl_at_end()
        if kl is not None:
            return codes_used(kl)
        majority = self.data.majority_rate() if self.data is not None else None
        accuracy = self.history.history.get("val_accuracy")
        return None if majority is None or not accuracy else learned(accuracy, majority)

    def _kl_at_end(self) -> float | None:
        """A VAE's KL term (validation, else training) at the epoch whose weights it ends on."""
        values = self.history.history.get(f"val_{KL_KEY}") or self.history.history.get(KL_KEY)
        if not values:
            return None
        epoch = self.weights_epoch
        return values[epoch] if epoch is not None and 0 <= epoch < len(values) else values[-1]

    def _not_learned(self) -> str:
        kl = self._kl_at_end()
        if kl is not None:
            return outcome.collapsed(kl)
        majority = self.data.majority_rate() if self.data is not None else None
        assert majority is not None  # a classifier's, which `learned` has compared with
        return outcome.not_learned(max(self.history.history["val_accuracy"]), majority)

    def _default_message(self, reason: StopReason) -> str:
        h = self.history
        best = outcome.best_so_far(h.monitor, h.best_value, h.best_epoch)
        if reason is StopReason.USER_STOPPED:
            return outcome.stopped_by_you(len(h.epoch), h.epochs_planned, best)
        return outcome.finished(h.epochs_planned, best)
