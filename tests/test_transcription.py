"""Transcription QA, the second line of defence: every figure in data/raw carries a locator
(section and paragraph of the letter), and each figure is found, in the letter's own wording
and with its qualifier, in that section of the reference text of the letter."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from reference import letter_text, sections
from verzamelbrief.catalogue import load_catalogue, load_table

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
CATALOGUE = load_catalogue(RAW / "catalogue.yaml")

WORDS = {1: "één|een", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht", 9: "negen", 10: "tien"}
FRACTION_WORDS = {0.5: ["de helft"], 0.3333: ["een derde", "1/3"], 0.6667: ["twee op de drie", "2/3"],
                  0.75: ["driekwart"]}
QUALIFIER_WORDS = {"about": r"ongeveer|circa", "more_than": r"ruim", "nearly": r"bijna"}
LOCATOR = re.compile(r"^§(\d+) (?:\S.* )?alinea \d+( punt \d+)?$")


def dutch(value: float) -> str:
    """``5816`` -> ``5.816``, ``10.5`` -> ``10,5`` (the letter's notation)."""
    text = f"{value:,.10g}" if not float(value).is_integer() else f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def written_forms(value: float, unit: str) -> list[str]:
    """Regular expressions for the ways the letter can write ``value`` in ``unit``."""
    if unit == "fraction":
        words = FRACTION_WORDS.get(round(value, 4))
        if words:
            return [re.escape(w) for w in words]
        tenths = round(value * 10)
        assert abs(value * 10 - tenths) < 1e-9, f"no written form for the fraction {value}"
        return [rf"{tenths} op de 10"]
    forms = [rf"(?<![\d.,]){re.escape(dutch(value))}(?![\d]|,\d)"]
    if float(value).is_integer() and int(value) in WORDS:
        forms.append(rf"\b(?:{WORDS[int(value)]})\b")
    if unit == "percent" and value == 100:
        forms.append(r"\balle gemeenten\b")
    return forms


def problem(row: pd.Series, text: str) -> str | None:
    """Why ``row`` is not found in ``text`` (its section of the letter), or ``None``."""
    for form in written_forms(float(row["value"]), row["unit"]):
        for match in re.finditer(form, text, flags=re.IGNORECASE):
            before = text[max(0, match.start() - 30):match.start()].lower()
            said = re.search(rf"(?:{'|'.join(QUALIFIER_WORDS.values())})\W*$", before)
            if row["qualifier"] == "exact" and not said:
                return None
            if row["qualifier"] != "exact" and re.search(rf"(?:{QUALIFIER_WORDS[row['qualifier']]})\W*$", before):
                return None
    return f"{row['indicator']}[{row['category']}] = {row['value']:g} ({row['qualifier']}) not in {row['locator']}"


def rows():
    for name, entry in CATALOGUE["files"].items():
        df = load_table(name, RAW)
        for _, row in df.iterrows():
            yield name, entry["section"], row


def test_every_figure_has_a_locator_in_its_section():
    for name, section, row in rows():
        match = LOCATOR.match(row["locator"])
        assert match, f"{name}: locator {row['locator']!r} is not '§N [subheading] alinea K [punt J]'"
        assert int(match.group(1)) == section, f"{name}: locator {row['locator']!r} outside §{section}"


def test_every_figure_is_in_the_letter():
    text = sections(letter_text())
    problems = [f"{name}: {p}" for name, section, row in rows() if (p := problem(row, text[section]))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "name, indicator, category, field, wrong",
    [
        ("09_bib_examenmonitor.csv", "candidates", "total", "value", 5817),           # a typing error
        ("08_amif.csv", "granted", "total", "value", 17.6),
        ("05_onderwijsroute.csv", "share_of_asylum_pip", "total", "qualifier", "exact"),  # lost "ongeveer"
        ("03_leerbaarheidstoets.csv", "wrongly_not_feasible", "total", "qualifier", "about"),
        ("10_marktmonitor.csv", "municipalities_dual", "no_integrated_dual", "value", 0.75),
        ("04_agi_ontheffing.csv", "max_exam_attempts", "from_april_2023", "value", 5),
    ],
)
def test_a_wrong_transcription_is_caught(name, indicator, category, field, wrong):
    text = sections(letter_text())
    df = load_table(name, RAW)
    row = df[(df["indicator"] == indicator) & (df["category"] == category)].iloc[0].copy()
    section = CATALOGUE["files"][name]["section"]
    assert problem(row, text[section]) is None
    row[field] = wrong
    assert problem(row, text[section]), f"{name}: {indicator} = {wrong!r} was not caught"
