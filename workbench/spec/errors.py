"""The one error type of the spec floor, with messages that name the place in the JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..i18n import N_, _, ngettext

# Keys whose value selects the model of a tagged union: pydantic puts that value in the error
# location, but the student's JSON has no such key, so it is left out of the path we show.
_TAG_KEYS = ("type", "kind", "name")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        """The problem as the command line says it: the field's label, where the JSON has it, and what."""
        from .places import field_named  # the places know the models, which know this module

        if not self.path:
            return self.message
        return _("{path}: {message}").format(path=field_named(self.path), message=self.message)

    def in_words(self, experiment: Any = None) -> str:
        """The problem as the window says it: `Layer 4 (Linear): ...`, `Learning rate: must be > 0`."""
        from .places import place_words  # the places know the models, which know this module

        if not self.path:
            return self.message
        place = place_words(self.path, experiment)
        # "The layer stack is empty", "Learning rate must be > 0": a verb reads on from the place.
        # (A translated message starts otherwise, and follows its place after a colon.)
        if self.message.startswith(("is ", "must ", "needs ", "outputs ")):
            return _("{place} {message}").format(place=place, message=self.message)
        return _("{place}: {message}").format(place=place, message=self.message)


class SpecError(ValueError):
    """A document that is not a valid experiment; `problems` lists every fault found."""

    def __init__(self, problems: Iterable[Problem], source: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        """All problems, one per line, headed by the file name when there is one."""
        lines = [str(p) for p in self.problems]
        if self.source:
            head = self.head(len(lines)).format(source=self.source, count=len(lines))
            return "\n".join([head, *("  " + line for line in lines)])
        return "\n".join(lines)

    def head(self, count: int) -> str:
        """The first line, over the problems: what the file is not."""
        return ngettext(
            "{source}: not a valid experiment ({count} problem)",
            "{source}: not a valid experiment ({count} problems)",
            count,
        )


class ExerciseFileError(SpecError):
    """An exercise file (or a bundle of them) that is not valid; `problems` lists every fault found."""

    def head(self, count: int) -> str:
        return ngettext(
            "{source}: not a valid exercise file ({count} problem)",
            "{source}: not a valid exercise file ({count} problems)",
            count,
        )


def json_path(loc: Sequence[str | int]) -> str:
    """`('network', 'layers', 3, 'kernel_size')` -> `network.layers[3].kernel_size`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _strip_tags(loc: Sequence[str | int], document: Any) -> list[str | int]:
    """Drop the union-tag segments pydantic inserts, by walking the document along `loc`."""
    kept: list[str | int] = []
    node = document
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            if any(node.get(key) == part for key in _TAG_KEYS):
                continue
            kept.append(part)
            node = None
            continue
        kept.append(part)
        try:
            node = node[part] if node is not None else None
        except (KeyError, IndexError, TypeError):
            node = None
    return kept


# Pydantic's error types, each in a student's words (verbs that read on from the field's name).
_SIMPLE = {
    "greater_than_equal": N_("must be >= {ge}"),
    "greater_than": N_("must be > {gt}"),
    "less_than_equal": N_("must be <= {le}"),
    "less_than": N_("must be < {lt}"),
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a known setting here (check the spelling)"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "string_type": N_("must be text"),
    "list_type": N_("must be a list"),
    "tuple_type": N_("must be a list"),
    "dict_type": N_("must be an object"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "finite_number": N_("must be a finite number"),
    "literal_error": N_("must be one of {expected}"),
    "union_tag_invalid": N_("unknown {discriminator} {tag}; expected one of {expected_tags}"),
    "union_tag_not_found": N_("needs a {discriminator} field"),
    "string_pattern_mismatch": N_("has an unexpected form (expected pattern {pattern})"),
    "too_short": N_("needs at least {min_length} item(s)"),
    "too_long": N_("takes at most {max_length} item(s)"),
}


def _message(error: Any) -> str:
    """A short, plain message for one pydantic error."""
    # Translated here, once: a validator's own ValueError already speaks the language (its text was
    # translated where it was raised), so it is passed on as it is, only pydantic's prefix removed.
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if _inferred(error):
        return _("is worked out from the layer before, so the experiment leaves it out (delete this line)")
    template = _SIMPLE.get(kind)
    if template is not None:
        try:
            return _(template).format(**ctx).replace("'", "")
        except (KeyError, IndexError):
            pass
    text = str(error.get("msg", kind))
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def problems_from_validation(exc: ValidationError, document: Any) -> list[Problem]:
    """Translate a pydantic error into problems with JSON paths a student can follow."""
    problems = []
    for error in exc.errors():
        path = json_path(_strip_tags(error["loc"], document))
        problems.append(Problem(path, _message(error)))
    return problems


def _inferred(error: Any) -> bool:
    """A PyTorch user who wrote `in_features`: right name, but Workbench works it out itself."""
    from .shapes import INFERRED_SIZES

    loc: tuple[str | int, ...] = tuple(error.get("loc") or ())
    return error["type"] == "extra_forbidden" and bool(loc) and loc[-1] in INFERRED_SIZES
