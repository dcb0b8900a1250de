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


def entries(path: Path) -> Iterator[tuple[str, list[str], str | None]]:
    """(English text, its translations, its context) of every entry of a catalog."""
    with path.open("rb") as f:
        for message in read_po(f):
            if message.id:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                assert not message.fuzzy, f"{path.parent.parent.name}: fuzzy: {ids[0]!r}"
                yield ids[0], list(strings), message.context


def test_there_is_a_chinese_catalog_and_a_glossary() -> None:
    assert [p.parent.parent.name for p in CATALOGS] == ["zh_CN"]
    assert "| early stopping | 早停 |" in (i18n.LOCALE_DIR / "zh_CN" / "GLOSSARY.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_marked_sentence_is_translated_with_its_placeholders(catalog: Path) -> None:
    translated = {english: strings for english, strings, _context in entries(catalog)}
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
    for english, strings, context in entries(catalog):
        shown = compiled.pgettext(context, english) if context else compiled.gettext(english)
        assert shown == strings[0], f"stale .mo (run make translations): {english!r}"


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


def test_a_generated_or_bundled_class_is_named_in_the_language_spoken() -> None:
    from workbench.spec.datasets import CIFAR_NAMES, FASHION_NAMES, class_words

    names = ("class 2", "T-shirt/top", "cat", "7", "my_folder")
    try:
        i18n.set_language("zh_CN")
        assert [class_words(n) for n in names] == ["类别 2", "T 恤/上衣", "猫", "7", "my_folder"]
        chinese = [class_words(n) for n in FASHION_NAMES + CIFAR_NAMES]
        assert all(re.search(r"[\u4e00-\u9fff]", name) for name in chinese), chinese
        assert len(set(chinese)) == 20  # no two classes named alike
    finally:
        i18n.set_language("en")
    assert [class_words(n) for n in names] == list(names)  # the files' own names, in English


def test_one_english_word_meaning_two_things_has_a_context_each() -> None:
    """The RNN's "Layers" is a number, the layer list's is a list; the schedule's "step" is a kind
    of schedule, an axis's "step" a count: each pair reads differently in Chinese."""
    from workbench.spec.fields import field_words
    from workbench.spec.layers.recurrent import Recurrent
    from workbench.spec.network import NetworkSpec

    try:
        i18n.set_language("zh_CN")
        rnn = field_words("Layers", Recurrent.model_fields["num_layers"])
        stack = field_words("Layers", NetworkSpec.model_fields["layers"])
        assert (rnn, stack) == ("层数", "层列表")
        axes = {i18n.pgettext(context, "step") for context in ("axis: training steps", "axis: time steps")}
        schedule = i18n.pgettext("learning-rate schedule", "step")
        assert len(axes | {schedule}) == 3 and "step" not in axes | {schedule}
    finally:
        i18n.set_language("en")
    assert i18n.pgettext("learning-rate schedule", "step") == "step"


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
