"""The `workbench` command's entry point, above both front ends: no arguments opens the window,
anything else is a command-line command (`workbench.cli`). The window and the command line import
nothing from each other; only this module knows both."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window without arguments; otherwise run the command line. Returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    # `workbench --lang zh_CN` (or --lang=zh_CN), and nothing else: the window in that language.
    language = args[1] if len(args) == 2 and args[0] == "--lang" else None
    if len(args) == 1 and args[0].startswith("--lang="):
        language = args[0].split("=", 1)[1]
    if not args or language is not None:
        from .gui import main as gui_main  # Qt is imported only when a window is wanted

        return gui_main(language=language)
    from .cli import main as cli_main  # torch is imported only by the commands that need it

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
