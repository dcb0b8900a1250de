"""A real X11 desktop for the window (`workbench.gui.virtual_desktop`: Xvfb, and openbox when it
is installed, so that the window is placed and maximized as on a student's desktop).

The tests in this folder run whenever Xvfb is installed. Where WORKBENCH_REQUIRE_DESKTOP=1 (CI
sets it), a missing Xvfb or openbox is a failure instead of a skip, so these tests can never silently go.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from workbench.gui.virtual_desktop import INSTALL, VirtualDesktop, available

REQUIRE = "WORKBENCH_REQUIRE_DESKTOP"


@pytest.fixture
def desktop() -> Iterator[Callable[[int, int], VirtualDesktop]]:
    """Start desktops of given sizes; everything started ends with the test."""
    if not available():
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"Xvfb is not installed and {REQUIRE}=1: {INSTALL}")
        pytest.skip(f"needs Xvfb: {INSTALL}")
    if os.environ.get(REQUIRE) == "1" and not shutil.which("openbox"):
        # Without a window manager nothing places or frames the window: the geometry would not be a desktop's.
        pytest.fail(f"openbox is not installed and {REQUIRE}=1: {INSTALL}")
    with ExitStack() as stack:
        yield lambda width, height: stack.enter_context(VirtualDesktop(width, height))
