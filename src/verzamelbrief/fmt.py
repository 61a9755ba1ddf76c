"""Dutch number, percentage, duration, money and date formats, through Babel.

>>> number(5816)
'5.816'
>>> percent(15.08, 1)
'15,1\\xa0%'
>>> date("2026-11-28")
'28 november 2026'
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal

from . import herkomst

LOCALE = "nl_NL"
NBSP = "\u00a0"


def _pattern(decimals: int | None) -> str | None:
    if decimals is None:
        return None
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


# Every public formatter returns its text marked with the value's provenance record when
# the value is traced (see :mod:`verzamelbrief.herkomst`); the ``_plain`` functions below
# do the formatting and call each other, so a number is marked once, by the outer call.


def _number(value: float, decimals: int | None = None, locale: str = LOCALE) -> str:
    if decimals is None and float(value).is_integer():
        decimals = 0
    return format_decimal(float(value), format=_pattern(decimals), locale=locale, decimal_quantization=decimals is not None)


def _percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    return f"{_number(value, decimals, locale)}{NBSP}%"


def number(value: float, decimals: int | None = None, locale: str = LOCALE) -> str:
    """A number in Dutch notation: ``5.816``, ``0,51``; ``decimals`` fixes the digits."""
    return herkomst.mark(value, _number(value, decimals, locale), "number", decimals)


def percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """A percentage given in percent units (72 -> ``72 %``), with a no-break space."""
    return herkomst.mark(value, _percent(value, decimals, locale), "percent", decimals)


#: The report's one rule for the decimals of a percentage it computes itself (not one the
#: letter states): whole per cents from 10 % up, one decimal below 10 %, so a computed
#: share never looks more precise than the letter's whole-number inputs warrant; one decimal more
#: where a rounding of the letter is judged (§9's growth, the cijfercontrole).
COMPUTED_PERCENT_RULE_NL = (
    "Percentages die dit rapport zelf berekent, staan in hele procenten; onder de tien procent met één decimaal. "
    "Waar het rapport nagaat hoe de brief een percentage afrondt, staat het berekende percentage met één decimaal meer."
)


def computed_decimals(value: float) -> int:
    """The decimals :func:`computed_percent` uses for ``value`` (in percent units).

    >>> computed_decimals(54.5), computed_decimals(0.51), computed_decimals(-3.2)
    (0, 1, 1)
    """
    return 0 if abs(value) >= 9.95 else 1


def computed_percent(value: float, signed: bool = False, locale: str = LOCALE) -> str:
    """A percentage computed by the report, by its one rule for decimals.

    >>> computed_percent(54.5455), computed_percent(0.5066), computed_percent(15.08, signed=True)
    ('55\xa0%', '0,5\xa0%', '+15\xa0%')
    """
    decimals = computed_decimals(value)
    text = _signed_percent(value, decimals, locale) if signed else _percent(value, decimals, locale)
    return herkomst.mark(value, text, "computed_percent_signed" if signed else "computed_percent", decimals)


def _signed_percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return sign + _percent(abs(value), decimals, locale)


def signed_percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """A change in percent with an explicit sign: ``+15,1 %``, ``-3 %``."""
    return herkomst.mark(value, _signed_percent(value, decimals, locale), "signed_percent", decimals)


def signed_unit(value: float, unit_name: str, decimals: int | None = None, locale: str = LOCALE) -> str:
    """A change with an explicit sign and a Dutch unit word: ``−1 poging``, ``+3 weken``.

    >>> signed_unit(-1, "attempts"), signed_unit(3, "weeks")
    ('−1\xa0poging', '+3\xa0weken')
    """
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return herkomst.mark(value, sign + _unit(abs(value), unit_name, decimals, locale), f"signed_unit:{unit_name}", decimals)


def unit(value: float, unit: str, decimals: int | None = None, locale: str = LOCALE) -> str:
    """A value with a Dutch unit word: ``7,5 weken``, ``€ 16,7 miljoen``, ``80 uur``."""
    return herkomst.mark(value, _unit(value, unit, decimals, locale), f"unit:{unit}", decimals)


def _unit(value: float, unit: str, decimals: int | None = None, locale: str = LOCALE) -> str:
    if unit == "percent":
        return _percent(value, decimals or 0, locale)
    if unit == "eur_million":
        return f"€{NBSP}{_number(value, decimals, locale)} miljoen"
    if unit == "fraction":
        return _percent(100 * value, decimals or 0, locale)
    words = {
        "weeks": ("week", "weken"),
        "months": ("maand", "maanden"),
        "hours": ("uur", "uur"),
        "years": ("jaar", "jaar"),
        "questions": ("vraag", "vragen"),
        "points": ("punt", "punten"),
        "attempts": ("poging", "pogingen"),
        "count": ("", ""),
    }
    singular, plural = words[unit]
    word = singular if value == 1 else plural
    return f"{_number(value, decimals, locale)}{NBSP}{word}".rstrip(NBSP)


def date(value: str | dt.date, locale: str = LOCALE) -> str:
    """A date written out in Dutch: ``28 november 2026``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, format="long", locale=locale)


QUALIFIER_WORDS = {"exact": "", "about": "ongeveer", "more_than": "ruim", "nearly": "bijna"}


def qualified(value: float, unit_name: str, qualifier: str, decimals: int | None = None) -> str:
    """A stated figure with the letter's qualifier in Dutch: ``ruim 1.300``."""
    word = QUALIFIER_WORDS[qualifier]
    text = _unit(value, unit_name, decimals)
    return herkomst.mark(value, f"{word} {text}".strip(), f"qualified:{unit_name}:{qualifier}", decimals)


def letter_wording(figure) -> str:
    """A letter figure (:func:`verzamelbrief.catalogue.figure`) as the letter words it:
    ``bijna driekwart``, ``15 procent``."""
    return herkomst.whole(figure, lambda: herkomst.wording(figure, figure.unit, figure.qualifier),
                          f"wording:{figure.unit}:{figure.qualifier}")


#: How to make again the text of each formatter a use names (:func:`verzamelbrief.herkomst.mark`):
#: the name before the first colon picks the function, the words after it are its arguments.
#: :mod:`verzamelbrief.text` adds its phrase formatters here. A recorded value is a plain
#: number, so the public formatters give their text without markers.
REFORMAT = {
    "number": lambda v, d: number(v, d),
    "percent": lambda v, d: percent(v, d or 0),
    "signed_percent": lambda v, d: signed_percent(v, d or 0),
    "computed_percent": lambda v, d: computed_percent(float(v)),
    "computed_percent_signed": lambda v, d: computed_percent(float(v), signed=True),
    "unit": lambda v, d, unit_name: unit(v, unit_name, d),
    "signed_unit": lambda v, d, unit_name: signed_unit(v, unit_name, d),
    "qualified": lambda v, d, unit_name, qualifier: qualified(v, unit_name, qualifier, d),
    "wording": lambda v, d, unit_name, qualifier: herkomst.wording(v, unit_name, qualifier),
}


def reformat(value: float, formatter: str, decimals: int | None) -> str:
    """The text ``formatter`` (as a use names it) makes of ``value`` with ``decimals``.

    >>> reformat(15.0791, "percent", 1), reformat(1300, "qualified:count:more_than", None)
    ('15,1\xa0%', 'ruim 1.300')
    >>> reformat(0.8, "out_of:10:more_than", None)
    'ruim 8 op de 10'
    """
    from . import text  # noqa: F401  (registers its formatters)

    name, *args = formatter.split(":")
    if name not in REFORMAT:
        raise ValueError(f"unknown formatter {formatter!r}")
    return REFORMAT[name](value, decimals, *args)
