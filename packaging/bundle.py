"""`make package`: Workbench as a folder that runs with no Python installed (PyInstaller), and a
Debian package made from it that installs the command and the menu entry.

Run by the Python of a virtual environment that holds the built package (with its `onnx` extra)
and PyInstaller, as `make package` sets up (packaging/README.md). Writes:

- `dist/workbench/`: the bundle; `dist/workbench/workbench` is the command (window and CLI);
- `dist/neural-workbench_<version>_<arch>.deb`: the bundle in `/opt/neural-workbench`, the command
  in `/usr/bin`, the desktop entry, icons and AppStream metainfo in `/usr/share`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
NAME = "workbench"
INSTALLED = Path("/opt/neural-workbench")  # where the .deb puts the bundle


def bundle() -> Path:
    """The PyInstaller folder, `dist/workbench/`."""
    import PyInstaller.__main__  # type: ignore[import-untyped,import-not-found,unused-ignore]

    PyInstaller.__main__.run(
        [
            "--noconfirm",
            "--clean",
            f"--name={NAME}",
            f"--distpath={DIST}",
            f"--workpath={BUILD / 'pyinstaller'}",
            f"--specpath={BUILD / 'pyinstaller'}",
            # The package's own files (presets, guide, icons, desktop files, catalogs) and every
            # module, some of which are only imported inside functions (torch loads late).
            "--collect-data=workbench",
            "--collect-submodules=workbench",
            "--collect-data=sklearn.datasets",  # the bundled 8x8 digits
            "--hidden-import=qasync",
            f"--additional-hooks-dir={ROOT / 'packaging' / 'hooks'}",  # onnxscript keeps its sources
            str(ROOT / "packaging" / "launcher.py"),
        ]
    )
    return DIST / NAME


def control(version: str, arch: str, size_kib: int) -> str:
    """The .deb's DEBIAN/control: what Qt's window needs from the system, and a CJK font advised."""
    from workbench import DISTRIBUTION
    from workbench.gui.platform_check import debian_packages

    return (
        f"Package: {DISTRIBUTION}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        "Maintainer: The Workbench authors <workbench@localhost>\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(debian_packages())}\n"
        "Recommends: fonts-noto-cjk\n"
        "Section: education\n"
        "Priority: optional\n"
        "Description: build neural networks in forms and watch them learn\n"
        " Workbench is a desktop application for learning how neural networks work:\n"
        " build a network layer by layer in forms, train it on the CPU or a GPU and\n"
        " watch the loss, the accuracy and the weights change live. Every network is\n"
        " plain PyTorch and exports to a .pt file.\n"
    )


def deb(folder: Path) -> Path:
    """The Debian package of the bundle in `folder`."""
    from workbench import APP_ID, __version__

    stage = BUILD / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    opt = stage / INSTALLED.relative_to("/")
    opt.parent.mkdir(parents=True)
    shutil.copytree(folder, opt, copy_function=_link_or_copy)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / NAME).symlink_to(INSTALLED / NAME)
    resources = folder / "_internal" / "workbench" / "resources"
    share = stage / "usr" / "share"
    for target, source in {
        share / "applications" / f"{APP_ID}.desktop": resources / "desktop" / f"{APP_ID}.desktop",
        share / "metainfo" / f"{APP_ID}.metainfo.xml": resources / "desktop" / f"{APP_ID}.metainfo.xml",
        share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": resources / "icons" / "workbench.svg",
        **{
            share / "icons" / "hicolor" / f"{png.stem}x{png.stem}" / "apps" / f"{APP_ID}.png": png
            for png in (resources / "icons" / "png").glob("*.png")
        },
    }.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    size_kib = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    (stage / "DEBIAN").mkdir()
    (stage / "DEBIAN" / "control").write_text(control(__version__, arch, size_kib), encoding="utf-8")
    out = DIST / f"neural-workbench_{__version__}_{arch}.deb"
    # gzip at its fastest: the bundle is mostly already-compressed libraries, and xz would take long.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(stage), str(out)], check=True)
    return out


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows one (the bundle is gigabytes), else a copy."""
    try:
        Path(target).hardlink_to(source)
    except OSError:
        shutil.copy2(source, target)


if __name__ == "__main__":
    built = bundle()
    print(built)
    print(deb(built))
    sys.exit(0)
