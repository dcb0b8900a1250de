"""The `workbench` command's entry point: no arguments opens the window, anything else is the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench.gui
from tests.conftest import PRESETS
from workbench import __main__ as entry
from workbench.cli import EXIT_BAD_INPUT, main


def test_no_arguments_open_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str | None] = []
    monkeypatch.setattr(workbench.gui, "main", lambda language=None: opened.append(language) or 0)
    assert entry.main([]) == 0
    assert entry.main(["--lang", "zh_CN"]) == 0  # the window, in Chinese
    assert opened == [None, "zh_CN"]


def test_a_command_runs_without_the_window(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(workbench.gui, "main", lambda language=None: pytest.fail("the window opened"))
    assert entry.main(["inspect", str(PRESETS / "digits_mlp.json")]) == 0
    assert "total parameters" in capsys.readouterr().out


def test_the_cli_alone_without_a_command_shows_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_BAD_INPUT
    assert "inspect" in capsys.readouterr().err


def test_lang_speaks_chinese_for_a_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.engine.helpers import tiny
    from workbench import i18n

    experiment = tmp_path / "exp.json"
    tiny(epochs=2).save(experiment)
    try:
        assert entry.main(["--lang", "zh_CN", "train", str(experiment)]) == 0
        assert "已完成全部 2 轮；最佳验证损失" in capsys.readouterr().out
    finally:
        i18n.set_language("en")
    assert entry.main(["train", str(experiment)]) == 0
    assert "Finished all 2 epochs" in capsys.readouterr().out
