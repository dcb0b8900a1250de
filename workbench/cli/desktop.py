"""`workbench --install-desktop-entry`: Workbench in the desktop's application menu, for the user
alone (freedesktop's folders under `~/.local/share`, or `$XDG_DATA_HOME`): the desktop entry, the
icon at every size, and the AppStream metainfo software centres read. The entry starts this very
`workbench` command, wherever pip put it. `--uninstall-desktop-entry` takes them away again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .. import APP_ID
from ..i18n import _
from ..spec.presets import resources_dir


def data_home() -> Path:
    """Where the user's desktop data lives: `$XDG_DATA_HOME` (an absolute path, as freedesktop
    asks), else `~/.local/share`."""
    given = os.environ.get("XDG_DATA_HOME", "")
    return Path(given) if os.path.isabs(given) else Path.home() / ".local" / "share"


def home_problem() -> str | None:
    """Why the user's desktop data folder cannot be used (no home folder, or a file in its place),
    in a sentence; None when it can."""
    if os.path.isabs(os.environ.get("XDG_DATA_HOME", "")):
        return None
    home = os.environ.get("HOME")
    if home is not None and not os.path.isabs(home):  # HOME="" would put the entry under /.local
        return _("HOME is {home}, not a folder's full path: set it to your home folder").format(home=repr(home))
    where = Path.home()
    if not where.is_dir():
        return _("your home folder {home} is not a folder that exists: set HOME to your home folder").format(home=where)
    return None


def command_line() -> str:
    """The command that starts this Workbench, as a desktop entry's Exec writes it: the `workbench`
    script that is running, or this Python with `-m workbench`."""
    script = Path(sys.argv[0])
    parts = [str(script.resolve())] if script.name == "workbench" else [sys.executable, "-m", "workbench"]
    return " ".join(f'"{part}"' if " " in part else part for part in parts)


def placed(home: Path) -> dict[Path, Path]:
    """{bundled file: where it goes under `home`} for the entry, the icons and the metainfo."""
    icons, desktop = resources_dir() / "icons", resources_dir() / "desktop"
    files = {
        desktop / f"{APP_ID}.desktop": home / "applications" / f"{APP_ID}.desktop",
        desktop / f"{APP_ID}.metainfo.xml": home / "metainfo" / f"{APP_ID}.metainfo.xml",
        icons / "workbench.svg": home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    }
    for png in sorted((icons / "png").glob("*.png")):
        size = png.stem
        files[png] = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    return files


def install_desktop_entry(home: Path | None = None, command: str | None = None) -> list[Path]:
    """Put the entry (starting `command`, default: this one), icons and metainfo under `home`;
    returns the files written."""
    home = home or data_home()
    written = []
    for source, target in placed(home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".desktop":
            lines = source.read_text(encoding="utf-8").splitlines()
            run = command or command_line()
            lines = [f"Exec={run} %f" if line.startswith("Exec=") else line for line in lines]
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    _refresh(home)
    return written


def uninstall_desktop_entry(home: Path | None = None) -> list[Path]:
    """Take away what `install_desktop_entry` put under `home`; returns the files removed."""
    home = home or data_home()
    removed = [target for target in placed(home).values() if target.is_file()]
    for target in removed:
        target.unlink()
    _refresh(home)
    return removed


# The desktop's caches of entries and icons, and their folders: refreshed where the tools exist (a
# menu without them picks the change up on its own, later).
CACHES = {"update-desktop-database": ("applications", ["-q"]), "gtk-update-icon-cache": ("icons/hicolor", ["-q", "-t"])}


def _refresh(home: Path) -> None:
    for tool, (folder, options) in CACHES.items():
        if shutil.which(tool) and (home / folder).is_dir():
            subprocess.run([tool, *options, str(home / folder)], check=False, capture_output=True)
