"""The letter's commitments as data: ``data/raw/12_toezeggingen.csv``.

One row per decision, announcement, commitment, study or evaluation of the letter, once,
with who acts, what (in this project's own words), when (the letter's own timing words, with
what the letter implies added in square brackets, e.g. ``voor de zomer [van 2023]``), a
sortable ``due``, what earlier commitment, motion or debate it answers, and its locator in the
paragraph map. The catalogue's ``records › 12_toezeggingen.csv`` describes the columns.

``due`` is empty (the letter gives no time) or one of ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` or
``YYYY-MM-DD``. Entries sort by the last day of that period, then by the shorter period, then
by the letter's order; undated entries come last.

>>> due_period("2023-Q2")
(datetime.date(2023, 4, 1), datetime.date(2023, 6, 30))
>>> due_nl("2023-Q2"), due_nl("2023-04-01"), due_nl("2025"), due_nl("")
('2e kwartaal 2023', '1 april 2023', '2025', 'zonder datum')
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import letter, paths
from .catalogue import DataError, Problem

FILE = "12_toezeggingen.csv"
COLUMNS = ["id", "section", "kind", "status", "actor", "what_nl", "when_nl", "due", "answers", "locator"]
KINDS = ("besluit", "toezegging", "aankondiging", "onderzoek", "evaluatie")
STATUSES = ("afgerond", "lopend", "gepland")
#: How a status reads in the report.
STATUS_NL = {"afgerond": "afgerond", "lopend": "loopt nog", "gepland": "gepland"}
ID = re.compile(r"^T(\d{2})-([1-9]\d*)$")
DUE = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2})|-(\d{2})-(\d{2}))?$")
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]
#: The 'Datum of periode' of an entry whose timing the letter ties to no date or period ("zo spoedig
#: mogelijk", "momenteel", or no timing at all).
UNDATED = "zonder datum"
MAX_TEXT = 400  # characters in a text column: short words, not the letter's sentences


@dataclass(frozen=True)
class Commitment:
    id: str
    section: int
    kind: str
    status: str
    actor: str
    what_nl: str
    when_nl: str
    due: str
    answers: str
    locator: str
    row: int = 0

    @property
    def when_words(self) -> list[str]:
        """The letter's own timing words: ``when_nl`` without the parts in square brackets."""
        return letter_words(self.when_nl)


def letter_words(text: str) -> list[str]:
    """The parts of ``text`` outside square brackets, each stripped: the letter's own words.

    >>> letter_words("na oplevering van dit rapport [de volgende Marktmonitor]")
    ['na oplevering van dit rapport']
    >>> letter_words("toezegging commissiedebat 20 april [2022], na een opmerking")
    ['toezegging commissiedebat 20 april', ', na een opmerking']
    """
    return [part.strip() for part in re.split(r"\[[^\]]*\]", text) if part.strip()]


def due_period(due: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a ``due`` value; ``ValueError`` if it is not one of the forms."""
    m = DUE.match(due)
    if not m:
        raise ValueError(f"{due!r} is not YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD")
    year, quarter, month, month_d, day = m.groups()
    y = int(year)
    if quarter:
        q = int(quarter)
        return dt.date(y, 3 * q - 2, 1), dt.date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
    if month:
        mo = int(month)
        if not 1 <= mo <= 12:
            raise ValueError(f"{due!r}: month {mo} does not exist")
        return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
    if month_d:
        try:
            d = dt.date(y, int(month_d), int(day))
        except ValueError as exc:
            raise ValueError(f"{due!r}: that day does not exist ({exc})") from None
        return d, d
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def due_nl(due: str) -> str:
    """A ``due`` value in Dutch words, for the report."""
    if not due:
        return UNDATED
    m = DUE.match(due)
    year, quarter, month, month_d, day = m.groups()
    if quarter:
        return f"{quarter}e kwartaal {year}"
    if month:
        return f"{MONTHS_NL[int(month) - 1]} {year}"
    if month_d:
        return f"{int(day)} {MONTHS_NL[int(month_d) - 1]} {year}"
    return year


def letter_order(locator: str) -> tuple:
    """The letter's reading order of a locator: a footnote comes right after the paragraph it
    belongs to, not where the page put its text (footnote 7 of §10 stands near the end of §10).

    >>> letter_order("§10 De drie leerroutes alinea 1 voetnoot 7") < letter_order("§10 De drie leerroutes alinea 3")
    True
    """
    anchor = re.sub(r" voetnoot \d+$", "", locator)
    return (*letter.sort_key(anchor), letter.parse(locator).footnote or 0)


def sort_key(c: Commitment) -> tuple:
    """Date order: by the last day of ``due``, shorter periods first, then the letter's order
    (:func:`letter_order`); undated entries last (in the letter's order)."""
    order = (c.section, letter_order(c.locator), int(ID.match(c.id).group(2)))
    if not c.due:
        return (1, dt.date.max, 0, order)
    first, last = due_period(c.due)
    return (0, last, (last - first).days, order)


@functools.cache  # one model class for every row (building it costs as much as 30 validations)
def _row_model():
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field

    text = dict(max_length=MAX_TEXT, pattern=r"^[^<>{}`\\]*$")  # no markup characters

    class Row(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str = Field(pattern=ID.pattern)
        section: int = Field(ge=0, le=10)
        kind: Literal[KINDS]
        status: Literal[STATUSES]
        actor: str = Field(min_length=1, **text)
        what_nl: str = Field(min_length=1, **text)
        when_nl: str = Field(**text)
        due: str = Field(pattern=r"^$|" + DUE.pattern)
        answers: str = Field(**text)
        locator: str = Field(pattern=letter.LOCATOR.pattern)

    return Row


_HINTS = {
    "id": "'TNN-K': the section as two digits, then a number from 1",
    "section": "a section of the letter: 0 (the Aanleiding) to 10",
    "due": "empty, YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD",
    "locator": "'§N [subheading] alinea K [punt J | voetnoot F]' or 'Aanleiding alinea K'",
    "actor": f"words without markup characters (< > {{ }} ` \\), at most {MAX_TEXT} characters",
}


def _row_problems(rel: str, n: int, row: dict, paragraphs: dict, years: dict) -> list[Problem]:
    """The faults of one row: its columns (a pydantic model), then the rules across columns."""
    from pydantic import ValidationError

    try:
        _row_model().model_validate(row)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            column = str(err["loc"][0])
            got = repr(row.get(column, ""))[:50]
            if err["type"] in ("string_pattern_mismatch", "int_parsing") or column in ("section",):
                rule = f"{got} is not {_HINTS.get(column, _HINTS['actor'])}"
            elif err["type"] == "literal_error":
                rule = f"unknown {column} {got}; one of {', '.join(KINDS if column == 'kind' else STATUSES)}"
            elif err["type"] == "string_too_short":
                rule = f"{column} is empty"
            else:
                rule = f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {got}"
            out.append(Problem(rel, n, column, rule))
        return out
    out = []
    if int(ID.match(row["id"]).group(1)) != int(row["section"]):
        out.append(Problem(rel, n, "id", f"{row['id']!r} does not start with its section, T{int(row['section']):02d}"))
    for column in ("actor", "what_nl", "when_nl", "answers"):
        if row[column].count("[") != row[column].count("]") or re.search(r"\[[^\]]*\[", row[column]):
            out.append(Problem(rel, n, column, "square brackets do not pair up ([ … ] marks what the letter implies)"))
    if row["due"]:
        try:
            first, _ = due_period(row["due"])
            if not years["min"] <= first.year <= years["max"]:
                out.append(Problem(rel, n, "due", f"{row['due']!r} is outside the letter's years ({years['min']}-{years['max']})"))
        except ValueError as exc:
            out.append(Problem(rel, n, "due", str(exc)))
        if not letter_words(row["when_nl"]):
            out.append(Problem(rel, n, "when_nl", f"empty, but due is {row['due']!r}: a date needs the letter's timing words"))
    if row["locator"] not in paragraphs:
        out.append(Problem(rel, n, "locator", f"{row['locator']!r} is not in the paragraph map ({letter.PARAGRAPHS})"))
    elif letter.parse(row["locator"]).section != int(row["section"]):
        out.append(Problem(rel, n, "locator", f"{row['locator']!r} is not in section {row['section']}"))
    return out


def read(raw_dir: Path | str | None = None, catalogue: dict | None = None) -> tuple[list[Commitment], list[Problem]]:
    """The commitments and the problems in the file (one each: file, row, column, rule)."""
    from .catalogue import load_catalogue

    raw_dir = letter._raw_dir(raw_dir)
    path = raw_dir / FILE
    rel = paths.relative(path)
    if not path.exists():
        return [], [Problem(rel, None, None, "the commitments file is missing")]
    catalogue = catalogue or load_catalogue(raw_dir / "catalogue.yaml")
    years = catalogue["letter"]["years"]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(rel, None, None, f"not valid UTF-8 ({exc.reason}); save the file as UTF-8")]
    reader = csv.reader(text.splitlines())
    header = next(reader, [])
    if header != COLUMNS:
        return [], [Problem(rel, 1, None, f"columns {', '.join(header)}; expected {', '.join(COLUMNS)}")]
    try:
        paragraphs = letter.load_map(raw_dir)
    except DataError:
        paragraphs = {}  # the map's own problems are reported with the map
    items, problems, seen = [], [], {}
    for n, fields in enumerate(reader, start=2):
        if len(fields) != len(COLUMNS):
            problems.append(Problem(rel, n, None, f"{len(fields)} fields; expected {len(COLUMNS)} ({', '.join(COLUMNS)})"))
            continue
        row = dict(zip(COLUMNS, fields))
        row_problems = _row_problems(rel, n, row, paragraphs, years)
        if row["id"] in seen:
            row_problems.append(Problem(rel, n, "id", f"{row['id']!r} appears twice (also row {seen[row['id']]})"))
        seen.setdefault(row["id"], n)
        problems += row_problems
        if not row_problems:
            items.append(Commitment(**{**row, "section": int(row["section"])}, row=n))
    return items, problems


def load(raw_dir: Path | str | None = None) -> list[Commitment]:
    """The commitments, validated, in date order (see :func:`sort_key`); DataError otherwise."""
    items, problems = read(raw_dir)
    if problems:
        raise DataError([str(p) for p in problems])
    return sorted(items, key=sort_key)


def of_section(items: Iterable[Commitment], section: int) -> list[Commitment]:
    """The commitments of one topic, in date order."""
    return sorted((c for c in items if c.section == section), key=sort_key)


def timing_nl(c: Commitment) -> str:
    """The timing as the report shows it: the letter's own words as a marked quotation, with
    what they imply in square brackets, or 'geen termijn genoemd'.

    >>> timing_nl(Commitment("T05-1", 5, "toezegging", "gepland", "minister", "x",
    ...                      "in het tweede kwartaal van dit jaar [2023]", "2023-Q2", "", "§5 alinea 3"))
    '‘in het tweede kwartaal van dit jaar’ [2023]'
    >>> timing_nl(Commitment("T08-2", 8, "aankondiging", "gepland", "-", "x", "[in] een latere ronde", "", "", "§8 alinea 3"))
    '[in] ‘een latere ronde’'
    """
    if not c.when_nl:
        return "geen termijn genoemd"
    parts = re.findall(r"\[[^\]]*\]|[^\[]+", c.when_nl)
    return " ".join(p if p.startswith("[") else f"‘{p.strip()}’" for p in parts if p.strip())


# ---------------------------------------------------------------- how the report shows them

def kind_nl(c: Commitment) -> str:
    """Kind and status in words: ``toezegging, gepland``."""
    return f"{c.kind}, {STATUS_NL[c.status]}"


def what_line(c: Commitment) -> str:
    """What, and what it answers: in this project's words."""
    text = c.what_nl.rstrip(".") + "."
    return f"{text} Antwoord op: {c.answers}." if c.answers else text


TOPIC_INTRO = ("**Besluiten, toezeggingen, aankondigingen, onderzoeken en evaluaties in dit onderwerp**, in de woorden van dit "
               "rapport; de tijdsaanduiding staat tussen aanhalingstekens zoals de brief die geeft, en tussen vierkante "
               "haken staat wat de brief daarbij bedoelt maar niet letterlijk zegt.\n\n")


def topic_markdown(items: Iterable[Commitment], section: int, style: str = "list", show_actor: bool = True) -> str:
    """The commitments of one topic as Markdown, in date order: a list (or a table), each item
    with its kind, who acts, its timing and its locator. Every text from the data is escaped."""
    from .tables import escape, rows_table

    own = of_section(items, section)
    if not own:
        return "*In dit onderwerp noemt de brief geen besluiten, toezeggingen of termijnen.*\n"
    if style == "table":
        columns, rows = appendix_rows(own, show_actor)
        keep = [i for i, col in enumerate(columns) if col != WHEN_SORTED]
        return TOPIC_INTRO + rows_table([columns[i] for i in keep], [[r[i] for i in keep] for r in rows],
                                        align=["l"] * len(keep), widths=[WIDTHS[columns[i]] for i in keep])
    lines = []
    for c in own:
        parts = [f"- **{escape(c.kind.capitalize())}** ({escape(STATUS_NL[c.status])}): {escape(what_line(c))}"]
        if show_actor:
            parts.append(f"Wie: {escape(c.actor)}.")
        parts.append(f"Wanneer: {escape(timing_nl(c))}.")
        parts.append(f"Vindplaats: {escape(letter.display(c.locator))}.")
        lines.append(" ".join(parts))
    return TOPIC_INTRO + "\n".join(lines) + "\n"


#: The appendix column that turns the letter's timing words into a date, quarter or year, to sort by.
WHEN_SORTED = "Datum of periode"
#: Relative column widths of the commitment tables.
WIDTHS = {WHEN_SORTED: 2, "Soort": 3, "Wat": 6, "Wie": 2, "Wanneer volgens de brief": 3, "Vindplaats": 3}


def appendix_rows(items: Iterable[Commitment], show_actor: bool = True) -> tuple[list[str], list[list[str]]]:
    """The appendix table 'Toezeggingen en termijnen': all entries in date order, undated last
    (their 'Datum of periode' says 'zonder datum'; their timing words, if any, stand beside it)."""
    columns = [WHEN_SORTED, "Soort", "Wat", "Wie", "Wanneer volgens de brief", "Vindplaats"]
    rows = [[due_nl(c.due), kind_nl(c), what_line(c), c.actor,
             timing_nl(c), letter.display(c.locator)] for c in sorted(items, key=sort_key)]
    if not show_actor:
        columns.remove("Wie")
        rows = [r[:3] + r[4:] for r in rows]
    return columns, rows


def processed_frame(items: Iterable[Commitment]):
    """The commitments in date order with their display texts, for data/processed."""
    import pandas as pd

    ordered = sorted(items, key=sort_key)
    return pd.DataFrame(
        {
            "order": range(1, len(ordered) + 1),
            **{col: [getattr(c, col) for c in ordered] for col in COLUMNS},
            "due_end": [due_period(c.due)[1].isoformat() if c.due else "" for c in ordered],
            "due_nl": [due_nl(c.due) for c in ordered],
            "locator_nl": [letter.display(c.locator) for c in ordered],
        }
    )
