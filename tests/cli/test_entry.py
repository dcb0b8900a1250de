"""The `workbench` command's entry point: no arguments opens the window, anything else is the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench.gui
from tests.conftest import PRESETS
from workbench import __main__ as entry
from workbench.cli import EXIT_BAD_INPUT, main


def test_no_arguments_or_one_file_open_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str | None, str | None]] = []
    monkeypatch.setattr(workbench.gui, "main", lambda path=None, language=None: opened.append((path, language)) or 0)
    assert entry.main([]) == 0
    assert entry.main(["--lang", "zh_CN"]) == 0  # the window, in Chinese
    assert entry.main(["--lang=zh_CN", "digits.json"]) == 0
    assert entry.main(["model.pt"]) == 0
    assert entry.main(["digits_mlp"]) == 0  # a preset's name
    assert opened == [(None, None), (None, "zh_CN"), ("digits.json", "zh_CN"), ("model.pt", None), ("digits_mlp", None)]


def test_the_entry_knows_every_command_of_the_command_line() -> None:
    import argparse

    from workbench.cli import _parser

    subcommands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subcommands.choices) == set(entry.COMMANDS)


def test_a_command_runs_without_the_window(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(workbench.gui, "main", lambda path=None, language=None: pytest.fail("the window opened"))
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


def test_presets_are_found_by_name_and_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.spec import ExperimentSpec, preset_names

    monkeypatch.chdir(tmp_path)
    assert main(["presets"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[1:]] == preset_names()
    assert any(line.startswith("digits_mlp") and "Digits MLP" in line for line in listed)
    assert main(["inspect", "digits_cnn"]) == 0
    assert "Digits CNN" in capsys.readouterr().out
    assert main(["inspect", "digits_cnn.json"]) == 0
    assert main(["inspect", "digits_cnm"]) == EXIT_BAD_INPUT
    said = capsys.readouterr().err
    assert "no such file or preset: digits_cnm" in said and "digits_mlp, digits_cnn" in said
    mine = ExperimentSpec.load(PRESETS / "spiral_mlp.json").model_copy(update={"name": "my own"})
    mine.save(tmp_path / "digits_cnn.json")  # a file of that name in the folder wins over the preset
    assert main(["inspect", "digits_cnn.json"]) == 0
    assert "my own" in capsys.readouterr().out


def test_version_names_pytorch_qt_and_the_devices(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    said = capsys.readouterr().out
    assert stopped.value.code == 0
    assert said.startswith("workbench 0.") and f"PyTorch {torch.__version__}" in said and "Qt 6." in said
    assert "devices: cpu" in said or "devices: cuda" in said


@pytest.mark.parametrize("name", ["zh_CN", "zh_CN.UTF-8", "zh-CN", "zh"])
def test_lang_takes_a_language_as_the_system_names_it(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import i18n

    try:
        assert entry.main(["--lang", name, "presets"]) == 0
        assert capsys.readouterr().out.split()[:3] == ["名称", "标题", "展示什么"]
        assert entry.main([f"--lang={name}", "presets"]) == 0
        assert capsys.readouterr().out.split()[0] == "名称"
    finally:
        i18n.set_language("en")


def test_lang_refuses_a_language_not_offered(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--lang", "fr", "presets"])
    assert stopped.value.code == EXIT_BAD_INPUT
    assert "fr" in capsys.readouterr().err


def test_chinese_help_and_errors_name_nothing_internal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's headings end in "：", a bad number names no Python function, and a field of the file
    is named by its label in the window, then its path."""
    import json

    from workbench import i18n

    broken = json.loads((PRESETS / "digits_mlp.json").read_text(encoding="utf-8"))
    broken["dataset"]["val_fraction"] = 1.5
    (tmp_path / "bad.json").write_text(json.dumps(broken), encoding="utf-8")
    try:
        with pytest.raises(SystemExit):
            main(["--lang", "zh", "train", "--help"])
        headings = [line for line in capsys.readouterr().out.splitlines() if line and not line.startswith(" ")]
        assert "选项：" in headings and not [h for h in headings if h.endswith(":")]
        with pytest.raises(SystemExit) as stopped:
            main(["--lang", "zh", "train", "digits_mlp", "--epochs", "abc"])
        assert stopped.value.code == EXIT_BAD_INPUT
        assert "_positive" not in capsys.readouterr().err
        assert main(["--lang", "zh", "train", str(tmp_path / "bad.json")]) == EXIT_BAD_INPUT
        assert "“验证集比例”（dataset.val_fraction）：" in capsys.readouterr().err
    finally:
        i18n.set_language("en")
    assert main(["train", str(tmp_path / "bad.json")]) == EXIT_BAD_INPUT
    assert "  dataset.val_fraction: must be < 1" in capsys.readouterr().err  # English reads the path as words
