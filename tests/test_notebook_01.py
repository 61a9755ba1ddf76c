"""§1 Statushouders aan het werk: the notebook with default and non-default parameters,
checked against the letter's figures."""

import pandas as pd
import pytest

from nbhelpers import has_image, markdown_of

NBSP = "\u00a0"


def test_01_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("01_statushouders_aan_het_werk")  # the session build: params.yaml holds the defaults
    df = pd.read_csv(out / "01_statushouders_aanbod.csv").set_index(["measure", "category"])
    stated = df.loc["municipalities_offering"]
    assert stated["value"].to_dict() == {"work_experience_volunteering": 0.9, "learn_work_trajectory": 0.8}
    assert stated["qualifier"].to_dict() == {"work_experience_volunteering": "exact", "learn_work_trajectory": "more_than"}
    assert not stated["derived"].any()
    pct = df.loc["municipalities_offering_pct"]
    assert pct["value"].round(6).to_dict() == {"work_experience_volunteering": 90, "learn_work_trajectory": 80}
    assert pct["derived"].all() and pct["rule"].str.contains("100 \\*").all()

    findings = markdown_of(nb, "statushouders-kernpunten")
    assert "9 op de 10 gemeenten" in findings and "ruim 8 op de 10 gemeenten" in findings
    assert f"90{NBSP}%" in findings and f"ruim 80{NBSP}%" in findings
    table = markdown_of(nb, "tbl-statushouders-aanbod")
    assert f"| Werkervaringsplekken en vrijwilligerswerk | 9 op de 10 | 90{NBSP}% |" in table
    assert f"| Leerwerktrajecten | ruim 8 op de 10 | ruim 80{NBSP}% | ruim" in table
    assert has_image(nb, "fig-statushouders-aanbod")
    svg = (out / "figures" / "statushouders_aanbod_gemeenten.svg").read_text()
    assert svg.startswith("<?xml")


@pytest.mark.nbrun("01_statushouders_aan_het_werk", out_of=100, fig_format="png")
def test_01_non_default_parameters(nbrun):
    out, nb = nbrun
    findings = markdown_of(nb, "statushouders-kernpunten")
    assert "90 op de 100 gemeenten" in findings and "ruim 80 op de 100 gemeenten" in findings
    assert "| ruim 80 op de 100 |" in markdown_of(nb, "tbl-statushouders-aanbod")
    assert (out / "figures" / "statushouders_aanbod_gemeenten.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-statushouders-aanbod", "image/png")
