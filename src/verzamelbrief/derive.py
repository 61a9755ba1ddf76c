"""Figures the notebooks compute from the letter's figures (each marked ``derived`` in the
processed tables): growth, implied totals and their ranges, rounding to a step.

>>> change, pct = growth(5816, 6693); change, round(pct, 4)
(877, 15.0791)
>>> round_to(5443.75, 100)
5400
"""

from __future__ import annotations

from . import fmt, herkomst


#: The report's one rule for converting months into weeks: a year has 52 weeks and 12 months.
WEEKS_PER_MONTH = 52 / 12


def compute(op: str, *inputs, rule: str, label: str = "", unit: str | None = None, **args):
    """``op`` (:data:`verzamelbrief.herkomst.OPS`) applied to ``inputs`` and ``args``.

    When every input is traced, so is the result: its record names ``rule`` (plain Dutch),
    ``label``, the formula with the inputs' values (:data:`~verzamelbrief.herkomst.FORMULAS`),
    the inputs, the args, and each arg that is a notebook parameter by its name. The value
    and its formula come from the same function, so they cannot disagree.

    >>> compute("pct_of", 43, 140, rule="aandeel")
    30.714285714285715
    """
    value = herkomst.OPS[op](*inputs, **args)
    if isinstance(value, float) and value.is_integer() and all(float(i).is_integer() for i in inputs) and op in ("sub", "add"):
        value = int(value)
    if not herkomst.is_traced(*inputs):
        return value
    n = fmt._number
    shown_args = {k: (n(v) if not (k == "factor" and v == WEEKS_PER_MONTH) else "52/12") for k, v in args.items()}
    formula = herkomst.FORMULAS[op].format(*(n(i) for i in inputs), all=" + ".join(n(i) for i in inputs),
                                           r=n(round(value, 4)), **shown_args)
    params = {herkomst.param_name(v): v for v in args.values() if herkomst.param_name(v)}
    return herkomst.computed(value, rule, op, inputs, formula, params=params, unit=unit, label=label, args=args)


def months_to_weeks(months: float) -> float:
    """``months`` in weeks, by the one rule :data:`WEEKS_PER_MONTH` (6 months = 26 weeks);
    traced when ``months`` is.

    >>> months_to_weeks(6)
    26.0
    """
    return compute("months_to_weeks", months, rule="maanden omgerekend in weken: een jaar heeft 52 weken en 12 maanden",
                   label="In weken", unit="weeks")


def growth(base: float, later: float) -> tuple[float, float]:
    """The change from ``base`` to ``later``: absolute, and in per cent of ``base``.

    When both are traced (:mod:`verzamelbrief.herkomst`), so are the results: each with its
    rule, its formula with the inputs' values, and its inputs.
    """
    if base == 0:
        raise ValueError("growth from zero is undefined")
    change = later - base
    change = int(change) if float(change).is_integer() else change
    pct = 100 * change / base
    if not herkomst.is_traced(base, later):
        return change, pct
    n = fmt._number
    change = herkomst.computed(change, "het latere aantal min het eerdere", "sub", [later, base],
                               f"{n(later)} − {n(base)} = {n(change)}", unit="count", label="Toename")
    pct = herkomst.computed(pct, "100 × de toename gedeeld door het eerdere aantal", "growth_pct",
                            [change, base], f"100 × {n(change)} / {n(base)} = {n(round(pct, 4))}", unit="percent",
                            label="Groei in procenten")
    return change, pct


def round_to(value: float, step: int = 1) -> int:
    """``value`` rounded to a multiple of ``step`` (1, 10, 100 …).

    >>> round_to(4948.9, 100), round_to(871 / 0.16, 1)
    (4900, 5444)
    """
    return compute("round_to", value, step=step, rule=f"afgerond op een veelvoud van {step}", label="Afgerond")


def implied_total(part: float, share_pct: float, share_low: float, share_high: float) -> dict[str, float]:
    """The whole that ``part`` is ``share_pct`` per cent of, and its range for a share
    between ``share_low`` and ``share_high`` (a larger share means a smaller whole).

    >>> {k: round(v) for k, v in implied_total(871, 16, 14.4, 17.6).items()}
    {'total': 5444, 'low': 4949, 'high': 6049}
    """
    if not 0 < share_low <= share_pct <= share_high:
        raise ValueError(f"expected 0 < {share_low} <= {share_pct} <= {share_high}")
    return {"total": part / (share_pct / 100), "low": part / (share_high / 100), "high": part / (share_low / 100)}


def share_range(part: float, total: float, total_low: float, total_high: float) -> dict[str, float]:
    """``part`` as a percentage of ``total``, and its range when the total lies between
    ``total_low`` and ``total_high`` (never above 100 %).

    >>> {k: round(v, 1) for k, v in share_range(43, 140, 126, 154).items()}
    {'share': 30.7, 'low': 27.9, 'high': 34.1}
    """
    if not 0 < total_low <= total <= total_high or part > total_high:
        raise ValueError(f"expected 0 < {total_low} <= {total} <= {total_high} and {part} <= {total_high}")
    return {"share": 100 * part / total, "low": 100 * part / total_high, "high": 100 * part / max(total_low, part)}
