"""The figure check (verzamelbrief.checks): the one tolerance rule, its edges, that every
check points at a figure that exists in data/raw, and that every check can fail (a
mutation of one input figure flips its verdict)."""

import re
import shutil
from pathlib import Path

import pytest

from verzamelbrief import checks, herkomst
from verzamelbrief.catalogue import load_catalogue
from verzamelbrief.herkomst import strip
from verzamelbrief.checks import AFGEROND, KLOPT, WIJKT_AF, Claim, Figure, accepted_range, verdict

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


# ---------------------------------------------------------------- the tolerance rule

@pytest.mark.parametrize(
    "stated, recomputed, expected",
    [
        (15, 15, KLOPT),
        (15, 15.0790922, AFGEROND),   # the letter's growth of candidates
        (15, 15.5, AFGEROND),         # exactly half a unit off: still rounding
        (15, 14.5, AFGEROND),
        (15, 15.5001, WIJKT_AF),
        (15, 14.4999, WIJKT_AF),
        (7.5, 7.55, AFGEROND),        # one decimal stated: margin 0,05
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
        named = c.statement.replace("Wi2013", "").replace("Wi2021", "")  # the laws' names are no figures
        named = re.sub(r"\b20\d\d\b", "", named)  # nor are years ("in 2023"): the gate's short rule allows them
        assert c.statement and not any(ch.isdigit() for ch in named), c.id


def test_every_stated_figure_exists_in_data_raw(tables):
    catalogue = load_catalogue(RAW / "catalogue.yaml")
    for c in checks.CHECKS:
        entry = catalogue["files"][f"{c.stated.file}.csv"]
        assert entry["section"] == c.section, c.id
        assert (c.recompute is None) != (not c.readings), c.id  # a figure is recomputed, words are read
        if isinstance(c.stated, Figure):
            row = c.stated.row(tables)  # exactly one row, or KeyError
            assert row["unit"] == entry["indicators"][c.stated.indicator]["unit"]
        else:
            assert isinstance(c.stated, Claim) and c.stated.words and c.stated.low < c.stated.high
        for r in c.recomputations():
            for f in r.figures:
                f.row(tables)


def test_claim_words_stand_in_the_located_part_of_the_letter():
    from reference import flat, letter_text, sections

    parts = sections(letter_text())
    for c in checks.CHECKS:
        words = c.stated.words if isinstance(c.stated, Claim) else c.words
        if words:
            assert words.lower() in parts[c.section].lower(), (c.id, words)
        if isinstance(c.stated, Claim):
            assert c.stated.locator.startswith(f"§{c.section} "), c.id
    whole = flat(letter_text()).lower()
    for _, sources, _, _ in checks.LEFT_OUT:
        assert sources, "every left-out statement says where it stands"
    assert "voor deze periode" in whole  # the AMIF verdict's condition quotes these words


EXPECTED = {
    "leerbaarheid_cesuur_verlaging": KLOPT,
    "leerbaarheid_minder_nadeel": KLOPT,
    "mdt_groot_aantal": KLOPT,
    "amif_resterend": WIJKT_AF,
    "bib_groei_kandidaten": AFGEROND,
    "bib_eerste_poging_woorden": KLOPT,
    "markt_taalaanbieders_grootste_deel": KLOPT,
    "markt_niet_overal": KLOPT,
    "markt_veel_afrondend": KLOPT,
}


def test_verdicts_on_the_letters_figures(tables):
    result = checks.run_checks(tables).set_index("check")
    assert result["section"].is_monotonic_increasing
    assert dict(result["verdict"]) == EXPECTED
    assert result.loc["amif_resterend", "recomputed_value"] == pytest.approx(10.5 + 3.5 + 9.4 - 16.7)
    assert result.loc["amif_resterend", "stated_value"] == 6
    assert result.loc["bib_groei_kandidaten", "recomputed_value"] == pytest.approx(100 * 877 / 5816)
    assert result["derived"].all() and result["rule"].str.len().gt(0).all()
    # the verdicts that rest on an assumption or a reading say so in their own words
    assert result.loc["amif_resterend", "shown_verdict"].startswith(
        "wijkt af, als het bedrag dat voor deze periode beschikbaar was de som van de drie themaplafonds is")
    assert result.loc["markt_veel_afrondend", "shown_verdict"].startswith(
        "klopt alleen gerekend over de gemeenten die het aanbod nog niet hadden, niet gerekend over alle gemeenten")
    assert "ten minste een kwart" in result.loc["mdt_groot_aantal", "shown_verdict"]
    assert result.loc["bib_groei_kandidaten", "shown_verdict"] == AFGEROND
    # 72 % is 'bijna driekwart' only thanks to the margin (without one, 72 is not 75): the verdict says so
    assert result.loc["bib_eerste_poging_woorden", "shown_verdict"] == f"{KLOPT}, {checks.MARGIN_CONDITION}"
    assert result.loc["leerbaarheid_cesuur_verlaging", "shown_verdict"] == KLOPT
    # what the word checks are held against
    assert result.loc["markt_veel_afrondend", "recomputed_all"] == (
        "de gemeenten die het aanbod nog niet hadden: " + str(round(100 * 14 / 24, 10))
        + "; de gemeenten die het aanbod nog niet hadden: 50.0; alle gemeenten: 14.0; alle gemeenten: 12.0")
    assert result.loc["mdt_groot_aantal", "recomputed_value"] == pytest.approx(100 * 43 / 140)
    # 'ongeveer 140': the share is recomputed over the whole's range too (126 to 154 at a margin of 10 %)
    assert result.loc["mdt_groot_aantal", "recomputed_all"] == "; ".join(
        str(round(100 * 43 / w, 10)) for w in (140, 154, 126))
    assert result.loc["leerbaarheid_minder_nadeel", "recomputed_value"] == pytest.approx(100 * 22 / 38)
    # locators: the paragraphs of the statement and of every input
    assert result.loc["markt_veel_afrondend", "locator"] == "§10 Participatiedeel Z-route/duaal alinea 1 en 2"
    assert result.loc["amif_resterend", "locator"] == "§8 alinea 3"


def test_only_checks_that_could_fail_are_counted(tables):
    result = checks.run_checks(tables).set_index("check")
    assert set(result.index[~result["counted"]]) == {
        "leerbaarheid_minder_nadeel", "markt_taalaanbieders_grootste_deel", "markt_niet_overal"}
    assert result["counted"].sum() == 6
    # one sentence about two figures is one check
    assert not any(c.startswith(("markt_map", "markt_participatie")) for c in result.index)


#: For every check: one raw figure (file, indicator, category, year) and a value that changes its verdict.
MUTATIONS = {
    "leerbaarheid_cesuur_verlaging": ("03_leerbaarheidstoets", "cutoff_correct", "new_cutoff", None, 27, KLOPT, WIJKT_AF),
    "leerbaarheid_minder_nadeel": ("03_leerbaarheidstoets", "asylum_permit_holders_share", "z_route", None, 38,
                                   KLOPT, WIJKT_AF),
    "mdt_groot_aantal": ("06_mdt", "providers", "integration_focused", None, 30, KLOPT, WIJKT_AF),
    "amif_resterend": ("08_amif", "granted", "total", 2022, 17.4, WIJKT_AF, KLOPT),
    "bib_groei_kandidaten": ("09_bib_examenmonitor", "candidates", "total", 2021, 6800, AFGEROND, WIJKT_AF),
    "bib_eerste_poging_woorden": ("09_bib_examenmonitor", "first_attempt_pass_share", "total", None, 60, KLOPT, WIJKT_AF),
    "markt_taalaanbieders_grootste_deel": ("10_marktmonitor", "providers_share", "offer_wi2013_2023", None, 45,
                                           KLOPT, WIJKT_AF),
    "markt_niet_overal": ("10_marktmonitor", "coverage_realised", "map", 2022, 100, KLOPT, WIJKT_AF),
    "markt_veel_afrondend": ("10_marktmonitor", "coverage_final_phase", "map", 2022, 5, KLOPT, WIJKT_AF),
}


def mutate(tables, file, indicator, category, year, value):
    mutated = dict(tables)
    df = tables[file].copy()
    in_year = df["year"].isna() if year is None else df["year"] == year  # None: a figure without a year
    rows = (df["indicator"] == indicator) & (df["category"] == category) & in_year
    assert rows.sum() == 1
    df.loc[rows, "value"] = float(value)
    mutated[file] = df
    return mutated


def test_every_check_has_a_mutation():
    assert set(MUTATIONS) == {c.id for c in checks.CHECKS}


@pytest.mark.parametrize("check_id", sorted(MUTATIONS))
def test_changing_one_input_figure_changes_the_verdict(tables, check_id):
    file, indicator, category, year, value, before, after = MUTATIONS[check_id]
    check = next(c for c in checks.CHECKS if c.id == check_id)
    assert checks.evaluate(check, tables)["verdict"] == before
    assert checks.evaluate(check, mutate(tables, file, indicator, category, year, value))["verdict"] == after


def test_the_reading_of_veel_decides_its_verdict(tables):
    check = next(c for c in checks.CHECKS if c.id == "markt_veel_afrondend")
    # many more municipalities in the final phase: true under both readings, so no reading in the verdict
    both = tables
    for module in ("map", "z_route_participation"):
        both = mutate(both, "10_marktmonitor", "coverage_realised", module, 2022, 70)
        both = mutate(both, "10_marktmonitor", "coverage_final_phase", module, 2022, 26)
    row = checks.evaluate(check, both)
    assert row["verdict"] == KLOPT and "gerekend over" not in row["shown_verdict"]


def test_the_margin_table_and_the_turning_margin(tables):
    table = checks.margin_table(tables, [3.0, 10.0, 20.0]).set_index("check")
    assert list(table.index) == [c.id for c in sorted(checks.CHECKS, key=lambda c: c.section) if c.counted]
    assert table.loc["bib_eerste_poging_woorden", 3.0] == WIJKT_AF  # no voorbehoud: it fails without a margin too
    assert table.loc["bib_eerste_poging_woorden", 10.0] == "klopt, met voorbehoud"  # holds thanks to the margin
    assert table.loc["amif_resterend", 20.0] == "wijkt af, met voorbehoud"
    # 72/75 = 0,96; and 43 of 'ongeveer 140' drops below a quarter once the whole may be 172 (140 x 1,23)
    assert checks.turning_margins(tables) == {"bib_eerste_poging_woorden": (4.0, KLOPT), "mdt_groot_aantal": (23.0, WIJKT_AF)}
    assert table.loc["mdt_groot_aantal", 20.0] == "klopt, met voorbehoud"


def test_validation_guarantees_are_listed_not_checked():
    guarantees = checks.validation_guarantees(RAW)
    catalogue = load_catalogue(RAW / "catalogue.yaml")
    assert len(guarantees) == sum(len(e.get("wholes", [])) + len(e.get("part_of", []))
                                  for e in catalogue["files"].values())
    assert all(text for _, text in guarantees)
    assert any("MDT-aanbieders" in text for _, text in guarantees)  # acronyms keep their capitals
    assert not any("'" in text or '"' in text for _, text in guarantees)  # quotes as the report sets them: ‘…’


def test_the_appendix_counts_only_real_recomputations(tables):
    result = checks.run_checks(tables)
    items = [strip(i) for i in checks.findings(result, 10, 1, checks.validation_guarantees(RAW), checks.turning_margins(tables),
                                               [5.0, 10.0, 20.0], checks.trace(tables))]
    assert items[0].startswith("De bijlage toetst 6 afzonderlijke uitspraken van de brief")
    assert "zonder voorbehoud kloppen er 2 (waarvan 1 na afronding)" in items[0]
    assert "3 kloppen alleen onder een aanname, een keuze van dit rapport of één lezing van de brief" in items[0]
    assert "1 wijkt af onder een aanname" in items[0] and "Nog 3 uitspraken" in items[0]
    assert "binnen de afronding" not in " ".join(items) and "alleen binnen" not in " ".join(items)
    assert "(brief §8, alinea 3): wijkt af, als" in " ".join(items) and "(brief §7)" in items[-1]
    shown = checks.display_table(result, 1, checks.trace(tables)).map(strip)
    assert list(shown.columns) == ["Vindplaats", "Uitspraak", "Volgens de brief", "Getoetst aan", "Toegestaan", "Oordeel"]
    assert "‘het grootste deel’" in shown["Volgens de brief"].tolist()
    assert "‘bijna driekwart’" in shown["Volgens de brief"].tolist()  # not "(75 %)": that is not the letter's
    assert "‘drie punten’" in shown["Volgens de brief"].tolist()
    assert len(checks.DISPLAY_WIDTHS) == len(shown.columns) == len(checks.DISPLAY_ALIGN)
    left = checks.left_out_table(tables)
    assert len(left) == len(checks.LEFT_OUT) and left["Waarom niet nagerekend"].str.len().gt(0).all()
    assert "brief §1, alinea 6" in left["Vindplaats"].iloc[1]  # from the data, not typed; in the report's one form
    assert shown["Vindplaats"].iloc[0] == "brief §3, alinea 2"
    assert all("(telt niet mee: " in s for s, c in zip(shown["Uitspraak"], result["counted"]) if not c)
    assert sum("(telt niet mee: de cijfers ernaast maken het al waar)" in s for s in shown["Uitspraak"]) == 2
    assert "precies 3\u00a0punten" in shown["Toegestaan"].tolist()  # a whole count: not 2,5–3,5 punten


def test_recomputed_values_follow_the_one_rule_for_decimals(tables):
    result = checks.run_checks(tables).set_index("check")
    shown = checks.display_table(result.reset_index(), 1, checks.trace(tables)).set_index(result.index)["Getoetst aan"]
    # fmt.computed_percent, not 30,7 %; and the share over the range of 'ongeveer 140'
    assert strip(shown["mdt_groot_aantal"]) == "31\u00a0% (over de marge van ‘ongeveer’: 28\u00a0% tot 34\u00a0%)"
    assert strip(shown["bib_groei_kandidaten"]) == "15,1\u00a0%"     # judging a rounding: one decimal more
    assert strip(shown["amif_resterend"]) == "€\u00a06,7\u00a0miljoen"  # a marked number has no-break spaces


def test_the_shown_numbers_are_the_evaluated_ones_with_records(tables):
    """:func:`checks.trace` makes the numbers :func:`checks.evaluate` judges, each with a record that recomputes."""
    herkomst.start("test")
    traced = checks.trace(tables, 10.0)
    for c in checks.CHECKS:
        row, shown = checks.evaluate(c, tables), traced[c.id]
        assert round(shown.values[0][1][0], 10) == pytest.approx(row["recomputed_value"], rel=1e-12), c.id
        assert (float(shown.low), float(shown.high)) == pytest.approx((row["accepted_low"], row["accepted_high"]), rel=1e-9), c.id
        assert herkomst.is_traced(shown.low, shown.high, *(v for _, vs in shown.values for v in vs)), c.id
        if shown.stated is not None:
            assert float(shown.stated) == row["stated_value"] and herkomst.record_of(shown.stated)["kind"] == "brief"
    records = herkomst._STATE.records
    for rec in records.values():
        if rec["kind"] == "berekend":
            values = [records[i]["value"] for i in rec["inputs"]]
            assert herkomst.OPS[rec["op"]](*values, **rec["args"]) == pytest.approx(rec["value"], rel=1e-12), rec
    margin = herkomst.record_of(checks.margin_parameter(10.0))
    assert (margin["kind"], margin["block"], margin["key"]) == ("parameter", "11_cijfercontrole", "qualifier_margin_pct")


def test_a_changed_raw_figure_changes_the_number_and_its_record(tables):
    herkomst.start("test")
    before = checks.trace(tables)["amif_resterend"].values[0][1][0]
    formula = herkomst.record_of(before)["formula"]
    after = checks.trace(mutate(tables, "08_amif", "granted", "total", 2022, 17.4))["amif_resterend"].values[0][1][0]
    assert round(float(before), 10) == 6.7 and round(float(after), 10) == 6.0
    assert formula == "23,4 − 16,7 = 6,7" and herkomst.record_of(after)["formula"] == "23,4 − 17,4 = 6"
    assert before.herkomst == after.herkomst  # the id names the figure, not its value: stable between builds


def test_a_missing_figure_is_named(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "03_leerbaarheidstoets.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("cutoff_reduction")))
    message = r"03_leerbaarheidstoets.csv: expected one row cutoff_reduction\[total\], found 0"
    with pytest.raises(KeyError, match=message):
        checks.run_checks(checks.load_tables(raw))
