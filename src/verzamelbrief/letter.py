"""The letter's structure as data: its paragraph map and the locators that point into it.

A *locator* names a place in the letter: the section (``§N``, or ``Aanleiding`` for the
opening), an optional subheading, the paragraph (``alinea K``) and, inside it, a list item
(``punt J``) or a footnote (``voetnoot F``, the footnote whose mark stands in that paragraph):

    §3 alinea 2
    §7 alinea 4 punt 1
    §10 Risico’s alinea 3 voetnoot 9
    Aanleiding alinea 1

``data/raw/letter_paragraphs.csv`` maps every locator to its lines in the letter's reference
text (``first_line``..``last_line``, 1-based, inclusive), without any of the letter's words.
The catalogue's ``letter › reference_text`` block records that text's SHA-256, so a changed
reference text is noticed before a line number is trusted. A paragraph's text is its lines
without the lines of footnotes printed inside them (footnotes and page breaks interleave).

How paragraphs are counted (as a reader of the letter counts them): a paragraph ends where
the letter leaves a blank line, where a heading or subheading follows, or where a line ends
a sentence with a hard break (a short last line, or the reference text's trailing double
space); a numbered list belongs to the paragraph that introduces it, its items are ``punt``.

>>> display("§10 De drie leerroutes alinea 1")
'brief §10 (De drie leerroutes), alinea 1'
>>> display("§7 alinea 4 punt 1")
'brief §7, alinea 4, punt 1'
>>> display("Aanleiding alinea 1")
'brief (Aanleiding), alinea 1'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import paths
from .catalogue import Problem

#: The paragraph map's file in data/raw and its columns.
PARAGRAPHS = "letter_paragraphs.csv"
PARAGRAPH_COLUMNS = ["locator", "section", "kind", "first_line", "last_line"]
KINDS = ("alinea", "punt", "voetnoot")

LOCATOR = re.compile(
    r"^(?:§(?P<section>[1-9]\d?)|(?P<intro>Aanleiding))"
    r"(?: (?P<subheading>\S.*?))?"
    r" alinea (?P<paragraph>[1-9]\d*)"
    r"(?: punt (?P<item>[1-9]\d*)| voetnoot (?P<footnote>[1-9]\d*))?$"
)


@dataclass(frozen=True)
class Locator:
    section: int  # 0 for the Aanleiding
    subheading: str | None
    paragraph: int
    item: int | None = None
    footnote: int | None = None

    @property
    def kind(self) -> str:
        return "punt" if self.item else "voetnoot" if self.footnote else "alinea"

    @property
    def paragraph_locator(self) -> str:
        """The locator of the paragraph this item or footnote belongs to."""
        head = "Aanleiding" if self.section == 0 else f"§{self.section}"
        sub = f" {self.subheading}" if self.subheading else ""
        return f"{head}{sub} alinea {self.paragraph}"


def parse(locator: str) -> Locator:
    """A locator string as its parts; ``ValueError`` naming the expected form otherwise.

    >>> parse("§10 Risico’s alinea 3 voetnoot 9")
    Locator(section=10, subheading='Risico’s', paragraph=3, item=None, footnote=9)
    """
    m = LOCATOR.match(str(locator))
    if not m:
        raise ValueError(f"locator {locator!r} is not '§N [subheading] alinea K [punt J | voetnoot F]'")
    num = lambda g: int(m.group(g)) if m.group(g) else None  # noqa: E731
    return Locator(0 if m.group("intro") else int(m.group("section")), m.group("subheading"),
                   int(m.group("paragraph")), num("item"), num("footnote"))


def display(locator: str) -> str:
    """A locator as the report shows it: ``brief §10 (Risico’s), alinea 3, voetnoot 9``.

    The one Dutch form for every locator in the report; the Lua filter ``brief-locator.lua``
    writes ``[§3 alinea 2]{.brief}`` in the qmd in the same form.
    """
    loc = parse(locator)
    head = "brief (Aanleiding)" if loc.section == 0 else f"brief §{loc.section}"
    if loc.subheading:
        head += f" ({loc.subheading})"
    parts = [head, f"alinea {loc.paragraph}"]
    if loc.item:
        parts.append(f"punt {loc.item}")
    if loc.footnote:
        parts.append(f"voetnoot {loc.footnote}")
    return ", ".join(parts)


def display_many(locators: Iterable[str]) -> str:
    """Several locators in one phrase, in the letter's order, each once; paragraphs of one
    (sub)section share its head, items of one paragraph share the paragraph.

    >>> display_many(["§3 alinea 3", "§3 alinea 2", "§3 alinea 2"])
    'brief §3, alinea 2 en 3'
    >>> display_many(["§7 alinea 4 punt 2", "§7 alinea 4 punt 1"])
    'brief §7, alinea 4, punt 1 en 2'
    >>> display_many(["§10 Risico’s alinea 3", "§10 De drie leerroutes alinea 1"])
    'brief §10 (De drie leerroutes), alinea 1; brief §10 (Risico’s), alinea 3'
    """
    def together(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]

    groups: dict[str, dict[int, list[str]]] = {}
    for loc in sorted(set(locators), key=sort_key):
        head = display(loc).partition(", alinea ")[0]
        parsed = parse(loc)
        parts = groups.setdefault(head, {}).setdefault(parsed.paragraph, [])
        if parsed.item:
            parts.append(f"punt {parsed.item}")
        elif parsed.footnote:
            parts.append(f"voetnoot {parsed.footnote}")
    out = []
    for head, paragraphs in groups.items():
        shown = []
        for number, parts in paragraphs.items():
            words = [w.split(" ", 1) for w in parts]
            if not parts:
                shown.append(str(number))
            elif len({kind for kind, _ in words}) == 1:
                shown.append(f"{number}, {words[0][0]} {together([n for _, n in words])}")
            else:
                shown.append(f"{number}, {together(parts)}")
        plain = all("," not in x for x in shown)
        out.append(f"{head}, alinea {together(shown) if plain else '; alinea '.join(shown)}")
    return "; ".join(out)


def sort_key(locator: str) -> tuple:
    """The letter's order of locators: section, then line (from the paragraph map), then parts."""
    loc = parse(locator)
    entry = _cached_map().get(locator)
    return (loc.section, entry.first_line if entry else 10**6, loc.paragraph, loc.item or 0, loc.footnote or 0)


# ---------------------------------------------------------------- the paragraph map

@dataclass(frozen=True)
class Entry:
    locator: str
    section: int
    kind: str
    first_line: int
    last_line: int
    row: int = 0  # the line in the CSV (header = 1), for messages


def _raw_dir(raw_dir: Path | str | None) -> Path:
    p = Path(raw_dir or paths.DATA_RAW)
    return p if p.is_absolute() else paths.ROOT / p


def read_map(raw_dir: Path | str | None = None) -> tuple[list[Entry], list[Problem]]:
    """The paragraph map's rows and the problems in it (one each: file, row, column, rule)."""
    path = _raw_dir(raw_dir) / PARAGRAPHS
    rel = paths.relative(path)
    if not path.exists():
        return [], [Problem(rel, None, None, "the paragraph map is missing")]
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if header != PARAGRAPH_COLUMNS:
            return [], [Problem(rel, 1, None, f"columns {', '.join(header)}; expected {', '.join(PARAGRAPH_COLUMNS)}")]
        rows = list(reader)
    entries, problems = [], []
    for n, row in enumerate(rows, start=2):
        if len(row) != len(PARAGRAPH_COLUMNS):
            problems.append(Problem(rel, n, None, f"{len(row)} fields; expected {len(PARAGRAPH_COLUMNS)}"))
            continue
        locator, section, kind, first, last = row
        try:
            loc = parse(locator)
        except ValueError as exc:
            problems.append(Problem(rel, n, "locator", str(exc)))
            continue
        bad = [c for c, v in (("section", section), ("first_line", first), ("last_line", last)) if not v.isdigit()]
        if bad:
            problems += [Problem(rel, n, c, "not a whole number") for c in bad]
            continue
        entry = Entry(locator, int(section), kind, int(first), int(last), n)
        if entry.section != loc.section:
            problems.append(Problem(rel, n, "section", f"{section}, but the locator names §{loc.section}"))
        if kind != loc.kind:
            problems.append(Problem(rel, n, "kind", f"{kind!r}, but the locator {locator!r} is a {loc.kind!r}"))
        if entry.first_line < 1 or entry.last_line < entry.first_line:
            problems.append(Problem(rel, n, "last_line", f"lines {first}-{last} are not a range (first_line ≥ 1, last_line ≥ first_line)"))
        entries.append(entry)
    return entries, problems + _map_problems(rel, entries)


def _map_problems(rel: str, entries: list[Entry]) -> list[Problem]:
    """Locators unique; paragraphs in the letter's order, numbered 1, 2, … within each
    (sub)section, not overlapping; items inside their paragraph and numbered 1, 2, …"""
    problems = []
    seen: set[str] = set()
    for e in entries:
        if e.locator in seen:
            problems.append(Problem(rel, e.row, "locator", f"{e.locator!r} appears twice"))
        seen.add(e.locator)
    paragraphs = [e for e in entries if e.kind == "alinea"]
    by_loc = {e.locator: e for e in paragraphs}
    count: dict[tuple, int] = {}
    previous: Entry | None = None
    for e in paragraphs:
        loc = parse(e.locator)
        key = (loc.section, loc.subheading)
        count[key] = count.get(key, 0) + 1
        if loc.paragraph != count[key]:
            problems.append(Problem(rel, e.row, "locator", f"{e.locator!r} should be alinea {count[key]} of its "
                                    "(sub)section: paragraphs count 1, 2, … in the letter's order"))
        if previous is not None:
            if e.first_line <= previous.last_line:
                problems.append(Problem(rel, e.row, "first_line", f"{e.locator!r} (lines {e.first_line}-{e.last_line}) "
                                        f"overlaps or precedes {previous.locator!r} (lines {previous.first_line}-{previous.last_line})"))
            if e.section < previous.section:
                problems.append(Problem(rel, e.row, "section", f"§{e.section} after §{previous.section}; "
                                        "sections are in the letter's order"))
        previous = e
    items: dict[str, list[int]] = {}
    for e in entries:
        if e.kind == "alinea":
            continue
        loc = parse(e.locator)
        parent = by_loc.get(loc.paragraph_locator)
        if parent is None:
            problems.append(Problem(rel, e.row, "locator", f"{e.locator!r} belongs to {loc.paragraph_locator!r}, which is not in the map"))
        elif e.kind == "punt":
            items.setdefault(loc.paragraph_locator, []).append(loc.item)
            if not parent.first_line <= e.first_line <= e.last_line <= parent.last_line:
                problems.append(Problem(rel, e.row, "first_line", f"{e.locator!r} (lines {e.first_line}-{e.last_line}) lies "
                                        f"outside its paragraph (lines {parent.first_line}-{parent.last_line})"))
    for par, numbers in items.items():
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(Problem(rel, None, "locator", f"the items of {par!r} are numbered {numbers}; expected 1, 2, … in order"))
    return problems


def section_problems(entries: Iterable[Entry], starts: dict[int, int], rel: str = PARAGRAPHS) -> list[Problem]:
    """Every paragraph within its section: ``starts`` maps a section to the line of its
    heading (0: the Aanleiding) in the reference text the map was counted in."""
    order = sorted(starts, key=starts.get)
    problems = []
    for e in entries:
        if e.kind == "voetnoot" or e.section not in starts:
            continue
        i = order.index(e.section)
        start, end = starts[e.section], (starts[order[i + 1]] if i + 1 < len(order) else 10**9)
        if not (start < e.first_line and e.last_line < end):
            problems.append(Problem(rel, e.row, "first_line", f"{e.locator!r} (lines {e.first_line}-{e.last_line}) lies "
                                    f"outside §{e.section} (lines {start}-{end - 1})"))
    return problems


def load_map(raw_dir: Path | str | None = None) -> dict[str, Entry]:
    """The paragraph map, validated, by locator; :class:`~verzamelbrief.catalogue.DataError` otherwise."""
    from .catalogue import DataError

    entries, problems = read_map(raw_dir)
    if problems:
        raise DataError([str(p) for p in problems])
    return {e.locator: e for e in entries}


def _cached_map() -> dict[str, Entry]:
    global _MAP
    if _MAP is None:
        _MAP = load_map()
    return _MAP


_MAP: dict[str, Entry] | None = None


def located_lines(entries: dict[str, Entry], locator: str) -> list[int]:
    """The line numbers (1-based) of ``locator``'s own text: its lines, without the lines of
    footnotes printed inside them (for a paragraph) — the text a figure or timing must be in."""
    e = entries[locator]
    lines = set(range(e.first_line, e.last_line + 1))
    if e.kind != "voetnoot":
        for other in entries.values():
            if other.kind == "voetnoot":
                lines -= set(range(other.first_line, other.last_line + 1))
    return sorted(lines)


def located_text(entries: dict[str, Entry], locator: str, lines: list[str]) -> str:
    """The text at ``locator`` in the reference text's ``lines``, as one line with single spaces."""
    text = "\n".join(lines[i - 1] for i in located_lines(entries, locator))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


# ---------------------------------------------------------------- the catalogue's `records`

def _records_model():
    from pydantic import BaseModel, ConfigDict, Field

    class Record(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        description: str
        columns: dict[str, str] = Field(min_length=1)

    class Records(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        records: dict[str, Record]

    return Records


def _record_files() -> dict:
    """Each record file: its columns, in order (its catalogue entry describes them), and the
    function that returns its problems."""
    from . import commitments

    return {
        PARAGRAPHS: (PARAGRAPH_COLUMNS, lambda raw_dir, catalogue: read_map(raw_dir)[1]),
        commitments.FILE: (commitments.COLUMNS, lambda raw_dir, catalogue: commitments.read(raw_dir, catalogue)[1]),
    }


def record_problems(raw_dir: Path | str | None, catalogue: dict, skip: Iterable[str] = ()) -> list[Problem]:
    """Problems in the catalogue's ``records`` block and in the record files it describes
    (those named in ``skip``, validated before and unchanged, only for their presence)."""
    from pydantic import ValidationError

    raw_dir = _raw_dir(raw_dir)
    cat = paths.relative(raw_dir / "catalogue.yaml")
    records = catalogue.get("records")
    if records is None:  # a catalogue without record files (the tests' small ones); the real one has them
        return []
    try:
        _records_model().model_validate({"records": records})
    except ValidationError as exc:
        return [Problem(cat, None, None, f"{' › '.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()]
    files = _record_files()
    problems = []
    for name, (columns, _) in files.items():
        if name not in records:
            problems.append(Problem(cat, None, None, f"records › {name}: is missing"))
        elif list(records[name]["columns"]) != columns:
            problems.append(Problem(cat, None, None, f"records › {name} › columns: describe {', '.join(columns)}, in that order"))
    for name in records:
        if name not in files:
            problems.append(Problem(cat, None, None, f"records › {name}: no rules for this file; known: {', '.join(files)}"))
    if problems:
        return problems
    for name, (_, check) in files.items():
        if name in skip and (raw_dir / name).exists():
            continue
        problems += check(raw_dir, catalogue)
    return problems
