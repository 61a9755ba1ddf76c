"""The commitments file (data/raw/12_toezeggingen.csv) and the paragraph map: validation
(one line per fault naming file, row and column), date order and the locator's display text."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_catalogue import edit, raw  # noqa: F401  (the copied data/raw fixture and the edit helper)
from verzamelbrief import commitments, letter
from verzamelbrief.catalogue import validate_all

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def test_shipped_commitments_are_valid_and_ids_unique():
    items = commitments.load(RAW)
    assert len({c.id for c in items}) == len(items) > 40
    assert {c.kind for c in items} == set(commitments.KINDS)
    assert set(range(0, 11)) == {c.section for c in items}


@pytest.mark.parametrize(
    "old, new, where",
    [
        ("T02-6,2,toezegging", "T02-6,2,belofte", "row 18, column 'kind': unknown kind 'belofte'"),
        ("T02-6,2,toezegging,gepland", "T02-6,2,toezegging,misschien", "row 18, column 'status'"),
        ("in het najaar van 2023,2023-Q4", "in het najaar van 2023,2023-Q5", "row 18, column 'due'"),
        ("in het najaar van 2023,2023-Q4", "in het najaar van 2023,2023-02-30", "row 18, column 'due'"),
        ("in het najaar van 2023,2023-Q4", ",2023-Q4", "row 18, column 'when_nl': empty, but due is '2023-Q4'"),
        ("in het najaar van 2023,2023-Q4", "in het najaar van 2023,2031", "row 18, column 'due': '2031' is outside"),
        ("T02-6,2,", "T03-9,2,", "row 18, column 'id': 'T03-9' does not start with its section"),
        ("T02-6,2,", "T02-5,2,", "row 18, column 'id': 'T02-5' appears twice"),
        (",§2 alinea 5\nT03-1", ",§2 alinea 9\nT03-1", "row 18, column 'locator': '§2 alinea 9' is not in the paragraph map"),
        (",§2 alinea 5\nT03-1", ",§3 alinea 1\nT03-1", "row 18, column 'locator': '§3 alinea 1' is not in section 2"),
        ("De Kamer nader informeren", "<script>De Kamer", "row 18, column 'what_nl'"),
        ("in het najaar van 2023,", "in het najaar [van 2023,", "row 18, column 'when_nl': square brackets"),
    ],
)
def test_a_bad_commitment_gives_one_line_naming_row_and_column(raw, old, new, where):  # noqa: F811 (fixture)
    edit(raw / commitments.FILE, old, new)
    lines = [str(p) for p in validate_all(raw)]
    assert len(lines) == 1 and f"12_toezeggingen.csv, {where}" in lines[0], lines


def test_a_missing_column_or_file_is_named(raw):  # noqa: F811 (fixture)
    edit(raw / commitments.FILE, "id,section,kind", "id,kind")
    assert any("row 1" in str(p) and "expected id, section, kind" in str(p) for p in validate_all(raw))
    (raw / commitments.FILE).unlink()
    assert any("commitments file is missing" in str(p) for p in validate_all(raw))


def test_date_order_puts_undated_last():
    items = commitments.load(RAW)
    dated = [c for c in items if c.due]
    assert items[: len(dated)] == dated and all(not c.due for c in items[len(dated):])
    ends = [commitments.due_period(c.due)[1] for c in dated]
    assert ends == sorted(ends)
    # within one end date the shorter period comes first: 1 april 2023 before the 2nd quarter
    order = [c.due for c in dated]
    assert order.index("2023-04-01") < order.index("2023-Q2")


def test_the_appendix_dates_what_it_can_and_says_so_for_the_rest():
    columns, rows = commitments.appendix_rows(commitments.load(RAW))
    assert columns[0] == "Datum of periode" and rows[-1][0] == "zonder datum"
    # an entry with timing words but no date or period: no date, and the letter's words beside it
    assert any(r[0] == "zonder datum" and r[4] == "‘zo spoedig mogelijk’" for r in rows)
    assert "geen termijn genoemd" not in [r[0] for r in rows]


def test_due_forms():
    assert commitments.due_period("2023-06")[1].isoformat() == "2023-06-30"
    assert commitments.due_period("2024-02")[1].isoformat() == "2024-02-29"
    assert commitments.due_nl("2023-06") == "juni 2023"
    for bad in ("2023-Q0", "2023-13", "23-Q1", "2023-1", "Q2 2023"):
        with pytest.raises(ValueError):
            commitments.due_period(bad)


@pytest.mark.parametrize(
    "locator, shown",
    [
        ("§3 alinea 2", "brief §3, alinea 2"),
        ("§10 Risico’s alinea 3 voetnoot 9", "brief §10 (Risico’s), alinea 3, voetnoot 9"),
        ("§10 Participatiedeel Z-route/duaal alinea 4", "brief §10 (Participatiedeel Z-route/duaal), alinea 4"),
        ("§7 alinea 4 punt 2", "brief §7, alinea 4, punt 2"),
    ],
)
def test_locator_display(locator, shown):
    assert letter.display(locator) == shown


@pytest.mark.parametrize("bad", ["§3", "§3 alinea", "§3 alinea 0", "brief §3, alinea 2", "§3 alinea 2 punt 1 voetnoot 2", "§0 alinea 1"])
def test_a_malformed_locator_is_refused(bad):
    with pytest.raises(ValueError, match="is not '§N"):
        letter.parse(bad)


def test_the_map_and_every_raw_locator_agree():
    paragraphs = letter.load_map(RAW)
    assert all(c.locator in paragraphs for c in commitments.load(RAW))


def test_every_shown_text_holds_only_numbers_the_gates_short_rule_allows():
    """The appendix has no figures: dates, quarters and locators only, which need no provenance record."""
    from verzamelbrief import herkomst

    items = commitments.load(RAW)
    columns, rows = commitments.appendix_rows(items)
    shown = [str(v) for row in rows for v in row] + [commitments.topic_markdown(items, s) for s in range(1, 11)]
    assert [t for t in shown if herkomst.untraced_numbers(t)] == []
    assert herkomst.untraced_numbers("2e kwartaal 2023") == [] and herkomst.untraced_numbers("2 kwartalen") == ["2"]
