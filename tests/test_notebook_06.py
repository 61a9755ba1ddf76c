"""§6 Maatschappelijke diensttijd (MDT): the notebook with default and non-default
parameters, checked against the letter's figures."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import has_image, markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"


def raw_value(indicator, category="total"):
    raw = pd.read_csv(ROOT / "data" / "raw" / "06_mdt.csv")
    row = raw[(raw["indicator"] == indicator) & (raw["category"] == category)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def key_values(out):
    table = pd.read_csv(out / "06_mdt_kerncijfers.csv")
    return table, table.set_index(["measure", "category"])["value"]


def test_06_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("06_mdt")  # the session build: params.yaml holds the defaults
    table, key = key_values(out)
    total, focus = raw_value("providers"), raw_value("providers", "integration_focused")
    assert (total, focus) == (140, 43)
    assert key[("providers", "total")] == total and key[("providers", "integration_focused")] == focus
    assert key[("providers", "other")] == total - focus
    assert (key[("providers", "other_low")], key[("providers", "other_high")]) == (126 - 43, 154 - 43)
    assert key[("providers_share", "integration_focused")] == pytest.approx(100 * 43 / 140)
    assert key[("providers_share", "integration_focused_low")] == pytest.approx(100 * 43 / 154)
    assert key[("providers_share", "integration_focused_high")] == pytest.approx(100 * 43 / 126)
    assert key[("minimum_hours", "total")] == raw_value("minimum_hours") == 80
    assert key[("minimum_period", "total")] == raw_value("minimum_period") == 6
    assert key[("period_weeks", "months_to_weeks")] == pytest.approx(26)  # derive.months_to_weeks, 52/12 a month
    assert key[("hours_per_week", "average_minimum")] == pytest.approx(80 / 26)
    assert key[("age_range", "lower")] == 12 and key[("age_range", "upper")] == 30
    derived = table.set_index(["measure", "category"])["derived"]
    assert not derived[("providers", "total")] and not derived[("minimum_hours", "total")]
    assert derived[("providers_share", "integration_focused")] and derived[("hours_per_week", "average_minimum")]
    assert table.loc[table["derived"], "rule"].str.len().gt(0).all()

    findings = strip(markdown_of(nb, "mdt-kernpunten"))
    for text in (f"ongeveer{NBSP}140", "43", f"31{NBSP}%", f"28{NBSP}%", f"34{NBSP}%", "‘een groot aantal’",
                 f"80{NBSP}uur", f"6{NBSP}maanden", "12 tot 30 jaar", "berekend", "aanname"):
        assert text in findings, text
    assert f"ongeveer 31{NBSP}%" not in findings  # the letter's qualifier words are not used for computed results
    shown = strip(markdown_of(nb, "tbl-mdt-kerncijfers"))
    assert f"| Deel dat MDT inzet voor integratie en inburgering, van het genoemde totaal | 31{NBSP}% | berekend uit brief §6, alinea 3 |" in shown
    assert f"| Idem, bij 154 aanbieders | 28{NBSP}% | berekend uit brief §6, alinea 3, met de marge \\(aanname\\) |" in shown
    assert "| Overige aanbieders, bij een totaal binnen de marge | 83 tot 111 | berekend uit brief §6, alinea 3, met de marge \\(aanname\\) |" in shown
    assert "ongeveer 97" not in shown  # no more precision than 'ongeveer 140' carries
    assert "voor integratie en inburgering" in shown  # the letter's pair, not 'inburgering' alone
    assert "in meer of mindere mate" in findings
    assert f"| 26{NBSP}weken | berekend uit brief §6, alinea 2 |" in shown and f"| 3,1{NBSP}uur | berekend uit brief §6, alinea 2 |" in shown
    assert "| Leeftijd doelgroep: tot | 30 jaar |" in shown.replace(NBSP, " ")  # the letter: "van 12 tot 30 jaar oud"
    assert unresolved_records(nb) == []
    assert has_image(nb, "fig-mdt-aanbieders")
    assert (out / "figures" / "mdt_aanbieders.svg").read_text().startswith("<?xml")


@pytest.mark.nbrun("06_mdt", qualifier_margin_pct=20.0, fig_format="png")
def test_06_non_default_parameters(nbrun):
    out, nb = nbrun
    _, key = key_values(out)
    assert key[("providers_share", "integration_focused_low")] == pytest.approx(100 * 43 / 168)
    assert key[("providers_share", "integration_focused_high")] == pytest.approx(100 * 43 / 112)
    assert key[("hours_per_week", "average_minimum")] == pytest.approx(80 / 26)
    findings = strip(markdown_of(nb, "mdt-kernpunten"))
    assert f"tussen 26{NBSP}% en 38{NBSP}%" in findings and f"20{NBSP}%" in findings  # fmt.computed_percent
    assert "| 112 tot 168 |" not in strip(markdown_of(nb, "tbl-mdt-kerncijfers"))  # the part is never above the total
    assert "| 69 tot 125 |" in strip(markdown_of(nb, "tbl-mdt-kerncijfers"))
    assert unresolved_records(nb) == []
    assert (out / "figures" / "mdt_aanbieders.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-mdt-aanbieders", "image/png")
