"""The Chinese a student reads: the article's terms, one per concept (the glossary), and one way of
writing Chinese beside Latin letters, digits and punctuation, in the catalog, the built-in guide and
README.zh-CN.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from babel.messages.pofile import read_po

from workbench import i18n

ROOT = Path(__file__).resolve().parents[2]
CATALOG = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "workbench.po"
GLOSSARY = i18n.LOCALE_DIR / "zh_CN" / "GLOSSARY.md"
GUIDE = ROOT / "resources" / "guide" / "guide.zh_CN.html"
README = ROOT / "README.zh-CN.md"
METAINFO = ROOT / "resources" / "desktop" / "org.neuralworkbench.Workbench.metainfo.xml"

HAN = r"\u3400-\u9fff"
# Placeholders, code, markup, links and a menu's shortcut letter, "(&C)" as Qt writes it in every
# language: not words a student reads as written.
NOT_PROSE = re.compile(
    r"\(&[A-Z]\)|\{[a-z_]*\}|%\([a-z_]+\)[sdr]|`[^`\n]*`|<[^>\n]*>|&[a-z]+;|https?://\S+|\]\([^)\s]*\)"
)


@dataclass(frozen=True)
class Term:
    """One row of the glossary: the English a catalog entry may use, the one Chinese term for it,
    and the words never to use for it."""

    english: str
    chinese: str
    never: tuple[str, ...]
    checked: re.Pattern[str] | None


def glossary() -> list[Term]:
    """The rows of GLOSSARY.md's table (cells split on `|` not escaped as `\\|`)."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 5 or cells[0] in ("English", "---"):
            continue
        english, chinese, never, checked, _note = cells
        pattern = re.compile(checked.strip("`"), re.IGNORECASE) if checked else None
        terms.append(Term(english, chinese, tuple(w.strip() for w in never.split(",") if w.strip()), pattern))
    return terms


def catalog() -> Iterator[tuple[str, str]]:
    """(English, Chinese) of every entry, a plural's every form."""
    with CATALOG.open("rb") as f:
        for message in read_po(f):
            if message.id:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    yield ids[0], text


def outside_code(markdown: str) -> str:
    """A Markdown file's prose: fenced code blocks left out."""
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def texts() -> Iterator[tuple[str, str]]:
    """(where, text) of every Chinese text a student reads: catalog entries, the guide's, README's lines."""
    for english, chinese in catalog():
        yield f"catalog {english!r}", chinese
    guide = re.sub(r"<style.*?</style>", "", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    for number, line in enumerate(guide.splitlines(), 1):
        yield f"guide line {number}", line
    for number, line in enumerate(outside_code(README.read_text(encoding="utf-8")).splitlines(), 1):
        yield f"README.zh-CN.md line {number} (code blocks left out)", line
    for element in ElementTree.parse(METAINFO).iter():
        if element.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN":
            yield f"metainfo <{element.tag}>", element.text or ""


def test_the_metainfo_speaks_chinese_in_every_part() -> None:
    kinds = [where.split()[1] for where, text in texts() if where.startswith("metainfo") and text.strip()]
    assert {"<summary>", "<p>", "<li>", "<keyword>"} <= set(kinds)
    assert kinds.count("<li>") == len(ElementTree.parse(METAINFO).findall(".//ul/li")) // 2


def test_the_glossary_is_read_and_names_the_articles_terms() -> None:
    terms = {term.english: term for term in glossary()}
    assert len(terms) >= 40
    assert terms["early stopping"].chinese == "早停"
    assert "步幅" in terms["stride"].never
    assert terms["dropout"].chinese == "Dropout"
    assert all(term.chinese for term in terms.values())


@pytest.mark.parametrize("term", [t for t in glossary() if t.checked], ids=lambda t: t.english)
def test_every_entry_says_a_concept_with_the_glossarys_term(term: Term) -> None:
    assert term.checked is not None
    wrong = [
        (english, chinese)
        for english, chinese in catalog()
        if term.checked.search(NOT_PROSE.sub(" ", english)) and term.chinese not in chinese
    ]
    assert wrong == [], f"{term.english} is {term.chinese} in Chinese"


@pytest.mark.parametrize("term", [t for t in glossary() if t.never], ids=lambda t: t.english)
def test_no_text_says_a_concept_with_another_word(term: Term) -> None:
    wrong = [(where, word) for where, text in texts() for word in term.never if word in text]
    assert wrong == [], f"{term.english} is {term.chinese} in Chinese"


def spacing_faults(text: str) -> list[str]:
    """Where `text` breaks the writing rule of GLOSSARY.md: a space between Chinese and Latin
    letters or digits, none beside full-width punctuation, full-width punctuation in Chinese."""
    prose = NOT_PROSE.sub("\0", text)  # a placeholder's neighbours are not judged
    rules = {  # each matches between the two characters at fault, so neighbours overlap
        "no space between Chinese and Latin": rf"(?<=[{HAN}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[{HAN}])",
        "space beside full-width punctuation": r"(?<= )(?=[，。：；！？、（）“”])|(?<=[，。：；！？、（）“”])(?= )",
        "ASCII punctuation in a Chinese sentence": rf"(?<=[{HAN}])(?=[,;:!?()])|(?<=[,;:!?(])(?=[{HAN}])",
    }
    return [
        f"{name}: {prose[max(m.start() - 6, 0) : m.start() + 6]!r}"
        for name, rule in rules.items()
        for m in re.finditer(rule, prose)
    ]


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("第 3 轮，共 30 轮。", 0),
        ("在 MNIST 上训练（L2 正则）。", 0),
        ("第3轮", 2),
        ("在MNIST上", 2),
        ("早停 （第 3 轮）", 1),
        ("名称: 值", 1),
        ("形状 (通道数, 长度)", 3),
        ("第 {epoch} 轮：{place}", 0),
        ("把<b>{answer}</b>设为", 0),
    ],
)
def test_the_spacing_rule_finds_what_it_names(text: str, faults: int) -> None:
    assert len(spacing_faults(text)) == faults, spacing_faults(text)


def test_every_chinese_text_keeps_the_spacing_rule() -> None:
    wrong = [(where, fault) for where, text in texts() for fault in spacing_faults(text)]
    assert wrong == [], f"{len(wrong)} places break GLOSSARY.md's writing rule"


def headings(markdown: str) -> list[int]:
    """The level of every heading outside code blocks, in order."""
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) \S", outside_code(markdown), flags=re.MULTILINE)]


def test_the_chinese_readme_has_every_section_of_the_english_one() -> None:
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    chinese = README.read_text(encoding="utf-8")
    assert len(headings(english)) >= 15
    assert headings(chinese) == headings(english)
    pictures = set(re.findall(r"\]\((docs/[^)]+\.png)\)", english))
    assert pictures and pictures <= set(re.findall(r"\]\((docs/[^)]+\.png)\)", chinese))
    assert commands(english) and commands(english) <= commands(chinese)


def commands(markdown: str) -> set[str]:
    """The `make` and `workbench` command lines a README shows, without their comments."""
    found = re.findall(r"^(?:make|workbench)\b[^#\n]*", markdown, flags=re.MULTILINE)
    return {" ".join(line.split()) for line in found}


def test_no_chinese_paragraph_of_the_readme_breaks_its_line() -> None:
    """A line break inside a Markdown paragraph is shown as a space: between two Chinese characters
    it is a space no Chinese writer puts there, so each paragraph is one line."""
    lines = outside_code(README.read_text(encoding="utf-8")).splitlines()
    broken = [
        (number, line[-8:], following[:8])
        for number, (line, following) in enumerate(zip(lines, lines[1:], strict=False), 1)
        if re.search(rf"[{HAN}，。：；！？、（）“”]$", line)
        and following.strip()
        and not re.match(r"\s*([-*>#!|<]|\d+\.)", following)
    ]
    assert broken == []
