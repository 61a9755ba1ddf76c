"""§2 Financieel ontzorgen: the notebook with default and non-default parameters,
checked against the letter's figure."""

import pandas as pd
import pytest

from conftest import ROOT
from nbhelpers import markdown_of

NBSP = "\u00a0"
RAW = pd.read_csv(ROOT / "data" / "raw" / "02_financieel_ontzorgen.csv")


def test_02_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("02_financieel_ontzorgen")  # the session build: params.yaml holds the defaults
    stated = RAW.loc[RAW["indicator"] == "relief_period", "value"]
    assert stated.tolist() == [6]
    period = pd.read_csv(out / "02_ontzorgen_periode.csv").set_index("unit")
    assert period.loc["months", "value"] == 6 and not period.loc["months", "derived"]
    assert period.loc["weeks", "value"] == pytest.approx(6 * 4.35)
    assert period.loc["weeks", "derived"] and "weeks_per_month" in period.loc["weeks", "rule"]
    findings = markdown_of(nb, "ontzorgen-kernpunten")
    assert "Gedurende zes maanden" in findings
    assert f"ongeveer 26{NBSP}weken" in findings and "berekend" in findings and "4,35" in findings
    table = markdown_of(nb, "tbl-ontzorgen-periode")
    assert f"| Duur van het ontzorgen | 6{NBSP}maanden | brief §2, alinea 1 |" in table
    assert f"| ongeveer 26{NBSP}weken | berekend" in table


@pytest.mark.nbrun("02_financieel_ontzorgen", weeks_per_month=4.0)
def test_02_non_default_parameters(nbrun):
    out, nb = nbrun
    period = pd.read_csv(out / "02_ontzorgen_periode.csv").set_index("unit")
    assert period.loc["weeks", "value"] == 24
    assert period.loc["months", "value"] == 6
    findings = markdown_of(nb, "ontzorgen-kernpunten")
    assert f"ongeveer 24{NBSP}weken" in findings and "zes maanden" in findings
