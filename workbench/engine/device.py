"""Choosing the training device and explaining failures that come from it."""

from __future__ import annotations

import torch

from ..i18n import _, ngettext
from ..spec import Problem, SpecError
from ..spec.places import value_named


def available_devices() -> list[str]:
    """Devices this machine can train on, best first: each CUDA GPU, then MPS, then the CPU."""
    devices = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    if torch.backends.mps.is_available():
        devices.append("mps")
    return [*devices, "cpu"]


def device_label(device: torch.device) -> str:
    """`cpu`, or the GPU's name: `cuda:0 (NVIDIA H200)`."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA, then MPS, then the CPU; an unavailable device is refused with a message."""
    if name == "auto":
        return torch.device(available_devices()[0])
    device = torch.device(name)
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = device.index or 0
        if index >= count:
            found = (
                ngettext("this machine has {count} CUDA GPU", "this machine has {count} CUDA GPUs", count).format(
                    count=count
                )
                if count
                else _("there is no CUDA GPU here")
            )
            message = _("{device} is not available: {found}; choose {auto} or {cpu}").format(
                device=name, found=found, auto=value_named("auto"), cpu=value_named("cpu")
            )
            raise SpecError([Problem("training.device", message)])
        return torch.device("cuda", index)
    if device.type == "mps" and not torch.backends.mps.is_available():
        said = _("mps (Apple GPU) is not available here; choose {auto} or {cpu}")
        raise SpecError([Problem("training.device", said.format(auto=value_named("auto"), cpu=value_named("cpu")))])
    return device


def describe_failure(exc: BaseException) -> str:
    """One sentence for a run that failed, with what to do where we know it."""
    return _("The run failed: {reason}").format(reason=failure_reason(exc))


def failure_reason(exc: BaseException) -> str:
    """Why something failed, after "The run failed: ": what ran out and what to do, or the error's
    type and first line."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in lowered or "can't allocate memory" in lowered:
        return _("the device ran out of memory. Lower the batch size or use a smaller network.")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first_line}".rstrip(": ") + "."
