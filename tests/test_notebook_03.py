"""§3 Leerbaarheidstoets: the notebook with default and non-default parameters,
checked against the letter's figures."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import has_image, markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"


def raw_value(indicator, category):
    raw = pd.read_csv(ROOT / "data" / "raw" / "03_leerbaarheidstoets.csv")
    row = raw[(raw["indicator"] == indicator) & (raw["category"] == category)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_03_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("03_leerbaarheidstoets")  # the session build: params.yaml holds the defaults
    key = pd.read_csv(out / "03_leerbaarheid_kerncijfers.csv").set_index(["measure", "category"])["value"]
    old, new, total = (raw_value("cutoff_correct", "old_cutoff"), raw_value("cutoff_correct", "new_cutoff"),
                       raw_value("test_questions", "total"))
    assert (old, new, total) == (31, 28, 40)
    assert key[("cutoff_correct", "old_cutoff")] == old and key[("cutoff_correct", "new_cutoff")] == new
    assert key[("cutoff_reduction", "total")] == raw_value("cutoff_reduction", "total") == 3  # "drie punten"
    assert key[("cutoff_reduction_recomputed", "total")] == old - new == 3
    assert key[("cutoff_share", "old_cutoff")] == pytest.approx(100 * old / total) == 77.5
    assert key[("cutoff_share", "new_cutoff")] == pytest.approx(100 * new / total) == 70
    assert key[("cutoff_share_reduction", "total")] == pytest.approx(7.5)
    assert key[("wrongly_not_feasible", "total")] == raw_value("wrongly_not_feasible", "total") == 1300
    assert key[("asylum_permit_holders_share", "z_route")] == 22
    assert key[("asylum_permit_holders_share", "not_feasible")] == 38
    assert key[("asylum_share_gap", "not_feasible_minus_z_route")] == 38 - 22

    table = pd.read_csv(out / "03_leerbaarheid_kerncijfers.csv")
    derived = dict(zip(table["measure"], table["derived"]))
    assert not derived["cutoff_correct"] and not derived["wrongly_not_feasible"]
    assert not derived["cutoff_reduction"]
    assert derived["cutoff_reduction_recomputed"] and derived["cutoff_share"] and derived["asylum_share_gap"]
    assert table.loc[table["derived"], "rule"].str.len().gt(0).all()

    findings = strip(markdown_of(nb, "leerbaarheid-kernpunten"))
    for text in ("28", "31", "40", f"ruim{NBSP}1.300", "zo snel mogelijk", "aanzienlijk minder",
                 f"22{NBSP}%", f"38{NBSP}%", "16 procentpunt", "berekend"):
        assert text in findings, text
    for wrong in ("voortaan", "nu wel", "meetellen", "77,5", "70,0"):  # review findings 2.7, 2.8, 4.7
        assert wrong not in findings, wrong
    shown = strip(markdown_of(nb, "tbl-leerbaarheid-kerncijfers"))  # a marked phrase has no-break spaces
    assert f"| Verschil tussen beide aandelen | 16{NBSP}procentpunt | berekend uit brief §3, alinea 3 |" in shown
    assert "| Verlaging van de cesuur, volgens de brief | 3 punten | brief §3, alinea 2 |" in shown  # the letter's unit
    assert "| Verlaging in goede antwoorden, berekend \\(oude min nieuwe cesuur\\) | 3 goede antwoorden | berekend uit brief §3, alinea 2 |" in shown
    assert "deel van de toets" not in shown
    assert "verlaging met drie punten" in findings
    assert f"| Ten onrechte ‘niet haalbaar’ \\(inburgeraars\\) | ruim{NBSP}1.300 | brief §3, alinea 3 |" in shown
    assert has_image(nb, "fig-leerbaarheid-cesuur") and has_image(nb, "fig-leerbaarheid-asiel")
    assert (out / "figures" / "leerbaarheid_cesuur.svg").read_text().startswith("<?xml")
    assert (out / "figures" / "leerbaarheid_asielstatushouders.svg").exists()
    assert unresolved_records(nb) == []


@pytest.mark.slow  # only the figure format differs: the fast tests check PNG in notebooks 01, 05, 06, 08 and 10
@pytest.mark.nbrun("03_leerbaarheidstoets", fig_format="png")
def test_03_non_default_parameters(nbrun):
    out, nb = nbrun
    assert (out / "figures" / "leerbaarheid_cesuur.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-leerbaarheid-asiel", "image/png")
    assert f"ruim{NBSP}1.300" in strip(markdown_of(nb, "leerbaarheid-kernpunten"))
