from typing import Literal

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
