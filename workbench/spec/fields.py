"""Helpers that attach form metadata to pydantic fields, read back by the form builder."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

# Every spec model refuses unknown keys (a typo must not pass silently), NaN and infinity.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def ui(*, log: bool = False, decimals: int | None = None, path: str | None = None) -> dict[str, Any]:
    """Extra field metadata for forms.

    log: the value spans orders of magnitude (a learning rate): edit it in scientific steps.
    decimals: digits shown after the point.
    path: the field names a file ("file") or a folder ("folder"): offer a picker.
    """
    extra: dict[str, Any] = {}
    if log:
        extra["log"] = True
    if decimals is not None:
        extra["decimals"] = decimals
    if path is not None:
        extra["path"] = path
    return extra
