"""Where the window and its docks go on the screen it opens on.

The plan is plain arithmetic on the screen's available size, so it is tested without a screen;
the window applies it after it is shown, when a window manager has had its say.
"""

from __future__ import annotations

from dataclasses import dataclass

# Below this available width three columns (data, plots, training) leave the plots too little:
# the two settings docks then share the left side as tabs.
THREE_COLUMNS_FROM = 1200
# Screens up to Full HD are used whole; larger ones get a comfortable window, centred.
MAXIMIZE_UP_TO = (1920, 1080)
COMFORTABLE = (1600, 1000)
# The docks' widths: at least what their forms need (measured by the window), at most these.
LEFT_MAX, RIGHT_MAX = 470, 400
DOCK_MIN_CAP = 440  # a form wider than this scrolls sideways rather than starve the plots
CENTRE_MIN = 360  # below this the plots scroll instead of shrinking further


@dataclass(frozen=True)
class LayoutPlan:
    """The window's size and the docks' arrangement for one screen."""

    width: int
    height: int
    maximized: bool
    tabbed: bool  # both docks on the left, as tabs
    left_width: int
    right_width: int  # 0 when tabbed


def _clamp(value: float, lo: int, hi: int) -> int:
    return int(max(lo, min(hi, value)))


def plan_layout(available_width: int, available_height: int, left_min: int, right_min: int) -> LayoutPlan:
    """The default layout for a screen whose free area (without panels and task bars) is this big,
    for docks whose forms need at least `left_min` and `right_min` pixels."""
    maximized = available_width <= MAXIMIZE_UP_TO[0] and available_height <= MAXIMIZE_UP_TO[1]
    width = available_width if maximized else min(COMFORTABLE[0], available_width)
    height = available_height if maximized else min(COMFORTABLE[1], available_height)
    if width < THREE_COLUMNS_FROM:
        return LayoutPlan(width, height, maximized, True, _clamp(0.36 * width, max(left_min, right_min), LEFT_MAX), 0)
    left = _clamp(0.27 * width, left_min, max(left_min, LEFT_MAX))
    right = _clamp(0.24 * width, right_min, max(right_min, RIGHT_MAX))
    return LayoutPlan(width, height, maximized, False, left, right)


def fits(saved: tuple[int, int, int, int], available: tuple[int, int, int, int], slack: int = 8) -> bool:
    """True when a saved frame (x, y, width, height) lies within the available area (same form),
    give or take a few pixels of window-manager decoration."""
    x, y, w, h = saved
    ax, ay, aw, ah = available
    return x >= ax - slack and y >= ay - slack and x + w <= ax + aw + slack and y + h <= ay + ah + slack
