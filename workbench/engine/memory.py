"""The memory this machine can give a run, and the refusal of what cannot fit (see spec.memory).

Checked before anything is allocated: a network whose weights or activations need more than
the machine has would otherwise start, then die in the allocator or take the machine down.
torch is imported only to ask a GPU, so that `inspect` can check without it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..i18n import N_, _
from ..spec import Problem, SpecError
from ..spec.memory import LIMIT_ENV, MemoryEstimate, format_bytes, parse_bytes, refuse

if TYPE_CHECKING:
    import torch


def free_memory() -> int | None:
    """Bytes of memory a new allocation can get (Linux's MemAvailable), or None when unknown."""
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
