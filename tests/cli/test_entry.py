"""The `workbench` command's entry point: no arguments opens the window, anything else is the CLI."""

from __future__ import annotations

import pytest

import workbench.gui
from tests.conftest import PRESETS
from workbench import __main__ as entry
from workbench.cli import EXIT_BAD_INPUT, main


def test_no_arguments_open_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[bool] = []
    monkeypatch.setattr(workbench.gui, "main", lambda: opened.append(True) or 0)
    assert entry.main([]) == 0
    assert opened == [True]


def test_a_command_runs_without_the_window(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(workbench.gui, "main", lambda: pytest.fail("the window opened"))
    assert entry.main(["inspect", str(PRESETS / "digits_mlp.json")]) == 0
    assert "total parameters" in capsys.readouterr().out


def test_the_cli_alone_without_a_command_shows_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_BAD_INPUT
    assert "inspect" in capsys.readouterr().err
