"""The report's one tolerance rule for the letter's figures: the interval a true value may lie
in for a figure as the letter words it ("ongeveer", "ruim", "bijna", or exact up to its last
digit). The cijfercontrole (:mod:`verzamelbrief.checks`) judges by it, and the notebooks show
its bounds (:func:`verzamelbrief.derive.accepted_range`); docs/cijfercontrole.md describes it.
"""

from __future__ import annotations

from fractions import Fraction

from .catalogue import rounding_margin

#: The one margin for "ongeveer"/"circa", "ruim" and "bijna", in per cent of the stated figure.
QUALIFIER_MARGIN_PCT = 10.0


def exact_value(value: float, unit: str) -> float:
    """The value the letter means: a share in words is the exact fraction behind the digits.

    >>> exact_value(0.6667, "fraction") == 2 / 3
    True
    >>> exact_value(16.7, "eur_million")
    16.7
    """
    if unit == "fraction":
        return float(Fraction(value).limit_denominator(10))
    return float(value)


def stated_margin(value: float, unit: str) -> float:
    """Half a unit of the last stated digit; zero for a share in words (an exact fraction).

    >>> stated_margin(15, "percent"), stated_margin(0.75, "fraction")
    (0.5, 0.0)
    """
    return 0.0 if unit == "fraction" else rounding_margin(value)


def accepted_range(stated: float, qualifier: str = "exact", unit: str = "count",
                   margin_pct: float = QUALIFIER_MARGIN_PCT) -> tuple[float, float]:
    """The interval a true value may lie in for ``stated`` as the letter words it.

    >>> accepted_range(15, "exact", "percent")
    (14.5, 15.5)
    >>> accepted_range(16, "about", "percent")
    (14.4, 17.6)
    >>> accepted_range(0.75, "nearly", "fraction")
    (0.675, 0.75)
    """
    s = exact_value(stated, unit)
    r = margin_pct / 100
    if qualifier == "exact":
        m = stated_margin(stated, unit)
        low, high = s - m, s + m
    elif qualifier == "about":
        low, high = s * (1 - r), s * (1 + r)
    elif qualifier == "more_than":
        low, high = s, s * (1 + r)
    elif qualifier == "nearly":
        low, high = s * (1 - r), s
    else:
        raise ValueError(f"unknown qualifier {qualifier!r}; known: exact, about, more_than, nearly")
    return round(low, 12), round(high, 12)
