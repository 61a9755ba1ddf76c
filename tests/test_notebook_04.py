"""§4 AGI-ontheffing: the notebook with default and non-default parameters, checked
against the letter's figures."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import markdown_of

NBSP = "\u00a0"
MINUS = "\u2212"
RAW = pd.read_csv(ROOT / "data" / "raw" / "04_agi_ontheffing.csv").set_index("category")["value"]


def test_04_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("04_agi_ontheffing")  # the session build: params.yaml holds the defaults
    assert RAW.to_dict() == {"until_april_2023": 4, "from_april_2023": 3}
    key = pd.read_csv(out / "04_agi_pogingen.csv").set_index(["measure", "category"])
    assert key.loc[("max_exam_attempts", "until_april_2023"), "value"] == RAW["until_april_2023"]
    assert key.loc[("max_exam_attempts", "from_april_2023"), "value"] == RAW["from_april_2023"]
    assert key.loc[("max_exam_attempts_change", "from_april_2023"), "value"] == -1
    assert key.loc[("max_exam_attempts_change_pct", "from_april_2023"), "value"] == pytest.approx(-25)
    assert key["derived"].tolist() == [False, False, True, True]
    findings = markdown_of(nb, "agi-kernpunten")
    assert "1 april 2023" in findings
    assert "drie examenpogingen" in findings and "in plaats van vier" in findings
    assert "een poging minder" in findings and f"25{NBSP}%" in findings and "berekend" in findings
    table = markdown_of(nb, "tbl-agi-pogingen")
    assert f"| Examenpogingen voor AGI-ontheffing, tot 1 april 2023 | 4{NBSP}pogingen | brief §4, alinea 1 |" in table
    assert f"| Examenpogingen voor AGI-ontheffing, vanaf 1 april 2023 | 3{NBSP}pogingen | brief §4, alinea 1 |" in table
    assert f"| Verschil in pogingen | {MINUS}1{NBSP}poging | berekend uit brief §4, alinea 1 |" in table
    assert f"| Verandering in procenten | {MINUS}25{NBSP}% | berekend uit brief §4, alinea 1 |" in table


@pytest.mark.nbrun("04_agi_ontheffing", pct_decimals=1)
def test_04_non_default_parameters(nbrun):
    out, nb = nbrun
    assert f"25,0{NBSP}%" in markdown_of(nb, "agi-kernpunten")
    assert f"{MINUS}25,0{NBSP}%" in markdown_of(nb, "tbl-agi-pogingen")
