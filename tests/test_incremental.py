"""Make reruns exactly what a change affects, and the pure helpers of ``scripts/bench.py``.

The incremental tests share one built copy of the project (module scope). Each test
changes one thing, runs ``make report`` and checks which notebooks ran (their
``▶ <stem>: running`` lines) and whether the report was rendered; afterwards the change
is undone and the copy rebuilt, so the tests do not depend on their order.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import re
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, make

TARGET = "09_bib_examenmonitor"
RAW = f"data/raw/{TARGET}.csv"


def notebooks(root: Path) -> set[str]:
    return {p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}


def provenance(root: Path) -> set[str]:
    """The provenance notebook, while the project has one (it read every raw file and
    parameter block; the colophon has since moved into the render)."""
    return {"99_herkomst"} & notebooks(root)


def running(stdout: str) -> set[str]:
    return set(re.findall(r"^▶ (\S+): running\s*$", stdout, flags=re.MULTILINE))


def rendering(stdout: str) -> bool:
    return re.search(r"^▶ report: (rendering|quarto render)", stdout, flags=re.MULTILINE) is not None


def touch(path: Path) -> None:
    now = time.time()
    os.utime(path, (now, now))


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("incremental") / "project")
    make(root, "report")
    return root


@pytest.fixture
def built(built_once) -> Path:
    """The shared built copy, up to date."""
    return built_once


@pytest.fixture
def edit(built_once):
    """Replace text in a file of the built copy; afterwards the file is restored and the copy rebuilt."""
    saved: dict[Path, bytes] = {}

    def replace(rel: str, old: str, new: str) -> Path:
        path = built_once / rel
        data = path.read_bytes()
        saved.setdefault(path, data)
        text = data.decode("utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        touch(path)
        return path

    yield replace
    changed = False
    for path, data in saved.items():
        if path.read_bytes() != data:
            path.write_bytes(data)
            touch(path)
            changed = True
    if changed:
        make(built_once, "report")


def test_noop_build_runs_nothing(built):
    out = make(built, "report").stdout
    assert not running(out), out
    assert not rendering(out), out
    assert "running" not in out and "rendering" not in out, out


def test_touching_a_raw_file_reruns_its_notebook_and_the_checks(built):
    touch(built / RAW)
    out = make(built, "report").stdout
    assert running(out) == {TARGET, "11_cijfercontrole"} | provenance(built), out
    assert rendering(out), out
    assert make(built, "report").stdout.count("running") == 0


def test_changing_one_parameter_reruns_only_its_notebook(built, edit):
    text = (built / "params.yaml").read_text(encoding="utf-8")
    block = re.search(rf"^{TARGET}:\n((?:[ \t].*\n)+)", text, flags=re.MULTILINE).group(0)
    assert "  pct_decimals: 1\n" in block
    edit("params.yaml", block, block.replace("  pct_decimals: 1\n", "  pct_decimals: 2\n"))
    out = make(built, "report").stdout
    assert running(out) == {TARGET} | provenance(built), out
    assert rendering(out), out


def test_changing_report_text_only_renders(built, edit):
    qmd = "reports/verzamelbrief.qmd"
    text = (built / qmd).read_text(encoding="utf-8")
    edit(qmd, text, text + "\n<!-- bench -->\n")
    out = make(built, "report").stdout
    assert running(out) == set(), out
    assert rendering(out), out


def test_touching_the_shared_package_reruns_every_notebook(built):
    touch(built / "src/verzamelbrief/fmt.py")
    out = make(built, "report").stdout
    assert running(out) == notebooks(built), out
    assert rendering(out), out


# ---------------------------------------------------------------- scripts/bench.py helpers


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("verzamelbrief_bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_summarise_gives_median_and_range(bench):
    s = bench.summarise([3.0, 1.0, 2.0])
    assert (s["n"], s["median"], s["min"], s["max"]) == (3, 2.0, 1.0, 3.0)
    assert s["samples"] == [3.0, 1.0, 2.0]
    assert bench.summarise([4, 1, 2, 10])["median"] == 3.0
    assert bench.summarise([5.5])["median"] == 5.5
    with pytest.raises(ValueError):
        bench.summarise([])


def test_parser_finds_the_notebooks_that_ran(bench):
    out = (
        "data/raw: all files valid\n"
        "▶ 11_cijfercontrole: running\n"
        "▶ 09_bib_examenmonitor: running\n"
        "✓ 11_cijfercontrole: done in 5.6 s → reports/_executed/11_cijfercontrole.ipynb\n"
        "✓ 09_bib_examenmonitor: done in 6.2 s → reports/_executed/09_bib_examenmonitor.ipynb\n"
        "▶ 99_herkomst: running\n"
        "✓ 99_herkomst: done in 3.5 s → reports/_executed/99_herkomst.ipynb\n"
        "▶ report: rendering reports (offline renderer: pandoc + typst)\n"
        "  html: pandoc → reports/_build/verzamelbrief.html\n"
    )
    assert bench.ran_notebooks(out) == ["11_cijfercontrole", "09_bib_examenmonitor", "99_herkomst"]
    assert bench.rendered(out)
    parsed = bench.parse_build(out)
    assert parsed["validated"] and parsed["notebook_seconds"] == {
        "11_cijfercontrole": 5.6, "09_bib_examenmonitor": 6.2, "99_herkomst": 3.5}
    assert bench.ran_notebooks("") == [] and not bench.rendered("")
    # a report line is not a notebook; a failure line is not a run
    assert bench.ran_notebooks("▶ report: quarto render reports\n✗ 09_x: interrupted\n") == []
    assert bench.rendered("▶ report: quarto render reports\n")


def test_verdicts_compare_ratios_of_medians_with_the_limits(bench):
    medians = {"noop": 0.5, "cold_parallel": 50.0, "nbconvert_baseline": 100.0,
               "raw_change": 26.0, "reference_09_render": 20.0}
    v = {t["name"]: t for t in bench.verdicts(medians)}
    assert v["noop_vs_cold_parallel"]["ratio"] == pytest.approx(0.01) and v["noop_vs_cold_parallel"]["met"]
    assert v["cold_parallel_vs_nbconvert"]["ratio"] == pytest.approx(0.5) and v["cold_parallel_vs_nbconvert"]["met"]
    # exactly on the limit counts as met
    assert v["raw_change_vs_reference"]["ratio"] == pytest.approx(1.3) and v["raw_change_vs_reference"]["met"]
    missed = {t["name"]: t for t in bench.verdicts({**medians, "noop": 2.0, "raw_change": 30.0})}
    assert missed["noop_vs_cold_parallel"]["met"] is False
    assert missed["raw_change_vs_reference"]["margin"] == pytest.approx(1.5 / 1.3 - 1)
    assert "MISSED" in bench.verdict_text(missed["raw_change_vs_reference"])
    unmeasured = {t["name"]: t for t in bench.verdicts({"noop": 1.0})}
    assert unmeasured["noop_vs_cold_parallel"]["met"] is None
    assert bench.verdict_text(unmeasured["noop_vs_cold_parallel"]) == "not measured"


def test_bench_edits_keep_the_sources_valid_and_undo_cleanly(bench):
    raw = (ROOT / RAW).read_text(encoding="utf-8")
    variant = bench.csv_variant(raw)
    assert variant != raw and bench.csv_variant(variant) == raw
    assert list(csv.reader(io.StringIO(variant))) == list(csv.reader(io.StringIO(raw)))

    params = (ROOT / "params.yaml").read_text(encoding="utf-8")
    current = bench.get_block_param(params, TARGET, "pct_decimals")
    changed = bench.set_block_param(params, TARGET, "pct_decimals", 3 - current if current in (1, 2) else 1)
    import yaml

    before, after = yaml.safe_load(params), yaml.safe_load(changed)
    assert after[TARGET]["pct_decimals"] != before[TARGET]["pct_decimals"]
    after[TARGET]["pct_decimals"] = before[TARGET]["pct_decimals"]
    assert after == before, "only the 09 block's pct_decimals changes"
    with pytest.raises(ValueError):
        bench.set_block_param(params, TARGET, "no_such_parameter", 1)

    text = "# Verslag\n\nTekst.\n"
    added = bench.toggle_comment(text)
    assert added.endswith("<!-- bench -->\n") and bench.toggle_comment(added) == text


def test_bench_expects_what_the_incremental_tests_check(bench):
    now = bench.expected_runs(notebooks(ROOT))
    assert now["noop"] == ([], False) and now["qmd_change"] == ([], True)
    assert set(now["raw_change"][0]) == {TARGET, "11_cijfercontrole"} | provenance(ROOT)
    assert set(now["param_change"][0]) == {TARGET} | provenance(ROOT)
    older = bench.expected_runs({TARGET, "11_cijfercontrole", "99_herkomst"})
    assert older["raw_change"][0] == sorted([TARGET, "11_cijfercontrole", "99_herkomst"])
    assert older["param_change"][0] == sorted([TARGET, "99_herkomst"])


def test_bench_table_is_aligned(bench):
    table = bench.format_table(["a", "bb"], [["xxx", "1"], ["y", "22"]]).splitlines()
    assert len(table) == 4
    assert table[0].startswith("a    bb") and table[2].startswith("xxx  1")
    assert bench.fmt_seconds(0.0123) == "0.012 s" and bench.fmt_seconds(58.24) == "58.2 s"
    assert bench.fmt_range({"min": 1.234, "max": 12.34}) == "1.23–12.3 s"
