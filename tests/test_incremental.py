"""Make reruns exactly what a change affects.

Each test changes a private copy of the session build (``built_copy``) and asks make what
``make report`` would remake (``make -n --debug=b``), without building. Four stamps are
rewritten only when their content changes, which ``make -n`` cannot foresee: the
per-notebook parameter files split from ``params.yaml``, the git state, the list of raw
files and the renderer. ``plan`` runs those cheap steps for real and then leaves them out
of the question (``-o``).

One test rebuilds for real, and checks that the rebuilt outputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import pytest

from conftest import make

TARGET = "09_bib_examenmonitor"
RAW = f"data/raw/{TARGET}.csv"
SPLIT = "reports/_executed/params/.split"
GIT_STATE = "reports/_executed/.git-state"
STAMPS = (SPLIT, GIT_STATE, "reports/_executed/.raw-files", "reports/_executed/.renderer", "reports/_executed/.notebooks")
PKG = "src/verzamelbrief"


def notebooks(root: Path) -> set[str]:
    return {p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}


def plan(root: Path) -> tuple[set[str], bool]:
    """The notebooks ``make report`` would run in ``root``, and whether it would render."""
    make(root, *STAMPS)
    # -o does not reach a sub-make, so the dry run skips the lock wrapper's (it writes nothing)
    out = make(root, "-n", "--debug=b", *(arg for stamp in STAMPS for arg in ("-o", stamp)), "report",
               f"VERZAMELBRIEF_BUILD_LOCKED={root.resolve()}").stdout
    targets = set(re.findall(r"Must remake target [`']([^']+)'", out))
    ran = {Path(t).stem for t in targets if re.fullmatch(r"reports/_executed/[^/]+\.ipynb", t)}
    return ran, any(t.startswith("reports/_build/") for t in targets)


def touch(path: Path) -> None:
    later = time.time() + 1  # newer than anything the build wrote, even on coarse clocks
    os.utime(path, (later, later))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    touch(path)


def test_an_up_to_date_build_plans_nothing(built_copy):
    assert plan(built_copy) == (set(), False)


def test_a_raw_file_reruns_its_notebook_and_the_checks(built_copy):
    touch(built_copy / RAW)
    assert plan(built_copy) == ({TARGET, "11_cijfercontrole"}, True)


def test_one_parameter_reruns_only_its_notebook(built_copy):
    params = built_copy / "params.yaml"
    block = re.search(rf"^{TARGET}:\n((?:[ \t].*\n)+)", params.read_text(encoding="utf-8"), flags=re.MULTILINE).group(0)
    assert "  pct_decimals: 1\n" in block
    edit(params, block, block.replace("  pct_decimals: 1\n", "  pct_decimals: 2\n"))
    assert plan(built_copy) == ({TARGET}, True)


def test_report_text_only_renders(built_copy):
    edit(built_copy / "reports/verzamelbrief.qmd", "\n", "\n<!-- changed -->\n")
    assert plan(built_copy) == (set(), True)


def test_a_module_no_notebook_imports_reruns_no_notebook(built_copy):
    touch(built_copy / PKG / "provenance.py")  # the colophon: used by the render only
    assert plan(built_copy)[0] == set()


def test_a_module_reruns_only_the_notebooks_that_import_it(built_copy):
    touch(built_copy / PKG / "checks.py")
    ran, _ = plan(built_copy)
    assert "11_cijfercontrole" in ran and TARGET not in ran, ran


def test_the_package_and_the_runner_rerun_every_notebook(built_copy):
    for module in ("__init__.py", "run.py"):
        touch(built_copy / PKG / module)
        assert plan(built_copy) == (notebooks(built_copy), True), module


def test_a_new_module_is_found_through_the_module_that_imports_it(built_copy):
    checks = built_copy / PKG / "checks.py"
    stat = checks.stat()
    checks.write_text(checks.read_text(encoding="utf-8") + "\nfrom . import extra_helpers  # noqa: E402\n", encoding="utf-8")
    os.utime(checks, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as old as the build: only the new module is news
    (built_copy / PKG / "extra_helpers.py").write_text("X = 1\n", encoding="utf-8")
    touch(built_copy / PKG / "extra_helpers.py")
    ran, _ = plan(built_copy)
    assert "11_cijfercontrole" in ran and TARGET not in ran, ran


def outputs(root: Path) -> dict[str, str]:
    files = [p for pattern in ("data/processed/**/*", "reports/_executed/*.ipynb", "reports/_build/*.html",
                               "reports/_build/*.pdf") for p in root.glob(pattern) if p.is_file()]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.slow  # a real rebuild of three notebooks; the plan itself is checked fast above
def test_a_real_partial_rebuild_runs_what_was_planned_with_identical_outputs(built_copy, built_project):
    touch(built_copy / RAW)
    time.sleep(1.2)  # touch() dates the file 1 s ahead: a build within that second leaves stamps older than it
    out = make(built_copy, "report").stdout
    assert set(re.findall(r"^▶ (\S+): running\s*$", out, flags=re.MULTILINE)) == {TARGET, "11_cijfercontrole"}, out
    assert re.search(r"^▶ report: (rendering|quarto render)", out, flags=re.MULTILINE), out
    before, after = outputs(built_project), outputs(built_copy)
    assert any(name.endswith(".pdf") for name in after)
    assert after == before, [name for name in after if after[name] != before.get(name)]
    again = make(built_copy, "report").stdout
    assert "running" not in again and "rendering" not in again, again
    why = make(built_copy, "why").stdout  # the build log says why they ran
    assert "ran 4 step(s):" in why and f"  notebook {TARGET}: changed: {RAW};" in why, why


@pytest.mark.slow
def test_a_clean_rebuild_elsewhere_is_byte_identical(built_copy, built_project):
    """Every output, rebuilt from nothing in another folder, equals the session build's."""
    make(built_copy, "clean")
    assert not (built_copy / "reports/_build/verzamelbrief.pdf").exists()
    make(built_copy, "report")
    before, after = outputs(built_project), outputs(built_copy)
    assert any(name.endswith(".svg") for name in after)
    assert after == before, [name for name in after if after[name] != before.get(name)]
