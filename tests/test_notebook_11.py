"""Cijfercontrole (figure check): the notebook with default and non-default tolerances,
checked against the letter's figures."""

import pandas as pd
import pytest

from nbhelpers import markdown_of

NB = "11_cijfercontrole"
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def defaults(built_notebook):
    return built_notebook(NB)  # the session build: params.yaml holds the defaults


def test_11_defaults_check_the_letter(defaults):
    out, nb = defaults
    result = pd.read_csv(out / "11_cijfercontrole.csv").set_index("check")
    assert len(result) == 7
    assert result.loc["bib_groei_kandidaten", "verdict"] == "binnen afronding"
    assert result.loc["bib_groei_kandidaten", "recomputed_value"] == pytest.approx(100 * (6693 - 5816) / 5816)
    assert result.loc["bib_eerste_poging_woorden", "verdict"] == "klopt"
    assert result.loc["amif_resterend", "verdict"] == "wijkt af"
    assert (result.loc["amif_resterend", "stated_value"], result.loc["amif_resterend", "recomputed_value"]) == (6, 6.7)
    cutoff = result.loc["leerbaarheid_cesuur_verlaging"]
    assert (cutoff["stated_value"], cutoff["recomputed_value"], cutoff["verdict"]) == (3, 3, "klopt")
    assert (result.loc[result.index.str.startswith("markt_"), "verdict"] == "klopt").all()
    assert result["derived"].all() and result["rule"].notna().all()

    table = markdown_of(nb, "tbl-cijfercontrole")
    assert "| § | Uitspraak | Volgens de brief | Herberekend | Toegestaan | Oordeel |" in table
    assert f"| €{NBSP}6 miljoen | €{NBSP}6,7 miljoen | €{NBSP}5,5–6,5 miljoen | wijkt af |" in table
    assert f"| 15{NBSP}% | 15,1{NBSP}% | 14,5–15,5{NBSP}% | binnen afronding |" in table
    assert f"| bijna driekwart \\(75{NBSP}%\\) | 72{NBSP}% | 67,5–75{NBSP}% | klopt |" in table
    assert f"| ‘het grootste deel’ | 85{NBSP}% | meer dan 50{NBSP}% | klopt |" in table
    assert "hoogstens" not in table and "15,08" not in table

    findings = markdown_of(nb, "cijfercontrole-kernpunten")
    assert "rekent 7 uitspraken van de brief na" in findings and "kloppen er 6" in findings
    assert "1 wijkt af" in findings and "Wijkt af \\(§8\\)" in findings
    assert "aanname: het beschikbare bedrag is die som" in findings
    assert f"Marge bij ‘ongeveer’, ‘circa’, ‘ruim’ en ‘bijna’: 10{NBSP}% van het genoemde cijfer \\(relatief" in findings
    assert "Niet meegeteld: 3 verbanden" in findings
    assert "noemt ze zelf niet" not in findings

    letter = markdown_of(nb, "brief-gegevens")
    assert "C.E.G. van Gennip" in letter and "staan niet in de tekst" in letter


@pytest.mark.nbrun("11_cijfercontrole", qualifier_margin_pct=3.0, decimals=2)
def test_11_tighter_tolerance_changes_a_verdict(nbrun):
    out, nb = nbrun
    result = pd.read_csv(out / "11_cijfercontrole.csv").set_index("check")
    assert result.loc["bib_eerste_poging_woorden", "verdict"] == "wijkt af"  # 72 % is not "bijna" 75 % within 3 %
    assert result.loc["bib_eerste_poging_woorden", "accepted_low"] == pytest.approx(0.75 * 0.97)
    findings = markdown_of(nb, "cijfercontrole-kernpunten")
    assert "kloppen er 5" in findings and "Wijkt af \\(§9\\)" in findings and "2 wijken af" in findings
    assert f"‘bijna’: 3{NBSP}% van het genoemde cijfer" in findings
    assert f"15,08{NBSP}%" in markdown_of(nb, "tbl-cijfercontrole")  # decimals=2
