"""Cijfercontrole (figure check): the notebook with default and non-default tolerances,
checked against the letter's figures, and its refusals."""

import pandas as pd
import pytest
from papermill.exceptions import PapermillExecutionError

from nbhelpers import markdown_of, run

NB = "11_cijfercontrole"
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def defaults(built_notebook):
    return built_notebook(NB)  # the session build: params.yaml holds the defaults


def test_11_defaults_check_the_letter(defaults):
    out, nb = defaults
    result = pd.read_csv(out / "11_cijfercontrole.csv").set_index("check")
    assert len(result) == 9
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
    assert "| § | Uitspraak | Volgens de brief | Herberekend | Verschil | Oordeel |" in table
    assert f"| €{NBSP}6 miljoen | €{NBSP}6,7 miljoen | \\+€{NBSP}0,7 miljoen | wijkt af |" in table
    assert f"| 15{NBSP}% | 15,08{NBSP}% | \\+0,08 procentpunt | binnen afronding |" in table
    assert f"| bijna 75{NBSP}% | 72{NBSP}% | −3 procentpunt | klopt |" in table
    assert f"| ongeveer 33,33{NBSP}% | 33,33{NBSP}% | 0 | klopt |" in table
    assert f"| hoogstens 100{NBSP}% | 88{NBSP}% | −12 procentpunt | klopt |" in table
    assert f"| 3{NBSP}vragen | 3{NBSP}vragen | 0 | klopt |" in table

    findings = markdown_of(nb, "cijfercontrole-kernpunten")
    assert "Van de 9 uitspraken" in findings and "kloppen er 8" in findings
    assert "Wijkt af \\(§8\\)" in findings
    assert f"€{NBSP}6 miljoen" in findings and f"€{NBSP}6,7 miljoen" in findings
    assert "Binnen de afronding \\(§9\\)" in findings and f"15,08{NBSP}%" in findings
    assert f"10{NBSP}% bij ‘ongeveer’" in findings and "afgeleid" in findings


def test_11_tighter_tolerance_changes_a_verdict(tmp_path):
    out, nb = run(NB, tmp_path, nearly_margin_pct=3, about_margin_pct=5, decimals=1)
    result = pd.read_csv(out / "11_cijfercontrole.csv").set_index("check")
    assert result.loc["bib_eerste_poging_woorden", "verdict"] == "wijkt af"  # 72 % is not "bijna" 75 % within 3 %
    assert result.loc["bib_eerste_poging_woorden", "accepted_low"] == pytest.approx(0.75 * 0.97 - 0.005)
    assert result.loc["markt_duaal_rest", "accepted_high"] == pytest.approx(0.3333 * 1.05 + 0.00005)
    findings = markdown_of(nb, "cijfercontrole-kernpunten")
    assert "kloppen er 7" in findings and "Wijkt af \\(§9\\)" in findings
    assert f"5{NBSP}% bij ‘ongeveer’" in findings and f"3{NBSP}% bij ‘bijna’" in findings
    assert f"15,1{NBSP}%" in markdown_of(nb, "tbl-cijfercontrole")  # decimals=1


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lang": "en"}, "parameter 'lang' = 'en'"),
        ({"about_margin_pct": -5}, "parameter 'about_margin_pct' = -5"),
        ({"nearly_margin_pct": 80}, "parameter 'nearly_margin_pct' = 80"),
        ({"decimals": "two"}, "parameter 'decimals' = 'two'"),
        ({"tolerance": 1}, "unknown parameter 'tolerance'"),
    ],
)
def test_11_bad_parameter_stops_in_first_cell(tmp_path, params, message):
    with pytest.raises(PapermillExecutionError) as info:
        run(NB, tmp_path, **params)
    assert info.value.ename == "ParameterError"
    assert message in info.value.evalue
    assert not (tmp_path / "processed").exists(), "nothing may be written after a bad parameter"
