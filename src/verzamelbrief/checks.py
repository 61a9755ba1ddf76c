"""The figure check ("cijfercontrole"): the letter's derived statements, recomputed.

Some statements in the letter follow from other figures in the same letter: a growth
percentage, an amount left over, parts that make up a whole, a share put into words.
:data:`CHECKS` lists each of them once, declaratively: where the figure *as the letter
states it* lives in ``data/raw`` (a :class:`Figure`, or a :class:`Whole` of the
catalogue), and a function that recomputes it from the raw tables and says how.
:func:`run_checks` evaluates every check and returns one tidy row each.

Verdict rule
------------
The tolerance follows the letter's qualifier of the stated figure (``qualifiers`` in
``data/raw/catalogue.yaml``; bounds from :data:`verzamelbrief.catalogue.QUALIFIER_BOUNDS`,
see :func:`qualifier_bounds` to widen or tighten them). ``m`` is
:func:`~verzamelbrief.catalogue.rounding_margin` of the stated value: half a unit of its
last stated digit (``15`` -> 0.5, ``16.7`` -> 0.05).

``exact`` (no qualifier)
    "klopt" if the recomputed value equals the stated one; "binnen afronding" if it
    lies within ``stated ± m``; otherwise "wijkt af".
``about`` / ``more_than`` / ``nearly`` ("ongeveer", "ruim", "bijna")
    "klopt" if the recomputed value lies within ``[lo * stated - m, hi * stated + m]``,
    ``(lo, hi)`` being the qualifier's bounds; otherwise "wijkt af".
at most a whole (:class:`Whole`: shares of all municipalities that are parts of it)
    "klopt" if the recomputed sum of the parts is at most the whole; "binnen afronding"
    if it exceeds the whole by no more than the parts' summed rounding margins (the
    tolerance ``python -m verzamelbrief.validate`` applies); otherwise "wijkt af".

All bounds are inclusive. The figures a recomputation starts from are taken as stated:
their own rounding is not carried into the tolerance.

>>> verdict(15, 100 * (6693 - 5816) / 5816)
'binnen afronding'
>>> verdict(0.75, 0.72, "nearly")
'klopt'
>>> verdict(0.75, 0.72, "nearly", qualifier_bounds(nearly_pct=3))
'wijkt af'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from .catalogue import QUALIFIER_BOUNDS, load_catalogue, load_table, resolve, rounding_margin
from . import paths

KLOPT = "klopt"
BINNEN_AFRONDING = "binnen afronding"
WIJKT_AF = "wijkt af"
VERDICTS = (KLOPT, BINNEN_AFRONDING, WIJKT_AF)

Tables = Mapping[str, pd.DataFrame]
Bounds = Mapping[str, tuple[float, float]]
#: A recomputation: the raw tables in, ``(value, rule)`` out.
Recompute = Callable[[Tables], tuple[float, str]]


# ---------------------------------------------------------------- verdict logic

def qualifier_bounds(about_pct: float | None = None, more_than_pct: float | None = None,
                     nearly_pct: float | None = None, base: Bounds = QUALIFIER_BOUNDS) -> dict:
    """The qualifier bounds with the widths (in % of the stated value) that are given.

    "ongeveer" allows ``about_pct`` either side, "ruim" ``more_than_pct`` above,
    "bijna" ``nearly_pct`` below; widths left as ``None`` keep ``base``.

    >>> qualifier_bounds() == QUALIFIER_BOUNDS
    True
    >>> qualifier_bounds(about_pct=5)["about"]
    (0.95, 1.05)
    """
    bounds = dict(base)
    if about_pct is not None:
        bounds["about"] = (1 - about_pct / 100, 1 + about_pct / 100)
    if more_than_pct is not None:
        bounds["more_than"] = (1.0, 1 + more_than_pct / 100)
    if nearly_pct is not None:
        bounds["nearly"] = (1 - nearly_pct / 100, 1.0)
    return bounds


def _eps(*values: float) -> float:
    """Slack for floating-point noise, so that a value exactly on a bound counts as on it."""
    return 1e-9 * max(1.0, *(abs(v) for v in values))


def accepted_range(stated: float, qualifier: str, bounds: Bounds | None = None) -> tuple[float, float]:
    """The interval a recomputed value may lie in for ``stated`` with ``qualifier``.

    The qualifier's bounds around ``stated``, widened by its rounding margin.

    >>> accepted_range(80, "about")
    (71.5, 88.5)
    >>> accepted_range(15, "exact")
    (14.5, 15.5)
    """
    bounds = QUALIFIER_BOUNDS if bounds is None else bounds
    if qualifier not in bounds:
        raise ValueError(f"unknown qualifier {qualifier!r}; known: {', '.join(bounds)}")
    lo, hi = bounds[qualifier]
    m = rounding_margin(stated)
    return round(lo * stated - m, 12), round(hi * stated + m, 12)


def verdict(stated: float, recomputed: float, qualifier: str = "exact", bounds: Bounds | None = None) -> str:
    """"klopt", "binnen afronding" or "wijkt af" for a stated figure and its recomputation.

    >>> verdict(3, 31 - 28)
    'klopt'
    >>> verdict(6, 10.5 + 3.5 + 9.4 - 16.7)
    'wijkt af'
    """
    low, high = accepted_range(stated, qualifier, bounds)
    eps = _eps(stated, recomputed)
    if qualifier == "exact" and math.isclose(recomputed, stated, rel_tol=1e-9, abs_tol=1e-12):
        return KLOPT
    if low - eps <= recomputed <= high + eps:
        return KLOPT if qualifier != "exact" else BINNEN_AFRONDING
    return WIJKT_AF


def verdict_at_most(whole: float, recomputed: float, margin: float = 0.0) -> str:
    """The verdict for parts that together may not exceed ``whole``.

    >>> verdict_at_most(100, 88)
    'klopt'
    >>> verdict_at_most(100, 100.5, margin=1.0)
    'binnen afronding'
    """
    eps = _eps(whole, recomputed)
    if recomputed <= whole + eps:
        return KLOPT
    if recomputed <= whole + margin + eps:
        return BINNEN_AFRONDING
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
class Whole:
    """A whole from the catalogue (``wholes`` of ``file``) and its parts for one category.

    The stated value of such a check is the whole (e.g. all municipalities, 100 %);
    the recomputed value is the sum of the parts.
    """

    file: str
    indicators: tuple[str, ...]
    category: str
    year: int | None = None

    def spec(self, raw_dir: Path | str | None = None) -> dict:
        raw_dir = resolve(raw_dir or paths.DATA_RAW)
        entry = load_catalogue(raw_dir / "catalogue.yaml")["files"][f"{self.file}.csv"]
        for whole in entry.get("wholes", []):
            if tuple(whole["indicators"]) == self.indicators:
                return whole
        raise KeyError(f"{self.file}.csv: no whole of {'+'.join(self.indicators)} in the catalogue")

    def parts(self) -> list[Figure]:
        return [Figure(self.file, i, self.category, self.year) for i in self.indicators]

    def recompute(self, tables: Tables) -> tuple[float, str]:
        parts = self.parts()
        return sum(f.value(tables) for f in parts), " + ".join(f.label for f in parts)

    def margin(self, tables: Tables) -> float:
        return sum(rounding_margin(f.value(tables)) for f in self.parts())


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


def remainder(part: Figure, whole: float = 1.0) -> Recompute:
    """What is left of ``whole`` (a fraction: 1) after ``part``."""
    return lambda t: (whole - part.value(t), f"{whole:g} - {part.label}")


def as_fraction(percent: Figure) -> Recompute:
    """A percentage as a fraction of 1, to compare with a share put into words."""
    return lambda t: (percent.value(t) / 100, f"{percent.label} / 100")


# ---------------------------------------------------------------- the checks

@dataclass(frozen=True)
class Check:
    """One derived statement of the letter.

    ``statement`` is a short Dutch paraphrase written for this project (no figures in
    it: those come from the data), ``stated`` where the letter's figure is in
    ``data/raw``, ``recompute`` how it follows from the other figures.
    """

    id: str
    section: int
    statement: str
    stated: Figure | Whole
    recompute: Recompute

    @property
    def relation(self) -> str:
        return "at_most" if isinstance(self.stated, Whole) else "equal"


def _whole_check(id: str, statement: str, category: str) -> Check:
    whole = Whole("10_marktmonitor", ("coverage_realised", "coverage_final_phase"), category, 2022)
    return Check(id, 10, statement, whole, whole.recompute)


_AMIF = "08_amif"
_CEILINGS = tuple(Figure(_AMIF, "budget_ceiling", c, 2022)
                  for c in ("dual_trajectories", "context_learning", "participation_activation"))

CHECKS: tuple[Check, ...] = (
    Check(
        "leerbaarheid_cesuur_verlaging", 3,
        "Verlaging van de cesuur in goede antwoorden (oude min nieuwe cesuur)",
        Figure("03_leerbaarheidstoets", "cutoff_reduction", "total", 2023),
        difference(Figure("03_leerbaarheidstoets", "cutoff_correct", "old_cutoff", 2023),
                   Figure("03_leerbaarheidstoets", "cutoff_correct", "new_cutoff", 2023)),
    ),
    Check(
        "aow_samenstelling_rest", 7,
        "Groep die bij de AOW-leeftijd de plicht verliest: gezins- en overige migranten als rest na de "
        "asielstatushouders",
        Figure("07_aow_groepen", "group_composition", "family_and_other_migrant"),
        remainder(Figure("07_aow_groepen", "group_composition", "asylum_permit_holder")),
    ),
    Check(
        "amif_resterend", 8,
        "AMIF-ronde: restant van het beschikbare bedrag (som van de themaplafonds min het toegekende bedrag)",
        Figure(_AMIF, "remaining_call", "total", 2022),
        total_minus(_CEILINGS, Figure(_AMIF, "granted", "total", 2022)),
    ),
    Check(
        "bib_groei_kandidaten", 9,
        "Groei van het aantal kandidaten voor het examen in het buitenland op het jaar ervoor, in procenten",
        Figure("09_bib_examenmonitor", "candidates_growth", "total", 2021),
        growth_pct(Figure("09_bib_examenmonitor", "candidates", "total", 2020),
                   Figure("09_bib_examenmonitor", "candidates", "total", 2021)),
    ),
    Check(
        "bib_eerste_poging_woorden", 9,
        "Slagen bij de eerste poging: ‘bijna driekwart’ naast het genoemde percentage",
        Figure("09_bib_examenmonitor", "first_attempt_pass_share_words", "total", 2021),
        as_fraction(Figure("09_bib_examenmonitor", "first_attempt_pass_share", "total", 2021)),
    ),
    Check(
        "markt_duaal_rest", 10,
        "Geïntegreerd duaal traject ingekocht (‘ongeveer een derde’): de rest na de gemeenten zonder",
        Figure("10_marktmonitor", "municipalities_dual", "integrated_dual_bought", 2022),
        remainder(Figure("10_marktmonitor", "municipalities_dual", "no_integrated_dual", 2022)),
    ),
    _whole_check(
        "markt_onderwijsroute_geheel",
        "Onderwijsroute: aanbod gerealiseerd plus afrondende fase, samen hoogstens alle gemeenten",
        "education_route",
    ),
    _whole_check(
        "markt_participatie_z_geheel",
        "Participatiedeel Z-route (nog niet bij alle gemeenten klaar): gerealiseerd plus afrondende fase, "
        "samen hoogstens alle gemeenten",
        "z_route_participation",
    ),
    _whole_check(
        "markt_map_geheel",
        "MAP (nog niet bij alle gemeenten klaar): gerealiseerd plus afrondende fase, samen hoogstens alle gemeenten",
        "map",
    ),
)


# ---------------------------------------------------------------- running them

def load_tables(raw_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """Every raw file of the catalogue, validated, keyed by file stem (``"08_amif"``)."""
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    names = load_catalogue(raw_dir / "catalogue.yaml")["files"]
    return {name.removesuffix(".csv"): load_table(name, raw_dir) for name in sorted(names)}


def evaluate(check: Check, tables: Tables, bounds: Bounds | None = None,
             raw_dir: Path | str | None = None) -> dict:
    """One check as a tidy row: the stated figure, the recomputed one, the verdict."""
    value, rule = check.recompute(tables)
    ref = check.stated
    if isinstance(ref, Whole):
        spec = ref.spec(raw_dir)
        stated, qualifier = float(spec["total"]), "exact"
        unit = str(ref.parts()[0].row(tables)["unit"])
        margin = ref.margin(tables)
        low, high = math.nan, stated + margin  # no lower limit: parts may leave room
        result = verdict_at_most(stated, value, margin)
        indicator = "+".join(ref.indicators)
    else:
        row = ref.row(tables)
        stated, qualifier, unit = float(row["value"]), str(row["qualifier"]), str(row["unit"])
        low, high = accepted_range(stated, qualifier, bounds)
        result = verdict(stated, value, qualifier, bounds)
        indicator = ref.indicator
    return {
        "check": check.id,
        "section": check.section,
        "statement": check.statement,
        "file": f"{ref.file}.csv",
        "indicator": indicator,
        "category": ref.category,
        "year": ref.year,
        "relation": check.relation,
        "stated_value": stated,
        "unit": unit,
        "qualifier": qualifier,
        "recomputed_value": round(value, 10),  # drop floating-point noise, keep every real digit
        "difference": round(value - stated, 10),
        "accepted_low": low,
        "accepted_high": high,
        "verdict": result,
        "derived": True,
        "rule": rule,
    }


def run_checks(tables: Tables, bounds: Bounds | None = None, checks: tuple[Check, ...] = CHECKS,
               raw_dir: Path | str | None = None) -> pd.DataFrame:
    """Evaluate ``checks`` on the raw ``tables``; one row per check, in letter order."""
    rows = [evaluate(c, tables, bounds, raw_dir) for c in checks]
    df = pd.DataFrame(rows).astype({"year": "Int64"})
    return df.sort_values("section", kind="stable").reset_index(drop=True)
