"""Before the window exists: are the system libraries Qt's X11 (xcb) platform needs installed?

Without them Qt aborts with "could not load the Qt platform plugin xcb", which names neither the
missing library nor the package to install. This check names both, and runs before any
QApplication is made. It imports nothing from Qt.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from ..i18n import _


@dataclass(frozen=True)
class SystemLibrary:
    """A shared library and the package that installs it on the common Linux families."""

    soname: str
    debian: str  # Debian, Ubuntu, Mint
    fedora: str  # Fedora, RHEL
    arch: str  # Arch, Manjaro


# What Qt 6's xcb plugin (libqxcb.so, libQt6XcbQpa.so.6) links against beyond the C library:
# the xcb utility libraries are the ones desktops leave out (libxcb-cursor0 most often).
XCB_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "xcb-util-image"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util", "xcb-util"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb", "libxcb"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb", "libxcb"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "libx11"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl", "libglvnd"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx", "libglvnd"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig", "fontconfig"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "dbus"),
)


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt will pick its X11 platform: on Linux, asked for, or by default outside Wayland."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]
    if asked:
        return asked == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def missing(libraries: tuple[SystemLibrary, ...]) -> list[SystemLibrary]:
    """The libraries the dynamic loader cannot find."""
    absent = []
    for library in libraries:
        try:
            ctypes.CDLL(library.soname)
        except OSError:
            absent.append(library)
    return absent


def install_hint(absent: list[SystemLibrary]) -> str:
    """What to tell a student whose desktop lacks these libraries."""

    def packages(family: str) -> str:
        return " ".join(dict.fromkeys(getattr(lib, family) for lib in absent))

    names = ", ".join(lib.soname for lib in absent)
    said = _(
        "Workbench cannot open its window: Qt's X11 platform (xcb) needs system libraries that are "
        "not installed: {names}.\nInstall them, then start Workbench again:"
    ).format(names=names)
    return (
        f"{said}\n"
        f"  Debian, Ubuntu:  sudo apt install {packages('debian')}\n"
        f"  Fedora:          sudo dnf install {packages('fedora')}\n"
        f"  Arch:            sudo pacman -S {packages('arch')}\n"
        + _("(On a Wayland desktop, QT_QPA_PLATFORM=wayland uses Wayland instead.)")
    )


def debian_packages() -> list[str]:
    """The Debian/Ubuntu packages of every library above, once each (the README and CI install these)."""
    return list(dict.fromkeys(lib.debian for lib in XCB_LIBRARIES))


def platform_problem(environ: Mapping[str, str] | None = None) -> str:
    """The sentence to print instead of opening the window, or "" when Qt can start."""
    environ = os.environ if environ is None else environ
    if not uses_xcb(environ):
        return ""
    absent = missing(XCB_LIBRARIES)
    return install_hint(absent) if absent else ""


if __name__ == "__main__":  # `python3 -m workbench.gui.platform_check`: the packages, for scripts
    print(" ".join(debian_packages()))
