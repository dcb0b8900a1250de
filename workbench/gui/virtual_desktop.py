"""A real X11 desktop in memory: Xvfb at a chosen screen size, with a window manager when one is
installed. The README's screenshots and the real-screen tests run the window on it under Qt's
xcb platform, as on a student's laptop (the offscreen platform has no window manager, no real
screen size and no xcb libraries to miss).

Linux only; needs the Debian packages xvfb and openbox (and Qt's xcb libraries, see
`platform_check`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

INSTALL = "sudo apt install xvfb openbox (and the libraries `python3 -m workbench.gui.platform_check` lists)"


class DesktopUnavailable(RuntimeError):
    """Xvfb is not installed (or did not start)."""


def available() -> bool:
    """True when Xvfb can be started here."""
    return shutil.which("Xvfb") is not None


def _free_display() -> int:
    for number in range(140, 240):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise DesktopUnavailable("no free X display number between :140 and :239")


class VirtualDesktop:
    """`with VirtualDesktop(1366, 768) as desktop:` runs programs with `desktop.environ()`;
    everything it started ends with the block."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.display = ""
        self._started: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> VirtualDesktop:
        if not available():
            raise DesktopUnavailable(f"Xvfb is not installed: {INSTALL}")
        number = _free_display()
        self.display = f":{number}"
        screen = f"{self.width}x{self.height}x24"
        self._start(["Xvfb", self.display, "-screen", "0", screen, "-nolisten", "tcp"])
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline or self._started[0].poll() is not None:
                self.__exit__(None, None, None)
                raise DesktopUnavailable(f"Xvfb did not start on {self.display}")
            time.sleep(0.05)
        if shutil.which("openbox"):
            self._start(["openbox"], {**os.environ, "DISPLAY": self.display})
            time.sleep(0.5)  # the window manager takes the screen before a window maps
        return self

    def _start(self, command: list[str], env: dict[str, str] | None = None) -> None:
        quiet = subprocess.DEVNULL
        self._started.append(subprocess.Popen(command, env=env, stdout=quiet, stderr=quiet))

    def environ(self, scale: str = "") -> dict[str, str]:
        """The environment of a program that should open its windows on this desktop."""
        env = {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}
        if scale:
            env["QT_SCALE_FACTOR"] = scale
        return env

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for process in reversed(self._started):
            process.terminate()
        for process in self._started:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        self._started.clear()
