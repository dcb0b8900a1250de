"""Started by the window benchmark in a fresh process: train digits_cnn from the window, offscreen.

Prints: samples per second, then the GUI thread's lateness samples (ms) after the first step.
A fresh process matters: a main thread that has run tensor code gets its own OpenMP team, which
the real window never has.
"""

from __future__ import annotations

import json
import sys

from .window_bench import _app, _window_run


def main() -> None:
    epochs, device = int(sys.argv[1]), sys.argv[2]
    _app()
    _window_run(1, device)  # warm-up: first allocations, first paint of every plot
    rate, lateness = _window_run(epochs, device)
    print(json.dumps({"rate": rate, "lateness": lateness}), flush=True)


if __name__ == "__main__":
    main()
