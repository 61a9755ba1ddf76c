"""The figure check (verzamelbrief.checks): the verdict per qualifier, its edges, and that
every check points at a figure that exists in data/raw."""

import shutil
from pathlib import Path

import pytest

from verzamelbrief import checks
from verzamelbrief.catalogue import QUALIFIER_BOUNDS, load_catalogue
from verzamelbrief.checks import BINNEN_AFRONDING, KLOPT, WIJKT_AF, Figure, Whole, verdict, verdict_at_most

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


# ---------------------------------------------------------------- verdict per qualifier

@pytest.mark.parametrize(
    "stated, recomputed, expected",
    [
        (15, 15, KLOPT),
        (15, 15.0790922, BINNEN_AFRONDING),   # the letter's growth of candidates
        (15, 15.5, BINNEN_AFRONDING),         # exactly half a unit off: still rounding
        (15, 14.5, BINNEN_AFRONDING),
        (15, 15.5001, WIJKT_AF),
        (15, 14.4999, WIJKT_AF),
        (7.5, 7.55, BINNEN_AFRONDING),        # one decimal stated: margin 0,05
        (7.5, 7.56, WIJKT_AF),
        (6, 6.7, WIJKT_AF),                   # the AMIF remainder
        (0.3333, 1 - 0.6667, KLOPT),          # floating-point noise is not a difference
        (3, 31 - 28, KLOPT),
    ],
)
def test_exact(stated, recomputed, expected):
    assert verdict(stated, recomputed, "exact") == expected


@pytest.mark.parametrize(
    "qualifier, stated, recomputed, expected",
    [
        ("about", 80, 80, KLOPT),
        ("about", 80, 72, KLOPT),
        ("about", 80, 71.5, KLOPT),          # lower bound 72 minus rounding margin 0,5: on the edge
        ("about", 80, 71.49, WIJKT_AF),
        ("about", 80, 88.5, KLOPT),          # upper edge
        ("about", 80, 88.51, WIJKT_AF),
        ("more_than", 1300, 1300, KLOPT),
        ("more_than", 1300, 1299.5, KLOPT),  # "ruim" still allows rounding of the stated figure
        ("more_than", 1300, 1299, WIJKT_AF),
        ("more_than", 1300, 1430.5, KLOPT),
        ("more_than", 1300, 1431, WIJKT_AF),
        ("nearly", 0.75, 0.72, KLOPT),        # "bijna driekwart" for 72 %
        ("nearly", 0.75, 0.75, KLOPT),
        ("nearly", 0.75, 0.755, KLOPT),       # upper edge: the rounding margin
        ("nearly", 0.75, 0.7551, WIJKT_AF),
        ("nearly", 0.75, 0.67, KLOPT),        # lower edge: 0,675 - 0,005
        ("nearly", 0.75, 0.6699, WIJKT_AF),
    ],
)
def test_qualified(qualifier, stated, recomputed, expected):
    assert verdict(stated, recomputed, qualifier) == expected


def test_qualified_figures_are_never_only_within_rounding():
    for qualifier in ("about", "more_than", "nearly"):
        for recomputed in (0.5, 0.7, 0.75, 0.8, 1.0):
            assert verdict(0.75, recomputed, qualifier) in (KLOPT, WIJKT_AF)


def test_bounds_can_be_tightened_and_widened():
    assert verdict(0.75, 0.72, "nearly", checks.qualifier_bounds(nearly_pct=3)) == WIJKT_AF
    assert verdict(80, 70, "about") == WIJKT_AF
    assert verdict(80, 70, "about", checks.qualifier_bounds(about_pct=15)) == KLOPT
    assert verdict(80, 75, "about", checks.qualifier_bounds(about_pct=0)) == WIJKT_AF
    assert verdict(80, 80.5, "about", checks.qualifier_bounds(about_pct=0)) == KLOPT  # rounding stays
    assert verdict(1300, 1500, "more_than", checks.qualifier_bounds(more_than_pct=20)) == KLOPT


def test_default_bounds_are_the_catalogues():
    assert checks.qualifier_bounds() == QUALIFIER_BOUNDS
    assert checks.qualifier_bounds(10, 10, 10) == QUALIFIER_BOUNDS
    assert set(load_catalogue(RAW / "catalogue.yaml")["qualifiers"]) <= set(QUALIFIER_BOUNDS)


def test_unknown_qualifier_is_refused():
    with pytest.raises(ValueError, match="unknown qualifier 'roughly'"):
        verdict(10, 10, "roughly")


@pytest.mark.parametrize(
    "recomputed, margin, expected",
    [(88, 1.0, KLOPT), (100, 1.0, KLOPT), (100.5, 1.0, BINNEN_AFRONDING), (101, 1.0, BINNEN_AFRONDING),
     (101.01, 1.0, WIJKT_AF), (100.5, 0.0, WIJKT_AF)],
)
def test_at_most_a_whole(recomputed, margin, expected):
    assert verdict_at_most(100, recomputed, margin) == expected


# ---------------------------------------------------------------- the declared checks

@pytest.fixture(scope="module")
def tables():
    return checks.load_tables(RAW)


def test_check_ids_are_unique_and_statements_carry_no_figures():
    ids = [c.id for c in checks.CHECKS]
    assert len(ids) == len(set(ids))
    for c in checks.CHECKS:
        assert c.statement and not any(ch.isdigit() for ch in c.statement), c.id


def test_every_stated_figure_exists_in_data_raw(tables):
    catalogue = load_catalogue(RAW / "catalogue.yaml")
    for c in checks.CHECKS:
        entry = catalogue["files"][f"{c.stated.file}.csv"]
        assert entry["section"] == c.section, c.id
        if isinstance(c.stated, Figure):
            row = c.stated.row(tables)  # exactly one row, or KeyError
            assert row["unit"] == entry["indicators"][c.stated.indicator]["unit"]
            assert row["qualifier"] in QUALIFIER_BOUNDS
        else:
            assert isinstance(c.stated, Whole)
            assert c.stated.spec(RAW)["rule"] == "at_most", c.id
            for part in c.stated.parts():
                part.row(tables)


def test_every_check_recomputes_with_a_rule(tables):
    for c in checks.CHECKS:
        value, rule = c.recompute(tables)
        assert isinstance(value, float) and rule, c.id


def test_verdicts_on_the_letters_figures(tables):
    result = checks.run_checks(tables, raw_dir=RAW).set_index("check")
    assert result["section"].is_monotonic_increasing
    assert dict(result["verdict"]) == {
        "leerbaarheid_cesuur_verlaging": KLOPT,
        "aow_samenstelling_rest": KLOPT,
        "amif_resterend": WIJKT_AF,
        "bib_groei_kandidaten": BINNEN_AFRONDING,
        "bib_eerste_poging_woorden": KLOPT,
        "markt_duaal_rest": KLOPT,
        "markt_onderwijsroute_geheel": KLOPT,
        "markt_participatie_z_geheel": KLOPT,
        "markt_map_geheel": KLOPT,
    }
    assert result.loc["amif_resterend", "recomputed_value"] == pytest.approx(10.5 + 3.5 + 9.4 - 16.7)
    assert result.loc["amif_resterend", "stated_value"] == 6
    assert result.loc["bib_groei_kandidaten", "recomputed_value"] == pytest.approx(100 * 877 / 5816)
    assert result.loc["markt_map_geheel", "recomputed_value"] == 76 + 12
    assert result.loc["markt_map_geheel", "accepted_high"] == 101  # 100 plus the margins of 76 and 12
    assert result["derived"].all() and result["rule"].str.len().gt(0).all()


def test_a_missing_figure_is_named(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "03_leerbaarheidstoets.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("cutoff_reduction")))
    message = r"03_leerbaarheidstoets.csv: expected one row cutoff_reduction\[total, 2023\], found 0"
    with pytest.raises(KeyError, match=message):
        checks.run_checks(checks.load_tables(raw), raw_dir=raw)
