"""Computed figures (verzamelbrief.derive) and Dutch wording (verzamelbrief.text), with their edge cases."""

import pytest

from verzamelbrief import derive, text

NBSP = "\u00a0"


def test_growth():
    assert derive.growth(220, 340) == (120, pytest.approx(100 * 120 / 220))
    assert derive.growth(10.0, 7.5) == (-2.5, -25.0)
    with pytest.raises(ValueError, match="growth from zero"):
        derive.growth(0, 5)


@pytest.mark.parametrize("value, step, expected", [(5443.75, 1, 5444), (5443.75, 10, 5440), (5443.75, 100, 5400),
                                                   (6048.6, 100, 6000), (4572.75, 100, 4600)])
def test_round_to(value, step, expected):
    assert derive.round_to(value, step) == expected


def test_implied_total_and_its_range():
    got = derive.implied_total(871, 16, 14.4, 17.6)
    assert got["total"] == pytest.approx(5443.75)
    assert got["low"] == pytest.approx(871 / 0.176) and got["high"] == pytest.approx(871 / 0.144)
    with pytest.raises(ValueError):
        derive.implied_total(871, 16, 0, 17.6)
    with pytest.raises(ValueError):
        derive.implied_total(871, 16, 16.5, 17.6)


def test_share_range_never_above_100():
    got = derive.share_range(43, 140, 126, 154)
    assert got["share"] == pytest.approx(100 * 43 / 140)
    assert got["low"] == pytest.approx(100 * 43 / 154) and got["high"] == pytest.approx(100 * 43 / 126)
    assert derive.share_range(50, 52, 46.8, 57.2)["high"] == 100
    with pytest.raises(ValueError):
        derive.share_range(200, 140, 126, 154)


@pytest.mark.parametrize("value, qualifier, expected", [
    (0.75, "nearly", "bijna driekwart"), (0.6667, "exact", "twee op de drie"), (0.3333, "about", "ongeveer een derde"),
    (0.5, "nearly", "bijna de helft"), (0.9, "about", "ongeveer 9 op de 10"), (0.8, "more_than", "ruim 8 op de 10"),
])
def test_fraction_words(value, qualifier, expected):
    assert text.fraction_words(value, qualifier) == expected


@pytest.mark.parametrize("ratio, expected", [(7.5 / 3.5, "ruim twee keer"), (2.0, "twee keer"), (1.9, "bijna twee keer"),
                                             (1.5, "anderhalf keer"), (3.4, "ruim drie keer"), (12.2, "ruim 12 keer")])
def test_times_as_long_follows_the_ratio(ratio, expected):
    assert text.times_as_long(ratio) == expected


def test_join_and_case():
    assert text.join([]) == "" and text.join(["a"]) == "a" and text.join(["a", "b", "c"]) == "a, b en c"
    assert text.sentence_case("module AOW") == "Module AOW" and text.sentence_case("") == ""
    assert text.number_word(6) == "zes" and text.number_word(6.0) == "zes" and text.number_word(7.5) == "7,5"


def test_labels_come_from_the_catalogue_entry():
    entry = {"indicators": {"w": {"label_nl": "wachttijd", "categories": {"a": "Wi2013", "b": "Wi2021"}},
                            "t": {"label_nl": "Totaal", "categories": {"total": "totaal"}}}}
    assert text.label_of(entry, "w", "a") == "Wachttijd, Wi2013"
    assert text.label_of(entry, "t", "total") == "Totaal"
    assert text.label_for(entry, "x", "a", {("x", "a"): "Berekend"}) == "Berekend"
    with pytest.raises(KeyError):
        text.label_for(entry, "x", "a")


@pytest.mark.parametrize("args, expected", [
    ((72, "percent"), f"72{NBSP}%"),
    ((15.0790922, "percent", "exact", True, 1), f"15,1{NBSP}%"),
    ((16, "percent", "about"), f"ongeveer 16{NBSP}%"),
    ((0.5, "fraction", "nearly"), f"bijna de helft (bijna 50{NBSP}%)"),
    ((16.0, "percentage_points", "exact", True, 1), "16 procentpunt"),
    ((7.5 / 3.5, "ratio", "exact", True), "2,1 keer"),
    ((1300, "count", "more_than"), "ruim 1.300"),
    ((80 / 26, "hours", "exact", True, 1), f"3,1{NBSP}uur"),
    ((26.0, "weeks", "exact", True, 1), f"26{NBSP}weken"),
])
def test_show_value(args, expected):
    assert text.show_value(*args) == expected


def test_origin():
    assert text.origin(False, 9) == "brief §9" and text.origin(True, 9) == "berekend"
    assert text.origin(True, 9, assumption=True) == "aanname"
