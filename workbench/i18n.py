"""The translation seam: every sentence a student reads goes through `_()` (or `N_()` where it is
written down before the language is known, then `_()` where it is shown).

One mechanism on every floor, the standard library's gettext: the spec and the engine import no
Qt, and the command line speaks the same catalog as the window. Catalogs are gettext `.po` files
in `workbench/locale/<language>/LC_MESSAGES/workbench.po`, compiled to `.mo` beside them
(`make translations`); a third language is one more `.po` file. Layer and optimizer names
(`Conv2d`, `Adam`) are PyTorch's and never translated.
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# Each catalog names its language in that language, as its translation of this sentence.
OWN_NAME = "this language's name, in this language"


def _offered() -> dict[str, str]:
    """English, and the language of every compiled catalog, each in its own words: a new language
    is one more catalog, and nothing else."""
    found = {DEFAULT: "English"}
    for mo in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        code = mo.parent.parent.name
        found[code] = gettext.translation(DOMAIN, LOCALE_DIR, [code]).gettext(OWN_NAME)
    return found


# The languages offered (View > Language, `--lang`): {"en": "English", "zh_CN": "简体中文"}.
LANGUAGES = _offered()

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT
# The environment's variable gettext reads first: set by `set_language`, so that a training process
# the window starts speaks the window's language.
LANGUAGE_VARIABLE = "LANGUAGE"


def offered(name: str) -> str | None:
    """The offered language `name` stands for (`zh_CN.UTF-8`, `zh-CN`, `zh_Hans_CN` and `zh` are
    `zh_CN`; `EN`, `en_GB` are `en`), or None when Workbench does not speak it."""
    base = name.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if base in LANGUAGES:
        return base
    family = base.split("_")[0].lower()
    return next((code for code in LANGUAGES if code.split("_")[0].lower() == family), None) if family else None


def resolve(name: str | None) -> str:
    """The offered language `name` stands for; anything not offered (or empty) is English."""
    return (offered(name) if name else None) or DEFAULT


def system_language() -> str:
    """The language the environment asks for, as gettext reads it: LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX"):
            return resolve(value.split(":", 1)[0])
    return DEFAULT


def set_language(name: str | None) -> str:
    """Speak `name` from now on (resolved; None: the system's); returns the language chosen."""
    chosen = _load(resolve(name) if name is not None else system_language())
    os.environ[LANGUAGE_VARIABLE] = chosen
    return chosen


def _load(language: str) -> str:
    global _translation, _language
    _language = language
    _translation = gettext.translation(DOMAIN, LOCALE_DIR, [language], fallback=True)
    return language


def language() -> str:
    """The language spoken now: `en` or `zh_CN`."""
    return _language


def _(message: str) -> str:
    """`message` in the language spoken now (as it is when the catalog has no translation)."""
    return _translation.gettext(message) if message else message  # gettext("") is the catalog's header


def pgettext(context: str, message: str) -> str:
    """`message` as meant in `context`, where one English word means two things ("Layers": the
    layer list, or how many layers an RNN stacks), in the language spoken now."""
    return _translation.pgettext(context, message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the language spoken now."""
    return _translation.ngettext(singular, plural, n)


# How a language joins sentences and the items of a list, where it differs from English (" ", ", "):
# Chinese writes no space after "。" and lists with "，".
_JOINS = {"zh_CN": ("", "，")}


def sentences(*parts: str) -> str:
    """Sentences one after the other, as the language spoken writes them (empty parts left out)."""
    return _JOINS.get(_language, (" ", ", "))[0].join(part for part in parts if part)


def listing(items: Iterable[str]) -> str:
    """The items of a list, separated as the language spoken separates them."""
    return _JOINS.get(_language, (" ", ", "))[1].join(items)


def NP_(context: str, message: str) -> str:  # noqa: N802 - as N_, with pgettext's context
    """Marks `message` for the catalog in `context` without translating it yet (`pgettext` shows it)."""
    return message


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for it
    """Marks `message` for the catalog without translating it yet (written down at import time,
    translated with `_()` where it is shown)."""
    return message


_load(system_language())  # until told otherwise: the environment's language (LANG), as gettext does


def width(text: str) -> int:
    """The columns `text` takes on a terminal: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


# Chinese punctuation a line must not start with (it stays at the end of the line before), and
# punctuation that opens: it must not end a line (it goes down with what it opens).
NOT_FIRST = "，。、；：！？）》」』”’…"
NOT_LAST = "（《「『“‘"


def wrap(text: str, columns: int) -> list[str]:
    """`text` in lines of at most `columns` terminal columns (a line may run two over to keep a
    Chinese comma off the next line's start): broken at spaces, and between any two Chinese
    characters, as Chinese is written without spaces."""
    tokens: list[str] = []  # words, spaces and single wide characters: the places a line may break
    for piece in text.split(" "):
        if tokens:
            tokens.append(" ")
        word = ""
        for c in piece:
            if width(c) == 2:
                tokens += [word, c] if word else [c]
                word = ""
            else:
                word += c
        if word:
            tokens.append(word)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token == " ":
            line += " " if line else ""
        elif not line or width(line + token) <= columns or token in NOT_FIRST:
            line += token
        else:
            carried = ""
            while line and line[-1] in NOT_LAST:
                line, carried = line[:-1], line[-1] + carried
            if line.strip():
                lines.append(line.rstrip())
                line = carried + token
            else:
                line += carried + token
    if line.strip():
        lines.append(line.rstrip())
    return lines
