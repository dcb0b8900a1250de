"""Exit codes and small helpers shared by the commands."""

from __future__ import annotations

import io
import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import TextIO

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # as shells report a program ended by Ctrl-C


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), so that a name from a file cannot
    move the cursor, recolour or retitle the terminal; line breaks and tabs stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = EXIT_BAD_INPUT, err: TextIO | None = None) -> int:
    """Print `workbench: message` on stderr and return the exit code."""
    print(f"workbench: {printable(message)}", file=err or sys.stderr)
    return code


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


def table(rows: Sequence[tuple[str, ...]], right: set[int] | None = None) -> list[str]:
    """Left-aligned columns (right-aligned where asked), two spaces apart, trailing spaces removed;
    padded by the columns each cell takes on a terminal, so that Chinese words line up."""
    right = right or set()
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [
            " " * (w - width(c)) + c if i in right else c + " " * (w - width(c))
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


class ClosedPipeSafe(io.TextIOBase):
    """Standard output that a closed pipe (`workbench train ... | head -2`) cannot break: once the
    reader is gone, what would have been printed goes nowhere and the command carries on, so a
    run still trains and its model is still written. Control characters are shown as escapes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                self.stream.write(printable(text))
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._gone()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def _gone(self) -> None:
        self.closed_pipe = True
        try:  # Python flushes standard output once more at exit: give it somewhere harmless to go
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
