"""Exit codes and small helpers shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT, err: TextIO | None = None) -> int:
    """Print `workbench: message` on stderr and return the exit code."""
    print(f"workbench: {message}", file=err or sys.stderr)
    return code


def table(rows: Sequence[tuple[str, ...]], right: set[int] | None = None) -> list[str]:
    """Left-aligned columns (right-aligned where asked), two spaces apart, trailing spaces removed."""
    right = right or set()
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines
