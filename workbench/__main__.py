"""The `workbench` command's entry point, above both front ends: no arguments (or one file: an
experiment, a preset's name, a model file) opens the window, anything else is a command-line
command (`workbench.cli`). The window and the command line import nothing from each other; only
this module knows both."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

# The command line's commands: any other single argument is a file for the window to open.
COMMANDS = ("inspect", "train", "sweep", "exercise", "find-lr", "evaluate", "export", "presets")


def window_request(args: Sequence[str]) -> tuple[bool, str | None, str | None]:
    """Whether `args` ask for the window, and then the language (`--lang X`, `--lang=X`) and the
    file (`workbench digits.json`, `workbench digits_mlp`, `workbench model.pt`) it opens on."""
    rest, language = list(args), None
    if rest[:1] == ["--lang"] and len(rest) >= 2:
        language, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--lang="):
        language, rest = rest[0].split("=", 1)[1], rest[1:]
    if not rest:
        return True, language, None
    if len(rest) == 1 and rest[0] not in COMMANDS and not rest[0].startswith("-"):
        return True, language, rest[0]
    return False, None, None


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window, or run the command line. Returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    wanted, language, path = window_request(args)
    if wanted:
        from .gui import main as gui_main  # Qt is imported only when a window is wanted

        return gui_main(path, language=language)
    from .cli import main as cli_main  # torch is imported only by the commands that need it

    code = cli_main(args)
    if argv is None:  # this process is the command, and it is done
        _ended(code)
    return code


def _ended(code: int) -> None:
    """A Ctrl-C or SIGTERM while the finished process tears down (PyTorch's threads, the interpreter)
    ends it at once with the command's own status: not 130 or "killed by SIGINT" after its run was saved."""

    def leave(signum: int, frame: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed or full stream: what it held is lost either way
        os._exit(code)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, leave)


if __name__ == "__main__":
    sys.exit(main())
