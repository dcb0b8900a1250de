"""A desktop without the libraries Qt's xcb platform needs gets a sentence and exit 2, not Qt's abort."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT
from workbench.gui.platform_check import (
    XCB_LIBRARIES,
    SystemLibrary,
    debian_packages,
    install_hint,
    missing,
    uses_xcb,
)

ABSENT = SystemLibrary("libworkbench-absent-test.so.0", "libabsent0", "absent-util", "absent-arch")


def test_missing_names_what_the_loader_cannot_find() -> None:
    fontconfig = next(lib for lib in XCB_LIBRARIES if lib.soname == "libfontconfig.so.1")  # wherever Qt runs
    assert missing((fontconfig, ABSENT)) == [ABSENT]


def test_the_hint_names_each_familys_packages_once() -> None:
    twice = SystemLibrary("libworkbench-other.so.1", "libother1", "absent-util", "absent-arch")
    hint = install_hint([ABSENT, twice])
    assert "libworkbench-absent-test.so.0, libworkbench-other.so.1" in hint
    assert "sudo apt install libabsent0 libother1" in hint
    assert "sudo dnf install absent-util\n" in hint and "sudo pacman -S absent-arch\n" in hint


def test_which_platform_qt_will_use() -> None:
    assert uses_xcb({}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux")
    assert not uses_xcb({}, "darwin") and not uses_xcb({}, "win32")


SCRIPT = textwrap.dedent(
    """
    import sys
    from workbench.gui import platform_check
    platform_check.XCB_LIBRARIES = platform_check.XCB_LIBRARIES + (
        platform_check.SystemLibrary("libworkbench-absent-test.so.0", "libabsent0", "absent-util", "absent-arch"),
    )
    from workbench.gui.app import main
    sys.exit(main())
    """
)


def test_the_app_says_what_to_install_and_exits_2() -> None:
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":4242", "HOME": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr[-2000:]
    # Whatever else this machine lacks is named too: only the fake library is certain to be missing.
    assert "libworkbench-absent-test.so.0" in result.stderr
    apt = next(line for line in result.stderr.splitlines() if "sudo apt install" in line)
    assert "libabsent0" in apt.split()
    assert "could not load the Qt platform plugin" not in result.stderr and "Traceback" not in result.stderr


def test_the_readme_lists_every_package() -> None:
    line = next(row for row in (ROOT / "README.md").read_text().splitlines() if row.startswith("sudo apt install"))
    assert line.split()[3:] == debian_packages()
