"""§9 Monitor Basisexamen Inburgering Buitenland: the notebook with default and
non-default parameters, checked against the letter's figures, and its refusals."""

import json

import pandas as pd
import pytest

from nbhelpers import cell_outputs, markdown_of
from verzamelbrief.herkomst import strip



def test_09_defaults_reproduce_the_letter(built_notebook):
    out, nb = built_notebook("09_bib_examenmonitor")  # the session build: params.yaml holds the defaults
    cand = pd.read_csv(out / "09_bib_kandidaten.csv")
    assert cand.set_index("year")["candidates"].to_dict() == {2020: 5816, 2021: 6693}
    key = pd.read_csv(out / "09_bib_kerncijfers.csv").set_index("measure")
    assert key.loc["candidates_growth", "value"] == 877
    assert round(key.loc["candidates_growth_pct", "value"]) == 15  # the letter's "15 procent"
    assert key.loc["first_attempt_pass_share", "value"] == 72
    assert "first_attempt_passes_implied" not in key.index  # no extrapolation the letter does not support
    assert key["derived"].tolist() == [False, False, True, True, False]
    assert (out / "figures" / "bib_kandidaten.svg").read_text().startswith("<?xml")
    findings = strip(markdown_of(nb, "bib-kernpunten")).replace("\u00a0driekwart", " driekwart")  # without provenance markers
    assert "5.816" in findings and "6.693" in findings and "15,1\u00a0%" in findings and "72\u00a0%" in findings
    assert "‘bijna driekwart’" in findings and "75" not in findings
    table = strip(markdown_of(nb, "tbl-bib-kerncijfers"))
    assert "| Groei kandidaten | 2021 | 15,1\u00a0% | berekend uit brief §9, alinea 2 |" in table
    assert any("image/svg+xml" in o.get("data", {}) for o in cell_outputs(nb, "fig-bib-kandidaten"))


@pytest.mark.nbcli("researcher")
def test_09_non_default_parameters(nbcli):
    """Non-default parameters, read from the README's papermill run (tests/test_lab.py checks
    that run itself): two decimals and PNG figures, written where ``processed_dir`` says."""
    proc, spec = nbcli
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = json.loads((spec["folder"] / "09.ipynb").read_text(encoding="utf-8"))
    out = spec["folder"] / "processed"
    assert (out / "figures" / "bib_kandidaten.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "figures" / "bib_kandidaten.svg").exists()
    assert "15,08\u00a0%" in strip(markdown_of(nb, "bib-kernpunten"))
    assert any("image/png" in o.get("data", {}) for o in cell_outputs(nb, "fig-bib-kandidaten"))


@pytest.mark.nbcli("bad_parameter")
def test_09_papermill_cli_refuses_a_bad_parameter_as_in_readme(nbcli):
    """The one refusal that starts a kernel: the papermill CLI, as the README shows it
    (all other refusals are tested in-process against the models, tests/test_params.py).
    The README's run with good parameters, from notebooks/, is tests/test_lab.py's."""
    bad, _ = nbcli
    assert bad.returncode != 0
    assert "ParameterError" in bad.stderr and "parameter 'pct_decimals' = 'two'" in bad.stderr
