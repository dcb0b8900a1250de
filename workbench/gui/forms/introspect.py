"""Read a pydantic model's fields into plain descriptions a form can be built from (no Qt here)."""

from __future__ import annotations

import enum
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ...i18n import _
from ...spec.fields import field_title, field_words

Kind = Literal["bool", "int", "float", "choice", "text", "path", "pair", "floats", "ints", "names", "model", "union"]
TAG_FIELDS = ("type", "kind", "name")


@dataclass(frozen=True)
class FieldDesc:
    """What a form needs to know about one field."""

    name: str
    title: str
    description: str
    kind: Kind
    optional: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False
    decimals: int | None = None
    path: str | None = None
    none_text: str = ""
    model: type[BaseModel] | None = None
    union: dict[str, type[BaseModel]] = field(default_factory=dict)
    tag: str = ""
    enabled_when: tuple[str, Any] | None = None
    needs: str | None = None  # a switch that only acts while this other field is non-zero
    first: float | None = None  # a log-scale field's first step up from 0
    choice_labels: dict[Any, str] = field(default_factory=dict)  # what each choice is called
    glossary: str = ""  # the guide's entry for this setting
    last: bool = False  # shown after the other fields (see `spec.fields.ui`)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) < len(typing.get_args(annotation)) and len(args) == 1:
            return args[0], True
    return annotation, False


def _bounds(info: FieldInfo, integer: bool) -> tuple[float | None, float | None]:
    lo = hi = None
    step = 1 if integer else 0.0
    for item in info.metadata:
        if isinstance(item, at.Ge):
            lo = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, at.Gt):
            lo = float(item.gt) + step if integer else math.nextafter(float(item.gt), math.inf)  # type: ignore[arg-type]
        elif isinstance(item, at.Le):
            hi = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, at.Lt):
            hi = float(item.lt) - step if integer else math.nextafter(float(item.lt), -math.inf)  # type: ignore[arg-type]
    return lo, hi


def _union_members(annotation: Any) -> list[type[BaseModel]]:
    args = typing.get_args(annotation)
    return [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]


def tag_of(cls: type[BaseModel]) -> tuple[str, str]:
    """The tag field of a union member and its value: ("name", "Adam")."""
    for name in TAG_FIELDS:
        info = cls.model_fields.get(name)
        if info is not None and typing.get_origin(info.annotation) is Literal:
            return name, typing.get_args(info.annotation)[0]
    raise TypeError(f"{cls.__name__} has no tag field")


def _labels(value: object, info: FieldInfo) -> dict[Any, str]:
    return {k: field_words(str(v), info) for k, v in value.items()} if isinstance(value, dict) else {}


def describe(name: str, info: FieldInfo) -> FieldDesc:
    """The form description of one field, from its annotation, constraints and extra metadata."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    common: dict[str, Any] = {
        "name": name,
        # The spec's words are English; the catalog has them all (workbench/i18n_extract.py).
        "title": field_words(field_title(name, info), info),
        "description": _(info.description) if info.description else "",
        "log": bool(extra.get("log")),
        "decimals": extra.get("decimals"),
        "path": extra.get("path"),
        "none_text": _(str(extra.get("none_text", ""))),
        "enabled_when": tuple(extra["enabled_when"]) if "enabled_when" in extra else None,  # type: ignore[arg-type]
        "needs": extra.get("needs"),
        "first": extra.get("first"),
        "choice_labels": _labels(extra.get("choice_labels"), info),
        "glossary": str(extra.get("glossary", "")),
        "last": bool(extra.get("last")),
    }
    annotation, optional = _strip_optional(info.annotation)
    common["optional"] = optional
    origin = typing.get_origin(annotation)
    if info.discriminator is not None or (origin in (Union, types.UnionType) and _union_members(annotation)):
        members = _union_members(annotation)
        tags = [tag_of(m) for m in members]
        return FieldDesc(
            kind="union",
            union={value: m for (_field, value), m in zip(tags, members, strict=True)},
            tag=tags[0][0],
            **common,
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return FieldDesc(kind="model", model=annotation, **common)
    if annotation is bool:
        return FieldDesc(kind="bool", **common)
    if origin is Literal:
        return FieldDesc(kind="choice", choices=typing.get_args(annotation), **common)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return FieldDesc(kind="choice", choices=tuple(annotation), **common)
    if annotation is int or annotation is float:
        lo, hi = _bounds(info, annotation is int)
        return FieldDesc(kind="int" if annotation is int else "float", minimum=lo, maximum=hi, **common)
    if origin is tuple:
        return FieldDesc(kind="pair", minimum=0.0, maximum=1.0, **common)
    if origin is list:
        lists: dict[tuple[Any, ...], Kind] = {(int,): "ints", (str,): "names"}
        return FieldDesc(kind=lists.get(typing.get_args(annotation), "floats"), **common)
    if annotation is str:
        return FieldDesc(kind="path" if common["path"] else "text", **common)
    raise TypeError(f"no form editor for field {name!r} of type {annotation!r}")


def _holds_models(annotation: Any) -> bool:
    """A list of models (a residual block's layers), which no field editor edits."""
    if typing.get_origin(annotation) is not list:
        return False
    (item,) = typing.get_args(annotation)
    if typing.get_origin(item) is typing.Annotated:
        item = typing.get_args(item)[0]
    return bool(_union_members(item)) or (isinstance(item, type) and issubclass(item, BaseModel))


def form_fields(cls: type[BaseModel], hidden: tuple[str, ...] = ()) -> list[FieldDesc]:
    """The editable fields of a model in declaration order (those marked `last` at the end), tags and
    hidden names left out."""
    out = []
    for name, info in cls.model_fields.items():
        if name in hidden:
            continue
        if (
            name in TAG_FIELDS
            and typing.get_origin(info.annotation) is Literal
            and len(typing.get_args(info.annotation)) == 1
        ):
            continue
        if _holds_models(info.annotation):  # a residual block's layers: the layer list edits them
            continue
        out.append(describe(name, info))
    # Python lists a base class's fields first; some belong after the subclass's own.
    return sorted(out, key=lambda desc: desc.last)
