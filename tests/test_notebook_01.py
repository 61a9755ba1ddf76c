"""§1 Statushouders aan het werk: the notebook with default and non-default parameters,
checked against the letter's figures."""

import pandas as pd
import pytest

from nbhelpers import has_image, markdown_of, published, unresolved_records
from verzamelbrief.herkomst import strip

NBSP = "\u00a0"


def marked(phrase: str) -> str:
    """``phrase`` as a marked number shows it after ``strip``: its spaces are no-break spaces."""
    return phrase.replace(" ", NBSP)


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

    findings = strip(markdown_of(nb, "statushouders-kernpunten"))
    assert f"{marked('9 op de 10')} gemeenten" in findings and f"{marked('ruim 8 op de 10')} gemeenten" in findings
    assert f"90{NBSP}%" in findings and f"ruim{NBSP}80{NBSP}%" in findings
    table = strip(markdown_of(nb, "tbl-statushouders-aanbod"))
    assert f"| Werkervaringsplekken en vrijwilligerswerk | {marked('9 op de 10')} | 90{NBSP}% |" in table
    assert f"| Leerwerktrajecten | {marked('ruim 8 op de 10')} | ruim{NBSP}80{NBSP}% | ruim" in table
    # the letter writes "(ruim) 8 op de 10"; the qualifiers cannot hold the brackets, and the table's note says so
    caption = "".join(next(c for c in nb["cells"] if "#| label: tbl-statushouders-aanbod" in "".join(c["source"]))["source"])
    assert "zet de brief ‘ruim’ tussen haakjes" in caption
    assert unresolved_records(nb) == []
    assert has_image(nb, "fig-statushouders-aanbod")
    svg = (out / "figures" / "statushouders_aanbod_gemeenten.svg").read_text()
    assert svg.startswith("<?xml")


@pytest.mark.nbrun("01_statushouders_aan_het_werk", out_of=100, fig_format="png")
def test_01_non_default_parameters(nbrun):
    out, nb = nbrun
    findings = strip(markdown_of(nb, "statushouders-kernpunten"))
    assert f"{marked('90 op de 100')} gemeenten" in findings and f"{marked('ruim 80 op de 100')} gemeenten" in findings
    assert f"| {marked('ruim 80 op de 100')} |" in strip(markdown_of(nb, "tbl-statushouders-aanbod"))
    assert unresolved_records(nb) == []
    uses = [u for u in published(nb)["uses"] if u["formatter"].startswith("out_of:100:")]
    assert uses and all(u["params"] == {"out_of": 100} for u in uses)  # the record names the parameter
    assert (out / "figures" / "statushouders_aanbod_gemeenten.png").read_bytes()[:4] == b"\x89PNG"
    assert has_image(nb, "fig-statushouders-aanbod", "image/png")
