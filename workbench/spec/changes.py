"""What changed between two experiments, in a student's words.

"+ Dropout(0.5) after layer 2", "layer 3: Linear(64) → Linear(128)", "optimizer Adam → SGD
(momentum 0.9)", "dataset Digits 8x8 (built in) → MNIST", "learning rate 0.001 → 0.01". Field
names come from the spec's own titles, so the window's legends, its runs table and anything else
that compares runs say the same thing.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel

from ..i18n import _
from .datasets import dataset_label
from .experiment import ExperimentSpec
from .fields import display_value, field_words

# Fields that are about the file, not about the run.
_IGNORED = {"name", "description", "format_version", "variants"}


def _title(model: type[BaseModel], name: str) -> str:
    """A field's title as it reads inside a sentence: "batch size", but "L1 penalty"."""
    info = model.model_fields[name]
    title = field_words(info.title, info) if info.title else name.replace("_", " ")  # a title is in the catalog
    return title[0].lower() + title[1:] if len(title) > 1 and title[1].islower() else title


def _value(model: type[BaseModel], name: str, value: Any) -> str:
    extra = model.model_fields[name].json_schema_extra
    none_text = str(extra.get("none_text", "")) if isinstance(extra, dict) else ""
    return display_value(value, _(none_text) if none_text else "")


def _tag(model: BaseModel) -> str | None:
    for name in ("name", "kind", "type"):
        value = getattr(model, name, None)
        if isinstance(value, str) and name in type(model).model_fields:
            return value
    return None


def _fields(before: BaseModel, after: BaseModel, skip: frozenset[str] = frozenset()) -> list[str]:
    """Each field that differs, "title old → new"; nested settings recurse, a change of kind is one entry."""
    model = type(after)
    out: list[str] = []
    for name in model.model_fields:
        if name in skip or name in _IGNORED:
            continue
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        if isinstance(old, BaseModel) and isinstance(new, BaseModel):
            out += _models(_title(model, name), old, new)
        else:
            out.append(f"{_title(model, name)} {_value(model, name, old)} → {_value(model, name, new)}")
    return out


def _settings(model: BaseModel, skip: frozenset[str]) -> list[str]:
    """The fields of `model` that are not at their defaults, "title value"."""
    cls, defaults = type(model), type(model)()
    names = [n for n in cls.model_fields if n not in skip and n not in _IGNORED and n != "name"]
    return [
        f"{_title(cls, n)} {_value(cls, n, getattr(model, n))}"
        for n in names
        if getattr(model, n) != getattr(defaults, n)
    ]


def _models(title: str, old: BaseModel, new: BaseModel) -> list[str]:
    """A nested setting (optimizer, schedule, early stopping): its kind, then its own fields."""
    old_tag, new_tag = _tag(old), _tag(new)
    if old_tag is None:  # settings without kinds (early stopping, normalization): "early stopping patience 5 → 10"
        changes = _fields(old, new)
        enabled = f"{_title(type(new), 'enabled')} " if "enabled" in type(new).model_fields else None
        return [f"{title} {text.removeprefix(enabled) if enabled else text}" for text in changes]
    if old_tag == new_tag:
        return _fields(old, new)
    extras = _settings(new, frozenset({"lr"}))
    words = f"{title} {old_tag} → {new_tag}" + (f" ({', '.join(extras)})" if extras else "")
    lr_old, lr_new = getattr(old, "lr", None), getattr(new, "lr", None)
    changed = lr_old != lr_new and lr_new
    rate = (
        [_("learning rate {old} → {new}").format(old=display_value(lr_old), new=display_value(lr_new))]
        if changed
        else []
    )
    return [words, *rate]


def _layers(before: ExperimentSpec, after: ExperimentSpec) -> list[str]:
    """Inserted, removed and changed layers, numbered from 1 as the editor shows them."""
    old = [layer.summary() for layer in before.network.layers]
    new = [layer.summary() for layer in after.network.layers]
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "insert":
            if j1:
                out += [_("+ {layer} after layer {number}").format(layer=new[j], number=j1) for j in range(j1, j2)]
            else:
                out += [_("+ {layer} at the start").format(layer=new[j]) for j in range(j1, j2)]
        elif op == "delete":
            out += [_("− {layer} (layer {number})").format(layer=old[i], number=i + 1) for i in range(i1, i2)]
        elif op == "replace":
            pairs = min(i2 - i1, j2 - j1)
            out += [
                _("layer {number}: {old} → {new}").format(number=j1 + k + 1, old=old[i1 + k], new=new[j1 + k])
                for k in range(pairs)
            ]
            out += [_("+ {layer} after layer {number}").format(layer=new[j], number=j) for j in range(j1 + pairs, j2)]
            out += [_("− {layer} (layer {number})").format(layer=old[i], number=i + 1) for i in range(i1 + pairs, i2)]
    return out


def _dataset(before: ExperimentSpec, after: ExperimentSpec) -> list[str]:
    old, new = before.dataset, after.dataset
    if old.kind != new.kind:  # its own fields come with the new kind: the kind says it all
        return [_("dataset {old} → {new}").format(old=_(dataset_label(old.kind)), new=_(dataset_label(new.kind)))]
    return _fields(old, new)


def describe_changes(before: ExperimentSpec, after: ExperimentSpec) -> list[str]:
    """Every difference between two experiments, most telling first: data, layers, then training."""
    return [*_dataset(before, after), *_layers(before, after), *_fields(before.training, after.training)]
