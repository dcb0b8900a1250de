"""How a run's processes agree: one strategy object, chosen once as the run starts, that the
training loop and evaluation call the same way whether one process trains or several do.

The idea is Lightning's `Strategy`: the loop never asks whether it is distributed; it asks its
strategy to reduce (`reduce`), to decide together (`sync_steps`, `agree`), to wrap the step
(`wrap`) and to take its share of the data (`shard`). `SingleProcess` answers at once and costs
nothing; `DataParallel` answers with PyTorch's collectives over gloo (CPU) or NCCL (CUDA) and
DistributedDataParallel (`engine.distributed` has the processes' places and their launch).

Under DDP every process keeps its step losses and its logged sums on the device; the processes
meet (one all-reduce) only every few steps, as many as fit in the time between two progress
events, and once an epoch for the epoch's sums: no host synchronisation per step.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from ..i18n import _
from .distributed import Ranks, lost_peer, peer_failure, timeout

Shard = tuple[int, int]  # (rank, processes)
MAX_SYNC_STEPS = 256  # steps between two meetings of the processes at most (a stop waits that long at most)


class Strategy:
    """One process trains alone (the default): every answer is its own, at once."""

    world = 1
    rank = 0
    # A stop asked of this process takes effect before its next step; several processes must
    # agree on a stop first (`sync_steps`), at the same step.
    stops_alone = True
    can_pause = True  # several processes cannot: the others would wait for the held one

    def device_for(self, device: torch.device) -> torch.device:
        """The device this process trains on, the run's being `device`."""
        return device

    def connect(self, device: torch.device) -> None:
        """Meet the other processes, once the data is loaded (a slow load is not counted against
        their patience): nothing to meet alone."""

    @property
    def shard(self) -> Shard:
        """This process's share of the data: (rank, processes)."""
        return self.rank, self.world

    @property
    def is_global_zero(self) -> bool:
        """Rank 0: the process that reports and writes files."""
        return self.rank == 0

    def wrap(self, step: nn.Module) -> Callable[..., Any]:
        """What a training step calls for its loss: here `step`'s forward itself (no module call
        around it, whose hooks cost microseconds a step that a small network notices)."""
        return step.forward

    def reduce(self, tensor: torch.Tensor) -> torch.Tensor:
        """`tensor` summed over the processes, in place."""
        return tensor

    def share_buffers(self, module: nn.Module) -> None:
        """Rank 0's buffers (BatchNorm's running statistics) on every process, before an evaluation."""

    def agree(self, values: list[float], stop: bool) -> tuple[list[float], bool]:
        """Rank 0's `values` (an epoch's logs) on every process, and whether any was asked to stop."""
        return values, stop

    def start_epoch(self, done: int) -> None:
        """An epoch starts (or goes on, after a stop inside it) with `done` steps done."""

    def sync_due(self, done: int, batches: int, clock_due: bool) -> bool:
        """Whether the step just done (`done` of the epoch's `batches`) is one where the processes
        meet: one process reports when the clock says so (`clock_due`) and at the epoch's end."""
        return clock_due or done == batches

    def sync_steps(self, losses: torch.Tensor, stop: bool, interval: float) -> tuple[torch.Tensor, bool]:
        """At a meeting: the steps' losses since the last (each process's means, on the device) as
        the means of all, and whether a stop was asked of any; `interval`: the seconds a meeting
        may wait (between two progress events)."""
        return losses, stop

    def label(self, device: str) -> str:
        """Where the run trains, in words (the device's label given)."""
        return device

    def failure(self, exc: BaseException) -> str | None:
        """A failure that is another process's, in a sentence; None when it is this one's."""
        return None


class DataParallel(Strategy):
    """Several processes train one run with DistributedDataParallel (see the module's doc)."""

    stops_alone = False
    can_pause = False

    def __init__(self, ranks: Ranks) -> None:
        self.ranks, self.device = ranks, torch.device("cpu")
        self.world, self.rank = ranks.world, ranks.rank
        self._last_sync = 0  # the step (of the epoch) of the last meeting
        self._every = 1  # steps between meetings, as rank 0 proposed at the last one
        self._clock = time.perf_counter()  # when the last meeting (or the epoch) began

    def device_for(self, device: torch.device) -> torch.device:
        """Its own GPU (by its rank on its machine) when the run is on CUDA."""
        return torch.device("cuda", self.ranks.local_rank) if device.type == "cuda" else device

    def connect(self, device: torch.device) -> None:
        """Join the run's process group (once per process): gloo on the CPU, NCCL on CUDA."""
        self.device = device
        if not dist.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout()))

    def wrap(self, step: nn.Module) -> Callable[..., Any]:
        """`step` in DDP: its backward averages the gradients over the processes (DDP also sends
        rank 0's weights to the others as it starts, so all start equal)."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(step, device_ids=ids)

    def reduce(self, tensor: torch.Tensor) -> torch.Tensor:
        """`tensor` summed over the processes, in place (every process gets the same sum)."""
        dist.all_reduce(tensor)
        return tensor

    def share_buffers(self, module: nn.Module) -> None:
        """Rank 0's buffers on every process: each updated them from its own batches since DDP
        last sent them."""
        for buffer in module.buffers():
            dist.broadcast(buffer, 0)

    def agree(self, values: list[float], stop: bool) -> tuple[list[float], bool]:
        """Rank 0's values everywhere, so that the decisions taken from them (early stopping, the
        schedule, the best epoch) are the same even where sums differ in the last bit."""
        mine = values if self.is_global_zero else [0.0] * len(values)
        local = torch.tensor([*mine, float(stop)], dtype=torch.float64, device=self.device)
        total = self.reduce(local).tolist()
        return total[:-1], bool(total[-1])

    def start_epoch(self, done: int) -> None:
        """Meetings count their steps from the epoch's start (or where a stop inside it left it)."""
        self._last_sync, self._clock = done, time.perf_counter()

    def sync_due(self, done: int, batches: int, clock_due: bool) -> bool:
        """Every process must meet at the same steps, so the clock cannot decide: the steps since
        the last meeting can (as many as rank 0 proposed at the last one), and the epoch's end."""
        if done - self._last_sync >= self._every or done == batches:
            self._last_sync = done
            return True
        return False

    def sync_steps(self, losses: torch.Tensor, stop: bool, interval: float) -> tuple[torch.Tensor, bool]:
        """One all-reduce: the steps' mean losses (every share has the same size, so the mean of all
        is the mean of the means), any stop, and rank 0's proposal of the steps to the next meeting:
        as many as its last steps say fit in `interval`."""
        now = time.perf_counter()
        proposal = steps_per_sync(interval, now - self._clock, len(losses)) if self.is_global_zero else 0
        self._clock = now
        flags = torch.tensor([float(stop), float(proposal)], dtype=losses.dtype, device=losses.device)
        total = self.reduce(torch.cat([losses.detach(), flags]))
        stops, steps = total[-2:].tolist()
        self._every = max(1, min(int(steps), MAX_SYNC_STEPS))
        return total[:-2] / self.world, stops > 0

    def label(self, device: str) -> str:
        """The device and how many processes share the run."""
        return _("{device} × {count} processes").format(device=device, count=self.world)

    def failure(self, exc: BaseException) -> str | None:
        """A collective step failing as another process ended or stopped answering."""
        return peer_failure(self.world, exc) if lost_peer(exc) else None


def choose(ranks: Ranks | None) -> Strategy:
    """The strategy of a process, chosen once: DataParallel when it is one of several."""
    return DataParallel(ranks) if ranks is not None and ranks.world > 1 else Strategy()


def steps_per_sync(interval: float, seconds: float, steps: int) -> int:
    """How many steps fit in `interval` seconds, `steps` having taken `seconds`: the meetings of
    several processes then come about as often as a single process reports."""
    if interval <= 0 or steps <= 0 or seconds <= 0:
        return 1
    return max(1, min(math.floor(interval * steps / seconds), MAX_SYNC_STEPS))
