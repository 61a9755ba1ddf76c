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

LOCALE = "nl_NL"
NBSP = "\u00a0"


def _pattern(decimals: int | None) -> str | None:
    if decimals is None:
        return None
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def number(value: float, decimals: int | None = None, locale: str = LOCALE) -> str:
    """A number in Dutch notation: ``5.816``, ``0,51``; ``decimals`` fixes the digits."""
    if decimals is None and float(value).is_integer():
        decimals = 0
    return format_decimal(value, format=_pattern(decimals), locale=locale, decimal_quantization=decimals is not None)


def percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """A percentage given in percent units (72 -> ``72 %``), with a no-break space."""
    return f"{number(value, decimals, locale)}{NBSP}%"


def signed_percent(value: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """A change in percent with an explicit sign: ``+15,1 %``, ``-3 %``."""
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return sign + percent(abs(value), decimals, locale)


def unit(value: float, unit: str, decimals: int | None = None, locale: str = LOCALE) -> str:
    """A value with a Dutch unit word: ``7,5 weken``, ``€ 16,7 miljoen``, ``80 uur``."""
    if unit == "percent":
        return percent(value, decimals or 0, locale)
    if unit == "eur_million":
        return f"€{NBSP}{number(value, decimals, locale)} miljoen"
    if unit == "fraction":
        return percent(100 * value, decimals or 0, locale)
    words = {
        "weeks": ("week", "weken"),
        "months": ("maand", "maanden"),
        "hours": ("uur", "uur"),
        "years": ("jaar", "jaar"),
        "questions": ("vraag", "vragen"),
        "attempts": ("poging", "pogingen"),
        "count": ("", ""),
    }
    singular, plural = words[unit]
    word = singular if value == 1 else plural
    return f"{number(value, decimals, locale)}{NBSP}{word}".rstrip(NBSP)


def date(value: str | dt.date, locale: str = LOCALE) -> str:
    """A date written out in Dutch: ``28 november 2026``."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, format="long", locale=locale)


QUALIFIER_WORDS = {"exact": "", "about": "ongeveer", "more_than": "ruim", "nearly": "bijna"}


def qualified(value: float, unit_name: str, qualifier: str, decimals: int | None = None) -> str:
    """A stated figure with the letter's qualifier in Dutch: ``ruim 1.300``."""
    word = QUALIFIER_WORDS[qualifier]
    text = unit(value, unit_name, decimals)
    return f"{word} {text}".strip()
