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
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATE_LINE, PY, REPORT_DATE, ROOT, copy_project, make, project_env

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
    (tmp_path / "notebooks").mkdir()
    for stem in ("01_statushouders_aan_het_werk", "03_leerbaarheidstoets", "09_bib_examenmonitor"):
        (tmp_path / "notebooks" / f"{stem}.ipynb").write_text("{}")
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
    message = split(tmp_path, DATE_LINE, f"date: {date}")
    assert "params.yaml: report.date = " in message and "not a date written as YYYY-MM-DD" in message


def test_unquoted_report_date_is_accepted(tmp_path):
    from verzamelbrief.run import split_params

    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text().replace(DATE_LINE, f"date: {REPORT_DATE}"))
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
    ("09_bib_examenmonitor.csv", "total,,72,", "total,,172,",
     "09_bib_examenmonitor.csv, row 4, column 'value': value 172 outside the range of unit 'percent' (0-100)"),
    ("09_bib_examenmonitor.csv", "5816,count,exact", "5816,count,exactly",
     "09_bib_examenmonitor.csv, row 2, column 'qualifier': unknown qualifier 'exactly'; the catalogue lists exact, about, more_than, nearly"),
    # 7. an empty year where the indicator needs one (notebook 09 failed with a bare IndexError)
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,",
     "09_bib_examenmonitor.csv, row 2, column 'year': year is empty; indicator 'candidates' needs a year (see its entry in the catalogue)"),
    # 8. a year that is not a whole year
    ("09_bib_examenmonitor.csv", "candidates,total,2020", "candidates,total,2020.5",
     "09_bib_examenmonitor.csv, row 2, column 'year': not a year (a whole number such as 2021): '2020.5'"),
    # 3. parts larger than their whole, counts as well as amounts
    ("07_aow_naturalisatie.csv", "aow_age,2021,340", "aow_age,2021,60000",
     "07_aow_naturalisatie.csv, row 3, column 'value': naturalisation_requests/aow_age in 2021 (60000) is larger than its whole "
     "naturalisation_requests/total (59310)"),
    ("06_mdt.csv", "integration_focused,,43", "integration_focused,,160",
     "06_mdt.csv, row 3, column 'value': providers/integration_focused (160) is larger than its whole providers/total (140)"),
    ("03_leerbaarheidstoets.csv", "new_cutoff,,28", "new_cutoff,,48",
     "03_leerbaarheidstoets.csv, row 3, column 'value': cutoff_correct/new_cutoff (48) is larger than its whole test_questions/total (40)"),
    ("08_amif.csv", "granted,total,2022,16.7", "granted,total,2022,26.7",
     "08_amif.csv, row 5, column 'value': granted/total + remaining_call/total in 2022 (32.7) is larger than its whole budget_ceiling (23.4)"),
]


@pytest.mark.parametrize("name, old, new, expected", ONE_LINE_CASES, ids=[c[3].split(": ", 1)[1][:45] for c in ONE_LINE_CASES])
def test_one_fault_gives_one_line_naming_the_right_column(raw, name, old, new, expected):
    edit(raw / name, old, new)
    assert problems(raw) == [expected]


def test_part_within_its_whole_allowing_for_about(raw):
    # "ongeveer 140" providers: 150 of them may still be part of it (140 * 1.1 = 154)
    edit(raw / "06_mdt.csv", "integration_focused,,43", "integration_focused,,150")
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


@pytest.fixture(scope="module")
def interrupted(request) -> dict:
    """What :mod:`tests/interrupts.py`'s cases raised and left behind: run once for the whole
    test run, in a process of its own (the cases patch process-wide state)."""
    import sharedwork

    def cases(folder: Path) -> dict:
        proc = subprocess.run([PY, str(ROOT / "tests" / "interrupts.py"), str(folder)], capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, "VERZAMELBRIEF_ROOT": str(ROOT)}, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.splitlines()[-1])

    # the shared folder's short path: a kernel's socket paths are limited to 107 bytes
    return sharedwork.once(request.config.shared_folder / "interrupts", "the cases of tests/interrupts.py", cases,
                           to_json=lambda value: value)


def test_a_kernel_keeps_its_temporary_files_in_the_run_s_own_folder(interrupted):
    """So what a killed kernel was writing there goes with the folder."""
    case = interrupted["kernel temp"]
    assert case["raised"] is None, case
    assert re.fullmatch(rf"'{re.escape(case['base'])}/verzamelbrief-kernel-[0-9a-f]{{8}}/tmp'", case["shown"]), case
    assert case["left"] == []


def test_a_temporary_folder_too_long_for_the_kernel_s_sockets_is_named_in_one_line(interrupted):
    case = interrupted["too long"]
    assert case["raised"] == "NotebookFailed"
    assert re.fullmatch(r"\S+tiny\.ipynb: the temporary folder \S+ is too long for the kernel's sockets "
                        r"\(\d+ bytes, at most \d+\); set a shorter TMPDIR, e.g. TMPDIR=/tmp", case["message"]), case
    assert case["left"] == []


def test_a_signal_during_python_s_first_look_at_the_temporary_folder_leaves_nothing_there(interrupted):
    """Python's first ``gettempdir()`` writes a file there and removes it; SIGTERM just after
    the file was opened left it behind (seen with two notebooks starting while a build was stopped)."""
    case = interrupted["first look"]
    assert case["raised"] == "KeyboardInterrupt"
    assert case["left"] == []


def test_a_signal_just_after_the_kernel_folder_is_made_leaves_no_folder(interrupted):
    case = interrupted["folder made"]
    assert case["raised"] == "KeyboardInterrupt"
    assert case["left"] == []


def test_a_kernel_whose_launch_was_interrupted_is_stopped_before_its_folder_goes(interrupted):
    """jupyter_client never learns of that process, and a kernel left running makes its folder again."""
    case = interrupted["kernel launch"]
    assert case["raised"] == "KeyboardInterrupt" and case["started"] == 1
    assert case["still_running"] == [], "the kernel still runs"
    assert case["left"] == []


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
@pytest.mark.parametrize("delay", [0.0, 1.5], ids=["kernel starting", "kernel running cells"])
def test_interrupted_build_leaves_no_kernel_files(built, tmp_path, delay):
    import signal

    before = snapshot(built)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    (built / "notebooks/09_bib_examenmonitor.ipynb").touch()
    env_stamp = built / ".env-stamp"
    env_stamp.touch(exist_ok=True)
    proc = subprocess.Popen(["make", "-C", str(built), "report", f"PY={PY}", f"ENV={env_stamp}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**project_env(built), "TMPDIR": str(private_tmp)})
    deadline = time.monotonic() + 120
    while not list(private_tmp.glob("verzamelbrief-kernel-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(private_tmp.glob("verzamelbrief-kernel-*")), "no kernel folder while the notebook runs"
    time.sleep(delay)  # 0: the kernel is still starting; 1.5: it is executing cells
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    while time.monotonic() < deadline + 60:  # make may end before the runner has cleaned up
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
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


# ================================================================ third round (issue 19)
# One rule per kind of fault: what a raw figure may be, where outputs may go, YAML read
# strictly, executed notebooks that match notebooks/, one line per fault.

RAW_VALUE_CASES = [
    # a Dutch thousands separator in a count was read as 5
    ("2020,5816", "2020,5.000", "row 2, column 'value': value 5.000 is a count and must be a whole number: write 5000, "
                                "not 5.000 (a point is a decimal point, never a thousands separator)"),
    # a huge count wrapped in int64 and came back as a negative amount
    ("2020,5816", "2020,1e20", "row 2, column 'value': not a number: '1e20'; write the figure in digits, "
                               "with a decimal point if needed (5816, 7.5)"),
    ("2020,5816", "2020,100000000000000000000", "row 2, column 'value': value 100000000000000000000 has more than 15 "
                                                "digits; no figure of the letter is that large"),
    # a stray opening quote gave a pandas ParserError traceback
    ("2020,5816", '2020,"5816', "row 2, column 'value': a stray quote (\") in this field (unexpected end of data); "
                                "a field that starts with a quote must end with one, on the same line"),
    ("candidates,total,2020", '"candidates,total,2020', "row 2, column 'indicator': a stray quote (\") in this field "
     "(unexpected end of data); a field that starts with a quote must end with one, on the same line"),
]


@pytest.mark.parametrize("old, new, expected", RAW_VALUE_CASES, ids=[c[1] for c in RAW_VALUE_CASES])
def test_one_rule_for_what_a_raw_figure_may_be(raw, old, new, expected):
    edit(raw / "09_bib_examenmonitor.csv", old, new)
    assert problems(raw) == [f"09_bib_examenmonitor.csv, {expected}"]


def test_a_properly_quoted_figure_is_still_a_figure(raw):
    edit(raw / "09_bib_examenmonitor.csv", "2020,5816", '2020,"5816"')
    assert problems(raw) == []


@pytest.mark.parametrize("old, new, expected", [
    ("  title: Verzamelbrief inburgering\n", "", "catalogue.yaml: letter › title: is missing"),
    ("  date: null ", "  date: 31-03-2023 ", "catalogue.yaml: letter › date: not a date written as YYYY-MM-DD "
                                              "(or null when the letter gives none), got text '31-03-2023'"),
    ("  date: null ", "  date: 2023-02-30 ", "catalogue.yaml: letter › date: not a date written as YYYY-MM-DD "
                                              "(or null when the letter gives none), got text '2023-02-30'"),
    ("  sender: Minister", "  title: Nog een titel\n  sender: Minister",
     "catalogue.yaml: line 31: duplicate key 'title' (first at line 29)"),
], ids=["no title", "non-ISO date", "impossible date", "duplicate key"])
def test_catalogue_letter_block_is_validated_before_any_notebook(raw, old, new, expected):
    assert catalogue_problems(raw, old, new) == [expected]


PARAMS_CASES = [
    ("10_marktmonitor:\n", "10_marktmonitor:\n  sort_by: letter\n",
     "error: params.yaml, line 47: duplicate key 'sort_by' (first at line 45)"),
    ("11_cijfercontrole:\n", "10_marktmonitor:\n  pct_decimals: 1\n\n11_cijfercontrole:\n",
     "error: params.yaml, line 54: duplicate key '10_marktmonitor' (first at line 50)"),
    (f"report:\n  {DATE_LINE}", "", "error: params.yaml: block 'report' is missing or empty; it sets the "
                                          "report's date: report: {date: \"2026-11-28\"}"),
    (f"  {DATE_LINE}", "", "error: params.yaml: block 'report' is missing or empty; it sets the report's date: "
                                 "report: {date: \"2026-11-28\"}"),
    (DATE_LINE, "date: 2026-02-30", "error: params.yaml: report.date = '2026-02-30': not a date written as "
                                                "YYYY-MM-DD, e.g. \"2026-11-28\""),
    ("07_aow_leeftijd:\n", "07_aow_leeftijd:\n  processed_dir: data/raw\n",
     "error: params.yaml: 07_aow_leeftijd.processed_dir = 'data/raw': the build reads data/raw and writes data/processed "
     "(the report, its colophon and make rely on it); use another folder for one run only: "
     "python -m verzamelbrief.run notebooks/07_aow_leeftijd.ipynb OUT.ipynb -p processed_dir DIR"),
    ("09_bib_examenmonitor:\n", "09_bib_examenmonitor:\n  raw_dir: /elders/raw\n",
     "error: params.yaml: 09_bib_examenmonitor.raw_dir = '/elders/raw': the build reads data/raw and writes data/processed "
     "(the report, its colophon and make rely on it); use another folder for one run only: "
     "python -m verzamelbrief.run notebooks/09_bib_examenmonitor.ipynb OUT.ipynb -p raw_dir DIR"),
]


@pytest.mark.parametrize("old, new, expected", PARAMS_CASES,
                         ids=["duplicate key", "duplicate block", "no report block", "empty report block",
                              "impossible date", "processed_dir data/raw", "raw_dir elsewhere"])
def test_params_yaml_is_read_strictly_one_line_each(tmp_path, old, new, expected):
    message = split(tmp_path, old, new).replace(f"{tmp_path}/", "")
    assert re.sub(r"line \d+", "line N", message) == re.sub(r"line \d+", "line N", expected)


def test_a_date_where_a_number_belongs_is_the_one_line_parameter_error(tmp_path):
    from verzamelbrief.params import MODELS, ParameterError, check_params
    from verzamelbrief.yamlfile import loads

    block = loads("base_year: 2020-01-01\n", "params.yaml")  # a date stays text: no traceback in papermill
    values = {**{k: f.default for k, f in MODELS["09_bib_examenmonitor"].model_fields.items()}, **block}
    with pytest.raises(ParameterError) as exc:
        check_params(MODELS["09_bib_examenmonitor"], values, "09_bib_examenmonitor")
    assert str(exc.value) == ("09_bib_examenmonitor: parameter 'base_year' = '2020-01-01': Input should be a valid integer; "
                              "allowed: int >= 2020 <= 2021")


@pytest.mark.parametrize("value, expected", [
    ("data/raw", "is raw data, which is read-only; outputs go to data/processed or another folder"),
    ("data/raw/figures", "is raw data, which is read-only; outputs go to data/processed or another folder"),
    ("../../elders", "leads outside the project; a folder elsewhere must be given as an absolute path"),
])
def test_one_rule_for_where_outputs_may_go_also_through_papermill(value, expected):
    from verzamelbrief.params import MODELS, ParameterError, check_params

    values = {k: f.default for k, f in MODELS["07_aow_leeftijd"].model_fields.items()} | {"processed_dir": value}
    with pytest.raises(ParameterError) as exc:
        check_params(MODELS["07_aow_leeftijd"], values, "07_aow_leeftijd")
    assert str(exc.value) == (f"07_aow_leeftijd: parameter 'processed_dir' = {value!r}: {expected}; "
                              "allowed: a folder inside the project, or an absolute path; never raw data")
    values["processed_dir"] = "/tmp/elders-gevraagd"  # asked for explicitly: allowed
    assert check_params(MODELS["07_aow_leeftijd"], values, "07_aow_leeftijd").processed_dir == "/tmp/elders-gevraagd"


def test_nothing_is_ever_written_into_a_raw_folder(raw):
    from verzamelbrief.outputs import OutputError, write_csv

    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    with pytest.raises(OutputError) as exc:  # refused for where it goes, before its content is looked at
        write_csv(processed("07"), raw / "07_aow_naturalisatie.csv")
    assert str(exc.value).endswith("07_aow_naturalisatie.csv: not written: data/raw (raw data) is read-only; "
                                   "outputs go to data/processed or another folder")
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before


def test_runner_keeps_another_run_out_of_the_builds_outputs(tmp_path):
    from verzamelbrief import paths
    from verzamelbrief.run import run_parameters

    source = paths.NOTEBOOKS / "09_bib_examenmonitor.ipynb"
    params, note = run_parameters(source, tmp_path / "x.ipynb", None, {"pct_decimals": 2})
    assert params["processed_dir"] == str(tmp_path / "x_processed") and params["pct_decimals"] == 2
    assert "the build's data/processed stays as it is" in note
    asked, note = run_parameters(source, tmp_path / "x.ipynb", None, {"processed_dir": "data/processed"})
    assert asked["processed_dir"] == "data/processed" and note is None
    with pytest.raises(SystemExit) as exc:  # the build's own notebook runs with params.yaml only
        run_parameters(source, paths.EXECUTED / source.name, None, {"pct_decimals": 2})
    assert str(exc.value).startswith("error: -p pct_decimals: reports/_executed/09_bib_examenmonitor.ipynb is the "
                                     "build's own notebook, which runs with params.yaml")


def executed(path: Path, outputs: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code"}],
                                "metadata": {"verzamelbrief": {"outputs": outputs}}}))


def test_executed_notebooks_match_notebooks_and_their_outputs(tmp_path):
    import hashlib

    from verzamelbrief.buildlock import clean_leftovers

    (tmp_path / "notebooks").mkdir()
    for stem in ("09_bib", "10_markt"):
        (tmp_path / "notebooks" / f"{stem}.ipynb").write_text("{}")
    processed_dir = tmp_path / "data" / "processed"
    processed_dir.mkdir(parents=True)
    files = {}
    for name in ("09_a.csv", "10_a.csv", "12_a.csv"):
        (processed_dir / name).write_text(name)
        files[name] = hashlib.sha256(name.encode()).hexdigest()
    exe = tmp_path / "reports" / "_executed"
    executed(exe / "09_bib.ipynb", {"data/processed/09_a.csv": files["09_a.csv"]})
    executed(exe / "10_markt.ipynb", {"data/processed/10_a.csv": files["10_a.csv"]})
    executed(exe / "12_weg.ipynb", {"data/processed/12_a.csv": files["12_a.csv"]})  # its source was deleted
    (processed_dir / "10_a.csv").write_text("written by another run")  # e.g. the papermill CLI's defaults
    assert clean_leftovers(tmp_path) == [
        "reports/_executed/10_markt.ipynb: data/processed/10_a.csv changed since it ran (another run wrote there?); "
        "it runs again",
        "reports/_executed/12_weg.ipynb: its source notebooks/12_weg.ipynb is gone; removed with the files it wrote",
    ]
    assert sorted(p.name for p in exe.iterdir()) == ["09_bib.ipynb"]
    assert sorted(p.name for p in processed_dir.iterdir()) == ["09_a.csv", "10_a.csv"]
    assert clean_leftovers(tmp_path) == []


def test_names_that_could_split_a_word_or_run_a_command_are_refused(tmp_path):
    from verzamelbrief.buildlock import odd_names

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "12_$(touch x).ipynb").write_text("{}")
    (tmp_path / "notebooks" / "12_goed.ipynb").write_text("{}")
    assert odd_names(tmp_path) == ["error: notebooks/'12_$(touch x).ipynb': a file name here may hold only letters, "
                                   "digits and _ - . (no spaces, quotes or other signs); rename it"]


def test_colophon_counts_untracked_inputs_and_lists_only_existing_notebooks(tmp_path):
    from verzamelbrief.provenance import git_state, notebook_parameters

    root = tmp_path / "p"
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "01_a.ipynb").write_text("{}")
    (root / "notes.txt").write_text("not an input")
    from conftest import git_commit_all

    git_commit_all(root)
    assert git_state(root)["dirty"] is False
    (root / "notebooks" / "12_nieuw.ipynb").write_text("{}")
    (root / "scratch.txt").write_text("not an input either")
    assert git_state(root) | {"commit": None} == {"commit": None, "dirty": True, "untracked": ["notebooks/12_nieuw.ipynb"]}
    exe = root / "reports" / "_executed"
    executed(exe / "01_a.ipynb", {})
    executed(exe / "05_weg.ipynb", {})
    assert [stem for stem, _ in notebook_parameters(exe)] == ["01_a"]


def test_text_from_data_reaches_a_figure_as_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from verzamelbrief import plotting

    plotting.use_style()
    fig, ax = plt.subplots(figsize=(plotting.FIG_WIDTH_IN, 2.5))
    ax.bar(["$x^{", "€ 5 $ 6"], [1, 2])  # invalid maths crashed matplotlib with a ParseException
    ax.set_title("Kosten $a$ en $b$")
    target = tmp_path / "f.svg"
    plotting.save(fig, target)
    svg = target.read_text(encoding="utf-8")
    assert "Kosten $a$ en $b$" in svg or "Kosten" in svg


def test_pandoc_shows_its_real_error_not_its_stack_trace(tmp_path):
    from verzamelbrief.render import RenderError, offline

    (tmp_path / "in.md").write_text("tekst\n")
    with pytest.raises(RenderError) as exc:  # /dev/full: every write fails as on a full disk
        offline._pandoc(["in.md", "--to", "html", "--output", "/dev/full"], cwd=tmp_path)
    assert str(exc.value) == "pandoc failed: /dev/full: withFile: resource exhausted (No space left on device)"


def test_typst_command_for_quarto_answers_version_and_compiles_pdf_ua(tmp_path, capsys, monkeypatch):
    import pikepdf

    from verzamelbrief.render import typst_cli

    assert typst_cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith(f"typst {typst_cli.compiler_version()} ")
    source = tmp_path / "doc.typ"
    source.write_text('#set document(title: "Proef")\n#set text(lang: "nl", region: "NL")\n= Kop\nTekst.\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764288000")
    shim = typst_cli.write_shim(tmp_path)  # as Quarto calls it (QUARTO_TYPST)
    for name in ("a.pdf", "b.pdf"):
        proc = subprocess.run([str(shim), "compile", "--root", str(tmp_path), str(source), "--font-path",
                               str(tmp_path), str(tmp_path / name)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    with pikepdf.open(tmp_path / "a.pdf") as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1" and str(pdf.Root.Lang) == "nl-NL"
        assert "/StructTreeRoot" in pdf.Root
    source.write_text('#set document(title: "Proef")\n#set text(lang: "nl")\n#image("x.svg")\n')
    (tmp_path / "x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    proc = subprocess.run([str(shim), "compile", str(source), str(tmp_path / "c.pdf")], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: typst failed on doc.typ: ")


def test_a_killed_lock_holder_leaves_the_lock_held_while_its_build_lives(tmp_path):
    import signal

    lock = tmp_path / "reports" / ".build.lock"
    script = ROOT / "src" / "verzamelbrief" / "buildlock.py"
    log = tmp_path / "log"
    build = f"import time; open({str(log)!r}, 'a').write('orphan start\\n'); time.sleep(3); open({str(log)!r}, 'a').write('orphan end\\n')"
    holder = subprocess.Popen([sys.executable, str(script), str(lock), "--", sys.executable, "-c", build], cwd=tmp_path)
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    holder.send_signal(signal.SIGKILL)  # the wrapper dies; its build (make, in real life) goes on
    holder.wait()
    second = subprocess.run([sys.executable, str(script), str(lock), "--", sys.executable, "-c",
                             f"open({str(log)!r}, 'a').write('second start\\n')"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert second.returncode == 0
    assert "another build is running in this checkout" in second.stderr
    assert log.read_text().splitlines() == ["orphan start", "orphan end", "second start"]


def test_a_killed_kernel_is_one_line_and_keeps_the_failed_copy(tmp_path):
    import nbformat

    root = copy_project(tmp_path / "project")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", id="a"),
                nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", id="b")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "kill.ipynb")
    env = {**project_env(root), "PYTHONPATH": str(root / "src")}
    proc = subprocess.run([PY, "-m", "verzamelbrief.run", "kill.ipynb", str(tmp_path / "out.ipynb"), "-f", os.devnull],
                          cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    # the cell is named when papermill had saved it before the kernel died (a race under load)
    [line] = proc.stderr.splitlines()
    assert re.fullmatch(r"✗ kill\.ipynb: the kernel died( in cell 3)? \(killed, or out of memory\); "
                        r"failed execution saved as reports/_build/failed/out\.ipynb", line), line
    failed = json.loads((root / "reports/_build/failed/out.ipynb").read_text())
    assert "".join(failed["cells"][-1]["source"]).startswith("import os, signal")
    assert not (tmp_path / "out.ipynb").exists()
