"""Writing files so that a crash or a full disk never leaves a half-written file behind."""

from __future__ import annotations

import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .i18n import _

STALE_SECONDS = 3600  # where a process cannot be asked whether it lives: a temporary file this old is left over
NAME_MAX = 255  # bytes in a file name, where the system does not say


def _temporary(path: Path) -> Path:
    # The writer's process id in the name tells a later save whether the file is still being written.
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files of saves of `path` that were killed before they finished."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)-[0-9a-f]{{8}}\.tmp$")
    try:
        candidates = [p for p in path.parent.iterdir() if pattern.match(p.name)]
    except OSError:
        return
    for candidate in candidates:
        match = pattern.match(candidate.name)
        assert match is not None
        pid = int(match.group(1))
        try:
            old = time.time() - candidate.stat().st_mtime > STALE_SECONDS
            if pid != os.getpid() and (not _alive(pid) or old):
                candidate.unlink()
        except OSError:
            pass


def cannot_write(path: str | Path) -> str | None:
    """Why `path` cannot be written (a missing folder, a folder in its place, a name too long for
    the system), checked before work that ends in writing it; None when it can."""
    try:
        return _cannot_write(Path(path))
    except OSError as exc:  # a path longer than the system allows, and the like
        return _("{path}... cannot be used: {reason}").format(path=str(path)[:60], reason=exc.strerror or exc)


def _cannot_write(path: Path) -> str | None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return _("the folder {folder} does not exist").format(folder=folder)
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = NAME_MAX
    if len(os.fsencode(_temporary(path).name)) > limit:  # checked first: asking about such a name fails
        return _("the name {name}... is too long for this system: shorten it").format(name=path.name[:40])
    if path.is_dir():
        return _("{path} is a folder: give a file name, such as {example}").format(path=path, example=path / "model.pt")
    if path.exists() and not path.is_file():  # a device, a pipe: writing would replace it (as root)
        return _("{path} is not a regular file: give a file name").format(path=path)
    if not os.access(folder, os.W_OK):
        return _("the folder {folder} cannot be written to (permissions)").format(folder=folder)
    return None


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary_path)` in the target's folder, then rename over `path`.

    The temporary file is created by `write` itself, so it gets the usual permissions; on any
    failure it is removed and `path` is left as it was. Temporary files that killed saves of the
    same file left behind are removed first.
    """
    path = Path(path)
    remove_leftovers(path)
    tmp = _temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_all(items: Sequence[tuple[Path, Callable[[Path], object]]]) -> list[Path]:
    """Write several files as one set (`atomic_write` for each): every one to its temporary file
    first, then all renamed into place; on any failure (a disk that fills on the third) none of
    the files is changed and no temporary file is left."""
    temporaries: list[Path] = []
    try:
        for path, write in items:
            remove_leftovers(path)
            temporaries.append(_temporary(path))
            write(temporaries[-1])
        for (path, _write), tmp in zip(items, temporaries, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        raise
    return [path for path, _write in items]
