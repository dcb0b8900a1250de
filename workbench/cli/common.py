"""Exit codes and small helpers shared by the commands."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ..i18n import width, wrap

__all__ = ["width", "wrap"]  # the layout of text in a language, kept with the language (i18n)

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
