"""Reliability, second round (issue 11): two builds at once, leftovers of killed builds,
deleted raw files, parts larger than their whole, output contracts, copied checkouts,
misspelled parameter blocks, one line per fault.

The fast tests call the package; the slow ones run ``make`` in built copies of the
project, as a user would, and check the exit status, the one-line message and that the
previous outputs stay as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import PY, ROOT, copy_project, make, project_env

RAW = ROOT / "data" / "raw"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every output (processed data, executed notebooks, the report), and a
    marker for every staged temporary file or transaction list a build left behind."""
    outputs = [*(root / "data/processed").rglob("*"), *(root / "reports/_executed").glob("*.ipynb"),
               *(root / "reports/_build").glob("verzamelbrief.*")]
    found = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in outputs if p.is_file() and p.name != "README.md" and not p.name.startswith(".")}
    for folder in ("data/processed", "reports"):
        found.update({str(p.relative_to(root)): "LEFT BEHIND" for p in (root / folder).rglob(".*")
                      if ".tmp" in p.name or ".txn" in p.name})
    return found


def tree_digest(root: Path) -> dict[str, str]:
    """Every file and symlink under ``root`` with its content (or target) and mtime."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mtime_ns}"
    return out


# ================================================================ fast: package level

# ---------------------------------------------------------------- 1. lock and leftovers

def test_second_build_waits_for_the_lock_and_says_so(tmp_path):
    lock = tmp_path / "reports" / ".build.lock"
    script = ROOT / "src" / "verzamelbrief" / "buildlock.py"
    log = tmp_path / "log"
    hold = f"import time; open({str(log)!r}, 'a').write('first start\\n'); time.sleep(2); open({str(log)!r}, 'a').write('first end\\n')"
    second = f"open({str(log)!r}, 'a').write('second start\\n')"
    first = subprocess.Popen([sys.executable, str(script), str(lock), "--", sys.executable, "-c", hold], cwd=tmp_path)
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc = subprocess.run([sys.executable, str(script), str(lock), "--", sys.executable, "-c", second],
                          cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert first.wait(timeout=30) == 0 and proc.returncode == 0
    assert log.read_text().splitlines() == ["first start", "first end", "second start"]
    assert proc.stderr.count("\n") == 1
    assert f"another build is running in this checkout (pid {first.pid}); waiting for it to finish" in proc.stderr


def test_environment_python_that_cannot_run_stops_the_build_in_one_line(tmp_path):
    script = ROOT / "src" / "verzamelbrief" / "buildlock.py"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to("/nonexistent/python3.11")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "l"), "--python", ".venv/bin/python", "--", "true"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == ("error: .venv/bin/python does not work in this checkout; "
                           "recreate the environment: rm -rf .venv && make env\n")


def test_lock_passes_on_the_exit_status(tmp_path):
    script = ROOT / "src" / "verzamelbrief" / "buildlock.py"
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "l"), "--", sys.executable, "-c", "raise SystemExit(3)"],
                          cwd=tmp_path)
    assert proc.returncode == 3


def test_leftovers_of_a_killed_build_are_removed_and_broken_notebooks_never_trusted(tmp_path):
    from verzamelbrief.buildlock import clean_leftovers

    executed = tmp_path / "reports" / "_executed"
    executed.mkdir(parents=True)
    good = executed / "09_bib_examenmonitor.ipynb"
    good.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}))
    (executed / "01_statushouders_aan_het_werk.ipynb").write_text("")  # truncated to 0 bytes
    (executed / "03_leerbaarheidstoets.ipynb").write_text(good.read_text()[:40])  # cut off
    (executed / ".09_bib_examenmonitor.abc123.tmp.ipynb").write_text("{")
    (executed / ".09_bib_examenmonitor.txn.x1y2").write_text("")
    figures = tmp_path / "data" / "processed" / "figures"
    figures.mkdir(parents=True)
    (figures / ".bib.k3j.tmp.svg").write_text("<svg")
    (figures / "bib.svg").write_text("<svg/>")

    messages = clean_leftovers(tmp_path)
    assert sorted(p.name for p in executed.iterdir()) == ["09_bib_examenmonitor.ipynb"]
    assert [p.name for p in figures.iterdir()] == ["bib.svg"]
    assert messages == [
        "reports/_executed/01_statushouders_aan_het_werk.ipynb: not a complete notebook (empty or cut off); it is rebuilt",
        "reports/_executed/03_leerbaarheidstoets.ipynb: not a complete notebook (empty or cut off); it is rebuilt",
    ]


def test_two_transactions_on_one_target_never_commit_each_others_files(tmp_path):
    from verzamelbrief.outputs import atomic_path, transaction

    target = tmp_path / "table.csv"
    with transaction(tmp_path / ".nb.txn") as first:
        with atomic_path(target, first) as tmp1:
            tmp1.write_text("first")
        with pytest.raises(RuntimeError):
            with transaction(tmp_path / ".nb.txn") as second:
                assert second.manifest != first.manifest
                with atomic_path(target, second) as tmp2:
                    tmp2.write_text("second, half")
                raise RuntimeError("the second build fails")
        assert not target.exists()
    assert target.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


# ---------------------------------------------------------------- 6, 8. params.yaml

STEMS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def split(tmp_path, old: str, new: str) -> str:
    from verzamelbrief.run import split_params

    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        split_params(params, tmp_path / "out", STEMS + ["report"])
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir()), "files written before the refusal"
    return str(exc.value)


def test_misspelled_params_block_is_refused_naming_block_and_known_names(tmp_path):
    message = split(tmp_path, "10_marktmonitor:", "10_marktmonitr:")
    assert message.startswith("error: ") and "params.yaml: unknown block '10_marktmonitr'; known blocks: " in message
    assert "10_marktmonitor" in message.split("known blocks:")[1] and "report" in message
    assert "\n" not in message


@pytest.mark.parametrize("date", ['"28-11-2026"', '"2026-13-01"', "tomorrow", '"2026-11-28 12:00"'])
def test_bad_report_date_names_params_yaml_and_report_date(tmp_path, date):
    message = split(tmp_path, 'date: "2026-11-28"', f"date: {date}")
    assert "params.yaml: report.date = " in message and "not a date written as YYYY-MM-DD" in message


def test_unquoted_report_date_is_accepted(tmp_path):
    from verzamelbrief.run import split_params

    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text().replace('date: "2026-11-28"', "date: 2026-11-28"))
    split_params(params, tmp_path / "out", STEMS + ["report"])
    assert (tmp_path / "out" / "report.yaml").exists()


# ---------------------------------------------------------------- 3, 5, 7. raw data

@pytest.fixture
def raw(tmp_path):
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


def problems(raw_dir: Path) -> list[str]:
    from verzamelbrief.catalogue import validate_all

    return [str(p).split("/raw/", 1)[-1] for p in validate_all(raw_dir)]


ONE_LINE_CASES = [
    # (file, old, new, the one expected line)
    ("09_bib_examenmonitor.csv", "2020,5816", "2020,NaN",
     "09_bib_examenmonitor.csv, row 2, column 'value': value is missing (empty or NaN); write the figure as the letter states it"),
    ("09_bib_examenmonitor.csv", "5816,count", "5816,percent",
     "09_bib_examenmonitor.csv, row 2, column 'unit': unit 'percent' differs from the unit of indicator 'candidates' in the catalogue ('count')"),
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,totl,2020",
     "09_bib_examenmonitor.csv, row 2, column 'category': category 'totl' is not listed for indicator 'candidates'; the catalogue lists total"),
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidate,total,2020",
     "09_bib_examenmonitor.csv, row 2, column 'indicator': unknown indicator 'candidate'; the catalogue lists candidates, "
     "first_attempt_pass_share, candidates_growth, first_attempt_pass_share_words"),
    ("09_bib_examenmonitor.csv", "5816", "5816.5",
     "09_bib_examenmonitor.csv, row 2, column 'value': value 5816.5 is a count and must be a whole number"),
    ("09_bib_examenmonitor.csv", "2021,72", "2021,172",
     "09_bib_examenmonitor.csv, row 4, column 'value': value 172 outside the range of unit 'percent' (0-100)"),
    ("09_bib_examenmonitor.csv", "5816,count,exact", "5816,count,exactly",
     "09_bib_examenmonitor.csv, row 2, column 'qualifier': unknown qualifier 'exactly'; the catalogue lists exact, about, more_than, nearly"),
    # 7. an empty year where the indicator needs one (notebook 09 failed with a bare IndexError)
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,",
     "09_bib_examenmonitor.csv, row 2, column 'year': year is empty; indicator 'candidates' needs a year (see its entry in the catalogue)"),
    ("09_bib_examenmonitor.csv", "first_attempt_pass_share,total,2021", "first_attempt_pass_share,total,",
     "09_bib_examenmonitor.csv, row 4, column 'year': year is empty; indicator 'first_attempt_pass_share' needs a year (see its entry in the catalogue)"),
    # 8. a year that is not a whole year
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,2020.5",
     "09_bib_examenmonitor.csv, row 2, column 'year': not a year (a whole number such as 2021): '2020.5'"),
    # 3. parts larger than their whole, counts as well as amounts
    ("07_aow_naturalisatie.csv", "aow_age,2021,340", "aow_age,2021,60000",
     "07_aow_naturalisatie.csv, row 3, column 'value': naturalisation_requests/aow_age in 2021 (60000) is larger than its whole "
     "naturalisation_requests/total (59310)"),
    ("06_mdt.csv", "integration_focused,2022,43", "integration_focused,2022,160",
     "06_mdt.csv, row 3, column 'value': providers/integration_focused in 2022 (160) is larger than its whole providers/total (140)"),
    ("03_leerbaarheidstoets.csv", "new_cutoff,2023,28", "new_cutoff,2023,48",
     "03_leerbaarheidstoets.csv, row 3, column 'value': cutoff_correct/new_cutoff in 2023 (48) is larger than its whole test_questions/total (40)"),
    ("08_amif.csv", "granted,total,2022,16.7", "granted,total,2022,26.7",
     "08_amif.csv, row 5, column 'value': granted/total + remaining_call/total in 2022 (32.7) is larger than its whole budget_ceiling (23.4)"),
]


@pytest.mark.parametrize("name, old, new, expected", ONE_LINE_CASES, ids=[c[3].split(": ", 1)[1][:45] for c in ONE_LINE_CASES])
def test_one_fault_gives_one_line_naming_the_right_column(raw, name, old, new, expected):
    edit(raw / name, old, new)
    assert problems(raw) == [expected]


def test_part_within_its_whole_allowing_for_about(raw):
    # "ongeveer 140" providers: 150 of them may still be part of it (140 * 1.1 = 154)
    edit(raw / "06_mdt.csv", "integration_focused,2022,43", "integration_focused,2022,150")
    assert problems(raw) == []


def test_year_written_as_a_decimal_is_that_year(raw):
    from verzamelbrief.catalogue import load_table

    edit(raw / "09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,2020.0")
    assert problems(raw) == []
    df = load_table("09_bib_examenmonitor", raw)
    assert 2020 in df["year"].tolist()


def test_notebook_loading_a_table_with_an_empty_year_gets_the_clear_message(raw):
    from verzamelbrief.catalogue import DataError, load_table

    edit(raw / "09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,")
    with pytest.raises(DataError, match="column 'year': year is empty; indicator 'candidates' needs a year"):
        load_table("09_bib_examenmonitor", raw)


# ---------------------------------------------------------------- 8. the catalogue's structure

def catalogue_problems(raw: Path, old: str, new: str) -> list[str]:
    edit(raw / "catalogue.yaml", old, new)
    return problems(raw)


def test_catalogue_indicators_as_a_string_is_one_clear_line(raw):
    # the whole block replaced by a string gave isin(['c', 'a', 'n', …]) before
    text = (raw / "catalogue.yaml").read_text(encoding="utf-8")
    start = text.index("    indicators:", text.index("  09_bib_examenmonitor.csv:"))
    end = text.index("\n\n", start)
    (raw / "catalogue.yaml").write_text(text[:start] + "    indicators: candidates" + text[end:], encoding="utf-8")
    assert problems(raw) == ["catalogue.yaml: files › 09_bib_examenmonitor.csv › indicators: "
                             "should be a mapping (name: entry), got text 'candidates'"]


def test_catalogue_indicator_entry_as_a_string_is_one_clear_line(raw):
    found = catalogue_problems(raw, """      candidates:
        description: candidates for the civic-integration exam abroad in the year
        label_nl: Kandidaat-inburgeraars
        unit: count
        categories: {total: totaal}
      first_attempt_pass_share:""", """      candidates: candidates
      first_attempt_pass_share:""")
    assert found == ["catalogue.yaml: files › 09_bib_examenmonitor.csv › indicators › candidates: "
                     "should be a mapping (key: value), got text 'candidates'"]


def test_catalogue_whole_indicators_list_as_a_string(raw):
    found = catalogue_problems(raw, "      - indicators: [group_composition]", "      - indicators: group_composition")
    assert found == ["catalogue.yaml: files › 07_aow_groepen.csv › wholes › 0 › indicators: should be a list, got text 'group_composition'"]


def test_catalogue_misspelled_key_and_unknown_unit(raw):
    found = catalogue_problems(raw, "        unit: count\n        categories: {aow_age", "        unti: count\n        categories: {aow_age")
    assert "catalogue.yaml: files › 07_aow_naturalisatie.csv › indicators › naturalisation_requests › unit: is missing" in found
    assert "catalogue.yaml: files › 07_aow_naturalisatie.csv › indicators › naturalisation_requests › unti: unknown key" in found


def test_catalogue_breakdown_with_a_total_must_declare_its_whole(raw):
    found = catalogue_problems(raw, "      - {parts: [providers/integration_focused], whole: providers/total}\n", "      []\n")
    assert found == ["catalogue.yaml: files › 06_mdt.csv › indicators › providers: has a category 'total' and parts of it; "
                     "declare them under part_of (whole: providers/total)"]


def test_catalogue_part_of_names_known_categories(raw):
    found = catalogue_problems(raw, "whole: providers/total}", "whole: providers/totaal}")
    assert "catalogue.yaml: files › 06_mdt.csv › part_of › 0 › whole: unknown category 'totaal' in 'providers/totaal'" in found


# ---------------------------------------------------------------- 3. output contracts

def processed(name: str) -> pd.DataFrame:
    """A processed table as notebook 07 writes it."""
    rows = [
        ("requests", "aow_age", 2020, 220.0, "count", "exact", False, "letter §7"),
        ("requests", "total", 2020, 43430.0, "count", "exact", False, "letter §7"),
        ("share_pct", "aow_age", 2020, 100 * 220 / 43430, "percent", "exact", True, "rule"),
        ("requests", "aow_age", 2021, 60000.0, "count", "exact", False, "letter §7"),
        ("requests", "total", 2021, 59310.0, "count", "exact", False, "letter §7"),
        ("share_pct", "aow_age", 2021, 100 * 60000 / 59310, "percent", "exact", True, "rule"),
        ("growth_pct", "aow_age", 2021, 100 * (60000 - 220) / 220, "percent", "exact", True, "rule"),
    ]
    return pd.DataFrame(rows, columns=["measure", "category", "year", "value", "unit", "qualifier", "derived", "rule"])


def test_output_contract_refuses_share_above_100_and_part_above_whole_and_writes_nothing(tmp_path):
    from verzamelbrief.contracts import OutputContractError
    from verzamelbrief.outputs import write_csv

    target = tmp_path / "07_aow_naturalisatie.csv"
    target.write_text("previous\n")
    with pytest.raises(OutputContractError) as exc:
        write_csv(processed("07"), target)
    lines = str(exc.value).splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(", row 5 (requests/aow_age/2021), column 'value': "
                             "a part larger than its whole (the total of the same measure and year): 60000 (not written)")
    assert lines[1].endswith(", row 7 (share_pct/aow_age/2021), column 'value': "
                             "a share outside its range (percent 0-100, fraction 0-1): 101.163 (not written)")
    assert target.read_text() == "previous\n"  # the growth of 27172 % is a change, not a share: not refused
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_output_contract_refuses_a_missing_figure(tmp_path):
    from verzamelbrief.contracts import OutputContractError
    from verzamelbrief.outputs import write_csv

    df = pd.DataFrame({"measure": ["candidates", "first_attempt_passes_implied"], "year": [2021, 2021],
                       "value": [6693, None], "unit": ["count", "count"]})
    with pytest.raises(OutputContractError, match=r"row 3 \(first_attempt_passes_implied/2021\), column 'value': "
                                                  r"missing value where the report shows a figure"):
        write_csv(df, tmp_path / "09_bib_kerncijfers.csv")


def test_output_contract_of_a_wide_table(tmp_path):
    from verzamelbrief.contracts import problems as contract_problems

    df = pd.DataFrame({"component": ["map"] * 3, "year": [2022] * 3, "status": ["realised", "final_phase", "neither"],
                       "value": [76.0, 40.0, 12.0]})
    assert contract_problems(df, tmp_path / "10_markt_dekking.csv") == [
        f"{tmp_path / '10_markt_dekking.csv'}, row 2 (map/2022), column 'value': "
        "the shares of this component do not add up to 100: they add up to 128"
    ]


def test_output_contract_accepts_changes_and_valid_tables(tmp_path):
    from verzamelbrief.outputs import write_csv

    df = processed("07")
    df.loc[3, "value"] = 340.0
    df.loc[5, "value"] = 100 * 340 / 59310
    write_csv(df, tmp_path / "07_aow_naturalisatie.csv")
    assert (tmp_path / "07_aow_naturalisatie.csv").exists()


# ---------------------------------------------------------------- 8. the failing line

def test_failure_excerpt_shows_the_failing_line_not_the_first_lines():
    from verzamelbrief.run import failing_lines

    source = "import math\n\nx = 1\ny = 2\nz = math.sqrt(-1)\nprint(z)\n"
    tb = ["\x1b[0;31mValueError\x1b[0m  Traceback (most recent call last)",
          "Cell \x1b[0;32mIn[7], line 5\x1b[0m\n      3 x = 1\n----> 5 z = math.sqrt(-1)",
          "ValueError: math domain error"]
    assert failing_lines(source, tb) == ["  line 4: y = 2", "> line 5: z = math.sqrt(-1)"]
    assert failing_lines(source, []) == ["import math", "x = 1", "y = 2"]


# ---------------------------------------------------------------- 4. copies: root and interpreter

def test_project_root_is_found_from_the_working_directory(tmp_path, monkeypatch):
    from verzamelbrief import paths

    copy = copy_project(tmp_path / "copy")
    monkeypatch.delenv("VERZAMELBRIEF_ROOT", raising=False)
    monkeypatch.chdir(copy / "notebooks")
    assert paths.project_root() == copy.resolve()


def test_package_from_another_checkout_is_named_in_one_line(tmp_path):
    env = {**os.environ, "VERZAMELBRIEF_ROOT": str(copy_project(tmp_path / "copy"))}
    proc = subprocess.run([PY, "-m", "verzamelbrief.validate"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert f"error: {tmp_path / 'copy'} runs the package from {ROOT / 'src'}, another checkout" in proc.stderr
    assert "rm -rf .venv && make env" in proc.stderr


def test_kernel_runs_on_this_interpreter_not_on_an_installed_spec(tmp_path):
    from verzamelbrief.run import kernel_manager_class

    km = kernel_manager_class(tmp_path)(kernel_name="verzamelbrief-inburgering")
    assert km.kernel_spec.argv[0] == sys.executable
    assert Path(km.connection_file).parent == tmp_path and km.ip.startswith(str(tmp_path))


def test_kernel_folder_of_its_own_is_removed_with_the_kernel_resources():
    import asyncio

    from verzamelbrief.run import kernel_manager_class

    km = kernel_manager_class()(kernel_name="verzamelbrief-inburgering")
    folder = Path(km.connection_file).parent
    assert folder.is_dir() and folder.name.startswith("verzamelbrief-kernel-")
    asyncio.run(km.cleanup_resources())
    assert not folder.exists()


def test_kernel_spec_of_a_copied_environment_is_repaired(tmp_path, monkeypatch):
    from verzamelbrief import buildlock

    spec = tmp_path / "share" / "jupyter" / "kernels" / "verzamelbrief-inburgering" / "kernel.json"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps({"argv": ["/original/.venv/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                "display_name": "x", "language": "python"}))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert buildlock.repair_kernel_spec() == f"env: kernel spec verzamelbrief-inburgering named /original/.venv/bin/python; now {sys.executable}"
    assert json.loads(spec.read_text())["argv"][0] == sys.executable
    assert buildlock.repair_kernel_spec() is None


# ================================================================ slow: make in built copies

@pytest.fixture
def built(built_project, tmp_path) -> Path:
    """A private copy of the session's built checkout (cheaper than building again)."""
    dest = tmp_path / "project"
    shutil.copytree(built_project, dest, symlinks=True)
    return dest


def start_make(root: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    env_stamp = root / ".env-stamp"
    env_stamp.touch(exist_ok=True)
    return subprocess.Popen(["make", "-C", str(root), *args, f"PY={PY}", f"ENV={env_stamp}"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or project_env(root))


@pytest.mark.slow
def test_two_simultaneous_builds_leave_valid_outputs_and_the_next_build_succeeds(built):
    import nbformat

    before = snapshot(built)
    for nb in ("09_bib_examenmonitor", "10_marktmonitor", "07_aow_leeftijd"):
        (built / "notebooks" / f"{nb}.ipynb").touch()
    first = start_make(built, "report")
    time.sleep(0.3)
    second = start_make(built, "report")
    out1, err1 = first.communicate(timeout=600)
    out2, err2 = second.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "another build is running in this checkout" in err1 + err2
    assert (out1 + out2).count("▶ 09_bib_examenmonitor: running") == 1, "the second build ran the notebook again"
    for nb in (built / "reports/_executed").glob("*.ipynb"):
        nbformat.read(nb, as_version=4)
    assert snapshot(built) == before
    again = make(built, "report")
    assert "running" not in again.stdout
    assert snapshot(built) == before


@pytest.mark.slow
def test_broken_executed_notebook_and_stray_files_are_rebuilt_not_trusted(built):
    before = snapshot(built)
    executed = built / "reports/_executed/09_bib_examenmonitor.ipynb"
    executed.write_text("")  # what the two-build race left: an empty, up-to-date-looking target
    future = time.time() + 3600
    os.utime(executed, (future, future))
    (built / "reports/_executed/.09_bib_examenmonitor.q1w2e3.tmp.ipynb").write_text("{")
    proc = make(built, "report")
    assert "reports/_executed/09_bib_examenmonitor.ipynb: not a complete notebook (empty or cut off); it is rebuilt" in proc.stderr
    assert "▶ 09_bib_examenmonitor: running" in proc.stdout
    assert snapshot(built) == before


def delete(path: Path) -> None:
    path.unlink()


REFUSED = [
    # (what is done to the built checkout, the one error line)
    (lambda root: delete(root / "data/raw/10_marktmonitor.csv"),
     "error: data/raw/10_marktmonitor.csv: file listed in the catalogue is missing"),
    (lambda root: edit(root / "data/raw/07_aow_naturalisatie.csv", "aow_age,2021,340", "aow_age,2021,60000"),
     "error: data/raw/07_aow_naturalisatie.csv, row 3, column 'value': naturalisation_requests/aow_age in 2021 "
     "(60000) is larger than its whole naturalisation_requests/total (59310)"),
    (lambda root: edit(root / "params.yaml", "10_marktmonitor:", "10_marktmonitr:"),
     "error: params.yaml: unknown block '10_marktmonitr'; known blocks: 01_statushouders_aan_het_werk, "
     "02_financieel_ontzorgen, 03_leerbaarheidstoets, 04_agi_ontheffing, 05_onderwijsroute, 06_mdt, 07_aow_leeftijd, "
     "08_amif, 09_bib_examenmonitor, 10_marktmonitor, 11_cijfercontrole, 12_toezeggingen, report"),
]


@pytest.mark.slow
@pytest.mark.parametrize("change, expected", REFUSED, ids=["deleted raw file", "part larger than whole", "misspelled block"])
def test_refused_naming_the_file_or_block_with_previous_outputs_intact(built, change, expected):
    before = snapshot(built)
    change(built)
    proc = make(built, "report", check=False)
    assert proc.returncode != 0
    assert [line for line in proc.stderr.splitlines() if line.startswith("error:")] == [expected]
    assert "running" not in proc.stdout
    assert snapshot(built) == before
    if "data/raw" in expected:  # `make validate` says so too, not "Nothing to be done"
        proc = make(built, "validate", check=False)
        assert proc.returncode != 0 and expected in proc.stderr


@pytest.mark.slow
def test_failed_notebook_leaves_no_kernel_files_and_shows_the_failing_line(built, tmp_path):
    import nbformat

    before = snapshot(built)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    nb_path = built / "notebooks/09_bib_examenmonitor.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if "write_csv(kerncijfers" in c.source)
    nb.cells.insert(idx, nbformat.v4.new_code_cell("a = 1\nb = 2\nc = 3\nraise RuntimeError('kapot')\nd = 4", id="boom"))
    nbformat.write(nb, nb_path)
    env = {**project_env(built), "TMPDIR": str(private_tmp)}
    proc = start_make(built, "report", env=env)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode != 0
    assert "> line 4: raise RuntimeError('kapot')" in err and "a = 1" not in err
    assert list(private_tmp.iterdir()) == [], "kernel files left behind"
    assert snapshot(built) == before


@pytest.mark.slow
def test_interrupted_build_leaves_no_kernel_files(built, tmp_path):
    import signal

    before = snapshot(built)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    (built / "notebooks/09_bib_examenmonitor.ipynb").touch()
    env_stamp = built / ".env-stamp"
    env_stamp.touch(exist_ok=True)
    proc = subprocess.Popen(["make", "-C", str(built), "report", f"PY={PY}", f"ENV={env_stamp}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**project_env(built), "TMPDIR": str(private_tmp)})
    seen = ""
    deadline = time.monotonic() + 120
    while "running" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    time.sleep(1.5)  # the kernel is up and executing cells
    assert list(private_tmp.iterdir()), "no kernel folder while the notebook runs"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert list(private_tmp.iterdir()) == [], "kernel files left behind"
    assert snapshot(built) == before


@pytest.mark.slow
def test_papermill_cli_with_a_bad_parameter_shows_the_message_without_the_kernel_traceback(built):
    papermill = Path(PY).parent / "papermill"
    proc = subprocess.run([str(papermill), "notebooks/09_bib_examenmonitor.ipynb", str(built / "out.ipynb"),
                           "-p", "compare_year", "2019", "-k", "verzamelbrief-inburgering"],
                          capture_output=True, text=True, cwd=built, env=project_env(built), timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.rstrip().splitlines()[-1] == (
        "ParameterError: 09_bib_examenmonitor: parameter 'compare_year' = 2019: Input should be greater than or equal to 2020; "
        "allowed: int >= 2020 <= 2021")
    assert "check_params(" not in proc.stderr  # the kernel's traceback of the notebook cell is gone


# ---------------------------------------------------------------- 4. cp -a of a checkout, .venv included

def make_checkout_with_venv(root: Path) -> Path:
    """A project checkout with its own .venv, as `make env` leaves it: an editable install of
    this checkout's src and a kernel spec naming this checkout's interpreter by absolute path.
    (The packages come from the test run's environment through a .pth file.)"""
    copy_project(root)
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    shared = subprocess.run([PY, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    (site / "shared-packages.pth").write_text(f"{shared}\n")
    (site / "__editable__.verzamelbrief-0.1.0.pth").write_text(f"{root / 'src'}\n")
    kernel = venv / "share/jupyter/kernels/verzamelbrief-inburgering/kernel.json"
    kernel.parent.mkdir(parents=True)
    kernel.write_text(json.dumps({"argv": [str(venv / "bin/python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                  "display_name": "Python (verzamelbrief-inburgering)", "language": "python"}, indent=1))
    (venv / ".installed").touch()
    return root


def plain_make(root: Path, *targets: str) -> subprocess.CompletedProcess:
    """`make` as a user runs it: no test overrides, the checkout's own .venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VERZAMELBRIEF_ROOT", "MAKEFLAGS", "MAKELEVEL", "PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(["make", *targets], cwd=root, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    root = make_checkout_with_venv(tmp_path_factory.mktemp("original") / "project")
    proc = plain_make(root, "report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


@pytest.mark.slow
def test_cp_a_copy_builds_itself_and_leaves_the_original_untouched(original, tmp_path):
    from conftest import pdf_text

    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)
    before = tree_digest(original)
    edit(copy / "data/raw/09_bib_examenmonitor.csv", "candidates,total,2021,6693", "candidates,total,2021,7777")
    proc = plain_make(copy, "report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "▶ 09_bib_examenmonitor: running" in proc.stdout
    assert "7.777" in pdf_text(copy / "reports/_build/verzamelbrief.pdf")
    assert "7777" in (copy / "data/processed/09_bib_kandidaten.csv").read_text()
    assert tree_digest(original) == before, "the copy's build changed the original"
    assert "7.777" not in pdf_text(original / "reports/_build/verzamelbrief.pdf")
    spec = json.loads((copy / ".venv/share/jupyter/kernels/verzamelbrief-inburgering/kernel.json").read_text())
    assert spec["argv"][0] == str(copy / ".venv/bin/python")


@pytest.mark.slow
def test_copy_whose_python_does_not_run_stops_with_one_line(original, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)
    before = tree_digest(original)
    python = copy / ".venv/bin/python"
    python.unlink()
    python.symlink_to("/nonexistent/python3.11")  # a .venv made on a machine whose Python is not here
    (copy / "data/raw/09_bib_examenmonitor.csv").touch()
    proc = plain_make(copy, "report")
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith("make")  # make's own summary line
    errors = [line for line in proc.stderr.splitlines() if "error" in line and not line.startswith("make")]
    assert errors == ["error: .venv/bin/python does not work in this checkout; recreate the environment: rm -rf .venv && make env"]
    assert tree_digest(original) == before
