"""The figure check ("cijfercontrole"): the letter's derived statements, recomputed.

Some statements in the letter follow from other figures in the same letter (a growth
percentage, an amount left over, a difference, a share), or give one figure twice, in words
and in digits ("bijna driekwart (72 procent)"). :data:`CHECKS` lists each *distinct*
statement once, declaratively: where the figure *as the letter states it* lives in
``data/raw`` (a :class:`Figure`), or the words the letter uses (a :class:`Claim`), and how
the statement is recomputed from the other raw figures (a :class:`Recompute`). One letter
sentence that says the same thing of two figures is one check, evaluated on both.

Not every check is counted. ``counted=False`` marks a word check that cannot realistically
fail (the words stand next to the digits that bear them out, as in "het grootste deel (85
procent)"): the appendix shows it, but its headline counts only the checks that could come
out either way. :data:`LEFT_OUT` lists what was considered and not checked, with the reason.

A verdict that rests on an assumption or on one reading of the letter carries it:
``condition`` (for a :class:`Figure`) or the readings of a :class:`Claim` become part of the
verdict's own words ("wijkt af, als ..."). So does a verdict on a qualified figure that holds
only thanks to the margin (:data:`MARGIN_CONDITION`): the margin is this report's choice.

Every check can fail: ``tests/test_checks.py`` changes one input figure per check and sees
its verdict change.

Provenance: the verdicts and the processed table are computed from the raw values; what the
report *shows* comes from :func:`trace`, which makes the same figures again as traced numbers
(:mod:`verzamelbrief.herkomst`): the letter's figure from :func:`~verzamelbrief.catalogue.figure`,
each recomputation and each bound of the accepted range through :func:`verzamelbrief.derive.compute`
(by the same functions, so the numbers agree), the margin as a ``parameter`` record, and the
counts in the findings as ``count`` records of the checks they count.

Parts that must add up to a whole, or be part of another figure (``wholes`` and ``part_of``
in ``data/raw/catalogue.yaml``), are *not* checks: ``python -m verzamelbrief.validate``
refuses raw data that breaks them before any notebook runs, so they could never fail here.
:func:`validation_guarantees` lists them, so that the report can say which they are.

The tolerance rule (one rule, for the whole report)
---------------------------------------------------
A figure is read with the precision of the letter's own wording:

- a share in words (unit ``fraction``: "twee op de drie", "een derde", "9 op de 10") is an
  exact fraction: :func:`exact_value` turns the transcribed digits (0.6667) back into 2/3,
  and no rounding margin applies;
- digits without a qualifier ("15 procent", "16,7 miljoen") stand for everything that
  rounds to them: half a unit of the last stated digit either side
  (:func:`~verzamelbrief.catalogue.rounding_margin`: 15 -> 0.5, 16.7 -> 0.05);
- "ongeveer"/"circa" (``about``), "ruim" (``more_than``) and "bijna" (``nearly``) allow one
  margin, :data:`QUALIFIER_MARGIN_PCT` per cent *of the stated figure* (relative, not in
  percentage points): either side, only above, only below. The margin is a choice;
  :func:`margin_table` shows the verdicts at other margins.

Verdicts: "klopt" when the recomputed value equals the stated one, or lies within the
qualifier's margin; "klopt (afgerond)" when an unqualified figure is the correctly rounded
recomputation; "wijkt af" otherwise. All bounds are inclusive. The figures a recomputation
starts from are taken as stated, except a whole the letter gives with "ongeveer": a share of it
(:class:`ShareAtBound`) is recomputed over the whole's accepted range too, so that its verdict
shows how it hangs on the margin.

>>> verdict(15, 100 * (6693 - 5816) / 5816)
'klopt (afgerond)'
>>> verdict(0.75, 0.72, "nearly")
'klopt'
>>> verdict(0.75, 0.72, "nearly", margin_pct=3)
'wijkt af'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import derive, herkomst, letter, paths
from .catalogue import figure, load_catalogue, load_table, resolve
from .tolerance import QUALIFIER_MARGIN_PCT, accepted_range, exact_value, stated_margin  # noqa: F401  (part of this module's API)

KLOPT = "klopt"
AFGEROND = "klopt (afgerond)"
WIJKT_AF = "wijkt af"
VERDICTS = (KLOPT, AFGEROND, WIJKT_AF)

#: The other margins the appendix shows the verdicts at (:func:`margin_table`): a choice, to show how much
#: the verdicts hang on the margin.
OTHER_MARGINS_PCT = (5.0, 20.0)

#: The largest margin :func:`turning_margins` tries (the parameter models allow no more).
TURNING_UPTO_PCT = 50.0

#: The qualifiers the margin applies to, and what a verdict that holds only thanks to the margin says (in
#: the verdict itself: the margin is this report's choice, not the letter's).
MARGIN_QUALIFIERS = ("about", "more_than", "nearly")
MARGIN_CONDITION = "dankzij de marge van dit rapport (zonder marge wijkt het af)"

#: The share of a group this report takes "veel" and "een groot aantal" to mean at least (a choice:
#: the letter gives no measure). The appendix says so in each verdict that uses it.
MANY_MIN_PCT = 25.0

Tables = Mapping[str, pd.DataFrame]

#: Raw rows already looked up, while :func:`_same_tables` holds (None otherwise).
_ROWS: dict | None = None


@contextmanager
def _same_tables():
    """While evaluating the same checks on the same tables at many margins, each figure's row
    is looked up once (the tables are not changed meanwhile; outside, they may be)."""
    global _ROWS
    outer, _ROWS = _ROWS, ({} if _ROWS is None else _ROWS)
    try:
        yield
    finally:
        _ROWS = outer


# ---------------------------------------------------------------- the tolerance rule
# (in verzamelbrief.tolerance, which derive uses too: the notebooks need the rule, not the checks)


def _eps(*values: float) -> float:
    """Slack for floating-point noise, so that a value exactly on a bound counts as on it."""
    return 1e-9 * max(1.0, *(abs(v) for v in values))


def verdict(stated: float, recomputed: float, qualifier: str = "exact", unit: str = "count",
            margin_pct: float = QUALIFIER_MARGIN_PCT) -> str:
    """"klopt", "klopt (afgerond)" or "wijkt af" for a stated figure and its recomputation.

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
        return KLOPT if qualifier != "exact" else AFGEROND
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
        if _ROWS is not None:  # inside :func:`_same_tables`: the tables do not change, look once
            key = (id(df), self)
            if key not in _ROWS:
                _ROWS[key] = self._row(df)
            return _ROWS[key]
        return self._row(df)

    def _row(self, df: pd.DataFrame) -> pd.Series:
        year = df["year"].isna() if self.year is None else df["year"] == self.year
        rows = df[(df["indicator"] == self.indicator) & (df["category"] == self.category) & year.fillna(False)]
        if len(rows) != 1:
            raise KeyError(f"{self.file}.csv: expected one row {self.label}, found {len(rows)}")
        return rows.iloc[0]

    def value(self, tables: Tables) -> float:
        return float(self.row(tables)["value"])

    def traced(self, tables: Tables):
        """The figure as a traced number (:func:`verzamelbrief.catalogue.figure`)."""
        self.row(tables)  # the same one clear line when the row is missing
        return figure(tables[self.file], self.indicator, self.category, self.year)

    def locator(self, tables: Tables) -> str:
        return str(self.row(tables)["locator"])


@dataclass(frozen=True)
class Claim:
    """What the letter says in words about figures it also gives in digits.

    ``words`` is the letter's wording (a few words, not a sentence), ``low``/``high`` the
    values those words allow, in ``unit`` (``percent``), with ``strict`` bounds excluded;
    ``file`` says where the figures are, ``locator`` where the words stand in the letter
    (the words are not in ``data/raw``, so their paragraph is given here, once).
    """

    words: str
    low: float
    high: float
    unit: str
    file: str
    locator: str
    strict: tuple[bool, bool] = (False, False)

    def holds(self, value: float) -> bool:
        above = value > self.low if self.strict[0] else value >= self.low
        below = value < self.high if self.strict[1] else value <= self.high
        return above and below


# ---------------------------------------------------------------- recomputations

@dataclass(frozen=True)
class Recompute:
    """A recomputation from raw figures: ``fn`` of their values, and the rule in symbols."""

    figures: tuple[Figure, ...]
    fn: Callable[..., float]
    rule: str

    def __call__(self, tables: Tables) -> float:
        return float(self.fn(*(f.value(tables) for f in self.figures)))

    def traced(self, tables: Tables, label: str = "Nagerekend"):
        """The same recomputation from the traced figures: a traced result with its formula, named ``label``."""
        return self.fn(*(f.traced(tables) for f in self.figures), label=label)


def _c(op: str, *inputs, rule: str, unit: str | None = None, label: str = "Nagerekend", **args):
    return derive.compute(op, *inputs, rule=rule, label=label, unit=unit, **args)


def difference(a: Figure, b: Figure) -> Recompute:
    """``a - b``."""
    return Recompute((a, b), lambda x, y, label="": _c("sub", x, y, rule="het ene cijfer van de brief min het andere", label=label),
                     f"{a.label} - {b.label}")


def total_minus(parts: tuple[Figure, ...], minus: Figure) -> Recompute:
    """The sum of ``parts`` minus ``minus``."""
    def fn(*v, label=""):
        total = _c("add", *v[:-1], rule="de delen samen", label="De delen samen")
        return _c("sub", total, v[-1], rule="de delen samen min het afgetrokken cijfer", label=label)

    return Recompute((*parts, minus), fn, f"({' + '.join(f.label for f in parts)}) - {minus.label}")


def growth_pct(base: Figure, later: Figure) -> Recompute:
    """The growth from ``base`` to ``later`` in percent of ``base``."""
    return Recompute((base, later), lambda b, x, label="": derive.growth(b, x)[1],
                     f"100 * ({later.label} - {base.label}) / {base.label}")


def as_fraction(percent: Figure) -> Recompute:
    """A percentage as a fraction of 1, to compare with a share put into words."""
    return Recompute((percent,), lambda p, label="": _c("scale", p, rule="het percentage als deel van 1", unit="fraction", label=label, factor=0.01),
                     f"{percent.label} / 100")


def same(figure: Figure) -> Recompute:
    """The figure itself, to hold against the words the letter uses for it."""
    return Recompute((figure,), lambda v, label="": v, figure.label)


def share_pct(part: Figure, whole: Figure) -> Recompute:
    """``part`` in percent of ``whole``."""
    return Recompute((part, whole), lambda p, w, label="": _c("pct_of", p, w, rule="het deel in procenten van het geheel", unit="percent", label=label),
                     f"100 * {part.label} / {whole.label}")


def share_of_rest_pct(part: Figure, done: Figure) -> Recompute:
    """``part`` in percent of what ``done`` leaves of 100 % (the group that has not done it yet)."""
    def fn(p, d, label=""):
        rest = _c("complement", d, rule="het deel dat het aanbod nog niet had", unit="percent",
                  label="Deel zonder gerealiseerd aanbod", whole=100)
        return _c("pct_of", p, rest, rule="het deel in procenten van wie het aanbod nog niet had", unit="percent", label=label)

    return Recompute((part, done), fn, f"100 * {part.label} / (100 - {done.label})")


#: The margin (plain or traced) that :class:`ShareAtBound` uses, while :func:`evaluate` or :func:`trace` runs.
_MARGIN: list = []


@contextmanager
def _at_margin(margin):
    _MARGIN.append(margin)
    try:
        yield
    finally:
        _MARGIN.pop()


@dataclass(frozen=True)
class ShareAtBound(Recompute):
    """``part`` in percent of ``whole`` at one end of the whole's accepted range: the letter's
    ‘ongeveer 140’ allows a whole from 126 to 154 at a margin of 10 %. ``side`` "low" gives the
    smallest share (the largest whole), "high" the largest. A whole without a qualifier the margin
    applies to is taken as stated."""

    side: str = "low"

    def _bound(self, tables: Tables, whole, margin):
        row = self.figures[1].row(tables)
        qualifier, unit = str(row["qualifier"]), str(row["unit"])
        if qualifier not in MARGIN_QUALIFIERS:
            return whole
        if herkomst.is_traced(whole):
            if self.side == "low":
                return _c("plus_pct", whole, margin, rule="het geheel plus de marge", unit=unit,
                          label="Grootste geheel bij de marge")
            return _c("minus_pct", whole, margin, rule="het geheel min de marge", unit=unit,
                      label="Kleinste geheel bij de marge")
        low, high = accepted_range(whole, qualifier, unit, margin)
        return high if self.side == "low" else low

    def __call__(self, tables: Tables) -> float:
        part, whole = (f.value(tables) for f in self.figures)
        margin = _MARGIN[-1] if _MARGIN else QUALIFIER_MARGIN_PCT
        return float(100 * part / self._bound(tables, whole, margin))

    def traced(self, tables: Tables, label: str = "Nagerekend"):
        part, whole = (f.traced(tables) for f in self.figures)
        margin = margin_parameter(_MARGIN[-1] if _MARGIN else QUALIFIER_MARGIN_PCT)
        end = "kleinste" if self.side == "low" else "grootste"
        return _c("pct_of", part, self._bound(tables, whole, margin), unit="percent", label=f"{label}, {end} aandeel bij de marge",
                  rule=f"het deel in procenten van het geheel, bij de {'bovengrens' if self.side == 'low' else 'ondergrens'} van het geheel")


def share_pct_over_range(part: Figure, whole: Figure) -> tuple[Recompute, ...]:
    """``part`` in percent of ``whole``, and the same at both ends of the whole's accepted range."""
    rule = f"100 * {part.label} / {whole.label}"
    return (share_pct(part, whole),
            ShareAtBound((part, whole), None, f"{rule}, {whole.label} plus de marge", side="low"),
            ShareAtBound((part, whole), None, f"{rule}, {whole.label} min de marge", side="high"))


#: A reading of a claim: a short Dutch phrase for what the words refer to, and its recomputations.
Reading = tuple[str, tuple[Recompute, ...]]


# ---------------------------------------------------------------- the checks

@dataclass(frozen=True)
class Check:
    """One distinct statement of the letter that follows from, or repeats, its other figures.

    ``statement`` is a short Dutch description written for this project (no figures in it:
    those come from the data). ``stated`` is the letter's figure in ``data/raw`` (a
    :class:`Figure`, recomputed by ``recompute``) or its words (a :class:`Claim`, held
    against every recomputation of each of its ``readings``). ``words`` shows the letter's
    own wording instead of the digits where the letter uses words (‘drie punten’).
    ``condition`` is the assumption the verdict rests on, in Dutch, starting with "als";
    ``counted`` is False for a word check that cannot realistically fail.
    """

    id: str
    section: int
    statement: str
    stated: Figure | Claim
    recompute: Recompute | None = None
    readings: tuple[Reading, ...] = ()
    words: str = ""
    condition: str = ""
    counted: bool = True
    #: Why a check is shown but not counted, when it is not :data:`NOT_COUNTED`.
    not_counted_why: str = ""

    @property
    def file(self) -> str:
        return self.stated.file

    def recomputations(self) -> tuple[Recompute, ...]:
        if self.recompute is not None:
            return (self.recompute,)
        return tuple(r for _, rs in self.readings for r in rs)


_LEER = "03_leerbaarheidstoets"
_AMIF = "08_amif"
_CEILINGS = tuple(Figure(_AMIF, "budget_ceiling", c, 2022)
                  for c in ("dual_trajectories", "context_learning", "participation_activation"))
_BIB = "09_bib_examenmonitor"
_MARKT = "10_marktmonitor"
_PARTICIPATION = "§10 Participatiedeel Z-route/duaal alinea 1"
_MODULES = ("z_route_participation", "map")


def _markt(indicator: str, category: str) -> Figure:
    """A Marktmonitor figure; the letter dates only the coverage figures (september 2022)."""
    return Figure(_MARKT, indicator, category, 2022 if indicator.startswith("coverage") else None)


CHECKS: tuple[Check, ...] = (
    Check(
        "leerbaarheid_cesuur_verlaging", 3,
        "Verlaging van de cesuur, tegenover het verschil tussen de oude en de nieuwe cesuur",
        Figure(_LEER, "cutoff_reduction", "total"),
        difference(Figure(_LEER, "cutoff_correct", "old_cutoff"),
                   Figure(_LEER, "cutoff_correct", "new_cutoff")),
        words="drie punten",
    ),
    Check(
        "leerbaarheid_minder_nadeel", 3,
        "Minder asielstatushouders met nadeel dan inburgeraars met een ten onrechte ‘niet haalbaar’: "
        "het aandeel in de Z-route, als deel van het aandeel met ‘niet haalbaar’",
        Claim("aanzienlijk minder", 0, 100, "percent", _LEER, "§3 alinea 3", strict=(False, True)),
        readings=(("", (share_pct(Figure(_LEER, "asylum_permit_holders_share", "z_route"),
                                  Figure(_LEER, "asylum_permit_holders_share", "not_feasible")),)),),
        condition="als richting, en als wie ten onrechte ‘niet haalbaar’ kreeg even vaak in de Z-route komt als "
                  "alle asielstatushouders met die uitslag; hoeveel minder laat de brief open",
        counted=False,
        not_counted_why="alleen de richting is na te rekenen, en die volgt uit de twee aandelen ernaast",
    ),
    Check(
        "mdt_groot_aantal", 6,
        "MDT-aanbieders die inzetten op inburgering, als deel van alle aanbieders",
        Claim("een groot aantal", MANY_MIN_PCT, 100, "percent", "06_mdt", "§6 alinea 3"),
        readings=(("", share_pct_over_range(Figure("06_mdt", "providers", "integration_focused"),
                                            Figure("06_mdt", "providers", "total"))),),
        condition="als ‘een groot aantal’ ten minste een kwart van de aanbieders is",
    ),
    Check(
        "amif_resterend", 8,
        "Restant van de AMIF-ronde: de drie themaplafonds samen min het toegekende bedrag",
        Figure(_AMIF, "remaining_call", "total", 2022),
        total_minus(_CEILINGS, Figure(_AMIF, "granted", "total", 2022)),
        condition="als het bedrag dat voor deze periode beschikbaar was de som van de drie themaplafonds is; "
                  "dat bedrag noemt de brief niet",
    ),
    Check(
        "bib_groei_kandidaten", 9,
        "Groei van het aantal kandidaat-inburgeraars in het buitenland tegenover een jaar eerder",
        Figure(_BIB, "candidates_growth", "total", 2021),
        growth_pct(Figure(_BIB, "candidates", "total", 2020), Figure(_BIB, "candidates", "total", 2021)),
    ),
    Check(
        "bib_eerste_poging_woorden", 9,
        "Geslaagd bij de eerste poging: de woorden van de brief naast het percentage",
        Figure(_BIB, "first_attempt_pass_share_words", "total"),
        as_fraction(Figure(_BIB, "first_attempt_pass_share", "total")),
    ),
    Check(
        "markt_taalaanbieders_grootste_deel", 10,
        "Taalaanbieders die in 2023 in elk geval nog aanbod hebben voor inburgeraars onder de Wi2013: "
        "de woorden van de brief naast het percentage",
        Claim("het grootste deel", 50, 100, "percent", _MARKT, "§10 De drie leerroutes alinea 2", strict=(True, False)),
        readings=(("", (same(_markt("providers_share", "offer_wi2013_2023")),)),),
        counted=False,
    ),
    Check(
        "markt_niet_overal", 10,
        "Participatiedeel Z-route en MAP: de woorden van de brief naast de percentages",
        Claim("nog niet overal gerealiseerd", 0, 100, "percent", _MARKT, _PARTICIPATION, strict=(False, True)),
        readings=(("", tuple(same(_markt("coverage_realised", m)) for m in _MODULES)),),
        counted=False,
    ),
    Check(
        "markt_veel_afrondend", 10,
        "Afrondende fase bij participatiedeel Z-route en MAP, als deel van de gemeenten",
        Claim("veel van de gemeenten", MANY_MIN_PCT, 100, "percent", _MARKT, _PARTICIPATION),
        readings=(
            ("de gemeenten die het aanbod nog niet hadden",
             tuple(share_of_rest_pct(_markt("coverage_final_phase", m), _markt("coverage_realised", m))
                   for m in _MODULES)),
            ("alle gemeenten", tuple(same(_markt("coverage_final_phase", m)) for m in _MODULES)),
        ),
        condition="‘veel’ gelezen als ten minste een kwart",
    ),
)


#: Considered and not checked: (section, where: raw figures or, for words only, a locator; the letter's point
#: in the project's words; why not). Figures give their locator from ``data/raw``.
LEFT_OUT: tuple[tuple[int, tuple[Figure | str, ...], str, str], ...] = (
    (0, ("Aanleiding alinea 1", "§1 alinea 3", "§7 alinea 4", "§7 alinea 6", "§7 alinea 7", "§8 alinea 2"),
     "Aantallen bij een opsomming: de onderwerpen van de brief (in woorden en in cijfers), de actielijnen van het "
     "plan, de groepen AOW-gerechtigden, de opties voor die groepen en de thema’s van het AMIF",
     ("Natellen klopt: elke opsomming heeft zoveel punten als de brief noemt. Het zijn tellingen in de brief zelf, "
      "geen cijfers uit de brongegevens; er valt niets na te rekenen.")),
    (1, (Figure("01_statushouders_aan_het_werk", "municipalities_offering", "work_experience_volunteering"),
         _markt("municipalities_dual_use", "uses_dual_trajectories")),
     "Aandelen van gemeenten uit de jaarlijkse KIS-monitor: twee in §1, het tweede met ‘ruim’ tussen haakjes, en "
     "in §10 een aandeel even groot als het eerste, met ‘circa’",
     ("Ze gaan over verschillende voorzieningen (werkervaringsplekken en vrijwilligerswerk, leerwerktrajecten, "
      "duale trajecten); er is niets om ze tegen af te zetten.")),
    (2, (Figure("02_financieel_ontzorgen", "relief_period", "total"), "§2 alinea 4"),
     "De ‘eerste zes maanden’ van het ontzorgen, twee keer genoemd",
     "Beide keren dezelfde periode, in dezelfde woorden; de brongegevens nemen haar één keer over."),
    (3, ("§3 alinea 1",), "‘Veel meer’ inburgeringsplichtigen dan ingeschat met de uitslag ‘niet haalbaar’",
     "De brief noemt de inschatting niet; er is niets om de uitslagen tegen af te zetten."),
    (3, (Figure(_LEER, "wrongly_not_feasible", "total"),), "Het aantal inburgeraars dat ten onrechte ‘niet haalbaar’ kreeg",
     ("Een uitkomst van een eerste analyse; de brief geeft niet de getallen waaruit het volgt. Verderop in de alinea "
      "noemt de brief hetzelfde aantal nog eens, zonder ‘ruim’.")),
    (4, (Figure("04_agi_ontheffing", "attempts_before_agi_exemption", "until_april_2023", 2023),),
     "Minder examenpogingen bij de AGI-ontheffing",
     ("Een besluit; het nieuwe aantal staat er twee keer, beide keren hetzelfde. De brief leidt er geen ander cijfer "
      "uit af.")),
    (5, (Figure("05_onderwijsroute", "share_of_asylum_pip", "total", 2022),),
     "Het aantal inburgeraars in de onderwijsroute, als deel van alle asielstatushouders met een PIP",
     "Het totaal dat eruit volgt, staat niet in de brief; er is niets om de uitkomst mee te vergelijken."),
    (5, (Figure("05_onderwijsroute", "learners_onderwijsroute", "total", 2022),),
     "Het aantal inburgeraars in de onderwijsroute ‘blijft achter op de prognoses’",
     "De brief noemt de prognoses niet."),
    (5, (Figure("05_onderwijsroute", "extra_funds_granted", "total"),),
     "Het stelsel is ‘nu een jaar in werking’, en er is ‘twee maal’ extra geld toegekend",
     ("De brief noemt niet de datum waarop het stelsel begon, en geen bedragen of data van de toekenningen; "
      "er is niets om deze tellingen tegen af te zetten.")),
    (7, ("§7 alinea 3", "§7 alinea 5"),
     "‘Een hele beperkte doelgroep’ en ‘een zeer beperkte groep’: mensen van AOW-gerechtigde leeftijd",
     "De brief geeft geen maat voor ‘beperkt’; de aantallen staan in §7 van dit rapport."),
    (7, (Figure("07_aow_naturalisatie", "naturalisation_requests", "aow_age", 2021),),
     "‘Aanzienlijk lager’: naturalisatieverzoeken van wie de AOW-gerechtigde leeftijd al heeft, tegenover die "
     "van jongere aanvragers",
     "De cijfers ernaast maken het al waar: een paar honderd verzoeken tegenover tienduizenden."),
    (8, (Figure(_AMIF, "remaining_call", "total", 2022), Figure(_AMIF, "remaining_programme", "total", 2027)),
     "Het restant van deze ronde naast het bedrag voor de rest van de programmaperiode",
     "De brief zegt niet of het restant in dat bedrag zit, en noemt het totaal van de programmaperiode niet."),
    (10, (_markt("providers_share", "offer_wi2013_2023"),),
     "‘Vooralsnog lijkt’ er voldoende aanbod voor de Wi2013, afgeleid uit het aandeel taalaanbieders",
     "Een voorzichtige conclusie; hoeveel aanbod nodig is, staat niet in de brief."),
    (10, (_markt("coordination_required", "no_integrated_dual"),),
     "‘Bijna de helft’ van de gemeenten zonder geïntegreerd duaal traject vraagt wel afstemming tussen de aanbieders",
     ("Een deel van een deel; de brief zet er geen ander cijfer naast. Wat het als deel van alle gemeenten is, zegt "
      "de brief niet.")),
    (10, (_markt("municipalities_dual", "integrated_dual_bought"), _markt("municipalities_dual_use", "uses_dual_trajectories")),
     "‘Ongeveer een derde’ van de gemeenten kocht een geïntegreerd duaal traject in, naast het veel grotere deel "
     "dat duale trajecten inzet",
     ("De twee aandelen meten iets anders: de inkoop van een geïntegreerd duaal traject, en het gebruik van duale "
      "trajecten. Het tweede komt volgens de brief uit de KIS-monitor; de brief zegt zelf dat het eerste het tweede "
      "niet uitsluit. Er is niets na te rekenen.")),
    (10, (_markt("waiting_time", "wi2013"),), "Hoeveel langer de wachttijd van Wi2013-inburgeraars is dan die van Wi2021-inburgeraars",
     "De brief noemt de twee wachttijden, geen verschil of verhouding."),
)


# ---------------------------------------------------------------- running them

def load_tables(raw_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """Every raw file of the catalogue, validated, keyed by file stem (``"08_amif"``)."""
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    names = load_catalogue(raw_dir / "catalogue.yaml")["files"]
    return {name.removesuffix(".csv"): load_table(name, raw_dir) for name in sorted(names)}


def locators(check: Check, tables: Tables) -> list[str]:
    """The letter's paragraphs a check uses: where its statement and every input stand."""
    found = [check.stated.locator if isinstance(check.stated, Claim) else check.stated.locator(tables)]
    found += [f.locator(tables) for r in check.recomputations() for f in r.figures]
    return list(dict.fromkeys(found))


def join_locators(found: list[str]) -> str:
    """Several paragraphs of one part of the letter in one locator: ``§10 X alinea 1 en 2``.

    >>> join_locators(["§10 X alinea 1", "§10 X alinea 2", "§8 alinea 3"])
    '§10 X alinea 1 en 2; §8 alinea 3'
    """
    groups: dict[str, list[str]] = {}
    for loc in found:
        head, sep, n = loc.rpartition(" alinea ")
        key, part = (head, n) if sep else (loc, "")
        groups.setdefault(key, []).append(part)
    return "; ".join(f"{k} alinea {' en '.join(ns)}" if all(ns) else k for k, ns in groups.items())


def show_locator(locator: str) -> str:
    """A locator of :func:`join_locators` in the report's one form (:func:`verzamelbrief.letter.display_many`).

    >>> show_locator("§10 X alinea 1 en 2; Aanleiding alinea 1")
    'brief (Aanleiding), alinea 1; brief §10 (X), alinea 1 en 2'
    """
    found = []
    for part in locator.split("; "):
        head, sep, numbers = part.rpartition(" alinea ")
        found += [f"{head} alinea {n}" for n in numbers.split(" en ")] if sep else [part]
    return letter.display_many(found)


def _claim_verdict(check: Check, values: list[tuple[str, list[float]]]) -> tuple[str, str]:
    """(verdict, condition) of a claim: one per reading; readings that disagree become the condition."""
    claim = check.stated
    results = [(label, all(claim.holds(v) for v in vs)) for label, vs in values]
    if all(ok for _, ok in results) or not any(ok for _, ok in results):
        return (KLOPT if results[0][1] else WIJKT_AF), check.condition
    yes = " of ".join(label for label, ok in results if ok)
    no = " of ".join(label for label, ok in results if not ok)
    extra = f" ({check.condition})" if check.condition else ""
    return KLOPT, f"alleen gerekend over {yes}, niet gerekend over {no}{extra}"


def evaluate(check: Check, tables: Tables, margin_pct: float = QUALIFIER_MARGIN_PCT) -> dict:
    """One check as a tidy row: the stated figure or words, the recomputed value(s), the verdict."""
    ref = check.stated
    if isinstance(ref, Claim):
        with _at_margin(margin_pct):
            values = [(label, [round(r(tables), 10) for r in rs]) for label, rs in check.readings]
        result, condition = _claim_verdict(check, values)
        stated, qualifier, unit, words = math.nan, "words", ref.unit, ref.words
        low, high = ref.low, ref.high
        rule = "; ".join(r.rule for r in check.recomputations())
        indicator = category = year = None
        value = values[0][1][0]
    else:
        value = round(check.recompute(tables), 10)  # drop floating-point noise, keep every real digit
        values = [("", [value])]
        row = ref.row(tables)
        stated, qualifier, unit, words = float(row["value"]), str(row["qualifier"]), str(row["unit"]), check.words
        low, high = accepted_range(stated, qualifier, unit, margin_pct)
        result, condition, rule = verdict(stated, value, qualifier, unit, margin_pct), check.condition, check.recompute.rule
        if qualifier in MARGIN_QUALIFIERS and verdict(stated, value, qualifier, unit, 0.0) != result:
            condition = "; ".join(c for c in (condition, MARGIN_CONDITION) if c)
        indicator, category, year = ref.indicator, ref.category, ref.year
    return {
        "check": check.id,
        "section": check.section,
        "locator": join_locators(locators(check, tables)),
        "statement": check.statement,
        "counted": check.counted,
        "file": f"{ref.file}.csv",
        "indicator": indicator,
        "category": category,
        "year": year,
        "stated_value": stated,
        "stated_words": words,
        "unit": unit,
        "qualifier": qualifier,
        "recomputed_value": value,
        "recomputed_all": "; ".join(f"{label}: {v}" if label else str(v) for label, vs in values for v in vs),
        "accepted_low": low,
        "accepted_high": high,
        "verdict": result,
        "condition": condition,
        "shown_verdict": f"{result}{' ' if condition.startswith('alleen') else ', '}{condition}" if condition else result,
        "derived": True,
        "rule": rule,
    }


def run_checks(tables: Tables, margin_pct: float = QUALIFIER_MARGIN_PCT,
               checks: tuple[Check, ...] = CHECKS) -> pd.DataFrame:
    """Evaluate ``checks`` on the raw ``tables``; one row per check, in letter order."""
    rows = [evaluate(c, tables, margin_pct) for c in checks]
    df = pd.DataFrame(rows).astype({"year": "Int64"})
    return df.sort_values("section", kind="stable").reset_index(drop=True)


def margin_table(tables: Tables, margins: list[float], checks: tuple[Check, ...] = CHECKS) -> pd.DataFrame:
    """The verdict of every counted check at each margin in ``margins`` (one column per margin)."""
    counted = tuple(c for c in checks if c.counted)
    out = {"check": [c.id for c in counted], "section": [c.section for c in counted]}
    with _same_tables():
        for m in sorted(set(margins)):
            rows = [evaluate(c, tables, m) for c in counted]
            out[m] = [r["verdict"] + (", met voorbehoud" if r["condition"] else "") for r in rows]
    return pd.DataFrame(out).sort_values("section", kind="stable").reset_index(drop=True)


def turning_margins(tables: Tables, checks: tuple[Check, ...] = CHECKS,
                    upto: float | None = None, step: float = 0.5) -> dict[str, tuple[float, str]]:
    """For each counted check whose verdict depends on the margin (on a grid of ``step`` up to
    ``upto``): the smallest margin from which on its verdict stays the same, and that verdict."""
    upto = TURNING_UPTO_PCT if upto is None else upto
    grid = [i * step for i in range(int(upto / step) + 1)]
    out = {}
    for c in (c for c in checks if c.counted):
        with _same_tables():
            seen = [evaluate(c, tables, m)["verdict"] for m in grid]
        if len(set(seen)) > 1:
            first = max(i for i, v in enumerate(seen) if v != seen[-1]) + 1
            out[c.id] = (grid[first], seen[-1])
    return out


# ---------------------------------------------------------------- traced, for what the report shows

#: Where the margin the checks use is set: the notebook's block of ``params.yaml`` and its key.
MARGIN_PARAM = ("11_cijfercontrole", "qualifier_margin_pct")


@dataclass(frozen=True)
class Shown:
    """The numbers of one check as the report shows them, each a traced number: the letter's
    figure (``None`` for words), the recomputed value(s) per reading, the accepted range."""

    stated: object
    values: tuple
    low: object
    high: object
    #: For a claim about a share of a whole with a margin (:class:`ShareAtBound`): the part and the whole, traced.
    ranged: tuple = ()


def _constant(value: float, key: str, label: str = ""):
    """A constant of this module the report shows (a margin, a bound), as a ``parameter`` record."""
    return herkomst.parameter(value, "verzamelbrief.checks", key, label)


def margin_parameter(margin_pct: float):
    """``margin_pct`` as a traced parameter (:data:`MARGIN_PARAM`); a traced value stays as it is."""
    if herkomst.is_traced(margin_pct):
        return margin_pct
    return herkomst.parameter(margin_pct, *MARGIN_PARAM, "Marge bij ‘ongeveer’, ‘circa’, ‘ruim’ en ‘bijna’")


def _exact(stated, unit: str):
    """:func:`exact_value` of a traced figure: a computed record only where it changes the value."""
    if exact_value(stated, unit) == float(stated):
        return stated
    return _c("exact_fraction", stated, rule="de breuk die de woorden van de brief bedoelen", unit=unit, label="Als breuk")


def traced_range(stated, qualifier: str, unit: str, margin):
    """:func:`accepted_range` from the traced ``stated`` figure and the traced ``margin``."""
    s = _exact(stated, unit)
    if qualifier == "exact":
        if stated_margin(stated, unit) == 0:
            return s, s
        half = _c("half_unit", stated, rule="een halve eenheid van het laatste cijfer dat de brief noemt", unit=unit,
                  label="Afronding van het cijfer van de brief")
        return (_c("sub", s, half, rule="het cijfer min de afronding", unit=unit, label="Ondergrens"),
                _c("add", s, half, rule="het cijfer plus de afronding", unit=unit, label="Bovengrens"))
    low = s if qualifier == "more_than" else _c("minus_pct", s, margin, rule="het cijfer min de marge", unit=unit, label="Ondergrens")
    high = s if qualifier == "nearly" else _c("plus_pct", s, margin, rule="het cijfer plus de marge", unit=unit, label="Bovengrens")
    return low, high


def _claim_bound(check: Check, value: float, side: str):
    if side == "low" and value == MANY_MIN_PCT:
        return _constant(MANY_MIN_PCT, "MANY_MIN_PCT", "Kleinste deel dat dit rapport ‘veel’ of ‘een groot aantal’ noemt")
    name = "ondergrens" if side == "low" else "bovengrens"
    return _constant(value, f"CHECKS, {check.id}, {name}", f"{name.capitalize()} van ‘{check.stated.words}’")


def _name(check: Check, reading: str = "") -> str:
    """The label of a recomputed value's record: what the check recomputes."""
    return f"Nagerekend: {_lower_first(check.statement)}" + (f", gerekend over {reading}" if reading else "")


def trace(tables: Tables, margin_pct: float = QUALIFIER_MARGIN_PCT,
          checks: tuple[Check, ...] = CHECKS) -> dict[str, Shown]:
    """The numbers the report shows of each check, as traced numbers (by check id); the values
    equal those of :func:`evaluate`, made by the same functions."""
    margin = margin_parameter(margin_pct)
    out = {}
    for c in checks:
        ref = c.stated
        if isinstance(ref, Claim):
            with _at_margin(margin):
                values = tuple((label, tuple(r.traced(tables, _name(c, label)) for r in rs)) for label, rs in c.readings)
            ranged = [r for r in c.recomputations() if isinstance(r, ShareAtBound)]
            inputs = tuple(f.traced(tables) for f in ranged[0].figures) if ranged else ()
            out[c.id] = Shown(None, values, _claim_bound(c, ref.low, "low"), _claim_bound(c, ref.high, "high"), inputs)
        else:
            stated = ref.traced(tables)
            low, high = traced_range(stated, stated.qualifier, stated.unit, margin)
            out[c.id] = Shown(stated, (("", (c.recompute.traced(tables, _name(c)),)),), low, high)
    return out


def _count(ids, shown: Mapping[str, Shown], rule: str, label: str = "Aantal uitspraken"):
    """How many of the checks ``ids`` there are, as a ``count`` record (named ``label``) of their recomputed values."""
    from . import fmt

    items = [shown[i].values[0][1][0] for i in ids]
    formula = f"aantal van {'; '.join(fmt._number(round(v, 4)) for v in items) or 'geen'} = {len(items)}"
    return herkomst.computed(len(items), rule, "count", items, formula, unit="count", label=label)


def _turning(check_id: str, shown: Shown, grid_margin: float, step: float = 0.5):
    """The margin at which a verdict turns, as a record: the grid's answer, by its formula. For a
    claim about a share of a whole given with a margin: the margin at which the largest whole makes
    the share reach the claim's lower bound."""
    if shown.stated is None:
        if not shown.ranged:
            raise ValueError(f"{check_id}: a claim's verdict turns only through a whole given with a margin")
        part, whole = shown.ranged
        edge = _c("implied_total", part, shown.low, rule="het geheel waarbij het deel precies de ondergrens van de woorden is",
                  unit=whole.unit, label="Geheel waarbij het deel op de grens ligt")
        m = _c("turning_margin", whole, edge, rule="de kleinste marge waarbij het oordeel ‘wijkt af’ wordt",
               unit="percent", label="Marge waarbij het oordeel omslaat", step=step)
        if not math.isclose(float(m), grid_margin):
            raise ValueError(f"{check_id}: the verdict turns at a margin of {grid_margin} %, its formula gives {float(m)} %")
        return m
    s = _exact(shown.stated, shown.stated.unit)
    m = _c("turning_margin", s, shown.values[0][1][0], rule="de kleinste marge waarbij het oordeel ‘klopt’ wordt",
           unit="percent", label="Marge waarbij het oordeel omslaat", step=step)
    if not math.isclose(float(m), grid_margin):
        raise ValueError(f"{check_id}: the verdict turns at a margin of {grid_margin} %, its formula gives {float(m)} %")
    return m


def _ref_name(entry: dict, ref: str) -> str:
    """The Dutch label of a catalogue reference ``indicator/category`` (or ``indicator``)."""
    from .text import label_of

    ind, _, cat = ref.partition("/")
    return _lower_first(label_of(entry, ind, cat or None))


def validation_guarantees(raw_dir: Path | str | None = None) -> list[tuple[int, str]]:
    """(section, Dutch description) of every whole and part-of relation that validation enforces.

    >>> any(s == 7 for s, _ in validation_guarantees())
    True
    """
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    files = load_catalogue(raw_dir / "catalogue.yaml")["files"]
    out = []
    for entry in files.values():
        for whole in entry.get("wholes", []):
            names = [_lower_first(entry["indicators"][i]["label_nl"]) for i in whole["indicators"]]
            rule = "samen gelijk aan het geheel" if whole.get("rule", "equal") == "equal" else "samen niet meer dan het geheel"
            by = " (per onderdeel)" if whole.get("by") else ""
            out.append((int(entry["section"]), f"{' plus '.join(names)}{by}: {rule}"))
        for rel in entry.get("part_of", []):
            whole = rel["whole"]
            whole_name = _ref_name(entry, whole) + ("" if "/" in whole else " (samen)")
            parts = " plus ".join(_ref_name(entry, p) for p in rel["parts"])
            out.append((int(entry["section"]), f"{parts}: niet meer dan {whole_name}"))
    return sorted(out)



# ---------------------------------------------------------------- in Dutch, for the report

def _decimals_of(value: float) -> int:
    text = f"{value:.10g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _pct(value: float, decimals: int | None = None) -> str:
    from . import fmt

    return fmt.computed_percent(value) if decimals is None else fmt.percent(value, decimals)


def _rounded(value, decimals: int):
    """``value`` rounded to ``decimals``; a ``round_decimals`` record only where rounding shows."""
    from . import fmt

    if fmt._number(value) == fmt._number(round(value, int(decimals))):
        return value
    return _c("round_decimals", value, rule="afgerond voor de tabel", label="Afgerond", decimals=decimals)


def show_recomputed(row, decimals: int, shown: Shown) -> str:
    """The recomputed value(s) (``shown``, traced): percentages by the report's one rule
    (:func:`fmt.computed_percent`), except where a check judges a rounding: then ``decimals``,
    and at least one more than the letter's figure."""
    from . import fmt

    if row.qualifier == "words":
        check = next((c for c in CHECKS if c.id == row.check), None)
        kinds = {label: rs for label, rs in check.readings} if check is not None else {}
        out = []
        for label, vs in shown.values:
            rs = kinds.get(label, ())
            plain = [v for i, v in enumerate(vs) if not (i < len(rs) and isinstance(rs[i], ShareAtBound))]
            ends = sorted((v for i, v in enumerate(vs) if i < len(rs) and isinstance(rs[i], ShareAtBound)), key=float)
            part = " en ".join(_pct(v) for v in plain)
            if ends and not math.isclose(float(ends[0]), float(ends[-1])):
                part += f" (over de marge van ‘ongeveer’: {_pct(ends[0])} tot {_pct(ends[-1])})"
            out.append(f"{part} van {label}" if label else part)
        return "; ".join(out)
    unit, value = row.unit, shown.values[0][1][0]
    judged = row.qualifier == "exact" and not math.isclose(row.recomputed_value, exact_value(row.stated_value, unit), abs_tol=1e-12)
    decimals = max(decimals, _decimals_of(row.stated_value) + 1) if judged else _decimals_of(round(row.recomputed_value, 10))
    if unit == "fraction":
        return fmt.unit(value, "fraction", decimals if judged else fmt.computed_decimals(100 * value))
    if unit == "percent":
        return _pct(value, decimals if judged else None)
    return fmt.unit(_rounded(value, decimals), unit, decimals)


def show_stated(row, shown: Shown) -> str:
    """The letter's figure or words, as the letter gives them: words in quotes, digits with their qualifier."""
    from . import fmt, text

    if row.qualifier == "words" or row.stated_words:
        return f"‘{row.stated_words}’"
    if row.unit == "fraction":  # the words only: the percentage beside them is the letter's other figure
        return f"‘{text.fraction_words(row.stated_value, row.qualifier)}’"
    return fmt.qualified(shown.stated, row.unit, row.qualifier)


def show_accepted(row, shown: Shown) -> str:
    """The accepted range (``shown``, traced) in words: ``14,5–15,5 %``, ``meer dan 50 %``, ``minder dan 100 %``."""
    from . import fmt

    low, high = row.accepted_low, row.accepted_high
    if row.qualifier == "words":
        if low <= 0:
            return f"minder dan {fmt.percent(shown.high)}"
        if high >= 100 and low == MANY_MIN_PCT:
            return f"ten minste {fmt.percent(shown.low)} (keuze van dit rapport)"
        return f"meer dan {fmt.percent(shown.low)}"
    d = _decimals_of(row.stated_value) + 1
    if row.qualifier == "exact" and row.unit in WHOLE_UNITS and float(row.stated_value).is_integer():
        return f"precies {fmt.unit(shown.stated, row.unit)}"  # a whole count: half a unit either side allows only itself
    if row.unit == "eur_million":
        return f"€{fmt.NBSP}{fmt.number(_rounded(shown.low, d))}–{fmt.number(_rounded(shown.high, d))} miljoen"
    if row.unit in ("percent", "fraction"):
        def pct(x):
            x = _c("scale", x, rule="het deel in procenten", unit="percent", label="Grens in procenten", factor=100) if row.unit == "fraction" else x
            return fmt.number(_rounded(x, 10))
        return f"{pct(shown.low)}–{pct(shown.high)}{fmt.NBSP}%"
    return f"{fmt.number(_rounded(shown.low, d))}–{fmt.unit(_rounded(shown.high, d), row.unit)}"


def display_table(result: pd.DataFrame, decimals: int, shown: Mapping[str, Shown]) -> pd.DataFrame:
    """The appendix table: where, statement, the letter's figure or words, the recomputation, the range, the verdict
    (the numbers from ``shown``, :func:`trace`)."""
    return pd.DataFrame(
        {
            "Vindplaats": [show_locator(loc) for loc in result["locator"]],
            "Uitspraak": [s if c else f"{s} (telt niet mee: {_why_not_counted(i)})"
                          for s, c, i in zip(result["statement"], result["counted"], result["check"])],
            "Volgens de brief": [show_stated(r, shown[r.check]) for r in result.itertuples()],
            "Getoetst aan": [show_recomputed(r, decimals, shown[r.check]) for r in result.itertuples()],
            "Toegestaan": [show_accepted(r, shown[r.check]) for r in result.itertuples()],
            "Oordeel": result["shown_verdict"],
        }
    )


#: Why a word check is shown but not counted (in the table, after its statement).
NOT_COUNTED = "de cijfers ernaast maken het al waar"


def _why_not_counted(check_id: str) -> str:
    check = next((c for c in CHECKS if c.id == check_id), None)
    return (check.not_counted_why if check is not None else "") or NOT_COUNTED

#: Units of things counted in whole numbers: an exact figure in them allows only itself.
WHOLE_UNITS = ("count", "questions", "points", "attempts")

#: Alignment and relative column widths of :func:`display_table` (pandoc wraps the cells of a wide table).
DISPLAY_ALIGN = ["l", "l", "l", "r", "r", "l"]
DISPLAY_WIDTHS = [3, 7, 3, 4, 4, 6]


def margin_display(table: pd.DataFrame, result: pd.DataFrame, used_margin: float) -> pd.DataFrame:
    """The margin table for the report: one row per counted check, one verdict column per margin
    ("met voorbehoud": the verdict carries the assumption or reading shown in the main table).
    Each margin in a header is a ``parameter`` record: ``used_margin`` (:func:`margin_parameter`)
    or one of :data:`OTHER_MARGINS_PCT`."""
    from . import fmt

    statements = dict(zip(result["check"], result["statement"]))
    where = dict(zip(result["check"], result["locator"]))
    out = pd.DataFrame({"Vindplaats": [show_locator(where[c]) for c in table["check"]],
                        "Uitspraak": [statements[c] for c in table["check"]]})
    for m in (c for c in table.columns if c not in ("check", "section")):
        shown = margin_parameter(used_margin) if m == used_margin else _constant(m, "OTHER_MARGINS_PCT", "Andere marge")
        head = f"Marge {fmt.number(shown)}{fmt.NBSP}%" + (" (gebruikt)" if m == used_margin else "")
        out[head] = list(table[m])
    return out


def left_out_table(tables: Tables) -> pd.DataFrame:
    """What was considered and not checked, with the reason, in letter order."""
    def where(sources) -> str:
        return join_locators([s if isinstance(s, str) else s.locator(tables) for s in sources])

    return pd.DataFrame([{"Vindplaats": show_locator(where(src)), "Uitspraak van de brief": what,
                          "Waarom niet nagerekend": why}
                         for _, src, what, why in sorted(LEFT_OUT, key=lambda x: x[0])])


def _in_brackets(locator: str) -> str:
    """A shown locator inside brackets, without brackets of its own.

    >>> _in_brackets("brief §10 (Risico’s), alinea 3")
    'brief §10, Risico’s, alinea 3'
    """
    return locator.replace(" (", ", ").replace("), ", ", ")


def _lower_first(label: str) -> str:
    """``Verzoeken om naturalisatie`` -> ``verzoeken om naturalisatie``; ``MDT-aanbieders`` stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def findings(result: pd.DataFrame, margin_pct: float, decimals: int,
             guarantees: list[tuple[int, str]], turning: Mapping[str, float] | None = None,
             margins: list[float] | None = None, shown: Mapping[str, Shown] | None = None) -> list[str]:
    """The appendix's key findings, in Dutch, counted from ``result``; the numbers from ``shown``
    (:func:`trace`, made here when not given), the counts as ``count`` records."""
    from . import fmt, text

    if shown is None:
        raise ValueError("findings: pass shown=checks.trace(tables, margin) for the numbers it shows")
    margin_pct = margin_parameter(margin_pct)
    counted = result[result["counted"]]
    plain = counted[counted["condition"] == ""]
    conditional = counted[counted["condition"] != ""]

    def count(df, *verdicts):
        ids = list(df.loc[df["verdict"].isin(verdicts), "check"])
        which = "zonder voorbehoud" if df is plain else "met een voorbehoud (aanname, keuze of lezing)"
        return _count(ids, shown, f"het aantal meegetelde uitspraken {which} met het oordeel {' of '.join(verdicts)}",
                      f"Uitspraken {which} met het oordeel {' of '.join(verdicts)}")

    def n_word(k: int, one: str, many: str) -> str:
        return f"{fmt.number(k)} {one if k == 1 else many}"

    holds_plain = count(plain, KLOPT, AFGEROND)
    parts = [f"zonder voorbehoud {'klopt' if holds_plain == 1 else 'kloppen'} er {fmt.number(holds_plain)}"]
    if count(plain, AFGEROND):
        parts[-1] += f" (waarvan {fmt.number(count(plain, AFGEROND))} na afronding)"
    if count(plain, WIJKT_AF):
        parts.append(f"{n_word(count(plain, WIJKT_AF), 'wijkt', 'wijken')} af")
    if count(conditional, KLOPT, AFGEROND):
        k = count(conditional, KLOPT, AFGEROND)
        parts.append(f"{n_word(k, 'klopt', 'kloppen')} alleen onder een aanname, een keuze van dit rapport "
                     f"of één lezing van de brief")
    if count(conditional, WIJKT_AF):
        parts.append(f"{n_word(count(conditional, WIJKT_AF), 'wijkt', 'wijken')} af onder een aanname")
    n_counted = _count(list(counted["check"]), shown, "het aantal meegetelde uitspraken", "Meegetelde uitspraken")
    summary = (f"De bijlage toetst {fmt.number(n_counted)} afzonderlijke uitspraken van de brief waarvan de uitkomst "
               f"niet al vaststaat: {text.join(parts)}.")
    extra = _count(list(result.loc[~result["counted"], "check"]), shown, "het aantal uitspraken dat niet meetelt",
                   "Uitspraken die niet meetellen")
    if extra:
        summary += (f" Nog {n_word(extra, 'uitspraak', 'uitspraken')} in woorden {'staat' if extra == 1 else 'staan'} "
                    f"in de tabel maar {'telt' if extra == 1 else 'tellen'} niet mee; de tabel zegt bij "
                    f"{'haar' if extra == 1 else 'elk'} waarom.")
    items = [summary]

    def line(r) -> str:
        return (f"{r.statement} ({_in_brackets(show_locator(r.locator))}): {r.shown_verdict}. Volgens de brief: {show_stated(r, shown[r.check])}; "
                f"getoetst aan: {show_recomputed(r, decimals, shown[r.check])}.")

    items += [line(r) for r in counted[counted["verdict"] == WIJKT_AF].itertuples()]
    items += [line(r) for r in conditional[conditional["verdict"] != WIJKT_AF].itertuples()]
    items += [line(r) + " Dit getal staat met meer decimalen dan de hele procenten die het rapport voor berekende "
              "percentages gebruikt, om de afronding te kunnen beoordelen."
              for r in plain[plain["verdict"] == AFGEROND].itertuples()]
    margin_line = (f"Marge bij ‘ongeveer’, ‘circa’, ‘ruim’ en ‘bijna’: {fmt.percent(margin_pct)} van het genoemde "
                   f"cijfer (relatief, geen procentpunten).")
    others = [_constant(m, "OTHER_MARGINS_PCT", "Andere marge") for m in sorted(margins or []) if m != margin_pct]
    if others:
        margin_line += f" De tabel met marges toont de oordelen ook bij {text.join([fmt.percent(m) for m in others])}."
    rows = {r.check: r for r in result.itertuples()}
    for c, (m, final) in (turning or {}).items():
        r, m = rows[c], _turning(c, shown[c], m)
        margin_line += (f" Het oordeel over {show_stated(r, shown[c])} ({_in_brackets(show_locator(r.locator))}) hangt van de marge af: "
                        f"vanaf {fmt.percent(m, _decimals_of(m))} is het ‘{final}’, bij een kleinere marge niet.")
    upto = _constant(TURNING_UPTO_PCT, "TURNING_UPTO_PCT", "Grootste marge waarbij het omslagpunt is gezocht")
    if turning is not None and not turning:
        margin_line += f" Bij geen enkele marge tot {fmt.percent(upto)} verandert een oordeel."
    elif turning:
        margin_line += f" De andere oordelen blijven gelijk bij elke marge tot {fmt.percent(upto)}."
    items.append(margin_line)
    if guarantees:
        items.append(
            "Niet meegeteld: de verbanden tussen delen en een geheel. Ze kloppen in de brief. "
            "Dit rapport controleert ze al bij het overnemen van de cijfers: breekt een overgenomen cijfer zo’n verband, "
            "dan wordt het rapport niet gemaakt. Een herberekening kan ze hier dus niet meer tegenspreken. Het zijn: "
            + "; ".join(f"{desc} (brief §{s})" for s, desc in guarantees) + "."
        )
    return items
