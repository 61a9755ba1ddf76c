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

from conftest import DATE_LINE, PY, make, project_env

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


@pytest.mark.slow  # two notebook kernels through make; the models are checked in-process
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


@pytest.mark.slow  # a failing notebook through make and papermill
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



# ---------------------------------------------------------------- third round (issue 19)

def run_make(root: Path, *args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """make in ``root`` with paths given relative to it (a folder name with spaces stays one word)."""
    (root / ".env-stamp").touch(exist_ok=True)
    return subprocess.run(["make", *args, f"PY={PY}", "ENV=.env-stamp"], cwd=root, capture_output=True, text=True,
                          env=env or project_env(root), timeout=900, **kwargs)


@pytest.mark.slow
def test_a_checkout_path_with_spaces_quotes_and_non_ascii_builds_in_the_posix_locale(built, tmp_path):
    import shutil

    odd = tmp_path / "map met spatie ë '$(touch GEKRAAKT)' `touch GEKRAAKT2`" / "project"
    odd.parent.mkdir()
    shutil.move(str(built), str(odd))
    before = snapshot(odd)
    edit(odd / "data/raw/09_bib_examenmonitor.csv", "candidates,total,2021,6693", "candidates,total,2021,6694")
    env = {**project_env(odd), "LC_ALL": "POSIX", "LANG": "POSIX"}
    proc = run_make(odd, "report", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "▶ 09_bib_examenmonitor: running" in proc.stdout and "✓ report:" in proc.stdout
    assert not list(tmp_path.rglob("GEKRAAKT*")) and not (odd / "GEKRAAKT").exists(), "a folder name ran a command"
    after = snapshot(odd)
    assert after["data/processed/09_bib_kandidaten.csv"] != before["data/processed/09_bib_kandidaten.csv"]


@pytest.mark.slow
def test_the_readmes_runner_example_leaves_the_build_alone_and_make_notices_a_run_that_did_not(built, tmp_path):
    before = snapshot(built)
    env = {**project_env(built), "PYTHONPATH": str(built / "src")}  # as make sets it
    proc = subprocess.run([PY, "-m", "verzamelbrief.run", "notebooks/09_bib_examenmonitor.ipynb", str(tmp_path / "x.ipynb"),
                           "-p", "pct_decimals", "2"], cwd=built, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(built) == before, "a run with other parameters rewrote the build's outputs"
    assert (tmp_path / "x_processed" / "09_bib_kandidaten.csv").exists()
    # asked for explicitly: into the project's data/processed, as the papermill CLI's defaults do
    proc = subprocess.run([PY, "-m", "verzamelbrief.run", "notebooks/09_bib_examenmonitor.ipynb", str(tmp_path / "y.ipynb"),
                           "-p", "pct_decimals", "2", "-p", "processed_dir", "data/processed"],
                          cwd=built, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(built) != before
    proc = make(built, "report")
    assert "reports/_executed/09_bib_examenmonitor.ipynb: data/processed/" in proc.stderr
    assert "changed since it ran (another run wrote there?); it runs again" in proc.stderr
    assert "▶ 09_bib_examenmonitor: running" in proc.stdout
    assert snapshot(built) == before, "make did not bring the build's outputs back in line with params.yaml"


REFUSED_19 = [
    ("params.yaml", "07_aow_leeftijd:\n", "07_aow_leeftijd:\n  processed_dir: data/raw\n",
     "error: params.yaml: 07_aow_leeftijd.processed_dir = 'data/raw': the build reads data/raw and writes data/processed"),
    ("params.yaml", "09_bib_examenmonitor:\n", "09_bib_examenmonitor:\n  raw_dir: /tmp\n",
     "error: params.yaml: 09_bib_examenmonitor.raw_dir = '/tmp': the build reads data/raw and writes data/processed"),
    ("params.yaml", DATE_LINE, "date: 2026-02-30",
     "error: params.yaml: report.date = '2026-02-30': not a date written as YYYY-MM-DD"),
    ("params.yaml", "  base_year: 2020\n", "  base_year: 2020-01-01\n",
     "ParameterError: 09_bib_examenmonitor: parameter 'base_year' = '2020-01-01': Input should be a valid integer"),
    ("params.yaml", "  compare_year: 2021\n", "  compare_year: 2021\n  compare_year: 2020\n",
     "error: params.yaml, line "),
    ("data/raw/09_bib_examenmonitor.csv", "2020,5816", "2020,5.816.000",
     "error: data/raw/09_bib_examenmonitor.csv, row 2, column 'value': not a number: '5.816.000'"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, old, new, expected", REFUSED_19, ids=["processed_dir raw", "raw_dir elsewhere",
                         "impossible date", "date for a year", "duplicate key", "thousands separators"])
def test_refused_in_one_line_with_raw_data_and_report_intact(built, name, old, new, expected):
    raw_before = {p.name: p.read_bytes() for p in (built / "data/raw").iterdir()}
    before = snapshot(built)
    edit(built / name, old, new)
    if name.startswith("data/raw"):
        raw_before[Path(name).name] = (built / name).read_bytes()
    proc = make(built, "report", check=False)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if expected.split(":")[0] in line and not line.startswith("make")]
    assert len(lines) == 1 and expected in lines[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert snapshot(built) == before
    assert {p.name: p.read_bytes() for p in (built / "data/raw").iterdir()} == raw_before


def test_unwritable_report_folder_is_one_line_and_keeps_the_report(built):
    """A read-only reports/_build (simulated when the tests run as root, whom permissions do not stop)."""
    before = snapshot(built)
    (built / "reports/verzamelbrief.qmd").touch()
    build = built / "reports" / "_build"
    hook = built / "readonly.py"
    hook.write_text(
        "import errno, os, sys, tempfile\n"
        f"build = {str(build)!r}\n"
        "real = tempfile.mkstemp\n"
        "def mkstemp(*a, dir=None, **k):\n"
        "    if dir is not None and os.path.abspath(str(dir)).startswith(build):\n"
        "        raise PermissionError(errno.EACCES, 'Permission denied', str(dir))\n"
        "    return real(*a, dir=dir, **k)\n"
        "tempfile.mkstemp = mkstemp\n"
        "from verzamelbrief.render.__main__ import main\n"
        "sys.exit(main(['reports', '--engine', 'offline']))\n")
    if os.geteuid() != 0:
        build.chmod(0o555)
    try:
        proc = subprocess.run([PY, str(hook)], cwd=built, capture_output=True, text=True, env=project_env(built), timeout=300)
    finally:
        build.chmod(0o755)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["✗ report: reports/_build: cannot write: Permission denied; "
                                        "previous HTML and PDF left as they were"]
    assert snapshot(built) == before


@pytest.mark.slow
def test_sigkill_of_the_lock_holder_keeps_the_lock_until_its_build_ends(built):
    before = snapshot(built)
    (built / "notebooks/09_bib_examenmonitor.ipynb").touch()
    (built / ".env-stamp").touch(exist_ok=True)
    first = subprocess.Popen(["make", "report", f"PY={PY}", "ENV=.env-stamp"], cwd=built, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=project_env(built), start_new_session=True)
    seen = ""
    deadline = time.monotonic() + 120
    while "▶ 09_bib_examenmonitor: running" not in seen and time.monotonic() < deadline:
        seen += first.stdout.readline()
    holder = int((built / "reports/.build.lock").read_text().strip())
    os.kill(holder, signal.SIGKILL)  # the wrapper that took the lock; make and the notebook go on
    second = make(built, "report")
    first.wait(timeout=300)
    seen += first.stdout.read()
    assert "another build is running in this checkout" in second.stderr
    assert "▶ 09_bib_examenmonitor: running" not in second.stdout, "the second build ran beside the first"
    assert "✓ 09_bib_examenmonitor: done" in seen and "✓ report:" in seen
    assert snapshot(built) == before
