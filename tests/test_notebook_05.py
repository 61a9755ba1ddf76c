"""§5 Instroom in de onderwijsroute in 2022: the notebook with default and non-default
parameters, checked against the letter's figures."""

import pandas as pd
import pytest

from nbhelpers import has_image, markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"


def test_05_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("05_onderwijsroute")  # the session build: params.yaml holds the defaults
    key = pd.read_csv(out / "05_onderwijsroute.csv").set_index("measure")
    assert (key["year"] == 2022).all()
    assert key.loc["learners_onderwijsroute", "value"] == 871
    assert key.loc["share_of_asylum_pip", "value"] == 16
    assert key.loc["share_of_asylum_pip", "qualifier"] == "about"
    assert not key.loc[["learners_onderwijsroute", "share_of_asylum_pip"], "derived"].any()
    derived = key.drop(index=["learners_onderwijsroute", "share_of_asylum_pip"])
    assert derived["derived"].all() and derived["rule"].str.len().gt(0).all()
    # "ongeveer 16 %" read with the report's one margin: 10 % of 16, so 14,4-17,6 %
    assert key.loc["share_of_asylum_pip_low", "value"] == pytest.approx(14.4)
    assert key.loc["share_of_asylum_pip_high", "value"] == pytest.approx(17.6)
    # the implied numbers are rounded to hundreds: the letter's share carries no more precision
    assert key.loc["asylum_pip_implied", "value"] == 100 * round(871 / 0.16 / 100) == 5400
    assert key.loc["asylum_pip_implied_low", "value"] == 100 * round(871 / 0.176 / 100) == 4900
    assert key.loc["asylum_pip_implied_high", "value"] == 100 * round(871 / 0.144 / 100) == 6000
    assert key.loc["asylum_pip_other_route_implied", "value"] == 4600

    assert "extra_funds_granted" not in set(key.index)  # the letter's count in words stays out of the processed table
    findings = strip(markdown_of(nb, "onderwijsroute-kernpunten"))
    assert "de minister inmiddels twee maal extra geld voor de onderwijsroute toegekend" in findings  # §5 alinea 1, from data/raw
    for text in ("871", f"ongeveer{NBSP}16{NBSP}%", "5.400", "0,16", "4.900", "6.000", "4.600",
                 "berekend", "aanname", f"10{NBSP}%"):
        assert text in findings, text
    assert "5.444" not in findings and "ongeveer 5.400" not in findings  # no letter qualifier on the report's results
    table = strip(markdown_of(nb, "tbl-onderwijsroute-kerncijfers"))
    assert "| Asielstatushouders met een PIP | 5.400 \\(afgerond op 100\\) | berekend uit brief §5, alinea 1 |" in table
    assert "| Bandbreedte van dat aantal | 4.900–6.000 | berekend uit brief §5, alinea 1, met de marge \\(aanname\\) |" in table
    assert f"| Marge bij ‘ongeveer’ in dit rapport | 10{NBSP}% van het genoemde aandeel | aanname |" in table
    assert "aanname: alle 871 inburgeraars zijn asielstatushouders |" in table  # review finding 2.11
    rules = strip(markdown_of(nb, "rekenregels"))
    assert "hele procenten" in rules and "twaalf maanden zijn tweeënvijftig weken" in rules and f"10{NBSP}%" in rules
    assert "‘ongeveer’, ‘circa’, ‘ruim’ of ‘bijna’" in rules  # §10 writes 'circa'; the rule names it too
    assert unresolved_records(nb) == []
    assert has_image(nb, "fig-onderwijsroute-pip")
    assert (out / "figures" / "onderwijsroute_asielstatushouders_pip.svg").read_text().startswith("<?xml")


@pytest.mark.nbrun("05_onderwijsroute", qualifier_margin_pct=5.0, round_to=10, fig_format="png")
def test_05_non_default_parameters(nbrun):
    # a margin of 5 % of 16 (15,2-16,8 %), rounded to tens of persons
    out, nb = nbrun
    key = pd.read_csv(out / "05_onderwijsroute.csv").set_index("measure")
    assert key.loc["asylum_pip_implied", "value"] == 5440
    assert key.loc["asylum_pip_implied_low", "value"] == 10 * round(871 / 0.168 / 10) == 5180
    assert key.loc["asylum_pip_implied_high", "value"] == 10 * round(871 / 0.152 / 10) == 5730
    findings = strip(markdown_of(nb, "onderwijsroute-kernpunten"))
    assert unresolved_records(nb) == []
    assert f"5{NBSP}% van het genoemde aandeel" in findings and "5.180" in findings and "5.730" in findings
    assert (out / "figures" / "onderwijsroute_asielstatushouders_pip.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-onderwijsroute-pip", "image/png")
