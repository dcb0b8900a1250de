"""Exit codes and small helpers shared by the commands."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from ..engine.launcher import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from ..i18n import width, wrap

# The layout of text in a language is kept with the language (i18n); a process's exit statuses
# with the launcher that reads them (engine.launcher).
__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "width", "wrap"]


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
    """Standard output (or error) that nothing it is connected to can break: once the reader is
    gone (`workbench train ... | head -2`), the stream is closed (`2>&-`) or the disk is full
    (`2>/dev/full`), what would have been printed goes nowhere and the command carries on, so a run
    still trains and its model is still written. Text the terminal cannot encode (a class named
    猫 on an ASCII console) is written with escapes. Control characters are shown as escapes."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.closed_pipe = stream is None  # a stream closed before the command started

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            shown = printable(text)
            try:
                self._write(shown)
            except UnicodeEncodeError:
                encoding = getattr(self.stream, "encoding", None) or "ascii"
                self._safely(lambda: self._write(shown.encode(encoding, "backslashreplace").decode(encoding)))
            except (OSError, ValueError, AttributeError):  # gone: a closed pipe or stream, a full disk
                self._gone()
        return len(text)

    def _write(self, text: str) -> None:
        assert self.stream is not None
        self.stream.write(text)

    def _safely(self, act: Callable[[], object]) -> None:
        try:
            act()
        except (OSError, ValueError, AttributeError, UnicodeError):
            self._gone()

    def flush(self) -> None:
        if not self.closed_pipe and self.stream is not None:
            self._safely(self.stream.flush)

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def _gone(self) -> None:
        self.closed_pipe = True
        if self.stream is None:
            return
        try:  # Python flushes standard output once more at exit: give it somewhere harmless to go
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass
