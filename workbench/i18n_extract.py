"""The gettext template every catalog is merged from (`make translations` runs this module).

Two kinds of sentence reach a student: those the code spells out in `_()`, `N_()` and
`ngettext()` calls (found by Babel's extractor, as `pybabel extract -k N_` would), and those the
code shows without spelling them in a call: the titles, descriptions, empty-value words and choice
labels of the spec's fields (the forms are built from them), the one-line summaries of the layers,
optimizers and datasets offered in lists, and the bundled presets' names and descriptions. The
second kind is read here from the spec itself, so a new field or preset reaches the catalog
without anyone marking it. Needs Babel (a test dependency).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import spec
from .i18n import LOCALE_DIR, OWN_NAME
from .spec.fields import field_texts
from .spec.presets import resources_dir

KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}
TEMPLATE = LOCALE_DIR / "workbench.pot"


def spec_models() -> list[type[BaseModel]]:
    """Every pydantic model the spec defines, in a stable order."""
    for module in pkgutil.walk_packages(spec.__path__, spec.__name__ + "."):
        importlib.import_module(module.name)
    found: dict[str, type[BaseModel]] = {}
    stack = list(BaseModel.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(spec.__name__ + "."):
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


def spec_texts() -> Iterator[tuple[str | None, str]]:
    """(context, sentence) of what the forms and lists show straight from the spec's metadata."""
    for cls in spec_models():
        yield from field_texts(cls)


def preset_texts() -> Iterator[str]:
    """The bundled presets' names and descriptions (File > Presets lists them)."""
    for path in sorted((resources_dir() / "presets").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from (data[key] for key in ("name", "description") if data.get(key))


def code_messages(package: Path) -> Iterator[tuple[str | tuple[str, ...], list[str], str | None]]:
    """(message, comments, context) of every `_()`, `N_()`, `ngettext()` and `pgettext()` call under `package`."""
    from babel.messages.extract import extract_from_dir

    for _file, _line, message, comments, context in extract_from_dir(str(package), keywords=KEYWORDS):
        yield message, comments, context


def build() -> Any:
    """The template: a Babel catalog of every sentence, untranslated."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="Workbench", domain="workbench", fuzzy=False)
    for message, comments, context in code_messages(Path(__file__).parent):
        catalog.add(message, auto_comments=comments, context=context)
    for context, text in spec_texts():
        catalog.add(text, context=context)
    for text in [OWN_NAME, *preset_texts()]:  # OWN_NAME: each catalog's name for its language
        catalog.add(text)
    return catalog


def main(out: Path = TEMPLATE) -> int:
    """Write the template to `out`; returns the exit status."""
    from babel.messages.pofile import write_po

    with out.open("wb") as f:
        write_po(f, build(), width=100, no_location=True, omit_header=True, sort_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
