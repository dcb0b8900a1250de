"""A real X11 desktop for the window (`workbench.gui.virtual_desktop`: Xvfb, and openbox when it
is installed, so that the window is placed and maximized as on a student's desktop).

The tests in this folder run whenever Xvfb is installed and Qt's xcb platform can start (its system
libraries, `workbench.gui.platform_check`); otherwise they skip with the sentence a student would be
shown. Where WORKBENCH_REQUIRE_DESKTOP=1 (CI sets it), anything missing is a failure instead of a skip,
so these tests can never silently go.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from workbench.gui.platform_check import platform_problem
from workbench.gui.virtual_desktop import INSTALL, VirtualDesktop, available

REQUIRE = "WORKBENCH_REQUIRE_DESKTOP"


def _unavailable(reason: str) -> None:
    """Skip, or fail where the desktop is required."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1)")
    pytest.skip(reason)


@pytest.fixture
def desktop() -> Iterator[Callable[[int, int], VirtualDesktop]]:
    """Start desktops of given sizes; everything started ends with the test."""
    if not available():
        _unavailable(f"needs Xvfb: {INSTALL}")
    problem = platform_problem({"QT_QPA_PLATFORM": "xcb"})
    if problem:
        _unavailable(problem)
    if os.environ.get(REQUIRE) == "1" and not shutil.which("openbox"):
        # Without a window manager nothing places or frames the window: the geometry would not be a desktop's.
        pytest.fail(f"openbox is not installed and {REQUIRE}=1: {INSTALL}")
    with ExitStack() as stack:
        yield lambda width, height: stack.enter_context(VirtualDesktop(width, height))
