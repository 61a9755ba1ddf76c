"""§4 AGI-ontheffing: the notebook (it has no parameters of its own), checked against the
letter's figures."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"
MINUS = "\u2212"
RAW = pd.read_csv(ROOT / "data" / "raw" / "04_agi_ontheffing.csv").set_index("category")["value"]


def test_04_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("04_agi_ontheffing")  # the session build: params.yaml holds the defaults
    assert RAW.to_dict() == {"until_april_2023": 4, "from_april_2023": 3}
    key = pd.read_csv(out / "04_agi_pogingen.csv").set_index(["measure", "category"])
    assert key.loc[("attempts_before_agi_exemption", "until_april_2023"), "value"] == RAW["until_april_2023"]
    assert key.loc[("attempts_before_agi_exemption", "from_april_2023"), "value"] == RAW["from_april_2023"]
    assert key.loc[("attempts_before_agi_exemption_change", "from_april_2023"), "value"] == -1
    assert key.loc[("attempts_before_agi_exemption_change_pct", "from_april_2023"), "value"] == pytest.approx(-25)
    assert key["derived"].tolist() == [False, False, True, True]
    findings = strip(markdown_of(nb, "agi-kernpunten"))
    assert "1 april 2023" in findings
    assert "van vier naar drie" in findings
    assert "een poging minder" in findings and "berekend" in findings
    for wrong in ("genoeg", "minimum", "nodig", "%"):  # review findings 2.10 and 4.7
        assert wrong not in findings, wrong
    table = strip(markdown_of(nb, "tbl-agi-pogingen"))
    assert f"| Examenpogingen bij AGI-ontheffing, tot 1 april 2023 | 4{NBSP}pogingen | brief §4, alinea 1 |" in table
    assert f"| Examenpogingen bij AGI-ontheffing, vanaf 1 april 2023 | 3{NBSP}pogingen | brief §4, alinea 1 |" in table
    assert f"| Verschil in pogingen | {MINUS}1{NBSP}poging | berekend uit brief §4, alinea 1 |" in table
    assert "%" not in table
    assert "niet twee" in findings
    assert unresolved_records(nb) == []
