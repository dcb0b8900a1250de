"""Helpers that attach form metadata to pydantic fields, read back by the form builder."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict

# Every spec model refuses unknown keys (a typo must not pass silently), NaN and infinity.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
) -> dict[str, Any]:
    """Extra field metadata for forms.

    log: the value spans orders of magnitude (a learning rate): edit it in 1-2-5 steps.
    first: for a log-scale field that can be 0 (off), the first step up from 0 (default 1e-5).
    choice_labels: what a choice is called in the window ({"val_loss": "validation loss"}).
    glossary: the entry of the built-in guide that explains this setting ("learning-rate").
    decimals: digits shown after the point.
    path: the field names a file ("file") or a folder ("folder"): offer a picker.
    none_text: what an empty optional value means, shown in its editor ("= kernel size").
    enabled_when: (other field, value): the field only matters when that field has that value.
    needs: another field that must be non-zero for this switch to act (Nesterov needs momentum):
        forms grey the switch out while it is 0, and turn it off when it becomes 0.
    """
    extra: dict[str, Any] = {}
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
    if decimals is not None:
        extra["decimals"] = decimals
    if path is not None:
        extra["path"] = path
    return extra


def display_value(value: Any, none_text: str = "") -> str:
    """A field's value as a student reads it: on/off, 0.001, "0.9, 0.999", and a field's own word
    for its empty or zero value ("off", "= epochs") where it has one."""
    if value is None:
        return none_text or "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
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
