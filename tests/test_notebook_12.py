"""Toezeggingen en termijnen: the notebook with default and non-default parameters."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import markdown_of
from verzamelbrief import herkomst

RAW = pd.read_csv(ROOT / "data" / "raw" / "12_toezeggingen.csv", dtype=str, keep_default_na=False)


def test_12_defaults_list_every_commitment_per_topic_and_in_date_order(built_notebook):
    out, nb = built_notebook("12_toezeggingen")
    overview = pd.read_csv(out / "12_toezeggingen.csv", dtype=str, keep_default_na=False)
    assert sorted(overview["id"]) == sorted(RAW["id"])
    dated = overview[overview["due"] != ""]
    assert list(dated["due_end"]) == sorted(dated["due_end"])
    assert (overview["due"] == "").tolist() == sorted((overview["due"] == "").tolist())  # undated last
    for n in range(1, 11):
        md = markdown_of(nb, f"toezeggingen-{n}")
        own = RAW[RAW["section"] == str(n)]
        assert md.count("\n- **") == len(own), n
        assert f"Vindplaats: brief §{n}" in md and "Wanneer:" in md and "Wie:" in md
    assert "Wanneer: ‘in het najaar van 2023’. Vindplaats: brief §2, alinea 5." in markdown_of(nb, "toezeggingen-2")
    table = markdown_of(nb, "tbl-toezeggingen")
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) == len(RAW)
    assert rows[0].startswith("| 1 februari 2023 |") and rows[-1].startswith("| zonder datum |")
    assert "| 4e kwartaal 2023 | toezegging, gepland |" in table
    assert table.splitlines()[0].startswith("| Datum of periode | Soort | Wat |")
    assert "| zonder datum | besluit, gepland |" in table and "‘zo spoedig mogelijk’" in table  # timing words, no date
    assert "‘in het eerste kwartaal’ \\[van 2023\\]" in table  # the project's addition, shown in brackets


def test_12_shows_no_figures_and_publishes_its_records(built_notebook):
    """No figures: dates, quarters ("2e kwartaal") and locators, which the gate's short rule allows; the
    notebook still publishes its (empty) records, so the render step holds it to the gate."""
    _, nb = built_notebook("12_toezeggingen")
    payload = next(o["data"][herkomst.MIME] for c in nb["cells"] for o in c.get("outputs", []) if herkomst.MIME in o.get("data", {}))
    assert payload["notebook"] == "12_toezeggingen" and payload["records"] == {} and payload["uses"] == []
    for label in [f"toezeggingen-{n}" for n in range(1, 11)] + ["tbl-toezeggingen"]:
        assert herkomst.untraced_numbers(markdown_of(nb, label)) == [], label


@pytest.mark.nbrun("12_toezeggingen", topic_style="table", show_actor=False)
def test_12_non_default_parameters(nbrun):
    out, nb = nbrun
    md = markdown_of(nb, "toezeggingen-5")
    assert "| Soort | Wat | Wanneer volgens de brief | Vindplaats |" in md and "Wie" not in md
    assert "| Wie |" not in markdown_of(nb, "tbl-toezeggingen")
