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
    shown = [n(round(i, 4)) for i in inputs]  # inputs and result to four decimals, as the records show them
    formula = herkomst.FORMULAS[op].format(*shown, all=" + ".join(shown), r=n(round(value, 4)), **shown_args)
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


def parameter(value, label: str):
    """A notebook parameter (as :func:`verzamelbrief.herkomst.start` returns it, carrying its
    name) as a traced number, so a text that shows the choice itself (a margin, a rounding
    step) shows a number with a record; the record names the parameter and its value.

    >>> from verzamelbrief import herkomst
    >>> p = herkomst.start("demo", type("P", (), {"round_to": 100})())
    >>> step = parameter(p.round_to, "Afronding"); int(step), herkomst.record_of(step)["key"]
    (100, 'round_to')
    >>> parameter(100, "Afronding")
    Traceback (most recent call last):
    ValueError: parameter(100): not a named notebook parameter (take it from herkomst.start(...))
    """
    if herkomst.param_name(value) is None:
        raise ValueError(f"parameter({value!r}): not a named notebook parameter (take it from herkomst.start(...))")
    return herkomst.parameter(value, herkomst.notebook(), herkomst.param_name(value), label)


def accepted_range(stated, margin_pct: float, qualifier: str | None = None, unit: str | None = None) -> tuple[float, float]:
    """The interval :func:`verzamelbrief.tolerance.accepted_range` (the report's one tolerance
    rule) gives a letter figure; ``qualifier`` and ``unit`` default to the figure's own.

    When ``stated`` is traced, so are the bounds: each is computed from the figure (and
    ``margin_pct``, named in the record when it is a notebook parameter), and checked to be
    the rule's bound. A share in words (unit ``fraction``) is not traced here.

    >>> accepted_range(16, 10.0, "about", "percent"), accepted_range(140, 10.0, "about", "count")
    ((14.4, 17.6), (126.0, 154.0))
    >>> accepted_range(15, 10.0, "exact", "percent"), accepted_range(1300, 10.0, "more_than", "count")
    ((14.5, 15.5), (1300, 1430.0))
    """
    from . import tolerance

    qualifier = qualifier or stated.qualifier
    unit = unit or stated.unit
    low, high = tolerance.accepted_range(stated, qualifier, unit, margin_pct)
    if unit == "fraction":
        return low, high
    rule = f"grens bij ‘{fmt.QUALIFIER_WORDS[qualifier] or 'zonder voorbehoud'}’ volgens de marge van dit rapport"
    if qualifier == "exact":
        m = tolerance.stated_margin(stated, unit)
        rule = "grens bij afronding op het laatst genoemde cijfer"
        bounds = (compute("offset", stated, by=-m, rule=rule, label="Ondergrens", unit=unit),
                  compute("offset", stated, by=m, rule=rule, label="Bovengrens", unit=unit))
    else:
        below = compute("pct_below", stated, pct=margin_pct, rule=rule, label="Ondergrens", unit=unit)
        above = compute("pct_above", stated, pct=margin_pct, rule=rule, label="Bovengrens", unit=unit)
        bounds = {"about": (below, above), "more_than": (stated, above), "nearly": (below, stated)}[qualifier]
    if not all(abs(b - r) <= 1e-9 * max(1.0, abs(r)) for b, r in zip(bounds, (low, high))):  # pragma: no cover
        raise AssertionError(f"accepted_range({stated!r}): the traced bounds {bounds} are not the rule's {(low, high)}")
    return bounds


def implied_total(part: float, share_pct: float, share_low: float, share_high: float) -> dict[str, float]:
    """The whole that ``part`` is ``share_pct`` per cent of, and its range for a share
    between ``share_low`` and ``share_high`` (a larger share means a smaller whole); traced
    when the inputs are.

    >>> {k: round(v) for k, v in implied_total(871, 16, 14.4, 17.6).items()}
    {'total': 5444, 'low': 4949, 'high': 6049}
    """
    if not 0 < share_low <= share_pct <= share_high:
        raise ValueError(f"expected 0 < {share_low} <= {share_pct} <= {share_high}")
    rule = "het deel gedeeld door zijn aandeel in het geheel"
    return {"total": compute("implied_total", part, share_pct, rule=rule, label="Berekend totaal", unit="count"),
            "low": compute("implied_total", part, share_high, rule=rule + ", bij het hoogste aandeel", label="Ondergrens totaal",
                           unit="count"),
            "high": compute("implied_total", part, share_low, rule=rule + ", bij het laagste aandeel", label="Bovengrens totaal",
                            unit="count")}


def share_range(part: float, total: float, total_low: float, total_high: float) -> dict[str, float]:
    """``part`` as a percentage of ``total``, and its range when the total lies between
    ``total_low`` and ``total_high`` (never above 100 %); traced when the inputs are.

    >>> {k: round(v, 1) for k, v in share_range(43, 140, 126, 154).items()}
    {'share': 30.7, 'low': 27.9, 'high': 34.1}
    """
    if not 0 < total_low <= total <= total_high or part > total_high:
        raise ValueError(f"expected 0 < {total_low} <= {total} <= {total_high} and {part} <= {total_high}")
    rule = "100 × het deel gedeeld door het totaal"
    return {"share": compute("pct_of", part, total, rule=rule, label="Aandeel", unit="percent"),
            "low": compute("pct_of", part, total_high, rule=rule + ", bij het hoogste totaal", label="Ondergrens aandeel",
                           unit="percent"),
            "high": compute("pct_of", part, max(total_low, part), rule=rule + ", bij het laagste totaal (niet kleiner dan het deel)",
                            label="Bovengrens aandeel", unit="percent")}
