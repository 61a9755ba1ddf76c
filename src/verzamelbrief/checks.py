"""The figure check ("cijfercontrole"): the letter's derived statements, recomputed.

Some statements in the letter follow from other figures in the same letter (a growth
percentage, an amount left over, a difference), or give one figure twice, in words and in
digits ("bijna driekwart (72 procent)"). :data:`CHECKS` lists each of them once,
declaratively: where the figure *as the letter states it* lives in ``data/raw`` (a
:class:`Figure`), or the words the letter uses (a :class:`Claim`), and how the statement is
recomputed from the other raw figures. :func:`run_checks` evaluates every check and returns
one tidy row each. Every check can fail: ``tests/test_checks.py`` changes one input figure
per check and sees its verdict flip.

Parts that must add up to a whole (``wholes`` in ``data/raw/catalogue.yaml``) are *not*
checks: ``python -m verzamelbrief.validate`` refuses raw data that breaks them before any
notebook runs, so they could never fail here. :func:`validation_guarantees` lists them, so
that the report can say so once without counting them as confirmations.

The tolerance rule (one rule, for the whole report)
---------------------------------------------------
A figure is read with the precision of the letter's own wording:

- a share in words (unit ``fraction``: "twee op de drie", "een derde", "driekwart",
  "9 op de 10") is an exact fraction: :func:`exact_value` turns the transcribed digits
  (0.6667) back into 2/3, and no rounding margin applies;
- digits without a qualifier ("15 procent", "16,7 miljoen") stand for everything that
  rounds to them: half a unit of the last stated digit either side
  (:func:`~verzamelbrief.catalogue.rounding_margin`: 15 -> 0.5, 16.7 -> 0.05);
- "ongeveer"/"circa" (``about``), "ruim" (``more_than``) and "bijna" (``nearly``) allow one
  margin, :data:`QUALIFIER_MARGIN_PCT` per cent *of the stated figure* (relative, not in
  percentage points): either side, only above, only below.

Verdicts: "klopt" when the recomputed value equals the stated one, or lies within the
qualifier's margin; "binnen afronding" when an unqualified figure is only reached by rounding;
"wijkt af" otherwise. All bounds are inclusive. The figures a recomputation starts from are
taken as stated.

>>> verdict(15, 100 * (6693 - 5816) / 5816)
'binnen afronding'
>>> verdict(0.75, 0.72, "nearly")
'klopt'
>>> verdict(0.75, 0.72, "nearly", margin_pct=3)
'wijkt af'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from .catalogue import load_catalogue, load_table, resolve, rounding_margin
from . import paths

KLOPT = "klopt"
BINNEN_AFRONDING = "binnen afronding"
WIJKT_AF = "wijkt af"
VERDICTS = (KLOPT, BINNEN_AFRONDING, WIJKT_AF)

#: The one margin for "ongeveer"/"circa", "ruim" and "bijna", in per cent of the stated figure.
QUALIFIER_MARGIN_PCT = 10.0

Tables = Mapping[str, pd.DataFrame]
#: A recomputation: the raw tables in, ``(value, rule)`` out.
Recompute = Callable[[Tables], tuple[float, str]]


# ---------------------------------------------------------------- the tolerance rule

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


def _eps(*values: float) -> float:
    """Slack for floating-point noise, so that a value exactly on a bound counts as on it."""
    return 1e-9 * max(1.0, *(abs(v) for v in values))


def verdict(stated: float, recomputed: float, qualifier: str = "exact", unit: str = "count",
            margin_pct: float = QUALIFIER_MARGIN_PCT) -> str:
    """"klopt", "binnen afronding" or "wijkt af" for a stated figure and its recomputation.

    >>> verdict(3, 31 - 28)
    'klopt'
    >>> verdict(6, 10.5 + 3.5 + 9.4 - 16.7, unit="eur_million")
    'wijkt af'
    """
    low, high = accepted_range(stated, qualifier, unit, margin_pct)
    eps = _eps(stated, recomputed)
    if qualifier == "exact" and math.isclose(recomputed, exact_value(stated, unit), rel_tol=1e-9, abs_tol=1e-12):
        return KLOPT
    if low - eps <= recomputed <= high + eps:
        return KLOPT if qualifier != "exact" else BINNEN_AFRONDING
    return WIJKT_AF


# ---------------------------------------------------------------- where figures live

@dataclass(frozen=True)
class Figure:
    """One figure in ``data/raw``: file stem, indicator, category and year (``None``: no year)."""

    file: str
    indicator: str
    category: str = "total"
    year: int | None = None

    @property
    def label(self) -> str:
        year = "" if self.year is None else f", {self.year}"
        return f"{self.indicator}[{self.category}{year}]"

    def row(self, tables: Tables) -> pd.Series:
        """The one raw row of this figure; ``KeyError`` naming it if there is not exactly one."""
        df = tables[self.file]
        year = df["year"].isna() if self.year is None else df["year"] == self.year
        rows = df[(df["indicator"] == self.indicator) & (df["category"] == self.category) & year.fillna(False)]
        if len(rows) != 1:
            raise KeyError(f"{self.file}.csv: expected one row {self.label}, found {len(rows)}")
        return rows.iloc[0]

    def value(self, tables: Tables) -> float:
        return float(self.row(tables)["value"])


@dataclass(frozen=True)
class Claim:
    """What the letter says in words about a figure it also gives in digits.

    ``words`` is the letter's wording (a few words, not a sentence), ``low``/``high`` the
    values those words allow, in the figure's unit, with ``strict`` bounds excluded;
    ``unit`` and ``file``/``section`` say where the figure is.
    """

    words: str
    low: float
    high: float
    unit: str
    file: str
    strict: tuple[bool, bool] = (False, False)

    def holds(self, value: float) -> bool:
        above = value > self.low if self.strict[0] else value >= self.low
        below = value < self.high if self.strict[1] else value <= self.high
        return above and below


# ---------------------------------------------------------------- recomputations

def difference(a: Figure, b: Figure) -> Recompute:
    """``a - b``."""
    return lambda t: (a.value(t) - b.value(t), f"{a.label} - {b.label}")


def total_minus(parts: tuple[Figure, ...], minus: Figure) -> Recompute:
    """The sum of ``parts`` minus ``minus``."""
    return lambda t: (sum(f.value(t) for f in parts) - minus.value(t),
                      f"({' + '.join(f.label for f in parts)}) - {minus.label}")


def growth_pct(base: Figure, later: Figure) -> Recompute:
    """The growth from ``base`` to ``later`` in percent of ``base``."""
    return lambda t: (100 * (later.value(t) - base.value(t)) / base.value(t),
                      f"100 * ({later.label} - {base.label}) / {base.label}")


def as_fraction(percent: Figure) -> Recompute:
    """A percentage as a fraction of 1, to compare with a share put into words."""
    return lambda t: (percent.value(t) / 100, f"{percent.label} / 100")


def same(figure: Figure) -> Recompute:
    """The figure itself, to hold against the words the letter uses for it."""
    return lambda t: (figure.value(t), figure.label)


# ---------------------------------------------------------------- the checks

@dataclass(frozen=True)
class Check:
    """One derived statement of the letter, or one figure it gives in words and digits.

    ``statement`` is a short Dutch paraphrase written for this project (no figures in
    it: those come from the data), ``stated`` the letter's figure in ``data/raw`` or its
    words, ``recompute`` how the statement follows from the other figures.
    """

    id: str
    section: int
    statement: str
    stated: Figure | Claim
    recompute: Recompute

    @property
    def file(self) -> str:
        return self.stated.file


_AMIF = "08_amif"
_CEILINGS = tuple(Figure(_AMIF, "budget_ceiling", c, 2022)
                  for c in ("dual_trajectories", "context_learning", "participation_activation"))
_MARKT = "10_marktmonitor"

CHECKS: tuple[Check, ...] = (
    Check(
        "leerbaarheid_cesuur_verlaging", 3,
        "Verlaging van de cesuur (‘drie punten’) naast de oude en de nieuwe cesuur",
        Figure("03_leerbaarheidstoets", "cutoff_reduction", "total", 2023),
        difference(Figure("03_leerbaarheidstoets", "cutoff_correct", "old_cutoff", 2023),
                   Figure("03_leerbaarheidstoets", "cutoff_correct", "new_cutoff", 2023)),
    ),
    Check(
        "amif_resterend", 8,
        "Restant van de AMIF-ronde, berekend als de som van de drie themaplafonds min het toegekende bedrag "
        "(aanname: het beschikbare bedrag is die som)",
        Figure(_AMIF, "remaining_call", "total", 2022),
        total_minus(_CEILINGS, Figure(_AMIF, "granted", "total", 2022)),
    ),
    Check(
        "bib_groei_kandidaten", 9,
        "Groei van het aantal kandidaten voor het examen in het buitenland, vergeleken met een jaar eerder",
        Figure("09_bib_examenmonitor", "candidates_growth", "total", 2021),
        growth_pct(Figure("09_bib_examenmonitor", "candidates", "total", 2020),
                   Figure("09_bib_examenmonitor", "candidates", "total", 2021)),
    ),
    Check(
        "bib_eerste_poging_woorden", 9,
        "Geslaagd bij de eerste poging: de woorden van de brief naast het percentage",
        Figure("09_bib_examenmonitor", "first_attempt_pass_share_words", "total", 2021),
        as_fraction(Figure("09_bib_examenmonitor", "first_attempt_pass_share", "total", 2021)),
    ),
    Check(
        "markt_taalaanbieders_grootste_deel", 10,
        "Taalaanbieders die in ieder geval dit jaar nog aanbod hebben voor inburgeraars onder de oude wet: "
        "de woorden van de brief naast het percentage",
        Claim("het grootste deel", 50, 100, "percent", _MARKT, strict=(True, False)),
        same(Figure(_MARKT, "providers_share", "offer_wi2013_2023", 2022)),
    ),
    Check(
        "markt_participatie_z_niet_overal", 10,
        "Aanbod voor het participatiedeel van de Z-route: de woorden van de brief naast het percentage",
        Claim("nog niet overal gerealiseerd", 0, 100, "percent", _MARKT, strict=(False, True)),
        same(Figure(_MARKT, "coverage_realised", "z_route_participation", 2022)),
    ),
    Check(
        "markt_map_niet_overal", 10,
        "Aanbod voor de module arbeidsmarkt en participatie: de woorden van de brief naast het percentage",
        Claim("nog niet overal gerealiseerd", 0, 100, "percent", _MARKT, strict=(False, True)),
        same(Figure(_MARKT, "coverage_realised", "map", 2022)),
    ),
)


# ---------------------------------------------------------------- running them

def load_tables(raw_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """Every raw file of the catalogue, validated, keyed by file stem (``"08_amif"``)."""
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    names = load_catalogue(raw_dir / "catalogue.yaml")["files"]
    return {name.removesuffix(".csv"): load_table(name, raw_dir) for name in sorted(names)}


def evaluate(check: Check, tables: Tables, margin_pct: float = QUALIFIER_MARGIN_PCT) -> dict:
    """One check as a tidy row: the stated figure or words, the recomputed value, the verdict."""
    value, rule = check.recompute(tables)
    ref = check.stated
    if isinstance(ref, Claim):
        stated, qualifier, unit, words = math.nan, "words", ref.unit, ref.words
        low, high = ref.low, ref.high
        result = KLOPT if ref.holds(value) else WIJKT_AF
        indicator = category = year = None
    else:
        row = ref.row(tables)
        stated, qualifier, unit, words = float(row["value"]), str(row["qualifier"]), str(row["unit"]), ""
        low, high = accepted_range(stated, qualifier, unit, margin_pct)
        result = verdict(stated, value, qualifier, unit, margin_pct)
        indicator, category, year = ref.indicator, ref.category, ref.year
    return {
        "check": check.id,
        "section": check.section,
        "statement": check.statement,
        "file": f"{ref.file}.csv",
        "indicator": indicator,
        "category": category,
        "year": year,
        "stated_value": stated,
        "stated_words": words,
        "unit": unit,
        "qualifier": qualifier,
        "recomputed_value": round(value, 10),  # drop floating-point noise, keep every real digit
        "accepted_low": low,
        "accepted_high": high,
        "verdict": result,
        "derived": True,
        "rule": rule,
    }


def run_checks(tables: Tables, margin_pct: float = QUALIFIER_MARGIN_PCT,
               checks: tuple[Check, ...] = CHECKS) -> pd.DataFrame:
    """Evaluate ``checks`` on the raw ``tables``; one row per check, in letter order."""
    rows = [evaluate(c, tables, margin_pct) for c in checks]
    df = pd.DataFrame(rows).astype({"year": "Int64"})
    return df.sort_values("section", kind="stable").reset_index(drop=True)


def validation_guarantees(raw_dir: Path | str | None = None) -> list[tuple[int, str]]:
    """(section, Dutch description) of every whole in the catalogue that validation enforces.

    >>> any(s == 7 for s, _ in validation_guarantees())
    True
    """
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    files = load_catalogue(raw_dir / "catalogue.yaml")["files"]
    out = []
    for entry in files.values():
        for whole in entry.get("wholes", []):
            names = [entry["indicators"][i]["label_nl"].lower() for i in whole["indicators"]]
            rule = "samen gelijk aan het geheel" if whole.get("rule", "equal") == "equal" else "samen niet meer dan het geheel"
            by = " (per categorie)" if whole.get("by") else ""
            out.append((int(entry["section"]), f"{' plus '.join(names)}{by}: {rule}"))
    return sorted(out)


# ---------------------------------------------------------------- in Dutch, for the report

def _show(value: float, unit: str, decimals: int) -> str:
    from . import fmt

    if unit in ("percent", "fraction"):
        pct = round(100 * value if unit == "fraction" else value, decimals)
        return f"{fmt.number(pct)}{fmt.NBSP}%"
    return fmt.unit(round(value, decimals), unit)


def show_stated(row) -> str:
    """The letter's figure or words, as the letter gives them (``bijna driekwart (75 %)``)."""
    from . import text

    if row.qualifier == "words":
        return f"‘{row.stated_words}’"
    return text.stated_value(row.stated_value, row.unit, row.qualifier)


def show_accepted(row, decimals: int) -> str:
    """The accepted range in words: ``14,5–15,5 %``, ``meer dan 50 %``, ``minder dan 100 %``."""
    from . import fmt

    low, high = row.accepted_low, row.accepted_high
    if row.qualifier == "words":
        if low <= 0:
            return f"minder dan {_show(high, row.unit, decimals)}"
        return f"meer dan {_show(low, row.unit, decimals)}"
    if row.unit == "eur_million":
        return f"€{fmt.NBSP}{fmt.number(round(low, decimals))}–{fmt.number(round(high, decimals))} miljoen"
    a, b = _show(low, row.unit, decimals), _show(high, row.unit, decimals)
    shared = b.split(fmt.NBSP, 1)[1] if fmt.NBSP in b else ""
    if shared and a.endswith(fmt.NBSP + shared):
        a = a[: -len(shared) - 1]
    return f"{a}–{b}"


def display_table(result: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """The appendix table: statement, the letter's figure, the recomputation, the range, the verdict."""
    return pd.DataFrame(
        {
            "§": [str(s) for s in result["section"]],
            "Uitspraak": result["statement"],
            "Volgens de brief": [show_stated(r) for r in result.itertuples()],
            "Herberekend": [_show(v, u, decimals) for v, u in zip(result["recomputed_value"], result["unit"])],
            "Toegestaan": [show_accepted(r, decimals) for r in result.itertuples()],
            "Oordeel": result["verdict"],
        }
    )


#: Relative column widths of :func:`display_table` (pandoc wraps the cells of a wide table).
DISPLAY_ALIGN = ["r", "l", "r", "r", "r", "l"]
DISPLAY_WIDTHS = [1, 9, 4, 3, 4, 3]


def findings(result: pd.DataFrame, margin_pct: float, decimals: int,
             guarantees: list[tuple[int, str]]) -> list[str]:
    """The appendix's key findings, in Dutch, counted from ``result``."""
    from . import fmt

    n = len(result)
    holds = result["verdict"].isin([KLOPT, BINNEN_AFRONDING])
    rounded = result[result["verdict"] == BINNEN_AFRONDING]
    deviates = result[result["verdict"] == WIJKT_AF]

    def values_of(r) -> str:
        return (f"de brief noemt {show_stated(r)}, herberekend is dat {_show(r.recomputed_value, r.unit, decimals)} "
                f"(toegestaan: {show_accepted(r, decimals)})")

    summary = (f"De bijlage rekent {fmt.number(n)} uitspraken van de brief na. "
               f"Daarvan {'klopt' if int(holds.sum()) == 1 else 'kloppen'} er {fmt.number(int(holds.sum()))}")
    if len(rounded):
        summary += f", waarvan {fmt.number(len(rounded))} alleen binnen de afronding van het genoemde cijfer"
    summary += f"; {fmt.number(len(deviates))} {'wijkt' if len(deviates) == 1 else 'wijken'} af."
    items = [summary]
    items += [f"Binnen de afronding (§{r.section}): {r.statement}; {values_of(r)}." for r in rounded.itertuples()]
    items += [f"Wijkt af (§{r.section}): {r.statement}; {values_of(r)}." for r in deviates.itertuples()]
    items.append(
        f"Marge bij ‘ongeveer’, ‘circa’, ‘ruim’ en ‘bijna’: {fmt.percent(margin_pct)} van het genoemde cijfer "
        f"(relatief, geen procentpunten)."
    )
    if guarantees:
        sections = sorted({s for s, _ in guarantees})
        items.append(
            f"Niet meegeteld: {fmt.number(len(guarantees))} verbanden tussen delen en een geheel "
            f"(§{', §'.join(str(s) for s in sections)}), zoals aandelen die samen het geheel vormen. De validatie van "
            f"de overgenomen cijfers weigert gegevens die deze verbanden breken al voordat een notebook draait; "
            f"een herberekening kan ze dus niet meer tegenspreken."
        )
    return items
