"""The figure check (verzamelbrief.checks): the one tolerance rule, its edges, that every
check points at a figure that exists in data/raw, and that every check can fail (a
mutation of one input figure flips its verdict)."""

import shutil
from pathlib import Path

import pytest

from verzamelbrief import checks
from verzamelbrief.catalogue import load_catalogue
from verzamelbrief.checks import BINNEN_AFRONDING, KLOPT, WIJKT_AF, Claim, Figure, accepted_range, verdict

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


# ---------------------------------------------------------------- the tolerance rule

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
        (3, 31 - 28, KLOPT),
    ],
)
def test_unqualified_digits_allow_half_a_unit(stated, recomputed, expected):
    assert verdict(stated, recomputed, "exact", "percent") == expected


def test_shares_in_words_are_exact_fractions():
    # "een derde" is 1/3, whatever digits were typed into data/raw
    assert checks.exact_value(0.3333, "fraction") == pytest.approx(1 / 3, abs=1e-15)
    assert accepted_range(0.6667, "exact", "fraction") == (round(2 / 3, 12), round(2 / 3, 12))
    assert verdict(0.3333, 1 - 2 / 3, "exact", "fraction") == KLOPT
    assert verdict(0.6667, 0.6667, "exact", "fraction") == WIJKT_AF  # 0,6667 is not two thirds
    assert verdict(0.75, 0.7501, "exact", "fraction") == WIJKT_AF   # no rounding margin for words


@pytest.mark.parametrize(
    "qualifier, stated, unit, recomputed, expected",
    [
        ("about", 80, "count", 72, KLOPT),
        ("about", 80, "count", 71.99, WIJKT_AF),
        ("about", 80, "count", 88, KLOPT),
        ("about", 80, "count", 88.01, WIJKT_AF),
        ("about", 16, "percent", 14.4, KLOPT),   # relative: 10 % of 16, not 10 percentage points
        ("about", 16, "percent", 14.39, WIJKT_AF),
        ("more_than", 1300, "count", 1300, KLOPT),
        ("more_than", 1300, "count", 1299.9, WIJKT_AF),
        ("more_than", 1300, "count", 1430, KLOPT),
        ("more_than", 1300, "count", 1430.1, WIJKT_AF),
        ("nearly", 0.75, "fraction", 0.72, KLOPT),  # "bijna driekwart" for 72 %
        ("nearly", 0.75, "fraction", 0.75, KLOPT),
        ("nearly", 0.75, "fraction", 0.7501, WIJKT_AF),
        ("nearly", 0.75, "fraction", 0.675, KLOPT),
        ("nearly", 0.75, "fraction", 0.6749, WIJKT_AF),
    ],
)
def test_qualifiers_allow_one_relative_margin(qualifier, stated, unit, recomputed, expected):
    assert verdict(stated, recomputed, qualifier, unit) == expected


def test_the_margin_can_be_tightened_and_widened():
    assert verdict(0.75, 0.72, "nearly", "fraction", margin_pct=3) == WIJKT_AF
    assert verdict(80, 70, "about") == WIJKT_AF
    assert verdict(80, 70, "about", margin_pct=15) == KLOPT
    assert verdict(80, 80.5, "about", margin_pct=0) == WIJKT_AF


def test_every_qualifier_of_the_catalogue_has_a_rule():
    for qualifier in load_catalogue(RAW / "catalogue.yaml")["qualifiers"]:
        accepted_range(10, qualifier)
    with pytest.raises(ValueError, match="unknown qualifier 'roughly'"):
        verdict(10, 10, "roughly")


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
        else:
            assert isinstance(c.stated, Claim) and c.stated.words and c.stated.low < c.stated.high


def test_verdicts_on_the_letters_figures(tables):
    result = checks.run_checks(tables).set_index("check")
    assert result["section"].is_monotonic_increasing
    assert dict(result["verdict"]) == {
        "leerbaarheid_cesuur_verlaging": KLOPT,
        "amif_resterend": WIJKT_AF,
        "bib_groei_kandidaten": BINNEN_AFRONDING,
        "bib_eerste_poging_woorden": KLOPT,
        "markt_taalaanbieders_grootste_deel": KLOPT,
        "markt_participatie_z_niet_overal": KLOPT,
        "markt_map_niet_overal": KLOPT,
    }
    assert result.loc["amif_resterend", "recomputed_value"] == pytest.approx(10.5 + 3.5 + 9.4 - 16.7)
    assert result.loc["amif_resterend", "stated_value"] == 6
    assert result.loc["bib_groei_kandidaten", "recomputed_value"] == pytest.approx(100 * 877 / 5816)
    assert result["derived"].all() and result["rule"].str.len().gt(0).all()


#: For every check: one raw figure (file, indicator, category) and a value that flips its verdict.
MUTATIONS = {
    "leerbaarheid_cesuur_verlaging": ("03_leerbaarheidstoets", "cutoff_correct", "new_cutoff", 27, KLOPT, WIJKT_AF),
    "amif_resterend": ("08_amif", "granted", "total", 17.4, WIJKT_AF, KLOPT),
    "bib_groei_kandidaten": ("09_bib_examenmonitor", "candidates", "total", 6800, BINNEN_AFRONDING, WIJKT_AF),
    "bib_eerste_poging_woorden": ("09_bib_examenmonitor", "first_attempt_pass_share", "total", 60, KLOPT, WIJKT_AF),
    "markt_taalaanbieders_grootste_deel": ("10_marktmonitor", "providers_share", "offer_wi2013_2023", 45, KLOPT, WIJKT_AF),
    "markt_participatie_z_niet_overal": ("10_marktmonitor", "coverage_realised", "z_route_participation", 100,
                                         KLOPT, WIJKT_AF),
    "markt_map_niet_overal": ("10_marktmonitor", "coverage_realised", "map", 100, KLOPT, WIJKT_AF),
}


def test_every_check_has_a_mutation():
    assert set(MUTATIONS) == {c.id for c in checks.CHECKS}


@pytest.mark.parametrize("check_id", sorted(MUTATIONS))
def test_changing_one_input_figure_flips_the_verdict(tables, check_id):
    file, indicator, category, value, before, after = MUTATIONS[check_id]
    check = next(c for c in checks.CHECKS if c.id == check_id)
    assert checks.evaluate(check, tables)["verdict"] == before
    mutated = dict(tables)
    df = tables[file].copy()
    rows = (df["indicator"] == indicator) & (df["category"] == category)
    if file == "09_bib_examenmonitor" and indicator == "candidates":
        rows &= df["year"] == 2021
    assert rows.sum() == 1
    df.loc[rows, "value"] = float(value)
    mutated[file] = df
    assert checks.evaluate(check, mutated)["verdict"] == after


def test_validation_guarantees_are_listed_not_checked():
    guarantees = checks.validation_guarantees(RAW)
    catalogue = load_catalogue(RAW / "catalogue.yaml")
    assert len(guarantees) == sum(len(e.get("wholes", [])) for e in catalogue["files"].values())
    assert all(text for _, text in guarantees)


def test_the_appendix_counts_only_real_recomputations(tables):
    result = checks.run_checks(tables)
    items = checks.findings(result, 10, 1, checks.validation_guarantees(RAW))
    assert items[0].startswith(f"De bijlage rekent {len(checks.CHECKS)} uitspraken van de brief na.")
    assert "kloppen er 6" in items[0] and "1 wijkt af" in items[0]
    shown = checks.display_table(result, 1)
    assert list(shown.columns) == ["§", "Uitspraak", "Volgens de brief", "Herberekend", "Toegestaan", "Oordeel"]
    assert "‘het grootste deel’" in shown["Volgens de brief"].tolist()
    assert len(checks.DISPLAY_WIDTHS) == len(shown.columns) == len(checks.DISPLAY_ALIGN)


def test_a_missing_figure_is_named(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "03_leerbaarheidstoets.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("cutoff_reduction")))
    message = r"03_leerbaarheidstoets.csv: expected one row cutoff_reduction\[total, 2023\], found 0"
    with pytest.raises(KeyError, match=message):
        checks.run_checks(checks.load_tables(raw))
