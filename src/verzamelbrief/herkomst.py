"""Provenance records ("herkomst") for every number a notebook puts into the report.

A value loaded from ``data/raw`` (:func:`verzamelbrief.catalogue.figure`) or computed from
such values (:mod:`verzamelbrief.derive`) is a :class:`TracedInt` or :class:`TracedFloat`:
an ``int``/``float`` that carries the id of its record. The record is made where the value
is made: a letter figure names its raw file, line, locator, qualifier and the letter's
wording; a computed figure names its rule in Dutch, its formula with the inputs' values,
the ids of its inputs and the parameters that shaped it. A parameter whose value the report
shows (a margin of 10 %, in a sentence or a column header) is a record of its own
(:func:`parameter`, kind ``parameter``): it names where the value is set, a notebook's block
and key in ``params.yaml``, or a constant in the package's code, so the value can be an
input of a computed figure too.

Formatting a traced value with :mod:`verzamelbrief.fmt` registers a *use* (the text shown,
the formatter and its decimals, the cell's execution count) and returns the text between
invisible markers (:data:`OPEN` id :data:`SEP` text :data:`CLOSE`, private-use
characters that Markdown escaping leaves alone). ``reports/filters/herkomst.lua`` turns
each marked number into a link to its record; the render step
(:mod:`verzamelbrief.render.herkomst_report`) reads the records from the executed notebooks,
maps each use to its labelled cell, writes the appendix and ``herkomst.json``, and fails on a
number shown without a record (:func:`untraced_numbers`).

An untraced value formats without markers, as plain text.

>>> start("demo")
>>> a = computed(877, "verschil", "sub", [], formula="6.693 − 5.816 = 877")
>>> strip(mark(a, "877", "number", None)) == "877"
True
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

#: Markers around a traced number in a notebook's text output: OPEN id SEP text CLOSE.
OPEN, SEP, CLOSE = "\ue000", "\ue001", "\ue002"
MARKED = re.compile(f"{OPEN}(h-[0-9a-f]{{10}}){SEP}([^{CLOSE}]*){CLOSE}")
#: The output a notebook's last cell displays (:func:`publish`), read by the render step.
MIME = "application/vnd.verzamelbrief.herkomst+json"


_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
#: The short rule for numbers that are not data and need no record:
#: - years (four digits, no thousands separator, so the count 2.021 is not a year);
#: - a day before a month name ("29 september"), a quarter before "kwartaal" ("2e kwartaal");
#: - section numbers after "§", paragraph numbers after "alinea", list items after "punt",
#:   footnote numbers after "voetnoot" (the parts of a locator: "alinea 4, punt 1 en 2"; a list
#:   of paragraphs only when it ends in "en N": "alinea 4, 6 en 7", not "alinea 3, 15 projecten");
#: - digits that are part of a name, after a letter: B1, A2, NT2, Wi2013, Q2.
ALLOWED = re.compile(
    r"(?<![\d.,])(?:19|20)\d\d(?!\d|,\d)"
    rf"|(?<![\d.,])[0-3]?\d(?=\s(?:{_MONTHS})\b)"
    r"|(?<![\d.,])[1-4](?=e\skwartaal\b)"
    r"|§\s?\d+|(?:alinea(?:'s)?|punt(?:en)?|voetnoot)\s\d+(?:(?:,\s?\d+)*\s?(?:en|tot|[–-])\s?\d+)?"
    r"|(?<=[A-Za-z])\d+")
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


class _Traced:
    """Mixin: a number with the id of its provenance record (``herkomst``)."""

    herkomst: str

    def __repr__(self) -> str:
        return f"{type(self).__bases__[-1].__repr__(self)}@{self.herkomst}"

    def __str__(self) -> str:  # str() and f"{x}" give the plain number (int and float str() call repr())
        return type(self).__bases__[-1].__repr__(self)


class TracedInt(_Traced, int):
    pass


class TracedFloat(_Traced, float):
    pass


class ParamInt(int):
    """A notebook parameter that is an int, carrying its name (``p.pct_decimals``)."""

    param: str


class ParamFloat(float):
    """A notebook parameter that is a float, carrying its name (``p.qualifier_margin_pct``)."""

    param: str


@dataclass
class _State:
    notebook: str = ""
    records: dict = field(default_factory=dict)
    uses: list = field(default_factory=list)
    quiet: int = 0  # > 0 inside :func:`quiet`: an outer formatter marks the whole text


_STATE = _State()


def start(notebook: str, params=None):
    """Start collecting records for ``notebook``; return ``params`` with its ints named.

    The returned object answers attribute access like ``params``; int and float parameters
    come back as :class:`ParamInt` and :class:`ParamFloat`, so a formatter, loader or
    derivation that receives one (decimals, a year, a margin) can name the parameter in its record.
    """
    _STATE.notebook, _STATE.records, _STATE.uses = notebook, {}, []
    return None if params is None else _Params(params)


class _Params:
    def __init__(self, params):
        object.__setattr__(self, "_params", params)

    def __getattr__(self, name):
        value = getattr(self._params, name)
        kind = ParamInt if isinstance(value, int) and not isinstance(value, bool) else ParamFloat if isinstance(value, float) else None
        if kind is None:
            return value
        named = kind(value)
        named.param = name
        return named


def notebook() -> str:
    """The notebook whose records are being collected (:func:`start`)."""
    return _STATE.notebook


def param_name(value) -> str | None:
    return getattr(value, "param", None)


def _digest(*parts) -> str:
    return "h-" + hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:10]


def traced(value, record: dict):
    """``value`` as a traced number whose record is ``record`` (registered here)."""
    cls = TracedInt if isinstance(value, int) and not isinstance(value, bool) else TracedFloat
    out = cls(value)
    out.herkomst = record["id"]
    _STATE.records[record["id"]] = record
    return out


def record_of(value) -> dict | None:
    rid = getattr(value, "herkomst", None)
    return _STATE.records.get(rid) if rid else None


def _year(value) -> int | None:
    """A raw row's year, or ``None`` for a figure without one (empty, ``None``, NaN or pandas' NA).

    >>> _year("2021"), _year(""), _year(float("nan"))
    (2021, None, None)
    """
    if isinstance(value, str):
        return int(value) if value.strip() else None
    try:
        return None if value is None or value != value else int(value)
    except TypeError:  # pandas.NA: "boolean value of NA is ambiguous"
        return None


def letter_figure(row, file: str, line: int, label: str = "", params: dict | None = None):
    """A figure as the letter states it, from one raw row (``row`` holds the raw columns)."""
    value = float(row["value"])
    value = int(value) if value.is_integer() and row["unit"] == "count" else value
    year = _year(row.get("year"))
    key = (file, row["indicator"], row["category"], year)
    record = {
        "id": _digest("brief", *key),
        "kind": "brief",
        "label": label,
        "file": file,
        "line": int(line),
        "indicator": row["indicator"],
        "category": row["category"],
        "year": year,
        "value": value,
        "unit": row["unit"],
        "qualifier": row["qualifier"],
        "locator": row["locator"],
        "wording": wording(value, row["unit"], row["qualifier"]),
        "params": params or {},
        "notebook": _STATE.notebook,
    }
    out = traced(value, record)
    for name in ("unit", "qualifier", "locator", "year"):
        setattr(out, name, record[name])
    return out


def parameter(value, block: str, key: str, label: str = ""):
    """A parameter value the report shows, as a traced number with a record of kind ``parameter``.

    ``block`` and ``key`` name where the value is set: a notebook's block of ``params.yaml``
    and its key (``parameter(10.0, "11_cijfercontrole", "qualifier_margin_pct")``), or a module
    of the package and the name of a constant (``"verzamelbrief.checks"``, ``"OTHER_MARGINS_PCT"``).

    >>> start("demo"); m = parameter(10.0, "11_cijfercontrole", "qualifier_margin_pct")
    >>> record_of(m)["kind"], record_of(m)["source"], float(m)
    ('parameter', 'params.yaml', 10.0)
    """
    value = int(value) if isinstance(value, int) and not isinstance(value, bool) else float(value)
    record = {
        "id": _digest("parameter", block, key, value),
        "kind": "parameter",
        "label": label or key,
        "source": "code" if block.startswith("verzamelbrief.") else "params.yaml",
        "block": block,
        "key": key,
        "value": value,
        "notebook": _STATE.notebook,
    }
    return traced(value, record)


def wording(value: float, unit: str, qualifier: str) -> str:
    """A letter figure as the records show it: the letter's qualifier word and the value in
    digits with its unit (words for a share the letter gives in words). Not a quotation: the
    letter may write the number in words ("drie punten" is ``3 vragen`` here).

    >>> wording(0.75, "fraction", "nearly"), wording(15, "percent", "exact"), wording(1300, "count", "more_than")
    ('bijna driekwart', '15 procent', 'ruim 1.300')
    """
    from . import fmt, text

    if unit == "fraction":
        return text.fraction_words(value, qualifier)
    if unit == "percent":
        body = f"{fmt.number(value)} procent"
    else:
        body = fmt.unit(value, unit).replace(fmt.NBSP, " ")
    return f"{fmt.QUALIFIER_WORDS[qualifier]} {body}".strip()


#: How each ``op`` of a computed record recomputes its value from its inputs' values (and the
#: record's ``args``), and how its formula is written, so a reviewer's tool (and the tests) can
#: check every formula. A new derivation adds its op here; :func:`verzamelbrief.derive.compute`
#: computes a value by the same function, so formula and value cannot disagree.
OPS = {
    "sub": lambda a, b: a - b,
    "add": lambda *values: sum(values),
    "div": lambda a, b: a / b,
    "mul": lambda a, b: a * b,
    "ratio": lambda a, b: a / b,
    "growth_pct": lambda change, base: 100 * change / base,
    "pct_of": lambda part, total: 100 * part / total,
    "implied_total": lambda part, pct: part / (pct / 100),
    "complement": lambda x, whole=100: whole - x,
    "remainder": lambda *parts, whole=100: whole - sum(parts),
    "scale": lambda x, factor=1: x * factor,
    "months_to_weeks": lambda months: months * 52 / 12,
    "round_to": lambda x, step=1: int(step * round(x / step)),
    "minus": lambda x, by=1: x - by,
    # the bounds of checks.accepted_range (rounded as it rounds them)
    "pct_below": lambda x, pct: round(x * (1 - pct / 100), 12),
    "pct_above": lambda x, pct: round(x * (1 + pct / 100), 12),
    "offset": lambda x, by=0: round(x + by, 12),
    "round_decimals": lambda x, decimals=0: round(x, int(decimals)),
    "count": lambda *items: len(items),
    "half_unit": lambda x: _half_unit(x),
    "exact_fraction": lambda x: float(Fraction(x).limit_denominator(10)),
    "minus_pct": lambda x, pct: x * (1 - pct / 100),
    "plus_pct": lambda x, pct: x * (1 + pct / 100),
    "turning_margin": lambda stated, value, step=0.5: step * math.ceil(round(100 * abs(value / stated - 1) / step, 9)),
}
#: The formula of each op, with its inputs' values ``{0}``, ``{1}`` …, its args by name, and
#: the result ``{r}``.
FORMULAS = {
    "sub": "{0} − {1} = {r}",
    "add": "{all} = {r}",
    "div": "{0} / {1} = {r}",
    "mul": "{0} × {1} = {r}",
    "ratio": "{0} / {1} = {r}",
    "growth_pct": "100 × {0} / {1} = {r}",
    "pct_of": "100 × {0} / {1} = {r}",
    "implied_total": "{0} / ({1} / 100) = {r}",
    "complement": "{whole} − {0} = {r}",
    "remainder": "{whole} − ({all}) = {r}",
    "scale": "{0} × {factor} = {r}",
    "months_to_weeks": "{0} × 52 / 12 = {r}",
    "round_to": "{0} afgerond op {step} = {r}",
    "minus": "{0} − {by} = {r}",
    "pct_below": "{0} × (1 − {pct} / 100) = {r}",
    "pct_above": "{0} × (1 + {pct} / 100) = {r}",
    "offset": "{0} + ({by}) = {r}",
    "round_decimals": "{0}, afgerond (decimalen: {decimals}) = {r}",
    "count": "aantal van {all} = {r}",
    "half_unit": "een halve eenheid van het laatste cijfer van {0} = {r}",
    "exact_fraction": "{0} als breuk met een noemer tot 10 = {r}",
    "minus_pct": "{0} × (1 − {1} / 100) = {r}",
    "plus_pct": "{0} × (1 + {1} / 100) = {r}",
    "turning_margin": "kleinste veelvoud van {step} dat ten minste 100 × |{1} / {0} − 1| is = {r}",
}


def _half_unit(x: float) -> float:
    from .catalogue import rounding_margin

    return rounding_margin(x)


def computed(value, rule: str, op: str, inputs, formula: str, params: dict | None = None, unit: str | None = None,
             label: str = "", args: dict | None = None):
    """A value computed from ``inputs`` (traced values) by ``op``; ``label`` names it, ``rule``
    says in plain Dutch how it is made, ``formula`` with the inputs' values ("6.693 − 5.816 = 877");
    ``args`` are the op's other arguments (:data:`OPS`), ``params`` the notebook parameters
    that shaped it."""
    if op not in OPS:
        raise ValueError(f"computed value with op '{op}', which herkomst.OPS cannot recompute")
    ids = [getattr(i, "herkomst", None) for i in inputs]
    params = {k: int(v) if isinstance(v, int) else v for k, v in (params or {}).items()}
    args = {k: int(v) if isinstance(v, int) else float(v) for k, v in (args or {}).items()}
    record = {
        "id": _digest("berekend", _STATE.notebook, op, ids, params, args),
        "kind": "berekend",
        "label": label,
        "rule": rule,
        "op": op,
        "inputs": ids,
        "args": args,
        "formula": formula,
        "params": params,
        "value": value,
        "unit": unit,
        "notebook": _STATE.notebook,
    }
    return traced(value, record)


def is_traced(*values) -> bool:
    return all(isinstance(v, _Traced) for v in values)


def _execution_count() -> int | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None
    shell = get_ipython()
    # while a cell runs, IPython's counter already names the next cell: the stored count is one less
    count = getattr(shell, "execution_count", None) if shell else None
    return None if count is None else count - 1


def mark(value, text: str, formatter: str, decimals, params: dict | None = None) -> str:
    """``text`` (the formatted ``value``) between markers when ``value`` is traced; the use
    is registered with the formatter, its decimals (and their parameter name), the other
    notebook parameters that shaped the text (``params``, name -> value) and the cell."""
    rid = getattr(value, "herkomst", None)
    if rid is None or _STATE.quiet:
        return text
    use = {
        "id": rid, "text": text, "formatter": formatter,
        "decimals": None if decimals is None else int(decimals), "decimals_param": param_name(decimals),
        "execution_count": _execution_count(),
    }
    if params:
        use["params"] = {k: int(v) if isinstance(v, int) else v for k, v in params.items()}
    _STATE.uses.append(use)
    return f"{OPEN}{rid}{SEP}{text.replace(' ', chr(0xA0))}{CLOSE}"


@contextmanager
def quiet():
    """Inside this block :func:`mark` registers nothing and adds no markers: a formatter that
    builds its text from other formatters (``ruim 8 op de 10``) marks the whole text once."""
    _STATE.quiet += 1
    try:
        yield
    finally:
        _STATE.quiet -= 1


def whole(value, build, formatter: str, decimals=None, params: dict | None = None) -> str:
    """The text ``build()`` makes, marked once as one use of ``value`` (see :func:`quiet`)."""
    with quiet():
        text = build()
    return mark(value, text, formatter, decimals, params)


def named_params(*values) -> dict:
    """The notebook parameters among ``values`` (:class:`ParamInt`), by name, for a record.

    >>> base = ParamInt(100); base.param = "out_of"
    >>> named_params(base, 10)
    {'out_of': 100}
    """
    return {param_name(v): int(v) for v in values if param_name(v)}


def strip(text: str) -> str:
    """``text`` without markers (what a figure or alt text shows)."""
    return MARKED.sub(lambda m: m.group(2), text)


def locators(text: str) -> list[str]:
    """The letter paragraphs the marked numbers in ``text`` come from, each once, in the order
    found: a letter figure's locator; for a computed figure those of its inputs, followed to
    the letter figures (a parameter has none).

    >>> start("demo")
    >>> a = letter_figure({"value": 5816, "unit": "count", "indicator": "c", "category": "t", "year": 2020,
    ...                    "qualifier": "exact", "locator": "§9 alinea 2"}, "x.csv", 2)
    >>> b = computed(877, "verschil", "sub", [a, a], formula="…")
    >>> locators("groei " + mark(b, "877", "number", None) + " en " + mark(a, "5.816", "number", None))
    ['§9 alinea 2']
    """
    found: list[str] = []
    seen: set[str] = set()

    def follow(rid):
        record = _STATE.records.get(rid) if rid else None
        if record is None or rid in seen:
            return
        seen.add(rid)
        if record["kind"] == "brief":
            found.append(record["locator"])
        for input_id in record.get("inputs", ()):
            follow(input_id)

    for rid, _shown in MARKED.findall(text):
        follow(rid)
    return list(dict.fromkeys(found))


def publish():
    """Display this notebook's records and uses (the notebook's last cell), for the render step."""
    from IPython.display import display

    payload = {"notebook": _STATE.notebook, "records": _STATE.records, "uses": _STATE.uses}
    display({MIME: json.loads(json.dumps(payload, default=float)), "text/plain": f"{len(_STATE.records)} herkomstrecords"}, raw=True)


def untraced_numbers(text: str) -> list[str]:
    """The numbers in ``text`` outside markers that the short rule :data:`ALLOWED` does not cover.

    >>> untraced_numbers("In 2021 telde de monitor " + OPEN + "h-0123456789" + SEP + "6.693" + CLOSE + ", brief §9, alinea 2; 877 meer")
    ['877']
    >>> untraced_numbers("in het 2e kwartaal van 2023 (Q2), per 1 april; 2 kwartalen")
    ['2']
    >>> untraced_numbers("brief §7, alinea 4, 6 en 7; brief §8, alinea 3, 15 projecten")
    ['15']
    """
    rest = ALLOWED.sub(" ", MARKED.sub(" ", text))
    return DIGITS.findall(rest)
