"""The report's own words: no prose sentence shares a run of 8 consecutive words with the
letter (headings and titles excepted), checked on the report text (qmd) and on the text the
notebooks write into the rendered report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from reference import letter_text

ROOT = Path(__file__).resolve().parents[1]
RUN = 8


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("\u00ad", ""))


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def shared_runs(sentences: list[str], letter: str) -> list[str]:
    """The sentences that share a run of :data:`RUN` words with ``letter``."""
    letter_runs = runs(words(letter))
    return [s for s in sentences if runs(words(s)) & letter_runs]


def qmd_prose(text: str) -> list[str]:
    """Prose sentences of the report's source: no front matter, headings, embeds or includes."""
    body = text.split("\n---\n", 1)[1]
    keep = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", "{{<")) or re.match(r"^\d+\. \[", stripped):
            continue
        keep.append(re.sub(r"^\[\^[\w-]+\]:", "", stripped))
    return [s for s in re.split(r"(?<=[.!?:;])\s+", " ".join(keep)) if s.strip()]


class _Text(HTMLParser):
    """Text of paragraphs, list items, captions, table cells and alt texts of the HTML report."""

    BLOCKS = {"p", "li", "figcaption", "caption", "td", "th"}
    SKIP = {"h1", "h2", "h3", "h4", "title", "style", "script", "header", "nav"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        for name, value in attrs:
            if name in ("alt", "aria-label") and value:
                self.parts.append("\x00" + value + "\x00")
        if tag in self.BLOCKS:
            self.parts.append("\x00")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_prose(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    blocks = (re.sub(r"\s+", " ", b) for b in "".join(parser.parts).split("\x00"))
    return [s for block in blocks for s in re.split(r"(?<=[.!?:;])\s+", block) if s.strip()]


def test_the_check_finds_a_copied_sentence():
    letter = "Uit de monitor blijkt dat het aantal kandidaat inburgeraars in het buitenland is toegenomen."
    assert shared_runs(["Zo blijkt dat het aantal kandidaat inburgeraars in het buitenland steeg."], letter)
    assert not shared_runs(["De monitor telde meer kandidaten in het buitenland dan het jaar ervoor."], letter)


def test_report_text_does_not_copy_the_letter():
    letter = letter_text()
    sentences = qmd_prose((ROOT / "reports" / "verzamelbrief.qmd").read_text(encoding="utf-8"))
    assert len(sentences) > 50
    copied = shared_runs(sentences, letter)
    assert not copied, "sentences sharing 8 words in a row with the letter:\n" + "\n".join(copied)


def test_rendered_report_does_not_copy_the_letter(built_project):
    letter = letter_text()
    html = (built_project / "reports" / "_build" / "verzamelbrief.html").read_text(encoding="utf-8")
    sentences = html_prose(html)
    assert any("5.816" in s for s in sentences), "the notebooks' text is part of what is checked"
    copied = shared_runs(sentences, letter)
    assert not copied, "sentences sharing 8 words in a row with the letter:\n" + "\n".join(copied)
