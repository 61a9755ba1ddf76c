import pandas as pd
import pytest

from verzamelbrief.outputs import atomic_path, write_csv, write_text


def test_write_text_replaces_file(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "table.csv"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_write_csv_is_stable(tmp_path):
    df = pd.DataFrame({"year": [2020, 2021], "value": [5816, 6693]})
    write_csv(df, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_bytes() == b"year,value\n2020,5816\n2021,6693\n"
