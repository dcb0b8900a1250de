"""The translation seam: every sentence marked in the code is in every catalog, translated, with
its placeholders intact, and the compiled catalogs Workbench reads are the current ones."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from workbench import i18n
from workbench.engine import outcome
from workbench.i18n_extract import build

CATALOGS = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/workbench.po"))
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def marked() -> set[str]:
    """The singular text of every sentence the code marks with _(), N_() or ngettext(), and of every
    title, description and label the forms show from the spec's metadata."""
    return {message.id if isinstance(message.id, str) else message.id[0] for message in build() if message.id}


def entries(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(English text, its translations) of every entry of a catalog."""
    with path.open("rb") as f:
        for message in read_po(f):
            if message.id:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                assert not message.fuzzy, f"{path.parent.parent.name}: fuzzy: {ids[0]!r}"
                yield ids[0], list(strings)


def test_there_is_a_chinese_catalog_and_a_glossary() -> None:
    assert [p.parent.parent.name for p in CATALOGS] == ["zh_CN"]
    assert "| early stopping | 早停 |" in (i18n.LOCALE_DIR / "zh_CN" / "GLOSSARY.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_marked_sentence_is_translated_with_its_placeholders(catalog: Path) -> None:
    translated = dict(entries(catalog))
    code = marked()
    assert code - set(translated) == set(), "marked in the code, missing from the catalog: run make translations"
    assert set(translated) - code == set(), "in the catalog, no longer in the code: run make translations"
    for english, strings in translated.items():
        for text in strings:
            assert text, f"not translated: {english!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(english)), english


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalog_is_the_current_one(catalog: Path) -> None:
    with catalog.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for english, strings in entries(catalog):
        assert compiled.gettext(english) == strings[0], f"stale .mo (run make translations): {english!r}"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh_Hans_CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("en_GB.UTF-8", "en"),
        ("fr_FR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_language_name_resolves_to_one_offered(name: str | None, language: str) -> None:
    assert i18n.resolve(name) == language


def test_the_system_language_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.system_language() == "zh_CN"
    monkeypatch.setenv("LC_ALL", "C")  # C says nothing: the next variable decides
    assert i18n.system_language() == "zh_CN"
    monkeypatch.setenv("LANGUAGE", "en_US:zh_CN")
    assert i18n.system_language() == "en"


def test_a_stop_sentence_in_chinese_and_back() -> None:
    try:
        assert i18n.set_language("zh_CN") == "zh_CN"
        best = outcome.best_so_far("val_loss", 0.1444, 29)
        assert outcome.finished(30, best) == "已完成全部 30 轮；最佳验证损失 0.1444（第 30 轮）。"
        assert i18n._("a sentence no catalog has") == "a sentence no catalog has"
    finally:
        i18n.set_language("en")
    assert outcome.finished(30, outcome.best_so_far("val_loss", 0.1444, 29)).startswith("Finished all 30 epochs")


def test_the_early_stopping_sentence_in_chinese() -> None:
    try:
        i18n.set_language("zh_CN")
        said = outcome.early_stopped(49, "val_loss", 10, 39, restored=True)
        assert said == "在第 50 轮停止：验证损失已连续 10 轮没有改善；已恢复第 40 轮的权重。"
    finally:
        i18n.set_language("en")
    assert outcome.early_stopped(49, "val_loss", 10, 39, restored=False) == (
        "Stopped at epoch 50: validation loss did not improve for 10 epochs; keeping the last weights "
        "(best was epoch 40)."
    )


def test_a_generated_class_is_named_in_the_language_spoken() -> None:
    from workbench.spec.datasets import class_words

    try:
        i18n.set_language("zh_CN")
        assert [class_words(n) for n in ("class 2", "T-shirt/top", "7")] == ["类别 2", "T-shirt/top", "7"]
    finally:
        i18n.set_language("en")
    assert class_words("class 2") == "class 2"


def test_sentences_and_lists_are_joined_as_each_language_writes_them() -> None:
    assert i18n.sentences("Done.", "", "Weights restored.") == "Done. Weights restored."
    assert i18n.listing(["weights 1 KB", "data 2 KB"]) == "weights 1 KB, data 2 KB"
    try:
        i18n.set_language("zh_CN")
        assert i18n.sentences("已完成。", "已恢复。") == "已完成。已恢复。"
        assert i18n.listing(["权重 1 KB", "数据 2 KB"]) == "权重 1 KB，数据 2 KB"
    finally:
        i18n.set_language("en")


def test_a_third_language_is_one_more_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="fr", domain="workbench")
    catalog.add(i18n.OWN_NAME, "Français")
    catalog.add("no epoch finished", "aucune époque terminée")
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "workbench.mo").open("wb") as f:
        write_mo(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._offered() == {"en": "English", "fr": "Français"}
    monkeypatch.setattr(i18n, "LANGUAGES", i18n._offered())
    try:
        assert i18n.set_language("fr_FR.UTF-8") == "fr"
        assert outcome.best_so_far("val_loss", None, None) == "aucune époque terminée"
    finally:
        i18n.set_language("en")
