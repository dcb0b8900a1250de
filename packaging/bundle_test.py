"""`make package-test`: the bundle `make package` built, run as a user without Python would run it.

From a fresh folder, with an environment that holds no Python path or virtual environment:
`workbench --version`, `workbench train digits_mlp --epochs 2 --out x.pt`, `workbench evaluate
x.pt`, and the window on a real X11 desktop (Xvfb and a window manager) for a few seconds; then the
.deb's contents, and, run as root with `--install`, the .deb installed, its command and menu entry
checked, and removed again. Prints what it found and how long each step took; exits 1 on the first
failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "workbench"
COMMAND = BUNDLE / "workbench"
WINDOW_SECONDS = 12
# What the bundle is asked, in order, and a word its answer must hold.
COMMANDS = (
    (["--version"], "PyTorch"),
    (["presets"], "digits_mlp"),
    (["train", "digits_mlp", "--epochs", "2", "--out", "x.pt"], "x.pt"),
    (["evaluate", "x.pt"], "accuracy"),
    (["export", "x.pt", "--format", "onnx", "--out", "x.onnx"], "x.onnx"),
)


def clean_environment(home: Path) -> dict[str, str]:
    """What a desktop session gives a program: no Python path, no virtual environment."""
    keep = ("DISPLAY", "XAUTHORITY", "LANG", "LC_ALL", "TERM")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    return {**env, "HOME": str(home), "PATH": "/usr/bin:/bin"}


def step(name: str, args: list[str], cwd: Path, env: dict[str, str], expect: str = "") -> str:
    started = time.monotonic()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    took = time.monotonic() - started
    said = done.stdout + done.stderr
    ok = done.returncode == 0 and expect in said and "Traceback" not in said
    print(f"{'ok  ' if ok else 'FAIL'} {name} ({took:.1f} s)")
    if not ok:
        print(said[-3000:])
        sys.exit(1)
    return said


def window(cwd: Path, home: Path) -> None:
    """The window on a virtual desktop: still running after a few seconds, and silent."""
    sys.path.insert(0, str(ROOT))
    from workbench.gui.virtual_desktop import VirtualDesktop

    with VirtualDesktop(1366, 768) as desktop:
        env = {
            **clean_environment(home),
            **{k: v for k, v in desktop.environ().items() if k in ("DISPLAY", "QT_QPA_PLATFORM")},
        }
        started = time.monotonic()
        process = subprocess.Popen([str(COMMAND)], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(WINDOW_SECONDS)
        alive = process.poll() is None
        process.terminate()
        out = process.communicate(timeout=30)[0].decode(errors="replace")
    ok = alive and "Traceback" not in out
    print(
        f"{'ok  ' if ok else 'FAIL'} the window stayed open for {WINDOW_SECONDS} s ({time.monotonic() - started:.1f} s)"
    )
    if not ok:
        print(out[-3000:])
        sys.exit(1)


def deb(install: bool, cwd: Path, home: Path) -> None:
    debs = sorted((ROOT / "dist").glob("neural-workbench_*.deb"))
    if not debs:
        print("FAIL no .deb in dist/ (make package)")
        sys.exit(1)
    package = debs[-1]
    listing = subprocess.run(["dpkg-deb", "-c", str(package)], capture_output=True, text=True, check=True).stdout
    wanted = ("./usr/bin/workbench", "./usr/share/applications/org.neuralworkbench.Workbench.desktop")
    ok = all(name in listing for name in wanted)
    print(
        f"{'ok  ' if ok else 'FAIL'} {package.name}: {package.stat().st_size / 2**30:.2f} GiB, with {', '.join(wanted)}"
    )
    if not ok:
        sys.exit(1)
    if not install:
        return
    env = clean_environment(home)
    step("dpkg -i", ["dpkg", "-i", str(package)], cwd, {**os.environ})
    try:
        step("/usr/bin/workbench --version", ["/usr/bin/workbench", "--version"], cwd, env, expect="workbench ")
        entry = Path("/usr/share/applications/org.neuralworkbench.Workbench.desktop")
        print(f"{'ok  ' if entry.is_file() else 'FAIL'} the menu entry is {entry}")
    finally:
        step("dpkg -r", ["dpkg", "-r", "neural-workbench"], cwd, {**os.environ})


def main() -> int:
    if not COMMAND.is_file():
        print(f"FAIL no bundle at {BUNDLE} (make package)")
        return 1
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle {BUNDLE}: {size / 2**30:.2f} GiB")
    with tempfile.TemporaryDirectory(prefix="workbench-bundle-") as folder:
        cwd = Path(folder)
        home = cwd / "home"
        home.mkdir()
        env = clean_environment(home)
        for args, expect in COMMANDS:
            step("workbench " + " ".join(args), [str(COMMAND), *args], cwd, env, expect=expect)
        window(cwd, home)
        deb("--install" in sys.argv and os.geteuid() == 0, cwd, home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
