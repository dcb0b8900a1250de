"""The memory this machine can give a run, and the refusal of what cannot fit (see spec.memory).

Checked before anything is allocated: a network whose weights or activations need more than
the machine has would otherwise start, then die in the allocator or take the machine down.
torch is imported only to ask a GPU, so that `inspect` can check without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import N_, _
from ..spec import Problem, SpecError
from ..spec.memory import LIMIT_ENV, MemoryEstimate, format_bytes, parse_bytes, refuse

if TYPE_CHECKING:
    import torch

    from ..spec import ExperimentSpec

# What each process of a run on several (or of a sweep's runs side by side) holds before the run's
# first byte: its own Python and PyTorch (measured: 470 MB of its own, with the CUDA build).
PROCESS_BYTES = 512 * 2**20


def free_memory() -> int | None:
    """Bytes of memory a new allocation can get, or None when unknown: Linux's MemAvailable, less
    where a container's memory cap (cgroup) or the process's address-space limit (`ulimit -v`)
    leaves less: the machine's free memory is not this process's to take there."""
    known = [room for room in (_available(), cgroup_room(), _address_room()) if room is not None]
    return min(known) if known else None


def _available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _number(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None  # "max": no cap


def cgroup_room(root: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")) -> int | None:
    """What the memory cap of this process's cgroup (v2, else v1) leaves: the cap less its use; None
    without a cap."""
    try:
        lines = membership.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        lines = []
    places = []
    for line in lines:
        _id, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one hierarchy
            places.append((root / path.lstrip("/"), "memory.max", "memory.current"))
        elif "memory" in controllers.split(","):
            places.append((root / "memory" / path.lstrip("/"), "memory.limit_in_bytes", "memory.usage_in_bytes"))
            places.append((root / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes"))  # a container's own view
    places.append((root, "memory.max", "memory.current"))
    for folder, cap_file, use_file in places:
        cap = _number(folder / cap_file)
        if cap is not None and cap < 2**60:  # v1 writes "no cap" as about 2**63
            return max(0, cap - (_number(folder / use_file) or 0))
    return None


def _address_room() -> int | None:
    """What `ulimit -v` leaves of this process's address space; None without a limit."""
    try:
        import resource

        limit, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if limit == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return max(0, limit - int(line.split()[1]) * 1024)
    except (ImportError, OSError, ValueError, IndexError):
        pass
    return None


def memory_limit(override: int | None = None) -> int | None:
    """The user's limit: `override` (--max-memory), else the environment's, else None (the machine's)."""
    if override is not None:
        return override
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return None
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise SpecError([Problem(LIMIT_ENV, str(exc))]) from None


def _room(limit: int | None, device: str | None, free: int | None) -> tuple[int | None, str]:
    """The bytes a run may have and where that number comes from; `device`: a GPU, or None for this computer."""
    if limit is not None:
        return limit, _("the limit set is {size}").format(size=format_bytes(limit))
    if free is None:
        return None, ""
    if device is None:
        return free, _("this computer has {size} free").format(size=format_bytes(free))
    return free, _("{device} has {size} free").format(device=device, size=format_bytes(free))


def room(limit: int | None = None) -> tuple[int | None, str]:
    """The bytes this computer can give (the limit set, else what it has free) and where that comes from."""
    return _room(memory_limit(limit), None, free_memory())


def check_fits(
    estimate: MemoryEstimate, device: torch.device | str = "cpu", limit: int | None = None, what: str = N_("this run")
) -> None:
    """Raise TooBig when `estimate` needs more than the device (and the computer's memory) can give."""
    allowed = memory_limit(limit)
    checks: list[tuple[int, tuple[int | None, str]]] = []
    if str(device).startswith("cuda"):
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(device))
        checks.append((estimate.device, _room(allowed, str(device), free)))
        checks.append((estimate.host, _room(allowed, None, free_memory())))
    else:
        checks.append((estimate.total, _room(allowed, None, free_memory())))
    for need, (have, room) in checks:
        refusal = None if have is None else refuse(estimate, need, have, room, _(what))
        if refusal is not None:
            raise refusal


def check_size(nbytes: int, what: str, limit: int | None = None) -> str | None:
    """None when `nbytes` fit in memory, else why not (for a reader to refuse a file's claim)."""
    have, room = _room(memory_limit(limit), None, free_memory())
    if have is None or nbytes <= have:
        return None
    return _("{what} needs {size} of memory but {room}").format(what=what, size=format_bytes(nbytes), room=room)


def process_bytes(experiment: ExperimentSpec, base_dir: Path | None, on_cpu: bool) -> int | None:
    """What one process of the run needs in this machine's memory: its own PyTorch and the run
    (all of it on the CPU; on a GPU, what stays on the host). None when the data cannot be read here."""
    try:
        estimate = experiment.memory(base_dir)
    except (SpecError, ValueError):
        return None
    return PROCESS_BYTES + (estimate.total if on_cpu else estimate.host)


def processes_that_fit(experiment: ExperimentSpec, base_dir: Path | None, on_cpu: bool = True) -> int | None:
    """How many processes of the run fit in the memory free now (at least 1); None when unknown."""
    each = process_bytes(experiment, base_dir, on_cpu)
    have, _where = room()
    if each is None or have is None:
        return None
    return max(1, have // each)
