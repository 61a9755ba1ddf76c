"""The letter itself, for the tests that hold data/raw and the report's text against it.

The reference text is not part of this project (the report must not copy it). It lives in
a ``shared/reference/`` folder beside the checkout (``../shared`` from the checkout, or one
level higher for a worktree), or where ``VERZAMELBRIEF_LETTER`` points. Tests that need it
skip with a clear reason when it is absent.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = "verzamelbrief-inburgering-2023-q1.txt"

#: The letter's ten headings, as they open each numbered section in the reference text.
HEADINGS = {
    1: "Statushouders aan het werk", 2: "Financieel ontzorgen", 3: "Leerbaarheidstoets",
    4: "AGI ontheffing Wet inburgering 2013", 5: "Instroom in de onderwijsroute in 2022",
    6: "Maatschappelijke diensttijdtrajecten", 7: "Inburgering van mensen van AOW-gerechtigde leeftijd",
    8: "Europees Asiel, Migratie en Integratiefonds", 9: "Monitor Basisexamen Inburgering Buitenland 2021",
    10: "Marktmonitor",
}


def letter_path() -> Path | None:
    candidates = [os.environ.get("VERZAMELBRIEF_LETTER")]
    candidates += [str(base / "shared" / "reference" / NAME) for base in (ROOT.parent, ROOT.parent.parent)]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def letter_text() -> str:
    """The reference text of the letter, or a skip naming where it was looked for.

    A text whose SHA-256 is not the one the catalogue records (``letter › reference_text``)
    fails: the paragraph map's line numbers were counted in that text and would not hold.
    """
    path = letter_path()
    if path is None:
        pytest.skip(f"the letter's reference text ({NAME}) is not beside this checkout "
                    f"(looked in ../shared/reference/ and ../../shared/reference/; or set VERZAMELBRIEF_LETTER)")
    raw = path.read_bytes()
    expected = _recorded_sha256()
    digest = hashlib.sha256(raw).hexdigest()
    assert digest == expected, (f"{path}: SHA-256 {digest}, but data/raw/catalogue.yaml (letter › reference_text) "
                                f"records {expected}; the paragraph map was counted in that text: recount it")
    return raw.decode("utf-8")


def _recorded_sha256() -> str:
    from verzamelbrief.catalogue import load_catalogue

    return load_catalogue(ROOT / "data" / "raw" / "catalogue.yaml")["letter"]["reference_text"]["sha256"]


def heading_lines(text: str) -> dict[int, int]:
    """The line (1-based) of each section's heading; 0 is the Aanleiding's."""
    lines = text.splitlines()
    starts, at = {0: next(i for i, line in enumerate(lines) if line.strip() == "Aanleiding") + 1}, 0
    for n, heading in HEADINGS.items():
        pattern = re.compile(rf"^\s*{n}\.? {re.escape(heading)}")
        at = next(i for i in range(at, len(lines)) if pattern.match(lines[i]))
        starts[n] = at + 1
    return starts


def located(text: str, locator: str) -> str:
    """The text of the letter at ``locator`` (a paragraph, item or footnote of the paragraph
    map, ``data/raw/letter_paragraphs.csv``), as one flat line; KeyError if it is not mapped."""
    from verzamelbrief import letter

    return letter.located_text(_paragraph_map(), locator, text.splitlines())


@functools.lru_cache(maxsize=1)
def _paragraph_map():
    from verzamelbrief import letter

    return letter.load_map(ROOT / "data" / "raw")


def flat(text: str) -> str:
    """One line, single spaces, words split across lines joined where the text split them."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def sections(text: str) -> dict[int, str]:
    """The letter's numbered sections, each as one flat line of text (heading included)."""
    lines = text.splitlines()
    starts, at = {}, 0
    for n, heading in HEADINGS.items():
        pattern = re.compile(rf"^\s*{n}\.? {re.escape(heading)}")
        at = next(i for i in range(at, len(lines)) if pattern.match(lines[i]))
        starts[n] = at
    bounds = list(starts.values()) + [len(lines)]
    return {n: flat("\n".join(lines[bounds[i]:bounds[i + 1]])) for i, n in enumerate(starts)}
