"""§10 Marktmonitor: the notebook with default and non-default parameters, checked
against the letter's figures."""

import re

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import has_image, markdown_of
from verzamelbrief import fmt, herkomst
from verzamelbrief.render.embed import find_cell
from verzamelbrief.render.herkomst_report import _cell_text

NBSP = "\u00a0"
LETTER_ORDER = ["b1_route", "z_route", "education_route", "z_route_participation", "map"]
STATED = {  # component: (realised, final phase) as the letter states them
    "b1_route": (100, None), "z_route": (100, None), "education_route": (62, 24),
    "z_route_participation": (76, 14), "map": (76, 12),
}


def raw_value(indicator, category):
    raw = pd.read_csv(ROOT / "data" / "raw" / "10_marktmonitor.csv")
    row = raw[(raw["indicator"] == indicator) & (raw["category"] == category)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def shown(nb, label):
    """A cell's Markdown without provenance markers, its spaces as plain spaces (a marked
    text has no-break spaces; the formatters' own no-break spaces go too)."""
    return herkomst.strip(markdown_of(nb, label)).replace(NBSP, " ")


def plain(text):
    return text.replace(NBSP, " ")


def records_resolve(nb, labels):
    """Every number the report cells show is marked, its record is published by the
    notebook, each use's text is the recorded value formatted again, and each computed
    record's formula recomputes from its inputs' recorded values."""
    payload = next(o["data"][herkomst.MIME] for c in nb["cells"] for o in c.get("outputs", [])
                   if herkomst.MIME in o.get("data", {}))
    records = payload["records"]
    for label in labels:
        md = _cell_text(find_cell(nb, label, "10_marktmonitor"))  # outputs, caption and alt text
        assert herkomst.untraced_numbers(md) == [], (label, herkomst.untraced_numbers(md))
        assert all(m.group(1) in records for m in herkomst.MARKED.finditer(md)), label
    assert payload["uses"]
    for use in payload["uses"]:
        rec = records[use["id"]]
        assert fmt.reformat(rec["value"], use["formatter"], use["decimals"]) == use["text"], use
    for rid, rec in records.items():
        if rec["kind"] == "berekend":
            values = [records[i]["value"] for i in rec["inputs"]]
            assert herkomst.OPS[rec["op"]](*values, **rec["args"]) == pytest.approx(rec["value"], rel=1e-12), rid
            assert rec["formula"].endswith("= " + fmt._number(round(rec["value"], 4))), rec["formula"]
    return records


def coverage(out):
    dek = pd.read_csv(out / "10_markt_dekking.csv")
    return dek, dek.pivot(index="component", columns="status", values="value")


def test_10_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("10_marktmonitor")  # the session build: params.yaml holds the defaults
    dek, wide = coverage(out)
    for component, (realised, final) in STATED.items():
        assert wide.loc[component, "realised"] == realised == raw_value("coverage_realised", component)
        if final is not None:
            assert wide.loc[component, "final_phase"] == final == raw_value("coverage_final_phase", component)
        expected_final = final or 0
        assert wide.loc[component, "final_phase"] == expected_final
        assert wide.loc[component, "neither"] == 100 - realised - expected_final
    assert wide.loc["education_route", "neither"] == 14
    assert dek.groupby("component")["value"].sum().eq(100).all()
    derived = dek.set_index(["component", "status"])["derived"]
    assert derived.xs("neither", level="status").all() and not derived.xs("realised", level="status").any()
    assert derived[("b1_route", "final_phase")] and not derived[("map", "final_phase")]
    assert list(dict.fromkeys(dek["component"])) == LETTER_ORDER

    key = pd.read_csv(out / "10_markt_kerncijfers.csv")
    value = key.set_index(["measure", "category"])["value"]
    assert value[("providers_share", "offer_wi2013_2023")] == 85
    assert value[("providers_share", "expect_problems")] == 44
    assert value[("municipalities_dual", "integrated_dual_bought")] == pytest.approx(1 / 3, abs=1e-3)
    assert value[("municipalities_dual", "no_integrated_dual")] == pytest.approx(2 / 3, abs=1e-3)
    assert value[("coordination_required", "no_integrated_dual")] == 0.5
    assert value[("coordination_required_of_all", "no_integrated_dual")] == pytest.approx(1 / 3, abs=1e-3)
    assert value[("municipalities_dual_use", "uses_dual_trajectories")] == 0.9
    assert value[("waiting_time", "wi2013")] == 7.5 and value[("waiting_time", "wi2021")] == 3.5
    assert value[("waiting_time_difference", "wi2013_minus_wi2021")] == 4
    assert value[("waiting_time_ratio", "wi2013_over_wi2021")] == pytest.approx(7.5 / 3.5)
    assert key.loc[key["derived"], "measure"].tolist() == [
        "coordination_required_of_all", "waiting_time_difference", "waiting_time_ratio"]
    assert key.loc[key["derived"], "rule"].str.len().gt(0).all()

    findings = shown(nb, "markt-kernpunten")
    for text in (f"62{NBSP}%", f"76{NBSP}%", f"85{NBSP}%", f"44{NBSP}%",
                 f"\\(MAP\\): gerealiseerd 76{NBSP}%, in de afrondende fase 12{NBSP}%, geen van beide 12{NBSP}%",
                 "‘ongeveer een derde’ van de gemeenten", "‘twee op de drie’", "‘bijna de helft’", "minder dan een derde \\(berekend\\)",
                 "‘circa 9 op de 10 gemeenten’", f"7,5{NBSP}weken", f"3,5{NBSP}weken", f"4{NBSP}weken",
                 "wachttijd onder de Wi2013 is 2,1 keer zo lang \\(berekend\\)", "‘Module Arbeidsmarkt en Participatie’ \\(MAP\\)"):
        assert plain(text) in findings, text
    for text in ("ruim twee keer", "bijna een derde", " tot 14", "in welke vorm"):  # no letter qualifiers for own results, no merged ranges, no form the letter does not name
        assert text not in findings, text
    # no closing quote right after a digit: Typst sets it as a prime (′) in the PDF
    assert not re.search(r"\d[’']", findings), re.findall(r".{20}\d[’']", findings)
    coverage_table = shown(nb, "tbl-markt-dekking")
    assert plain(f"| Onderwijsroute | 62{NBSP}% | 24{NBSP}% | 14{NBSP}% |") in coverage_table
    assert plain(f"| B1-route | 100{NBSP}% | 0{NBSP}% | 0{NBSP}% |") in coverage_table
    assert coverage_table.index("B1-route") < coverage_table.index("Onderwijsroute") < coverage_table.index("Module Arbeidsmarkt")
    table = shown(nb, "tbl-markt-kerncijfers")
    assert plain(f"| Verschil in wachttijd | 4{NBSP}weken | berekend uit brief §10 \\(Risico’s\\), alinea 3 |") in table
    assert "| Daarvan: afstemming tussen aanbieders vereist | bijna de helft | brief §10 \\(Participatiedeel Z-route/duaal\\), alinea 3 |" in table
    assert plain(f"| Wachttijd, Wi2013-inburgeraars | 7,5{NBSP}weken | brief §10 \\(Risico’s\\), alinea 3 |") in table
    assert "| Idem, als deel van alle gemeenten | minder dan een derde | berekend uit brief §10 \\(Participatiedeel Z-route/duaal\\), alinea 3 |" in table
    assert "circa 9 op de 10 | brief §10 \\(Participatiedeel Z-route/duaal\\), alinea 4 |" in table
    assert has_image(nb, "fig-markt-dekking") and has_image(nb, "fig-markt-wachttijd")
    assert (out / "figures" / "markt_dekking.svg").read_text().startswith("<?xml")
    assert (out / "figures" / "markt_wachttijd.svg").exists()

    records = records_resolve(nb, ["markt-kernpunten", "fig-markt-dekking", "fig-markt-wachttijd",
                                   "tbl-markt-dekking", "tbl-markt-kerncijfers"])
    by_label = {r["label"]: r for r in records.values()}
    assert by_label["Verschil in wachttijd"]["formula"] == "7,5 − 3,5 = 4"
    assert by_label["Geen van beide, Onderwijsroute"]["formula"] == "100 − (62 + 24) = 14"
    assert by_label["In afrondende fase, B1-route"]["formula"] == "100 − 100 = 0"


@pytest.mark.nbrun("10_marktmonitor", sort_by="realised", fig_format="png")
def test_10_non_default_parameters(nbrun):
    out, nb = nbrun
    dek, _ = coverage(out)
    # highest realised share first; ties broken by final phase, then the letter's order
    assert list(dict.fromkeys(dek["component"])) == ["b1_route", "z_route", "z_route_participation", "map", "education_route"]
    table = shown(nb, "tbl-markt-dekking")
    assert table.index("Participatiedeel Z-route") < table.index("Module Arbeidsmarkt") < table.index("Onderwijsroute")
    assert "minder dan een derde \\(berekend\\)" in shown(nb, "markt-kernpunten")
    assert (out / "figures" / "markt_dekking.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-markt-dekking", "image/png")
