"""Starting one run's processes through PyTorch's own launcher, `torch.distributed.run`
(`torchrun`), and saying in a sentence how they ended: what the engine's worker does for a
window's run on several processes (`engine.worker`), and `workbench train --nproc N` for a
terminal's. The launcher gives each process its place (`distributed.Ranks`); rank 0 leaves its
exit status in a file (`report_status`), the only way the launcher learns it after a Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..i18n import _
from .distributed import LAUNCHER_ENV, Launch, Ranks
from .queue import available_cores

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # as shells report a program ended by Ctrl-C
CPP_LOG_ENV = "TORCH_CPP_LOG_LEVEL"
STATUS_ENV = "WORKBENCH_STATUS_FILE"  # where rank 0 leaves its exit status for the launcher
RDZV_ID = "workbench"  # the rendezvous every node of a run joins (its endpoint tells runs apart)
# Seconds the processes have to end after a Ctrl-C (their current batch, the test, saving the
# model) before the launcher kills them: a CPU run's test pass on a large set takes a while.
SHUTDOWN_SECONDS = 600
# Seconds the machines of a run have to meet: a wrong address or a meeting point taken by another
# program ends in a sentence within a minute instead of minutes of PyTorch's retries.
MEET_SECONDS = 20  # PyTorch's store tries twice: 45 s in all at most


def say(message: str, code: int) -> int:
    """Print `workbench: message` on stderr (where a terminal or the window's log reads it) and
    return the exit status."""
    print(f"workbench: {message}", file=sys.stderr, flush=True)
    return code


def launcher_args(launch: Launch, entry: Sequence[str]) -> list[str]:
    """`torch.distributed.run`'s arguments to start `entry` (`-m MODULE ARGS...`: the engine's
    worker, or a train command without the launch options) as `launch` says."""
    args = [f"--nproc-per-node={launch.nproc}", f"--nnodes={launch.nnodes}"]
    if launch.rdzv_endpoint is not None:  # elastic: every node runs the same command
        args += ["--rdzv-backend=c10d", f"--rdzv-endpoint={launch.rdzv_endpoint}", f"--rdzv-id={RDZV_ID}"]
        args.append(f"--rdzv-conf=join_timeout={MEET_SECONDS},read_timeout={MEET_SECONDS}")
    elif launch.nnodes > 1:
        args += [
            f"--node-rank={launch.node_rank}",
            f"--master-addr={launch.master_addr}",
            f"--master-port={launch.master_port}",
            f"--rdzv-conf=timeout={MEET_SECONDS}",
        ]
    else:
        args.append("--standalone")  # one machine: a free port of its own
    args += ["--max-restarts=0", "--monitor-interval=0.2"]
    if _launcher_knows("--shutdown-timeout"):  # torch 2.11 and later; before, a fixed 30 s
        args.append(f"--shutdown-timeout={SHUTDOWN_SECONDS}")
    return [*args, *entry]


def _launcher_knows(option: str) -> bool:
    """Whether this PyTorch's `torch.distributed.run` takes `option`."""
    from torch.distributed.run import get_args_parser

    return option in get_args_parser()._option_string_actions


def threads_per_process(nproc: int) -> int:
    """CPU threads each of `nproc` processes on this machine takes: its share of the cores."""
    return max(1, available_cores() // nproc)


def run_launcher(launch: Launch, entry: Sequence[str]) -> int:
    """Start the processes through `torch.distributed.run` and wait for them; the exit status, and
    a sentence on stderr when a process ended without saying why itself (killed, lost)."""
    # Each process's share of the cores (torchrun would give each one thread, and say so).
    os.environ.setdefault("OMP_NUM_THREADS", str(threads_per_process(launch.nproc)))
    descriptor, name = tempfile.mkstemp(prefix="workbench-status-")
    os.close(descriptor)
    status = Path(name)
    os.environ[STATUS_ENV] = str(status)  # rank 0 writes its exit status there (report_status)
    os.environ[LAUNCHER_ENV] = str(os.getpid())  # its processes end with it (die_with_launcher)
    try:
        return _launch_and_wait(launch, entry, status)
    finally:
        status.unlink(missing_ok=True)


def report_status(code: int) -> None:
    """Rank 0 of a run `run_launcher` started: leave the command's exit status for the launcher,
    which after a Ctrl-C cannot learn it otherwise."""
    ranks, path = Ranks.from_environment(), os.environ.get(STATUS_ENV)
    if path and ranks is not None and ranks.leader:
        try:
            Path(path).write_text(str(code))
        except OSError:
            pass  # the launcher then reports the stop alone


def _launch_and_wait(launch: Launch, entry: Sequence[str], status: Path) -> int:
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    for name in list(logging.root.manager.loggerDict):  # what they log is said here, in a sentence
        if name.startswith(("torch.distributed.elastic", "torch.distributed.run", "torch.distributed.launcher")):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        run(parse_args(launcher_args(launch, entry)))  # type: ignore[no-untyped-call]
    except ChildFailedError as exc:
        return _failed(exc, launch)
    except SignalException:
        # Ctrl-C: the launcher passed it on; the processes stopped after their batch, and rank 0
        # has said how the run ended and saved it, and left its exit status.
        said = status.read_text().strip() if status.is_file() else ""
        return int(said) if said.isdigit() else EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the launcher's own failure (a rendezvous that timed out)
        return say(_start_failure(exc, launch), EXIT_FAILED)
    return EXIT_OK


def _failed(exc: Exception, launch: Launch) -> int:
    """How the processes ended when one failed: the exit status of the first; a sentence for those
    that did not say why themselves (a signal: killed, or crashed inside PyTorch)."""
    failures = dict(getattr(exc, "failures", {}))
    world = launch.nproc * launch.nnodes
    # The launcher ends the others with SIGTERM once one has failed: the one that failed first is news.
    first = {r: f for r, f in failures.items() if f.exitcode != -signal.SIGTERM}
    codes = []
    for rank, failure in sorted((first or failures).items()):
        code = failure.exitcode
        codes.append(code)
        if code in (EXIT_FAILED, EXIT_BAD_INPUT):
            continue  # it said why itself
        if code < 0:
            try:
                how = _("was ended by {signal}").format(signal=signal.Signals(-code).name)
            except ValueError:
                how = _("was ended by signal {number}").format(number=-code)
        else:
            how = _("ended with exit status {code}").format(code=code)
        said = _("process {rank} of {world} {how}, so the run stopped on every process").format(
            rank=rank, world=world, how=how
        )
        say(said, EXIT_FAILED)
    return next((c for c in codes if c in (EXIT_FAILED, EXIT_BAD_INPUT)), EXIT_FAILED)


def _start_failure(exc: Exception, launch: Launch) -> str:
    """Why the processes could not start, in a sentence: PyTorch's own words end in a C++ stack."""
    lines = str(exc).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    timed_out = "timed out" in reason.lower() or "timeout" in type(exc).__name__.lower()
    if timed_out and launch.nnodes > 1:
        where = launch.rdzv_endpoint or f"{launch.master_addr}:{launch.master_port}"
        return _(
            "the {count} machines did not all meet at {where} within {seconds} s: start the command on every "
            "machine within {seconds} s of each other, and check the address, the port and the firewall"
        ).format(count=launch.nnodes, where=where, seconds=MEET_SECONDS)
    return _("the processes could not start: {reason}").format(reason=reason)


def quiet_launcher() -> None:
    """Keep PyTorch's C++ log (c10d's retries, each with a C++ stack) out of the launcher's own
    output: what went wrong is said in a sentence. Read once, as torch loads; its processes still
    log as the user asks."""
    if "torch" in sys.modules or CPP_LOG_ENV in os.environ:
        return
    os.environ[CPP_LOG_ENV] = "FATAL"
    import torch  # noqa: F401

    del os.environ[CPP_LOG_ENV]
