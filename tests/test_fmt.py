import datetime as dt

import pytest

from verzamelbrief import fmt


@pytest.mark.parametrize(
    "value, decimals, expected",
    [(5816, None, "5.816"), (6693, None, "6.693"), (43430, None, "43.430"), (0.5066, 2, "0,51"), (15.0791, 1, "15,1"), (7.5, None, "7,5"), (1300, 0, "1.300")],
)
def test_number_is_dutch(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


def test_percent_uses_comma_and_no_break_space():
    assert fmt.percent(72) == "72\u00a0%"
    assert fmt.percent(15.0791, 1) == "15,1\u00a0%"
    assert fmt.signed_percent(15.0791, 1) == "+15,1\u00a0%"
    assert fmt.signed_percent(-3, 0) == "\u22123\u00a0%"


def test_units_and_qualifiers():
    assert fmt.unit(7.5, "weeks") == "7,5\u00a0weken"
    assert fmt.unit(1, "weeks") == "1\u00a0week"
    assert fmt.unit(16.7, "eur_million") == "€\u00a016,7 miljoen"
    assert fmt.unit(0.9, "fraction") == "90\u00a0%"
    assert fmt.qualified(1300, "count", "more_than") == "ruim 1.300"
    assert fmt.qualified(16, "percent", "about") == "ongeveer 16\u00a0%"


def test_unknown_unit_is_refused():
    with pytest.raises(KeyError):
        fmt.unit(3, "furlongs")


def test_dates_are_written_out_in_dutch():
    assert fmt.date("2026-11-28") == "28 november 2026"
    assert fmt.date(dt.date(2023, 3, 1)) == "1 maart 2023"
    with pytest.raises(ValueError):
        fmt.date("28-11-2026")
