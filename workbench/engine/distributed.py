"""One run on several processes, with PyTorch's DistributedDataParallel (DDP): where the
processes are and how they start.

PyTorch's launcher (`torch.distributed.run`, also known as `torchrun`) starts the processes and
tells each its place in environment variables; `Ranks.from_environment` reads them. Each process
trains its share of every epoch's batch order (`prepare.shard_of`) on a copy of the network that
DDP keeps equal to the others by averaging the gradients of every step. How they agree on the
rest (the step losses every few steps, an epoch's logs, a stop, the validation and test sums) is
the run's strategy's business (`engine.strategy`); the loop does not know how many there are.

Only plain data is here besides torch: the window imports `Ranks` without torch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from ..i18n import _

DEFAULT_PORT = 29500  # torchrun's
TIMEOUT_ENV = "WORKBENCH_DDP_TIMEOUT"  # seconds a process waits for the others before the run fails
LAUNCHER_ENV = "WORKBENCH_LAUNCHER_PID"  # the process the launcher runs in (see die_with_launcher)
DEFAULT_TIMEOUT = 300.0  # longer than any one step or validation pass; short enough to end a hang


@dataclass(frozen=True)
class Ranks:
    """A process's place in a run on several: its rank among all, how many there are, its rank on
    its own machine (which GPU it takes)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Ranks | None:
        """The place `torch.distributed.run` gave this process, or None when it did not start it."""
        env = os.environ if environ is None else environ
        if "WORLD_SIZE" not in env or "RANK" not in env:
            return None
        return cls(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", env["RANK"])))

    @property
    def leader(self) -> bool:
        """Rank 0: the one process that prints and writes files."""
        return self.rank == 0


@dataclass(frozen=True)
class Launch:
    """Where a run's processes go: `nproc` on this machine (per node), on `nnodes` machines that
    meet at `master_addr:master_port` (this one being `node_rank`) or at a rendezvous endpoint."""

    nproc: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str | None = None
    master_port: int = DEFAULT_PORT
    rdzv_endpoint: str | None = None

    def problem(self) -> str | None:
        """What is missing for several machines to meet, in a sentence; None when nothing is."""
        if self.nnodes > 1 and self.master_addr is None and self.rdzv_endpoint is None:
            return _("{option} {count} needs {needed}: where the machines meet").format(
                option="--nnodes", count=self.nnodes, needed="--master-addr HOST / --rdzv-endpoint HOST:PORT"
            )
        if not 0 <= self.node_rank < self.nnodes:
            return _("{option} must be from 0 to {last}").format(option="--node-rank", last=self.nnodes - 1)
        return None


def timeout() -> float:
    """Seconds a process waits for the others (`WORKBENCH_DDP_TIMEOUT`, else DEFAULT_TIMEOUT)."""
    try:
        return max(float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT)), 1.0)
    except ValueError:
        return DEFAULT_TIMEOUT


def die_with_launcher() -> None:
    """A process of a run on several ends when the launcher that started it does, killed with
    `kill -9` included: it would train on and write alone. A watch sees its parent change and sends
    the process SIGTERM, once, which stops the run as Ctrl-C does. (Linux's PR_SET_PDEATHSIG fires
    again each time the process it is handed on to loses a thread: a second stop quits unsaved.)"""
    if sys.platform == "win32":  # os.kill would end the process there; the group's end ends it
        return
    import signal
    import threading
    import time

    launcher = os.environ.get(LAUNCHER_ENV, "")
    parent = int(launcher) if launcher.isdigit() else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="workbench-launcher-watch", daemon=True).start()


def lost_peer(exc: BaseException) -> bool:
    """Whether `exc` is a collective step failing because another process ended or stopped
    answering (gloo and NCCL say so in RuntimeErrors of their own wording)."""
    import torch.distributed as dist

    if isinstance(exc, dist.DistError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        word in text for word in ("gloo", "nccl", "connection reset", "connection closed", "timed out")
    )


def peer_failure(world: int, exc: BaseException) -> str:
    """A run's end when another process was lost, in a sentence for this process to say."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = first_line.split("] ", 1)[-1].split(". ", 1)[0][:160]  # gloo starts with its source's path
    return _(
        "The run failed: another of its {world} processes ended or stopped responding ({reason}). "
        "The launcher names the process that ended."
    ).format(world=world, reason=reason)


def leave_group(together: bool) -> bool:
    """Leave the process group this process joined for a run, if it did (as its command ends);
    False when the process must end at once instead (`os._exit`), the group left as it is.

    `together`: the run ended the same way in every process (it completed, stopped or diverged),
    so all come here: they wait for each other, then tear the group down (gloo aborts a process
    whose peer closes its connections while it still tears down its own: one run in ten on two
    processes). A process whose run failed alone cannot wait for the others, who wait for it in
    a step: it ends at once, without tearing down (which could abort it, and hide its exit
    status); the others then fail too, and the launcher ends the run, without waiting out the timeout.
    """
    if "torch" not in sys.modules:
        return True  # nothing trained: nothing joined
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return True
    if not together:
        return False
    try:
        dist.barrier()
    except Exception:  # noqa: BLE001, S110 - a lost peer: nothing to wait for
        pass
    dist.destroy_process_group()
    return True
