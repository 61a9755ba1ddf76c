"""Bad input is refused cleanly, outputs are atomic, and failures point at their cause.

Each test works on its own copy of the session build (``built_copy``), runs `make report`
as a user would, and checks the exit status, the message, and that the previous outputs
are unchanged. (That two builds of the same sources are byte-identical is checked in
``test_incremental.py``.)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PY, make, project_env

OUTPUT_GLOBS = ["data/processed/**/*", "reports/_executed/*.ipynb", "reports/_build/*.html", "reports/_build/*.pdf"]


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every generated file (hidden temporary files included, so strays show)."""
    files = {}
    for pattern in OUTPUT_GLOBS:
        for p in root.glob(pattern):
            if p.is_file() and p.name != "README.md":
                files[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    for p in root.rglob(".*.tmp*"):
        files[str(p.relative_to(root))] = "STRAY TEMPORARY FILE"
    return files


@pytest.fixture
def built(built_copy) -> Path:
    return built_copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_raw_data_stops_before_any_notebook(built):
    before = snapshot(built)
    edit(built / "data/raw/09_bib_examenmonitor.csv", "5816", "5816 personen")
    edit(built / "data/raw/10_marktmonitor.csv", "map,2022,12", "map,2022,40")
    proc = make(built, "report", check=False)
    assert proc.returncode != 0
    assert "error: data/raw/09_bib_examenmonitor.csv, row 2, column 'value': not a number: '5816 personen'" in proc.stderr
    assert "error: data/raw/10_marktmonitor.csv, row 8, column 'value': shares of" in proc.stderr
    assert "no notebook was run" in proc.stderr
    assert "running" not in proc.stdout
    assert snapshot(built) == before


def test_bad_and_unknown_parameters_in_params_yaml_stop_their_notebooks(built):
    """The make refusal (the models themselves are tested in-process): a bad value in one
    block and a misspelt name in another; ``make -k`` runs both, each names its parameter."""
    before = snapshot(built)
    edit(built / "params.yaml", "compare_year: 2021", "compare_year: 2019")  # 09_bib_examenmonitor
    edit(built / "params.yaml", "03_leerbaarheidstoets:\n", "03_leerbaarheidstoets:\n  pct_decimal: 1\n")
    proc = make(built, "-k", "report", check=False)
    assert proc.returncode != 0
    assert "ParameterError: 09_bib_examenmonitor: parameter 'compare_year' = 2019" in proc.stderr
    assert "allowed: int >= 2020 <= 2021" in proc.stderr
    assert "unknown parameter 'pct_decimal'" in proc.stderr
    assert snapshot(built) == before


def test_failing_notebook_names_notebook_cell_and_exception(built):
    import nbformat

    before = snapshot(built)
    nb_path = built / "notebooks/09_bib_examenmonitor.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if "write_csv(kerncijfers" in c.source)
    nb.cells.insert(idx, nbformat.v4.new_code_cell('raise RuntimeError("kapot in de berekening")', id="boom"))
    nbformat.write(nb, nb_path)
    proc = make(built, "report", check=False)
    assert proc.returncode != 0
    tail = "\n".join(proc.stderr.strip().splitlines()[-6:])
    assert "notebooks/09_bib_examenmonitor.ipynb: cell" in proc.stderr
    assert "RuntimeError: kapot in de berekening" in tail
    assert "failed execution saved as reports/_build/failed/09_bib_examenmonitor.ipynb" in proc.stderr
    assert (built / "reports/_build/failed/09_bib_examenmonitor.ipynb").exists()
    # the candidates table was written before the failing cell: it must not have landed
    assert snapshot(built) == before


@pytest.mark.slow
def test_sigterm_during_build_keeps_previous_outputs_then_rebuild_completes(built):
    before = snapshot(built)
    (built / "notebooks/09_bib_examenmonitor.ipynb").touch()
    env_stamp = built / ".env-stamp"
    env_stamp.touch(exist_ok=True)
    proc = subprocess.Popen(
        ["make", "-C", str(built), "report", f"PY={PY}", f"ENV={env_stamp}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=project_env(built), start_new_session=True,
    )
    seen = ""
    deadline = time.monotonic() + 120
    while "running" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    time.sleep(1.5)  # inside the notebook: kernel started, cells executing
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert snapshot(built) == before, "an interrupted build changed or half-wrote an output"
    again = make(built, "report")
    assert "running" in again.stdout
    after = snapshot(built)
    assert set(after) == set(before) and "STRAY TEMPORARY FILE" not in after.values()

