"""Desktop integration: the menu entry, its icons and the AppStream metainfo, installed for the user
alone and taken away again; the files themselves pass the freedesktop validators."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from workbench import APP_ID
from workbench.cli import main
from workbench.cli.desktop import install_desktop_entry, placed, uninstall_desktop_entry
from workbench.spec.presets import resources_dir

DESKTOP = resources_dir() / "desktop"


def tool(name: str) -> str:
    """A validator's path; missing, the test is skipped here and fails in CI (it installs them)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("WORKBENCH_REQUIRE_DESKTOP") == "1":
            pytest.fail(f"{name} is not installed (Debian: appstream, desktop-file-utils)")
        pytest.skip(f"{name} is not installed")
    return found


def test_the_entry_icons_and_metainfo_go_in_and_come_out(tmp_path: Path) -> None:
    written = install_desktop_entry(tmp_path, command='"/opt/my apps/bin/workbench"')
    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert entry in written and (tmp_path / "metainfo" / f"{APP_ID}.metainfo.xml") in written
    assert (tmp_path / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    assert (tmp_path / "icons/hicolor/48x48/apps" / f"{APP_ID}.png").is_file()
    assert 'Exec="/opt/my apps/bin/workbench" %f' in entry.read_text(encoding="utf-8").splitlines()
    assert f"Icon={APP_ID}" in entry.read_text(encoding="utf-8").splitlines()
    assert sorted(uninstall_desktop_entry(tmp_path)) == sorted(written)
    assert not any(path.exists() for path in placed(tmp_path).values())


def test_the_command_installs_in_the_users_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["--install-desktop-entry"]) == 0
    assert str(tmp_path) in capsys.readouterr().out
    exec_line = next(
        line
        for line in (tmp_path / "applications" / f"{APP_ID}.desktop").read_text().splitlines()
        if line.startswith("Exec=")
    )
    assert "workbench" in exec_line and exec_line.endswith(" %f")
    assert main(["--uninstall-desktop-entry"]) == 0
    assert not (tmp_path / "applications" / f"{APP_ID}.desktop").exists()


def test_every_icon_size_is_the_size_it_says() -> None:
    import struct

    pngs = sorted((resources_dir() / "icons" / "png").glob("*.png"), key=lambda p: int(p.stem))
    assert [int(p.stem) for p in pngs] == [16, 24, 32, 48, 64, 128, 256, 512]
    for png in pngs:
        width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the IHDR chunk
        assert width == height == int(png.stem)


def test_the_desktop_entry_is_valid(tmp_path: Path) -> None:
    install_desktop_entry(tmp_path, command="/usr/bin/workbench")
    for entry in (DESKTOP / f"{APP_ID}.desktop", tmp_path / "applications" / f"{APP_ID}.desktop"):
        checked = subprocess.run([tool("desktop-file-validate"), str(entry)], capture_output=True, text=True)
        assert checked.returncode == 0 and "error" not in checked.stdout, checked.stdout


def test_appstream_accepts_the_metainfo() -> None:
    metainfo = DESKTOP / f"{APP_ID}.metainfo.xml"
    checked = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(metainfo)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in metainfo.read_text(encoding="utf-8")


@pytest.mark.parametrize("home", ["", "relative", "missing", "file"])
def test_a_home_that_is_no_folder_is_said_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    value = {"": "", "relative": "somewhere", "missing": str(tmp_path / "missing"), "file": str(tmp_path / "file")}
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", value[home])
    monkeypatch.chdir(tmp_path)
    assert main(["--install-desktop-entry"]) == 2
    assert "HOME" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing made anywhere here
