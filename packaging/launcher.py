"""The standalone bundle's entry point: the `workbench` command, frozen by PyInstaller."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen program is its own Python: the training process (spawned) starts by running this
    # file again, and freeze_support turns that run into the child instead of a second window.
    multiprocessing.freeze_support()
    from workbench.__main__ import main

    sys.exit(main())
