"""Validation of data/raw against the catalogue: each refused input names file, row, column, rule."""

import shutil
from pathlib import Path

import pytest

from verzamelbrief.catalogue import DataError, load_catalogue, load_table, validate_all

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
BIB = "09_bib_examenmonitor.csv"
MARKT = "10_marktmonitor.csv"


@pytest.fixture
def raw(tmp_path):
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(raw_dir) -> list[str]:
    return [str(p) for p in validate_all(raw_dir)]


def test_shipped_raw_data_is_valid():
    assert messages(RAW) == []


def test_every_raw_file_is_catalogued_with_section_and_units():
    catalogue = load_catalogue(RAW / "catalogue.yaml")
    assert set(catalogue["files"]) | set(catalogue["records"]) == {p.name for p in RAW.glob("*.csv")}
    for name, entry in catalogue["files"].items():
        assert name.startswith(f"{entry['section']:02d}_"), name
        for indicator in entry["indicators"].values():
            assert indicator["unit"] in catalogue["units"]
            assert indicator["description"] and indicator["label_nl"] and indicator["categories"]


def test_load_table_types_columns():
    df = load_table("09_bib_examenmonitor", RAW)
    assert list(df.columns) == ["indicator", "category", "year", "value", "unit", "qualifier", "locator"]
    assert df.loc[(df["year"] == 2021) & (df["indicator"] == "candidates"), "value"].tolist() == [6693]
    assert str(df["year"].dtype) == "Int64" and str(df["value"].dtype) == "float64"


CASES = [
    # (file, old, new, expected fragments)
    (BIB, "5816", "abc", ["09_bib_examenmonitor.csv, row 2, column 'value'", "not a number: 'abc'"]),
    (BIB, "5816", "-5816", ["row 2, column 'value'", "value is negative (-5816)"]),
    (BIB, "total,,72,", "total,,172,", ["row 4, column 'value'", "value 172 outside the range of unit 'percent' (0-100)"]),
    (BIB, "candidates,total,2020", "candidates,total,2017", ["row 2, column 'year'", "year 2017 is outside the letter's years (2020-2027)"]),
    (BIB, "candidates,total,2020", "candidates,total,2021", ["row 3, column 'indicator'", "duplicate key"]),
    (BIB, "indicator,category", "measure,category", ["column 'indicator'", "column is missing"]),
    (BIB, "exact", "roughly", ["column 'qualifier'", "unknown qualifier 'roughly'; the catalogue lists exact, about"]),
    (BIB, "candidates,total,2020,5816,count", "candidates,total,2020,5816,percent", ["row 2, column 'unit'", "unit 'percent' differs from the unit of indicator 'candidates'"]),
    (BIB, "candidates,total,2020", "candidates,men,2020", ["row 2, column 'category'", "category 'men' is not listed for indicator 'candidates'"]),
    (BIB, "5816", "5816.5", ["row 2, column 'value'", "is a count and must be a whole number"]),
    (MARKT, "map,2022,12", "map,2022,40", ["10_marktmonitor.csv, row 8, column 'value'", "add up to at most 100, got 116"]),
]


@pytest.mark.parametrize("name, old, new, expected", CASES, ids=[c[3][-1][:40] for c in CASES])
def test_bad_values_are_refused_with_location(raw, name, old, new, expected):
    edit(raw / name, old, new)
    found = messages(raw)
    assert found, "the edit was not detected"
    assert any(all(frag in m for frag in expected) for m in found), found


def test_ragged_row_with_unquoted_comma(raw):
    edit(raw / BIB, "5816", "5.816,0")
    assert any("row 2" in m and "row has 8 fields, the header has 7" in m for m in messages(raw))


def test_extra_column(raw):
    lines = (raw / BIB).read_text().splitlines()
    (raw / BIB).write_text("\n".join([lines[0] + ",note"] + [line + ",x" for line in lines[1:]]) + "\n")
    assert any("row 1, column 'note'" in m and "unexpected column" in m for m in messages(raw))


def test_missing_file(raw):
    (raw / BIB).unlink()
    assert any(BIB in m and "missing" in m for m in messages(raw))


def test_empty_file(raw):
    (raw / BIB).write_text("")
    assert any(BIB in m and "empty" in m for m in messages(raw))


def test_header_only(raw):
    (raw / BIB).write_text("indicator,category,year,value,unit,qualifier\n")
    assert any(BIB in m and "no rows" in m for m in messages(raw))


def test_wrong_delimiter(raw):
    text = (raw / BIB).read_text().replace(",", ";")
    (raw / BIB).write_text(text)
    assert any(BIB in m and "delimiter is ';'" in m for m in messages(raw))


def test_wrong_encoding(raw):
    (raw / BIB).write_bytes((raw / BIB).read_text().replace("total", "totaal é").encode("latin-1"))
    assert any(BIB in m and "not valid UTF-8" in m for m in messages(raw))


def test_file_without_catalogue_entry(raw):
    (raw / "11_extra.csv").write_text("indicator,category,year,value,unit,qualifier\n")
    assert any("11_extra.csv" in m and "no entry in data/raw/catalogue.yaml" in m for m in messages(raw))


def test_catalogue_entry_without_file(raw):
    (raw / "06_mdt.csv").unlink()
    assert any("06_mdt.csv" in m and "missing" in m for m in messages(raw))


def test_shares_of_a_whole_must_add_up(raw):
    edit(raw / "07_aow_groepen.csv", "asylum_permit_holder,,0.6667", "asylum_permit_holder,,0.5")
    assert any("07_aow_groepen.csv" in m and "add up to 1, got 0.8333" in m for m in messages(raw))


def test_load_table_raises_with_all_problems(raw):
    edit(raw / BIB, "5816", "abc")
    with pytest.raises(DataError, match=r"row 2, column 'value': not a number"):
        load_table(BIB, raw)


def test_validation_cache_rechecks_only_changed_files(raw, tmp_path, capsys):
    from verzamelbrief.validate import main

    cache = tmp_path / "valid.json"
    n = len(list(raw.glob("*.csv")))  # the figure files and the record files (catalogue `records`)
    assert main([str(raw), "--cache", str(cache)]) == 0
    assert f"{n} checked, 0 unchanged" in capsys.readouterr().out
    assert main([str(raw), "--cache", str(cache)]) == 0
    assert f"0 checked, {n} unchanged" in capsys.readouterr().out
    edit(raw / BIB, "5816", "abc")
    assert main([str(raw), "--cache", str(cache)]) == 1
    assert "not a number: 'abc'" in capsys.readouterr().err


def test_a_file_validated_before_elsewhere_is_named_where_it_is_now(tmp_path):
    """validate_file remembers its answer by the file's content, not its folder: a second
    copy of the same faulty file is named at its own path, and an unchanged file that was
    fine stays fine."""
    first, second = (tmp_path / "a" / "raw", tmp_path / "b" / "raw")
    for folder in (first, second):
        shutil.copytree(RAW, folder)
        edit(folder / BIB, "5816", "abc")
    assert [m for m in messages(first) if BIB in m] and all(str(first) in m for m in messages(first))
    again = messages(second)
    assert again and all(str(second) in m and str(first) not in m for m in again), again
    assert len(again) == len(messages(first))
