"""Helpers that attach form metadata to pydantic fields, read back by the form builder."""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.fields import FieldInfo

from ..i18n import _, pgettext

# Every spec model refuses unknown keys (a typo must not pass silently), NaN and infinity.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _takes_bool(annotation: Any) -> bool:
    """Whether a field of this type means true/false somewhere (bool itself, or a union or literal holding it)."""
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return any(isinstance(arg, bool) for arg in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _takes_bool(typing.get_args(annotation)[0])
    return (
        origin is not None and origin not in (list, tuple) and any(_takes_bool(a) for a in typing.get_args(annotation))
    )


class _TrueOrFalse:
    """Stands where a true/false was given for a number, so the field's own check refuses it as not a number."""

    def __repr__(self) -> str:
        return "true/false"


def _no_bools(annotation: Any, value: Any) -> Any:
    """`"epochs": true` would become 1 epoch and `"lr": true` a rate of 1.0: a number field takes no true/false."""
    if isinstance(value, bool) and not _takes_bool(annotation):
        return _TrueOrFalse()
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _no_bools(args[0], value)
    if isinstance(value, list) and origin in (list, tuple):
        items = args[:1] * len(value) if origin is list or args[-1:] == (...,) else args
        return [_no_bools(item, entry) for item, entry in zip(items, value, strict=False)] + value[len(items) :]
    return value


class SpecModel(BaseModel):
    """The base of every spec model: strict about unknown keys, NaN, and true/false where a number belongs."""

    model_config = STRICT

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            key: _no_bools(fields[key].annotation, value) if key in fields else value for key, value in data.items()
        }


def ui(
    *,
    log: bool = False,
    decimals: int | None = None,
    path: str | None = None,
    none_text: str | None = None,
    enabled_when: tuple[str, Any] | None = None,
    needs: str | None = None,
    first: float | None = None,
    choice_labels: dict[str, str] | None = None,
    glossary: str | None = None,
    context: str | None = None,
    last: bool = False,
) -> dict[str, Any]:
    """Extra field metadata for forms.

    log: the value spans orders of magnitude (a learning rate): edit it in 1-2-5 steps.
    first: for a log-scale field that can be 0 (off), the first step up from 0 (default 1e-5).
    choice_labels: what a choice is called in the window ({"val_loss": "validation loss"}).
    glossary: the entry of the built-in guide that explains this setting ("learning-rate").
    context: the catalog's context for the field's title and choice labels, where the same English
        word means something else elsewhere ("recurrent": an RNN's "Layers" is a number).
    decimals: digits shown after the point.
    path: the field names a file ("file") or a folder ("folder"): offer a picker.
    none_text: what an empty optional value means, shown in its editor ("= kernel size").
    enabled_when: (other field, value): the field only matters when that field has that value.
    needs: another field that must be non-zero for this switch to act (Nesterov needs momentum):
        forms grey the switch out while it is 0, and turn it off when it becomes 0.
    last: a base class's field that forms show after the subclass's own (a layer's Frozen switch).
    """
    extra: dict[str, Any] = {}
    if last:
        extra["last"] = True
    if needs is not None:
        extra["needs"] = needs
    if enabled_when is not None:
        extra["enabled_when"] = list(enabled_when)
    if none_text is not None:
        extra["none_text"] = none_text
    if log:
        extra["log"] = True
    if first is not None:
        extra["first"] = first
    if choice_labels is not None:
        extra["choice_labels"] = dict(choice_labels)
    if glossary is not None:
        extra["glossary"] = glossary
    if context is not None:
        extra["context"] = context
    if decimals is not None:
        extra["decimals"] = decimals
    if path is not None:
        extra["path"] = path
    return extra


def display_value(value: Any, none_text: str = "") -> str:
    """A field's value as a student reads it: on/off, 0.001, "0.9, 0.999", and a field's own word
    for its empty or zero value ("off", "= epochs") where it has one."""
    if value is None:
        return none_text or _("auto")
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, int | float) and value == 0 and none_text:
        return none_text
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, BaseModel):
        tag = next((getattr(value, n) for n in ("name", "kind", "type") if n in type(value).model_fields), None)
        return str(tag) if tag is not None else type(value).__name__
    return str(value)


def field_title(name: str, info: FieldInfo) -> str:
    """What a form calls a field: its title, or its name made readable ("batch_size": "Batch size")."""
    return info.title or name.replace("_", " ").capitalize()


def field_context(info: FieldInfo) -> str | None:
    """The catalog context of a field's title and choice labels (`ui(context=...)`), if it has one."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    context = extra.get("context")
    return context if isinstance(context, str) else None


def field_words(text: str, info: FieldInfo) -> str:
    """A field's title or choice label in the language spoken, in the field's own context."""
    context = field_context(info)
    return pgettext(context, text) if context else _(text)


def summary(cls: type) -> str:
    """The first paragraph of a class's docstring, on one line: the summary a list shows beside
    its name."""
    return " ".join((cls.__doc__ or "").strip().split("\n\n", 1)[0].split())


def choice_words(choice: Any) -> str:
    """What a choice without a label is called in a form: its value, made readable ("cross entropy")."""
    return str(getattr(choice, "value", choice)).replace("_", " ")


def _choices(annotation: Any) -> tuple[Any, ...]:
    """The choices a Literal or an Enum annotation (optional or not) offers; () for anything else."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is not Literal and len(args) == 1:
        annotation = args[0]  # Optional[X]
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(annotation)
    return ()


def field_texts(cls: type[BaseModel]) -> Iterator[tuple[str | None, str]]:
    """(context, English text) of every text a form or list shows from `cls`'s metadata, for the
    translation catalog: field titles, descriptions, empty-value words and choice labels, the
    class's one-line summary, and its `label` and `doc` where it has them (datasets, layers)."""
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        context = field_context(info)  # the title's and choice labels'; not the description's
        yield context, field_title(name, info)
        for text in (info.description, extra.get("none_text")):
            if isinstance(text, str) and text:
                yield None, text
        if isinstance(entry := extra.get("glossary"), str):  # the guide's entry, named in the tooltip
            yield None, entry.replace("-", " ")
        labels = extra.get("choice_labels")
        if isinstance(labels, dict):
            yield from ((context, str(label)) for label in labels.values())
        elif len(choices := _choices(info.annotation)) > 1:  # one choice is a union member's tag (Adam)
            yield from ((context, choice_words(choice)) for choice in choices if not isinstance(choice, int))
    tagged = any(typing.get_origin(info.annotation) is Literal for info in cls.model_fields.values())
    own = [summary(cls) if tagged else "", getattr(cls, "label", ""), getattr(cls, "doc", "")]
    yield from ((None, text) for text in own if isinstance(text, str) and text)
