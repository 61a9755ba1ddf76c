"""§5 Instroom in de onderwijsroute in 2022: the notebook with default and non-default
parameters, checked against the letter's figures, and its refusals."""

import pandas as pd
import pytest

from nbhelpers import assert_refused, has_image, markdown_of, run

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
    assert key.loc["share_of_asylum_pip_low", "value"] == 15.5
    assert key.loc["share_of_asylum_pip_high", "value"] == 16.5
    assert key.loc["asylum_pip_implied", "value"] == round(871 / 0.16) == 5444
    assert key.loc["asylum_pip_implied_low", "value"] == round(871 / 0.165) == 5279
    assert key.loc["asylum_pip_implied_high", "value"] == round(871 / 0.155) == 5619
    assert key.loc["asylum_pip_other_route_implied", "value"] == round(871 / 0.16 - 871) == 4573

    findings = markdown_of(nb, "onderwijsroute-kernpunten")
    for text in ("871", f"ongeveer 16{NBSP}%", "ongeveer 5.444", "0,16", f"15,5–16,5{NBSP}%", "5.279", "5.619",
                 "berekend", "aanname"):
        assert text in findings, text
    table = markdown_of(nb, "tbl-onderwijsroute-kerncijfers")
    assert "| Asielstatushouders met een PIP | ongeveer 5.444 | berekend |" in table
    assert "| Bandbreedte van dat aantal | 5.279–5.619 | berekend |" in table
    assert f"| Gehanteerde lezing van dat aandeel | 15,5–16,5{NBSP}% | aanname |" in table
    assert has_image(nb, "fig-onderwijsroute-pip")
    assert (out / "figures" / "onderwijsroute_asielstatushouders_pip.svg").read_text().startswith("<?xml")


def test_05_non_default_parameters(tmp_path):
    # the catalogue's generic reading of "ongeveer" (±10 % of 16), rounded to tens of persons
    out, nb = run("05_onderwijsroute", tmp_path, share_margin_pct=1.6, round_to=10, fig_format="png")
    key = pd.read_csv(out / "05_onderwijsroute.csv").set_index("measure")
    assert key.loc["asylum_pip_implied", "value"] == 5440
    assert key.loc["asylum_pip_implied_low", "value"] == 10 * round(871 / 0.176 / 10) == 4950
    assert key.loc["asylum_pip_implied_high", "value"] == 10 * round(871 / 0.144 / 10) == 6050
    findings = markdown_of(nb, "onderwijsroute-kernpunten")
    assert f"14,4–17,6{NBSP}%" in findings and "4.950" in findings and "6.050" in findings
    assert (out / "figures" / "onderwijsroute_asielstatushouders_pip.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-onderwijsroute-pip", "image/png")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"share_margin_pct": -0.5}, "parameter 'share_margin_pct' = -0.5"),
        ({"share_margin_pct": "0,5"}, "parameter 'share_margin_pct' = '0,5'"),
        ({"round_to": 5}, "parameter 'round_to' = 5"),
        ({"lang": "en"}, "parameter 'lang' = 'en'"),
    ],
)
def test_05_bad_parameter_stops_in_first_cell(tmp_path, params, message):
    assert_refused("05_onderwijsroute", tmp_path, params, message)
