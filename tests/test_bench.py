"""scripts/: small, and the parts of `make bench` that are not hyperfine's."""

import csv
import importlib.util
import io
import shutil
import subprocess

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_script", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scripts_stay_small():
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "scripts").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts)  # a run of make bench leaves bytecode there
    assert lines <= 300, f"scripts/ holds {lines} lines; the budget is 300"


def test_ratios_of_medians_and_verdicts(bench):
    by_name = {r["name"]: r for r in bench.ratios(
        {"noop": 0.5, "cold_parallel": 50.0, "nbconvert_baseline": 100.0, "raw_change": 6.6, "reference": 5.0})}
    assert by_name["noop/cold_parallel"]["ratio"] == pytest.approx(0.01) and by_name["noop/cold_parallel"]["met"]
    assert by_name["cold_parallel/nbconvert_baseline"]["ratio"] == pytest.approx(0.5)
    assert by_name["raw_change/reference"]["met"] is False  # 1.32 > 1.3
    assert by_name["render_quarto/render_offline"] == {**by_name["render_quarto/render_offline"], "ratio": None, "met": None}


@pytest.mark.skipif(not shutil.which("sed"), reason="needs sed")
def test_the_raw_change_gives_new_bytes_and_the_same_rows(bench, tmp_path):
    rel = f"data/raw/{bench.NB}.csv"
    original = (ROOT / rel).read_bytes()
    (tmp_path / "data/raw").mkdir(parents=True)
    (tmp_path / rel).write_bytes(original)
    subprocess.run(bench.TOGGLE_RAW, shell=True, cwd=tmp_path, check=True)
    changed = (tmp_path / rel).read_bytes()
    assert changed != original
    rows = lambda data: list(csv.reader(io.StringIO(data.decode("utf-8"))))  # noqa: E731
    assert rows(changed) == rows(original)
    subprocess.run(bench.TOGGLE_RAW, shell=True, cwd=tmp_path, check=True)
    assert (tmp_path / rel).read_bytes() == original


def test_the_copy_leaves_out_untracked_and_generated_files(bench, tmp_path):
    dest = tmp_path / "copy"
    bench.copy_tracked(dest)
    assert (dest / "Makefile").is_file() and (dest / "notebooks").is_dir()
    assert not (dest / ".venv").exists() and not (dest / "reports/_build").exists()
