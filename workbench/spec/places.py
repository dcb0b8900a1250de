"""Where in an experiment a problem is, in the window's words: "Layer 4 (Linear)", "Learning rate".

Problems keep their JSON paths (`network.layers[3] (Linear)`, `training.optimizer.lr`) for files
and the command line; the window names the same places as a student sees them, with layers
counted from 1 and fields by their titles.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

from ..i18n import DEFAULT, N_, _, language
from .fields import field_title, field_words

_LAYER = re.compile(r"^network\.layers\[(\d+)\](?: \((\w+)\))?(?:\.(\w+))?")
_SECTIONS = {
    "dataset": N_("Dataset"),
    "network": N_("The network"),
    "training": N_("Training"),
    "network.layers": N_("The layer stack"),
}


def _members(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field may hold (itself, an optional one, or a union's members)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return []


def _step(node: Any, models: list[type[BaseModel]], name: str) -> tuple[str | None, Any, list[type[BaseModel]], bool]:
    """One step down a path: the field's title, its value (when the experiment is known), the
    models it may hold, and whether it is a plain nested group (whose title prefixes its fields')."""
    if isinstance(node, BaseModel):
        models = [type(node)]
    for model in models:
        info = model.model_fields.get(name)
        if info is not None:
            title = field_words(field_title(name, info), info)  # a title is in the catalog
            members = _members(info.annotation)
            value = getattr(node, name, None) if isinstance(node, BaseModel) else None
            return title, value, members, len(members) == 1
    return None, None, [], False


def place_words(path: str, experiment: BaseModel | None = None) -> str:
    """A problem's place as the window says it; given the experiment, a field of a union (a
    dataset's `path`) is named by the kind actually chosen."""
    match = _LAYER.match(path)
    if match:
        index, kind, field = int(match.group(1)), match.group(2), match.group(3)
        if kind:
            layer = _("Layer {number} ({kind})").format(number=index + 1, kind=kind)
        else:
            layer = _("Layer {number}").format(number=index + 1)
        if field and kind:
            from .layers import LAYER_TYPES

            title, *_rest = _step(None, [LAYER_TYPES[kind]] if kind in LAYER_TYPES else [], field)
            layer = _("{place}: {field}").format(place=layer, field=title or field)
        return layer
    if path in _SECTIONS:
        return _(_SECTIONS[path])
    from .experiment import ExperimentSpec

    node: Any = experiment
    models: list[type[BaseModel]] = [ExperimentSpec]
    words: list[str] = []
    group = False
    for part in re.sub(r"\[\d+\]", "", path).split("."):
        title, node, models, nested = _step(node, models, part)
        if title is None:
            break
        words = [*words, title] if group else [title]
        group = nested and part not in ("dataset", "training", "network")
    if not words:
        return path
    place = words[0]
    for title in words[1:]:  # a group's title, then its field's: "Normalization: Mean"
        place = _("{place}: {field}").format(place=place, field=title)
    return place


def field_named(path: str) -> str:
    """A field named inside a sentence. The spec's paths are English words, read as they are in
    English ("dataset.val_fraction"); in another language the field's label as the forms show it
    comes first, then where the file has it: "验证集比例（dataset.val_fraction）"."""
    if language() == DEFAULT:
        return path
    in_file = re.sub(r" \(\w+\)", "", path)  # "network.layers[5] (Linear)": the kind is in the label
    return _("{label} ({path})").format(label=place_words(path), path=in_file)


def value_named(value: str) -> str:
    """A choice named inside a sentence: the value the file and the command line take ("auto"),
    after its label as the forms show it in another language than English: "自动（auto）"."""
    from .fields import choice_words

    if language() == DEFAULT:
        return value
    return _("{label} ({path})").format(label=_(choice_words(value)), path=value)
