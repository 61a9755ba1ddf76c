"""Dutch wording shared by the notebooks: labels, shares in words, lists, stated figures.

Everything here turns data into words, so a sentence that depends on a figure is computed
from it (a changed figure never leaves a false sentence behind).

>>> fraction_words(0.75)
'driekwart'
>>> fraction_words(0.6667, "nearly")
'bijna twee op de drie'
>>> join(["de B1-route", "de Z-route"])
'de B1-route en de Z-route'
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Sequence

from . import fmt, herkomst

#: How each qualifier of the catalogue reads in a table column.
QUALIFIER_NL = {"exact": "zonder voorbehoud", "about": "ongeveer", "more_than": "ruim", "nearly": "bijna"}

_WORDS = {
    Fraction(1, 2): "de helft",
    Fraction(1, 3): "een derde",
    Fraction(2, 3): "twee op de drie",
    Fraction(1, 4): "een kwart",
    Fraction(3, 4): "driekwart",
}
_NUMBERS = {1: "een", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht", 9: "negen", 10: "tien"}


def sentence_case(text: str) -> str:
    """``text`` with its first letter in upper case, the rest unchanged (so "AOW" stays).

    >>> sentence_case("leerwerktrajecten in AOW")
    'Leerwerktrajecten in AOW'
    """
    return text[:1].upper() + text[1:]


def as_fraction(value: float) -> Fraction:
    """The simple fraction (denominator at most 10) a share in words stands for.

    >>> as_fraction(0.3333)
    Fraction(1, 3)
    """
    return Fraction(value).limit_denominator(10)


def fraction_words(value: float, qualifier: str = "exact") -> str:
    """A share as the letter words it: ``driekwart``, ``een derde``, ``9 op de 10``."""
    return herkomst.whole(value, lambda: _fraction_words(value, qualifier), f"fraction_words:{qualifier}")


def _fraction_words(value: float, qualifier: str) -> str:
    f = as_fraction(value)
    tenths = round(value * 10)
    if f in _WORDS:
        words = _WORDS[f]
    elif abs(value * 10 - tenths) < 1e-6:  # "8 op de 10", not "4 op de 5"
        words = f"{tenths} op de 10"
    else:
        words = f"{f.numerator} op de {f.denominator}"
    return f"{fmt.QUALIFIER_WORDS[qualifier]} {words}".strip()


def fraction_digits(value: float) -> str:
    """A share as the letter writes it in digits, as a simple fraction: ``2/3``, ``1/3``.

    >>> fraction_digits(0.6667), fraction_digits(0.3333)
    ('2/3', '1/3')
    """
    return herkomst.whole(value, lambda: str(as_fraction(value)), "fraction_digits")


def out_of(value: float, qualifier: str = "exact", base: int = 10) -> str:
    """A share as "x op de ``base``", with the qualifier: ``ruim 8 op de 10``.

    >>> out_of(0.8, "more_than", 100)
    'ruim 80 op de 100'
    """
    return herkomst.whole(
        value, lambda: f"{fmt.QUALIFIER_WORDS[qualifier]} {fmt.number(round(value * base, 6))} op de {fmt.number(base)}".strip(),
        f"out_of:{int(base)}:{qualifier}", params=herkomst.named_params(base))


def number_word(n: int) -> str:
    """Small whole numbers in words, as Dutch prose writes them (``drie``); larger ones in digits.

    >>> number_word(3), number_word(43)
    ('drie', '43')
    """
    return herkomst.whole(n, lambda: _NUMBERS.get(int(n), fmt.number(n)) if float(n).is_integer() else fmt.number(n),
                          "number_word")


def join(items: Sequence[str]) -> str:
    """Items joined as a Dutch list: ``a, b en c``."""
    items = list(items)
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def times_as_long(ratio: float) -> str:
    """A ratio in words, computed rather than typed: ``ruim twee keer``, ``anderhalf keer``.

    >>> times_as_long(7.5 / 3.5), times_as_long(1.5), times_as_long(3.0)
    ('ruim twee keer', 'anderhalf keer', 'drie keer')
    """
    return herkomst.whole(ratio, lambda: _times_as_long(ratio), "times_as_long")


def _times_as_long(ratio: float) -> str:
    whole = round(ratio)
    if abs(ratio - 1.5) < 0.05:
        return "anderhalf keer"
    if abs(ratio - whole) < 0.05:
        return f"{number_word(whole)} keer"
    word = "ruim" if ratio > whole else "bijna"
    return f"{word} {number_word(whole)} keer"


def stated_value(value: float, unit: str, qualifier: str, decimals: int | None = None) -> str:
    """A figure as the letter states it: a share in words as words with its percentage,
    anything else with the qualifier word and unit.

    >>> stated_value(0.75, "fraction", "nearly")
    'bijna driekwart (75\\xa0%)'
    >>> stated_value(1300, "count", "more_than")
    'ruim 1.300'
    """
    def build():
        if unit == "fraction":
            return f"{fraction_words(value, qualifier)} ({fmt.percent(100 * float(as_fraction(value)), decimals or 0)})"
        return fmt.qualified(value, unit, qualifier, decimals)

    return herkomst.whole(value, build, f"stated_value:{unit}:{qualifier}", decimals)


def computed_value(value: float, unit: str, decimals: int) -> str:
    """A computed figure, rounded to ``decimals`` (percentages in %, fractions as %).

    >>> computed_value(15.0790922, "percent", 1)
    '15,1\\xa0%'
    """
    def build():
        if unit == "fraction":
            return fmt.percent(100 * value, decimals)
        if unit == "percent":
            return fmt.percent(value, decimals)
        if unit == "percentage_points":
            return f"{fmt.number(value, decimals)} procentpunt"
        if unit == "ratio":
            return f"{fmt.number(value, decimals)} keer"
        return fmt.unit(value, unit, decimals)

    return herkomst.whole(value, build, f"computed_value:{unit}", decimals)


def origin(derived: bool, where, assumption: bool = False) -> str:
    """The 'Herkomst' column: where the letter states a figure, or what a computed one is
    computed from. ``where`` is a locator or several (the raw ``locator`` column), shown with
    :func:`verzamelbrief.letter.display_many`; a bare section number gives the old ``brief §N``.

    >>> origin(False, "§9 alinea 2"), origin(True, ["§9 alinea 2", "§9 alinea 2"]), origin(True, 9, True)
    ('brief §9, alinea 2', 'berekend uit brief §9, alinea 2', 'aanname')
    >>> origin(True, "§8 alinea 3", assumption=True)
    'berekend uit brief §8, alinea 3 (aanname)'
    """
    from . import letter

    if isinstance(where, int):
        return "aanname" if assumption else "berekend" if derived else f"brief §{where}"
    shown = letter.display_many([where] if isinstance(where, str) else list(where))
    if assumption:  # computed under an assumption: still from located figures
        return f"berekend uit {shown} (aanname)"
    return f"berekend uit {shown}" if derived else shown


def source_locators(row, raw) -> list[str]:
    """The locators of the raw rows a processed row comes from: for a stated figure the raw
    row of its measure (and category and year); for a computed one the raw rows its ``rule``
    names (by indicator or category), else those of its measure, else all of the file."""
    import pandas as pd

    measure = getattr(row, "measure", None)
    mask = raw["indicator"] == measure
    for column in ("category", "year"):
        value = getattr(row, column, None)
        if mask.any() and value is not None and not pd.isna(value):
            narrower = mask & (raw[column] == value)
            if narrower.any():
                mask = narrower
    if mask.any() and not getattr(row, "derived", False):
        return list(raw.loc[mask, "locator"])
    words = set(re.findall(r"\w+", str(getattr(row, "rule", ""))))
    # a category is named only by its own identifier (with an underscore), not by a plain word
    named = raw["indicator"].isin(words) | raw["category"].isin({w for w in words if "_" in w})
    for candidates in (named | mask, raw["indicator"].map(lambda i: str(measure).startswith(i)),
                       raw["category"] == getattr(row, "category", None)):
        if candidates.any():
            return list(raw.loc[candidates, "locator"])
    return list(raw["locator"])


def origins(frame, raw) -> list[str]:
    """The 'Herkomst' cell of each row of a processed table (columns ``measure``, ``derived``,
    ``rule`` and optionally ``category``, ``year``), from the raw table's locators; a row whose
    rule is an assumption is marked '(aanname)'."""
    return [origin(bool(r.derived), source_locators(r, raw), str(getattr(r, "rule", "")).startswith("assumption"))
            for r in frame.itertuples()]


def label_of(entry: dict, indicator: str, category: str | None = None) -> str:
    """The catalogue's Dutch label of ``indicator`` (and its ``category``), in sentence case.

    >>> label_of({"indicators": {"x": {"label_nl": "Wachttijd", "categories": {"a": "Wi2013-inburgeraars", "b": "Wi2021"}}}}, "x", "a")
    'Wachttijd, Wi2013-inburgeraars'
    """
    ind = entry["indicators"][indicator]
    label = ind["label_nl"]
    if category is not None and len(ind.get("categories", {})) > 1:
        label += f", {ind['categories'][category]}"
    return sentence_case(label)


def label_for(entry: dict, measure: str, category: str, extra: dict | None = None) -> str:
    """The table label of a processed row: ``extra`` for computed measures, else the catalogue's."""
    extra = extra or {}
    if (measure, category) in extra:
        return extra[(measure, category)]
    return label_of(entry, measure, category)


def show_value(value: float, unit: str, qualifier: str = "exact", derived: bool = False, decimals: int = 0) -> str:
    """A figure for a key-figure table: stated figures as the letter gives them, computed ones
    with ``decimals``.

    >>> show_value(0.6667, "fraction")
    'twee op de drie (67\\xa0%)'
    >>> show_value(0.5, "fraction", "nearly")
    'bijna de helft (bijna 50\\xa0%)'
    >>> show_value(15.0790922, "percent", derived=True, decimals=1)
    '15,1\\xa0%'
    >>> show_value(7.5, "percentage_points", derived=True, decimals=1)
    '7,5 procentpunt'
    """
    d = decimals if derived else 0

    def build():
        if unit == "fraction":  # the qualifier stays with the percentage too: "bijna de helft (bijna 50 %)"
            return f"{fraction_words(value, qualifier)} ({fmt.qualified(value, 'fraction', qualifier, d)})"
        if unit == "percent":
            return fmt.qualified(value, "percent", qualifier, d)
        if unit == "percentage_points":
            return f"{fmt.number(value, decimals if value % 1 else 0)} procentpunt"
        if unit == "ratio":
            return f"{fmt.number(value, 1)} keer"
        return fmt.qualified(value, unit, qualifier, decimals if derived and not float(value).is_integer() else None)

    return herkomst.whole(value, build, f"show_value:{unit}:{qualifier}:{int(bool(derived))}", decimals)


fmt.REFORMAT.update({
    "fraction_words": lambda v, d, qualifier: fraction_words(v, qualifier),
    "fraction_digits": lambda v, d: fraction_digits(v),
    "out_of": lambda v, d, base, qualifier: out_of(v, qualifier, int(base)),
    "number_word": lambda v, d: number_word(v),
    "times_as_long": lambda v, d: times_as_long(v),
    "stated_value": lambda v, d, unit, qualifier: stated_value(v, unit, qualifier, d),
    "computed_value": lambda v, d, unit: computed_value(v, unit, d),
    "show_value": lambda v, d, unit, qualifier, derived: show_value(v, unit, qualifier, derived == "1", d),
})
