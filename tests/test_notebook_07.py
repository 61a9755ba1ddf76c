"""§7 Inburgering van mensen van AOW-gerechtigde leeftijd: the notebook with default and
non-default parameters, checked against the letter's figures."""

import pandas as pd
import pytest

from nbhelpers import has_image, markdown_of, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"


def test_07_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("07_aow_leeftijd")  # the session build: params.yaml holds the defaults
    nat = pd.read_csv(out / "07_aow_naturalisatie.csv")
    req = nat[nat["measure"] == "requests"].pivot(index="year", columns="category", values="value")
    assert req["aow_age"].to_dict() == {2020: 220, 2021: 340}
    assert req["total"].to_dict() == {2020: 43430, 2021: 59310}
    assert not nat.loc[nat["measure"] == "requests", "derived"].any()
    share = nat[nat["measure"] == "share_pct"].set_index("year")
    assert share["derived"].all()
    assert share.loc[2020, "value"] == pytest.approx(100 * 220 / 43430)
    assert share.loc[2021, "value"] == pytest.approx(100 * 340 / 59310)
    growth = nat[nat["measure"] == "growth_pct"].set_index("category")
    assert growth["derived"].all()
    assert growth.loc["aow_age", "value"] == pytest.approx(100 * 120 / 220)
    assert growth.loc["total", "value"] == pytest.approx(100 * (59310 - 43430) / 43430)

    grp = pd.read_csv(out / "07_aow_groepen.csv").set_index(["measure", "category"])
    assert grp.loc[("persons_per_year", "obligation_lapses"), "value"] == 80
    assert grp.loc[("persons_per_year", "aow_age_before_residence"), "value"] == 100
    assert not grp.loc[("persons_per_year", "obligation_lapses"), "derived"]
    implied = grp.loc["persons_per_year_implied"]
    assert implied["value"].to_dict() == {"asylum_permit_holder": 50, "family_and_other_migrant": 30}
    assert implied["derived"].all() and implied["rule"].str.contains("rounded to tens").all()
    assert grp.loc[("persons_per_year_both_groups", "total"), "value"] == 180

    findings = strip(markdown_of(nb, "aow-kernpunten"))
    assert "In 2020 kwamen 220 van de 43.430" in findings  # no two numbers side by side
    for text in ("220", "340", "43.430", "59.310", f"0,5{NBSP}%", f"0,6{NBSP}%", "‘een zeer beperkte groep’",
                 f"gemiddeld ongeveer{NBSP}80", f"gemiddeld ongeveer{NBSP}100", "50 en 30", "berekend"):
        assert text in findings, text
    assert "54,5" not in findings and "groei" not in findings  # the letter makes no growth claim
    table = strip(markdown_of(nb, "tbl-aow-naturalisatie"))
    assert f"| 2020 | 220 | 43.430 | 0,5{NBSP}% |" in table and "Groei" not in table
    groups = strip(markdown_of(nb, "tbl-aow-groepen"))
    assert "| waarvan asielstatushouders \\(2/3\\) | 50 | berekend uit brief §7, alinea 4, punt 1 |" in groups
    assert "AOW-leeftijd" in groups
    assert unresolved_records(nb) == []
    assert has_image(nb, "fig-aow-naturalisatie-aandeel") and has_image(nb, "fig-aow-groepen")
    assert (out / "figures" / "aow_naturalisatie_aandeel.svg").read_text().startswith("<?xml")
    assert (out / "figures" / "aow_groepen.svg").exists()


@pytest.mark.slow  # only the figure format differs: the fast tests check PNG in notebooks 01, 05, 06, 08 and 10
@pytest.mark.nbrun("07_aow_leeftijd", fig_format="png")
def test_07_non_default_parameters(nbrun):
    out, nb = nbrun
    findings = strip(markdown_of(nb, "aow-kernpunten"))
    assert f"0,5{NBSP}%" in findings and f"0,6{NBSP}%" in findings
    assert (out / "figures" / "aow_naturalisatie_aandeel.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-aow-groepen", "image/png")
    assert unresolved_records(nb) == []
