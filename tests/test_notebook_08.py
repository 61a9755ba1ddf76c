"""§8 AMIF: the notebook with default and non-default parameters, checked against the
letter's figures."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import has_image, markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"
RAW = pd.read_csv(ROOT / "data" / "raw" / "08_amif.csv")


def raw_value(indicator, category="total"):
    rows = RAW[(RAW["indicator"] == indicator) & (RAW["category"] == category)]
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def eur(text):
    return f"€{NBSP}{text}{NBSP}miljoen"  # one marked number: its spaces are no-break spaces


def test_08_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("08_amif")  # the session build: params.yaml holds the defaults
    plafonds = pd.read_csv(out / "08_amif_plafonds.csv").set_index("theme")
    themes = ["dual_trajectories", "context_learning", "participation_activation"]
    assert plafonds.loc[themes, "ceiling_eur_million"].tolist() == [10.5, 3.5, 9.4]
    assert plafonds.loc[themes, "ceiling_eur_million"].tolist() == [raw_value("budget_ceiling", t) for t in themes]
    assert plafonds.loc["total", "ceiling_eur_million"] == pytest.approx(23.4)
    assert plafonds["derived"].tolist() == [False, False, False, True]

    key = pd.read_csv(out / "08_amif_kerncijfers.csv").set_index(["measure", "category"])
    value = key["value"]
    assert value[("budget_ceiling", "total")] == pytest.approx(10.5 + 3.5 + 9.4)
    assert value[("granted", "total")] == raw_value("granted") == 16.7
    assert value[("projects_granted", "total")] == raw_value("projects_granted") == 15
    assert value[("granted_per_project", "average")] == pytest.approx(16.7 / 15)
    assert value[("remaining_call", "stated")] == raw_value("remaining_call") == 6
    assert value[("remaining_call", "ceilings_minus_granted")] == pytest.approx(23.4 - 16.7)
    assert value[("remaining_call", "difference")] == pytest.approx(0.7)
    assert value[("remaining_programme", "total")] == raw_value("remaining_programme") == 22
    assert key.loc[("remaining_programme", "total"), "qualifier"] == "more_than"
    assert key.loc[("remaining_programme", "total"), "year"] == 2027
    derived = key["derived"]
    assert derived[derived].index.tolist() == [
        ("budget_ceiling", "total"), ("granted_per_project", "average"),
        ("remaining_call", "ceilings_minus_granted"), ("remaining_call", "difference"),
    ]
    assert key.loc[derived, "rule"].str.len().min() > 0
    assert (out / "figures" / "amif_budget.svg").read_text().startswith("<?xml")

    findings = strip(markdown_of(nb, "amif-kernpunten"))
    for text in ["10,5", "3,5", "9,4", "23,4", "16,7", "1,1", "6,7"]:
        assert eur(text) in findings, text
    assert f"resteert {eur('6')} van wat ‘voor deze periode’ beschikbaar was" in findings
    assert "som van de drie plafonds \\(aanname\\)" in findings or "som van de drie plafonds (aanname)" in findings
    assert eur("1,11") not in findings  # eur_decimals = 1
    assert f"ruim{NBSP}{eur('22')}" in findings and "2027" in findings
    assert "15 projecten" in findings and findings.count("berekend") == 3 and "ongeveer" not in findings
    # the three themes in the letter's order (§8 alinea 2 and 3)
    assert findings.index("‘Duale trajecten’") < findings.index("‘Contextgericht leren’") < findings.index("‘Specifieke")

    table = strip(markdown_of(nb, "tbl-amif-kerncijfers"))
    assert f"| Subsidieplafond: ‘Duale trajecten’ | {eur('10,5')} | brief §8, alinea 3 |" in table
    assert "Specifieke ondersteuning richting participatie en activatie" in table  # the letter's theme name
    assert f"samen | {eur('23,4')} | berekend uit brief §8, alinea 3 |" in table
    assert f"| Gemiddeld toegekend per project | {eur('1,1')} | berekend uit brief §8, alinea 3 |" in table
    assert f"| Resterend uit dit aanvraagtijdvak, volgens de brief | {eur('6')} | brief §8, alinea 3 |" in table
    assert f"| Resterend uit dit aanvraagtijdvak, plafonds min toegekend | {eur('6,7')} | berekend uit brief §8, alinea 3 \\(aanname\\) |" in table
    assert f"| ruim{NBSP}{eur('22')} | brief §8, alinea 5 |" in table
    assert has_image(nb, "fig-amif-budget")
    assert unresolved_records(nb) == []


@pytest.mark.nbrun("08_amif", eur_decimals=2, fig_format="png")
def test_08_non_default_parameters(nbrun):
    out, nb = nbrun
    assert (out / "figures" / "amif_budget.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-amif-budget", "image/png")
    findings = strip(markdown_of(nb, "amif-kernpunten"))
    assert eur("23,40") in findings and eur("6,70") in findings and eur("1,11") in findings
    # stated figures keep the letter's own precision
    assert "samen " + eur("16,7") + " toegekend" in findings and f"ruim{NBSP}{eur('22')}" in findings
    assert f"{eur('6,70')} | berekend uit brief §8, alinea 3 \\(aanname\\) |" in strip(markdown_of(nb, "tbl-amif-kerncijfers"))
    assert unresolved_records(nb) == []
