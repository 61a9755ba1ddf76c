from typing import Literal

import re

import pytest
from pydantic import Field

from verzamelbrief.params import NotebookParams, ParameterError, check_params


class Params(NotebookParams):
    year: int = Field(ge=2020, le=2021)
    lang: Literal["nl"]
    out: str


def ns(**values):
    base = {"year": 2021, "lang": "nl", "out": "data/processed"}
    base.update(values)
    return base


def test_valid_parameters_pass():
    p = check_params(Params, ns())
    assert p.year == 2021 and p.lang == "nl"


def test_value_out_of_range_names_parameter_and_range():
    with pytest.raises(ParameterError, match=r"parameter 'year' = 2019: .*allowed: int >= 2020 <= 2021"):
        check_params(Params, ns(year=2019), "09_x")


def test_wrong_type_is_refused_not_coerced():
    with pytest.raises(ParameterError, match=r"parameter 'year' = '2021'"):
        check_params(Params, ns(year="2021"))


def test_unknown_language_lists_allowed_values():
    with pytest.raises(ParameterError, match=r"parameter 'lang' = 'fr'.*allowed: one of 'nl'"):
        check_params(Params, ns(lang="fr"))


def test_unknown_injected_parameter_is_refused():
    injected = "# Parameters\nyear = 2021\nyaer = 2020\n"
    with pytest.raises(ParameterError, match=r"unknown parameter 'yaer'; allowed: year, lang, out"):
        check_params(Params, ns(In=["", injected]))


def test_missing_parameter_is_named():
    values = ns()
    del values["out"]
    with pytest.raises(ParameterError, match="parameter 'out' is not set"):
        check_params(Params, values)


# ---------------------------------------------------------------- the notebooks' models: one source

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from verzamelbrief.params import MODELS, parameters_cell, readme_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def cells(name):
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def defaults(name, **values):
    ns = {n: f.default for n, f in MODELS[name].model_fields.items()}
    ns.update(values)
    return ns


def test_every_notebook_has_a_model():
    assert sorted(MODELS) == NOTEBOOKS


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameters_cell_is_generated_from_the_model(name):
    cell = next(c for c in cells(name) if "parameters" in c.get("metadata", {}).get("tags", []))
    assert "".join(cell["source"]) == parameters_cell(name), f"regenerate with params.parameters_cell({name!r})"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_parameter_is_read_by_its_notebook(name):
    code = "".join("".join(c["source"]) for c in cells(name)
                   if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", []))
    unread = [n for n in MODELS[name].model_fields if f"p.{n}" not in code]
    assert not unread, f"{name}: parameters that do nothing: {unread}"


def test_params_yaml_matches_the_models():
    blocks = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    assert set(blocks) - {"report"} == set(MODELS)
    for name, block in blocks.items():
        if name != "report":
            MODELS[name](**defaults(name, **block))  # unknown names or bad values raise
    margins = {n: b["qualifier_margin_pct"] for n, b in blocks.items() if "qualifier_margin_pct" in (b or {})}
    assert len(margins) == 3 and len(set(margins.values())) == 1, f"one margin for the whole report: {margins}"


def test_docs_parameter_table_is_generated_from_the_models():
    doc = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert readme_table() in doc, "docs/parameters.md: parameter table differs from params.readme_table()"
    assert "`lang`" not in doc


@pytest.mark.parametrize(
    "name, values, message",
    [
        ("01_statushouders_aan_het_werk", {"out_of": 12}, "parameter 'out_of' = 12"),
        ("01_statushouders_aan_het_werk", {"fig_format": "pdf"}, "parameter 'fig_format' = 'pdf'"),
        ("03_leerbaarheidstoets", {"fig_format": "jpg"}, "parameter 'fig_format' = 'jpg'"),
        ("05_onderwijsroute", {"qualifier_margin_pct": -0.5}, "parameter 'qualifier_margin_pct' = -0.5"),
        ("05_onderwijsroute", {"qualifier_margin_pct": "10"}, "parameter 'qualifier_margin_pct' = '10'"),
        ("05_onderwijsroute", {"round_to": 5}, "parameter 'round_to' = 5"),
        ("06_mdt", {"qualifier_margin_pct": 80}, "parameter 'qualifier_margin_pct' = 80"),
        ("06_mdt", {"fig_format": "gif"}, "parameter 'fig_format' = 'gif'"),
        ("07_aow_leeftijd", {"fig_format": "pdf"}, "parameter 'fig_format' = 'pdf'"),
        ("08_amif", {"eur_decimals": 5}, "parameter 'eur_decimals' = 5"),
        ("09_bib_examenmonitor", {"base_year": 2019}, "parameter 'base_year' = 2019"),
        ("09_bib_examenmonitor", {"compare_year": 2020}, "compare_year must be later than base_year"),
        ("10_marktmonitor", {"sort_by": "alphabet"}, "parameter 'sort_by' = 'alphabet'"),
        ("11_cijfercontrole", {"qualifier_margin_pct": 80.0}, "parameter 'qualifier_margin_pct' = 80.0"),
        ("11_cijfercontrole", {"decimals": "two"}, "parameter 'decimals' = 'two'"),
    ],
)
def test_notebook_refuses_bad_value(name, values, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        check_params(MODELS[name], defaults(name, **values), name)


@pytest.mark.parametrize("name, unknown", [("02_financieel_ontzorgen", "fig_format"), ("02_financieel_ontzorgen", "weeks_per_month"),
                                           ("04_agi_ontheffing", "pct_decimals"), ("06_mdt", "margin"),
                                           ("11_cijfercontrole", "tolerance"), ("09_bib_examenmonitor", "lang")])
def test_notebook_refuses_unknown_name(name, unknown):
    injected = f"# Parameters\n{unknown} = 1\n"
    with pytest.raises(ParameterError, match=f"unknown parameter '{unknown}'"):
        check_params(MODELS[name], {**defaults(name), "In": ["", injected]}, name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_notebook_defaults_pass(name):
    assert check_params(MODELS[name], defaults(name), name)
