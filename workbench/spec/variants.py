"""Variants: versions of an experiment that its file carries, to train beside it (the RNN beside the
LSTM, a VAE with beta 0 beside beta 1), each a name and the settings it changes; and the setting at
a place in an experiment's document (`network.layers[0].type`), which a variant and a sweep change."""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import Field

from ..i18n import _
from .errors import Problem, SpecError
from .fields import STRICT, SpecModel

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
TAGS = ("name", "type", "kind")  # the keys that choose a kind: its other settings may not all fit the new one


class Variant(SpecModel):
    """A version of the experiment to train beside it: a name and the settings it changes."""

    model_config = STRICT

    name: str = Field(min_length=1, max_length=60, title="Name", description="What sets this version apart.")
    changes: dict[str, Any] = Field(
        min_length=1,
        max_length=50,
        title="Changes",
        description="Each setting by its place in the experiment file (`training.optimizer.lr`) and its value.",
    )


def steps_of(path: str) -> list[str | int]:
    """`network.layers[2].out_features` -> ["network", "layers", 2, "out_features"]; SpecError when
    the text is not such a place."""
    steps: list[str | int] = [name or int(index) for name, index in _STEP.findall(path)]
    rebuilt = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
    if not steps or rebuilt != path:
        raise SpecError([Problem(path, _("is not a setting of this experiment (see its file for the names)"))])
    return steps


def _holds(node: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(node, list) and step < len(node)
    return isinstance(node, dict) and step in node


def setting_place(document: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The dict or list that holds the setting at `path`, and its key there; SpecError naming the
    place when the document has no such setting."""
    steps = steps_of(path)
    parent: Any = document
    for step in steps[:-1]:
        parent = parent[step] if _holds(parent, step) else None
    if not _holds(parent, steps[-1]):
        raise SpecError([Problem(path, _("is not a setting of this experiment (see its file for the names)"))])
    return parent, steps[-1]


def new_kind_settings(parent: dict[str, Any], key: str, value: Any, fits: Any) -> None:
    """`parent[key] = value` chose a new kind (an optimizer's name, a layer's type): keep of the old
    settings those the new kind takes, one by one (`fits()` says whether the document validates)."""
    before = copy.deepcopy(parent)
    parent.clear()
    parent[key] = value
    for name, setting in before.items():
        if name != key:
            parent[name] = setting
            if not fits():
                del parent[name]
