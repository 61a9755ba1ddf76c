"""§2 Financieel ontzorgen: the notebook (it has no parameters of its own), checked against
the letter's figure and the report's one rule for months in weeks."""

import pandas as pd
import pytest

from conftest import ROOT
from verzamelbrief import derive
from nbhelpers import markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"
RAW = pd.read_csv(ROOT / "data" / "raw" / "02_financieel_ontzorgen.csv")


def test_02_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("02_financieel_ontzorgen")  # the session build: params.yaml holds the defaults
    stated = RAW.loc[RAW["indicator"] == "relief_period", "value"]
    assert stated.tolist() == [6]
    period = pd.read_csv(out / "02_ontzorgen_periode.csv").set_index("unit")
    assert period.loc["months", "value"] == 6 and not period.loc["months", "derived"]
    assert period.loc["weeks", "value"] == pytest.approx(derive.months_to_weeks(6)) == 26  # 52/12 weeks a month
    assert period.loc["weeks", "derived"] and "months_to_weeks" in period.loc["weeks", "rule"]
    findings = strip(markdown_of(nb, "ontzorgen-kernpunten"))
    assert "zes maanden" in findings and "rechtstreeks" not in findings
    assert f"26{NBSP}weken" in findings and "berekend" in findings and "de herkomst van het cijfer geeft de berekening" in findings
    assert "ongeveer" not in findings, "the letter's qualifier words are not used for the report's own results"
    table = strip(markdown_of(nb, "tbl-ontzorgen-periode"))
    assert f"| Duur van het ontzorgen | 6{NBSP}maanden | brief §2, alinea 1 |" in table
    assert f"| 26{NBSP}weken | berekend uit brief §2, alinea 1 |" in table
    assert "4,35" not in findings + table, "one rule for months in weeks"
    assert unresolved_records(nb) == []
