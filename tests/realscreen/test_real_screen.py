"""The real window on laptop-sized X11 desktops (Xvfb, Qt's xcb platform, a window manager).

Geometry, not pixels: the window lies within the screen; every settings control is as wide as it
needs or sits in a scroll area that can show it; the docks keep their widths when a run ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from workbench.gui.virtual_desktop import VirtualDesktop

SLACK = 4  # pixels of window-manager rounding


def probe(desktop: VirtualDesktop, settings: Path, scale: str = "") -> dict[str, Any]:
    env = {**desktop.environ(scale), "WORKBENCH_SETTINGS_DIR": str(settings)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.realscreen.probe"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def within(frame: list[int], screen: list[int]) -> bool:
    x, y, w, h = frame
    sx, sy, sw, sh = screen
    return x >= sx - SLACK and y >= sy - SLACK and x + w <= sx + sw + SLACK and y + h <= sy + sh + SLACK


@pytest.mark.parametrize(
    ("width", "height", "scale", "tabbed"),
    [
        (1366, 768, "", False),  # the most common student laptop
        (1280, 720, "", False),
        (1024, 700, "", True),  # small: the settings docks share the left side as tabs
        (2560, 1440, "1.5", False),  # HiDPI: 1707x960 in Qt's pixels
        (2880, 1620, "2", False),  # HiDPI: 1440x810 in Qt's pixels
    ],
)
def test_the_window_fits_and_nothing_is_cut(
    desktop: Callable[[int, int], VirtualDesktop], tmp_path: Path, width: int, height: int, scale: str, tabbed: bool
) -> None:
    report = probe(desktop(width, height), tmp_path, scale)
    assert within(report["frame"], report["screen"]), report
    assert report["tabbed"] is tabbed
    assert report["problems_before"] == []
    assert report["run_ended"] and report["problems_after"] == []
    assert report["docks_after"] == report["docks_before"]  # a run's results never push the docks
    if width >= 1280 or scale:  # the plots area fits without scrolling; at 1024x700 it may scroll
        assert report["centre_before"] == report["centre_paused"] == report["centre_after"] == [0, 0], report
    assert min(report["docks_before"].values()) >= 300
    assert within(report["frame_after"], report["screen"])


def test_a_layout_saved_on_a_big_screen_is_not_forced_on_a_small_one(
    desktop: Callable[[int, int], VirtualDesktop], tmp_path: Path
) -> None:
    big = probe(desktop(1920, 1200), tmp_path)
    assert big["frame"][2] > 1300  # a comfortable window on the big screen, saved on close
    small = probe(desktop(1024, 700), tmp_path)
    assert within(small["frame"], small["screen"]) and small["tabbed"], small
    assert small["problems_before"] == []
