"""Transcription QA, the second line of defence: every figure in data/raw carries a locator
(section and paragraph of the letter), the paragraph map (data/raw/letter_paragraphs.csv) says
which lines of the letter's reference text that paragraph is, and each figure is found, in the
letter's own wording and with its qualifier, inside its own paragraph (or list item)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from reference import HEADINGS, heading_lines, letter_text, located
from verzamelbrief import letter
from verzamelbrief.catalogue import load_catalogue, load_table

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
CATALOGUE = load_catalogue(RAW / "catalogue.yaml")

WORDS = {1: "één|een", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht", 9: "negen", 10: "tien"}
FRACTION_WORDS = {0.5: ["de helft"], 0.3333: ["een derde", "1/3"], 0.6667: ["twee op de drie", "2/3"],
                  0.75: ["driekwart"]}
QUALIFIER_WORDS = {"about": r"ongeveer|circa", "more_than": r"ruim", "nearly": r"bijna"}


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
    """Why ``row`` is not found in ``text`` (its paragraph of the letter), or ``None``."""
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


def test_every_figure_has_a_mapped_locator_in_its_section():
    paragraphs = letter.load_map(RAW)
    for name, section, row in rows():
        loc = letter.parse(row["locator"])  # '§N [subheading] alinea K [punt J | voetnoot F]'
        assert loc.section == section, f"{name}: locator {row['locator']!r} outside §{section}"
        assert row["locator"] in paragraphs, f"{name}: locator {row['locator']!r} is not in {letter.PARAGRAPHS}"


def test_every_figure_is_in_its_paragraph():
    text = letter_text()
    problems = [f"{name}: {p}" for name, _, row in rows() if (p := problem(row, located(text, row["locator"])))]
    assert not problems, "\n".join(problems)


def year_context(text: str, locator: str) -> str:
    """Where the letter may date a figure: its paragraph and the paragraph just before it
    ("… was in september 2022 nog niet overal gerealiseerd", then the shares)."""
    paragraphs = [loc for loc, entry in letter.load_map(RAW).items() if entry.kind == "alinea"]
    own = re.sub(r" (punt|voetnoot) \d+$", "", locator)  # an item or footnote: its paragraph
    at = paragraphs.index(own)
    before = paragraphs[at - 1] if at > 0 else own
    return located(text, before) + " " + located(text, locator)


def year_problem(row: pd.Series, context: str, section: int) -> str | None:
    """Why ``row``'s year is not the letter's: the year must stand in ``context`` or in the
    heading of its section ("Instroom in de onderwijsroute in 2022"); ``None`` when it does,
    or when the row has no year (the letter gives it none)."""
    if pd.isna(row["year"]):
        return None
    year = str(int(row["year"]))
    if re.search(rf"(?<!\d){year}(?!\d)", context + " " + HEADINGS.get(section, "")):
        return None
    return f"{row['indicator']}[{row['category']}]: year {year} is not at {row['locator']} nor in the heading of §{section}"


def test_every_year_is_the_letters():
    """A year in data/raw is one the letter gives for that figure (review: years in the
    Herkomst titles that the letter does not give)."""
    text = letter_text()
    problems = [f"{name}: {p}" for name, section, row in rows()
                if (p := year_problem(row, year_context(text, row["locator"]), section))]
    assert not problems, "\n".join(problems)


def test_a_year_the_letter_does_not_give_is_caught():
    row = pd.Series({"indicator": "providers", "category": "total", "year": 2022, "locator": "§6 alinea 3"})
    context = year_context(letter_text(), "§6 alinea 3")
    assert "year 2022 is not at §6 alinea 3" in year_problem(row, context, 6)


def test_the_paragraph_map_is_valid_in_the_reference_text():
    text = letter_text()
    entries, problems = letter.read_map(RAW)
    problems += letter.section_problems(entries, heading_lines(text))
    assert not problems, "\n".join(map(str, problems))
    n_lines = len(text.splitlines())
    assert n_lines == CATALOGUE["letter"]["reference_text"]["lines"]
    for e in entries:
        body = [text.splitlines()[i - 1] for i in letter.located_lines({x.locator: x for x in entries}, e.locator)]
        assert e.last_line <= n_lines and body[0].strip() and body[-1].strip(), (
            f"{e.locator}: lines {e.first_line}-{e.last_line} should start and end on a line of text")


def test_the_paragraph_map_covers_the_letter():
    """Every line of text from the Aanleiding to the signature is a heading or in the map."""
    text = letter_text()
    lines = text.splitlines()
    covered = {i for e in letter.load_map(RAW).values() for i in range(e.first_line, e.last_line + 1)}
    headings = set(heading_lines(text).values()) | {i + 1 for i, line in enumerate(lines)
                                                    if line.strip() in {"De drie leerroutes", "Participatiedeel Z-route/duaal", "Risico’s", "Vervolg"}}
    end = next(i for i, line in enumerate(lines) if line.startswith("De Minister van Sociale Zaken"))
    missing = [i for i in range(1, end + 1) if lines[i - 1].strip() and i not in covered | headings]
    assert not missing, f"lines of the letter in no paragraph of the map: {missing}"


@pytest.mark.parametrize(
    "row, wrong",
    [
        (11, "§1 alinea 5,1,alinea,83,93"),        # overlaps the next paragraph
        (12, "§1 alinea 7,1,alinea,93,109"),       # numbering skips a paragraph
        (3, "§1 alinea 1,2,alinea,25,40"),         # section column disagrees with the locator
        (6, "§1 alinea 3 punt 2,1,punt,62,70"),    # an item outside its paragraph
        (4, "§1 alinea 2,1,punt,44,52"),           # kind disagrees with the locator
        (2, "§0 alinea 1,0,alinea,3,19"),          # not a locator
    ],
)
def test_a_broken_paragraph_map_is_caught(tmp_path, row, wrong):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    lines = (raw / letter.PARAGRAPHS).read_text(encoding="utf-8").splitlines()
    lines[row - 1] = wrong
    (raw / letter.PARAGRAPHS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems = letter.read_map(raw)
    assert problems and all(letter.PARAGRAPHS in str(p) for p in problems), problems


def test_a_paragraph_outside_its_section_is_caught():
    text = letter_text()
    entries, _ = letter.read_map(RAW)
    moved = [letter.Entry(e.locator, e.section, e.kind, e.first_line + (300 if e.locator == "§1 alinea 6" else 0),
                          e.last_line + (300 if e.locator == "§1 alinea 6" else 0), e.row) for e in entries]
    problems = letter.section_problems(moved, heading_lines(text))
    assert [p.row for p in problems] == [12], problems


@pytest.mark.parametrize(
    "name, indicator, category, field, wrong",
    [
        ("09_bib_examenmonitor.csv", "candidates", "total", "value", 5817),           # a typing error
        ("08_amif.csv", "granted", "total", "value", 17.6),
        ("05_onderwijsroute.csv", "share_of_asylum_pip", "total", "qualifier", "exact"),  # lost "ongeveer"
        ("05_onderwijsroute.csv", "extra_funds_granted", "total", "value", 3),  # "twee maal", a number in words
        ("03_leerbaarheidstoets.csv", "wrongly_not_feasible", "total", "qualifier", "about"),
        ("10_marktmonitor.csv", "municipalities_dual", "no_integrated_dual", "value", 0.75),
        ("04_agi_ontheffing.csv", "attempts_before_agi_exemption", "from_april_2023", "value", 5),
        ("09_bib_examenmonitor.csv", "candidates", "total", "locator", "§9 alinea 3"),       # the wrong paragraph
        ("07_aow_groepen.csv", "persons_per_year", "obligation_lapses", "locator", "§7 alinea 4 punt 2"),  # wrong item
        ("10_marktmonitor.csv", "coverage_realised", "map", "locator", "§10 Participatiedeel Z-route/duaal alinea 1"),
    ],
)
def test_a_wrong_transcription_is_caught(name, indicator, category, field, wrong):
    text = letter_text()
    df = load_table(name, RAW)
    row = df[(df["indicator"] == indicator) & (df["category"] == category)].iloc[0].copy()
    assert problem(row, located(text, row["locator"])) is None
    row[field] = wrong
    assert problem(row, located(text, row["locator"])), f"{name}: {indicator} {field} = {wrong!r} was not caught"


# ---------------------------------------------------------------- the commitments (12_toezeggingen.csv)

def _commitments():
    from verzamelbrief import commitments

    return commitments.load(RAW)


def _words(text: str) -> list[str]:
    return re.findall(r"[\wÀ-ÿ’'-]+", text.lower())


def commitment_problems(c, text: str) -> list[str]:
    """Why commitment ``c`` is not where its locator says: its timing words (when_nl outside
    [brackets]) must stand in that paragraph, and the dates of what it answers in its section."""
    problems = []
    at = located(text, c.locator).lower()
    for part in c.when_words:
        if part.strip(" ,;:.()").lower() not in at:
            problems.append(f"{c.id}: timing {part!r} not in {c.locator}")
    section = " ".join(located(text, loc) for loc in letter.load_map(RAW) if letter.parse(loc).section == c.section)
    for date in re.findall(r"\d{1,2} \w+ \d{4}|\d{1,2} \w+(?= \[)|\w+ \d{4}", " ".join(_letter_parts(c.answers))):
        if date.lower() not in section.lower():
            problems.append(f"{c.id}: answers names {date!r}, which is not in §{c.section}")
    return problems


def test_every_commitment_has_its_timing_in_its_paragraph():
    text = letter_text()
    problems = [p for c in _commitments() for p in commitment_problems(c, text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "cid, field, wrong",
    [
        ("T02-6", "when_nl", "in het voorjaar van 2023"),                    # wrong season
        ("T05-4", "locator", "§5 alinea 1"),                                  # wrong paragraph
        ("T01-4", "when_nl", "na de zomer [van 2023]"),
        ("T05-1", "answers", "toezegging commissiedebat 6 juni 2022"),       # wrong debate date
        ("T10-11", "locator", "§10 Risico’s alinea 2"),
    ],
)
def test_a_wrong_commitment_is_caught(cid, field, wrong):
    import dataclasses

    text = letter_text()
    c = next(c for c in _commitments() if c.id == cid)
    assert not commitment_problems(c, text)
    assert commitment_problems(dataclasses.replace(c, **{field: wrong}), text), f"{cid}: {field} = {wrong!r} was not caught"


def _letter_parts(text: str) -> list[str]:
    from verzamelbrief.commitments import letter_words

    return letter_words(text)


def test_commitments_are_in_the_projects_own_words():
    """No run of six words of an entry's what_nl is copied from the letter's paragraph."""
    text = letter_text()
    problems = []
    for c in _commitments():
        letter_words = " ".join(_words(located(text, c.locator)))
        own = _words(c.what_nl)
        runs = {" ".join(own[i:i + 6]) for i in range(len(own) - 5)}
        copied = [r for r in runs if f" {r} " in f" {letter_words} "]
        if copied:
            problems.append(f"{c.id}: what_nl copies {copied[0]!r} from {c.locator}")
    assert not problems, "\n".join(problems)


def test_no_commitment_field_shares_eight_words_with_the_letter():
    """What the report shows of an entry (what, when, who, answers) shares no run of eight
    words with any part of the letter, as the report's wording test requires of all its text."""
    letter_text_words = " ".join(_words(letter_text()))
    problems = []
    for c in _commitments():
        for field in ("what_nl", "when_nl", "actor", "answers"):
            own = _words(getattr(c, field))
            for i in range(len(own) - 7):
                if f" {' '.join(own[i:i + 8])} " in f" {letter_text_words} ":
                    problems.append(f"{c.id}: {field} shares {' '.join(own[i:i + 8])!r} with the letter")
                    break
    assert not problems, "\n".join(problems)


def test_every_commitment_in_the_letter_is_transcribed():
    """Paragraphs where the letter promises to inform the Kamer ('informeer', 'kom ... terug',
    'zal uw Kamer') each have a toezegging."""
    text = letter_text()
    promised = re.compile(r"\b(?:informeer ik|zal (?:ik )?(?:uw|de) kamer|kom ik|ik kom|wordt .{0,20}kamer|"
                          r"zal ik .{0,40}ingaan|uw kamer wordt)", re.IGNORECASE)
    toezeggingen = {c.locator for c in _commitments() if c.kind == "toezegging"}
    missing = [loc for loc in letter.load_map(RAW) if promised.search(located(text, loc)) and loc not in toezeggingen]
    assert not missing, f"paragraphs with a promise to the Kamer but no toezegging: {missing}"
