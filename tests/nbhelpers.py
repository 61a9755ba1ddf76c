"""Helpers for the notebook tests: execute a notebook with papermill into a temporary
folder and read its labelled outputs back.

A test marked ``@pytest.mark.nbrun(name, **params)`` gets that run through the ``nbrun``
fixture, and one marked ``@pytest.mark.nbcli(name)`` the finished command ``CLI[name]``
(a papermill CLI run, as the README shows it) through the ``nbcli`` fixture. Every such run
of the selected tests starts when collection ends, two at a time in the background
(:func:`start`, :func:`start_cli`), so the kernels run while other tests (and the session
build) do.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import papermill as pm

from conftest import KERNEL, ROOT, copy_project
from verzamelbrief.run import kernel_manager_class

NB = ROOT / "notebooks"


def run(name: str, tmp_path: Path, **params) -> tuple[Path, dict]:
    """Execute notebook ``name`` with ``params``; outputs go to ``tmp_path/processed``."""
    out = tmp_path / "processed"
    executed = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(
        str(NB / f"{name}.ipynb"), str(executed), parameters={"processed_dir": str(out), **params},
        kernel_name=KERNEL, cwd=str(ROOT), progress_bar=False, kernel_manager_class=kernel_manager_class(),
        shutdown_kernel="immediate",  # as the runner does: every output is collected by then
    )
    return out, json.loads(executed.read_text())


_POOL: ThreadPoolExecutor | None = None
_RUNS: dict[tuple, Future] = {}
_FOLDER: Path | None = None


def share(folder: Path, workers: int = 1) -> None:
    """Run the background notebook runs in ``folder``, which every process of the test run
    (``workers`` pytest-xdist workers) shares: each run is done by one of them (``sharedwork``),
    two kernels at a time in all."""
    global _POOL, _FOLDER
    _FOLDER = folder
    _POOL = ThreadPoolExecutor(max_workers=max(1, 2 // workers), thread_name_prefix="nbrun")


def _work(key: tuple) -> Path:
    import hashlib

    return _FOLDER / f"{key[0]}-{hashlib.sha256(repr(key).encode()).hexdigest()[:12]}"


def _once(key: tuple, job, to_json) -> dict | None:
    """Do ``job`` for ``key`` and return what it publishes (``to_json`` of its value), unless
    another process of the run has claimed it (then None)."""
    import sharedwork

    return sharedwork.do(_work(key), lambda folder: job(folder / "run"), to_json)


def _shared(key: tuple, from_json, what: str):
    """The result of ``key``'s run, read back the same way whichever process ran it."""
    published = _RUNS[key].result(timeout=600)
    if published is None:
        import sharedwork

        published = sharedwork.result(_work(key), what, timeout=600)
    return from_json(published)


def start(name: str, **params) -> tuple:
    """Start executing ``name`` with ``params`` in the background (once); return its key."""
    key = (name, json.dumps(params, sort_keys=True))
    if key not in _RUNS:

        def job(folder: Path):
            folder.mkdir(parents=True)
            return run(name, folder, **params)

        _RUNS[key] = _POOL.submit(_once, key, job, lambda value: {"out": str(value[0])})
    return key


def result(name: str, **params) -> tuple[Path, dict]:
    """The outputs folder and executed notebook of a run started by :func:`start`."""
    def from_json(published: dict) -> tuple[Path, dict]:
        out = Path(published["out"])  # run() writes the executed notebook beside it
        return out, json.loads((out.parent / f"{name}.ipynb").read_text(encoding="utf-8"))

    return _shared(start(name, **params), from_json, f"the run of {name} with {params}")


def researcher_argv(folder: Path) -> list[str]:
    """The README's first papermill example, writing into ``folder``."""
    return ["papermill", "09_bib_examenmonitor.ipynb", str(folder / "09.ipynb"), "-k", KERNEL,
            "-p", "pct_decimals", "2", "-p", "fig_format", "png", "-p", "processed_dir", str(folder / "processed")]


def researcher_run(folder: Path) -> dict:
    """The README's papermill example as a researcher runs it: in a checkout of their own
    (a copy), from ``notebooks/``, inside the environment (its ``bin`` first on PATH, no
    ``VERZAMELBRIEF_ROOT``, the checkout's ``src`` importable as its editable install would
    make it), in the project's installed kernel."""
    project = copy_project(folder / "project")
    env = {k: v for k, v in os.environ.items() if k not in ("VERZAMELBRIEF_ROOT", "MAKEFLAGS", "MAKELEVEL")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(project / "src")
    return {"argv": researcher_argv(folder), "cwd": project / "notebooks", "env": env, "project": project, "folder": folder}


def bad_parameter_run(folder: Path) -> dict:
    """The README's refused parameter (the one refusal that starts a kernel)."""
    argv = [sys.executable, "-m", "papermill", "notebooks/09_bib_examenmonitor.ipynb", str(folder / "09.ipynb"),
            "-p", "pct_decimals", "two"]
    return {"argv": argv, "cwd": ROOT, "env": None, "folder": folder}


CLI = {"researcher": researcher_run, "bad_parameter": bad_parameter_run}


def _cli(name: str, folder: Path) -> tuple[subprocess.CompletedProcess, dict]:
    folder.mkdir(parents=True)
    spec = CLI[name](folder)
    proc = subprocess.run(spec["argv"], cwd=spec["cwd"], env=spec["env"], capture_output=True, text=True, timeout=600)
    return proc, spec


def _cli_json(value) -> dict:
    proc, spec = value
    return {"argv": proc.args, "returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
            "paths": {k: str(v) for k, v in spec.items() if isinstance(v, Path)}}


def start_cli(name: str) -> tuple:
    """Start the command ``CLI[name]`` in the background (once); return its key."""
    key = ("cli", name)
    if key not in _RUNS:
        _RUNS[key] = _POOL.submit(_once, key, lambda folder: _cli(name, folder), _cli_json)
    return key


def cli_result(name: str) -> tuple[subprocess.CompletedProcess, dict]:
    """(finished process, the paths in its spec) of a command started by :func:`start_cli`."""
    def from_json(published: dict):
        proc = subprocess.CompletedProcess(published["argv"], published["returncode"], published["stdout"], published["stderr"])
        return proc, {k: Path(v) for k, v in published["paths"].items()}

    return _shared(start_cli(name), from_json, f"the command {name}")


def cell_outputs(nb: dict, label: str) -> list[dict]:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and f"#| label: {label}" in "".join(cell["source"]):
            return cell["outputs"]
    raise AssertionError(f"no cell labelled {label}")


def markdown_of(nb: dict, label: str) -> str:
    parts = [o["data"]["text/markdown"] for o in cell_outputs(nb, label) if "text/markdown" in o.get("data", {})]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def has_image(nb: dict, label: str, mime: str = "image/svg+xml") -> bool:
    return any(mime in o.get("data", {}) for o in cell_outputs(nb, label))


def published(nb: dict) -> dict | None:
    """The herkomst records and uses an executed notebook publishes (its last cell), or None."""
    from verzamelbrief import herkomst

    return next((o["data"][herkomst.MIME] for c in nb["cells"] for o in c.get("outputs", [])
                 if herkomst.MIME in o.get("data", {})), None)


def nb_name(nb: dict) -> str:
    """The notebook an executed notebook was run from (papermill's metadata), without folder and suffix."""
    return Path(nb.get("metadata", {}).get("papermill", {}).get("input_path", "")).stem


def unresolved_records(nb: dict, root: Path = ROOT) -> list[str]:
    """The records an executed notebook publishes (``herkomst.publish``) that do not resolve:
    a use whose text its formatter does not make again from the record's value; a letter
    figure whose raw row (file, line) does not hold its indicator, category, locator and value;
    a computed value whose op does not recompute it from its inputs' values, or whose formula
    does not end in that value. Empty when every record resolves."""
    import csv

    from verzamelbrief import fmt, herkomst

    payload = published(nb)
    if payload is None:
        return ["the notebook publishes no herkomst records"]
    records, bad = payload["records"], []
    for use in payload["uses"]:
        if fmt.reformat(records[use["id"]]["value"], use["formatter"], use["decimals"]) != use["text"]:
            bad.append(f"{use['id']}: {use['text']!r} is not what {use['formatter']} makes of its value")
        if use["execution_count"] is None:
            bad.append(f"{use['id']}: a use outside a cell")
    for rid, rec in records.items():
        if rec["kind"] == "brief":
            rows = list(csv.DictReader((root / rec["file"]).read_text(encoding="utf-8").splitlines()))
            row = rows[rec["line"] - 2] if 2 <= rec["line"] <= len(rows) + 1 else {}
            if ((row.get("indicator"), row.get("category"), row.get("locator")) != (rec["indicator"], rec["category"], rec["locator"])
                    or float(row.get("value", "nan")) != rec["value"]):
                bad.append(f"{rid}: {rec['file']} line {rec['line']} does not hold this figure")
        elif rec["kind"] == "parameter":
            given = nb.get("metadata", {}).get("papermill", {}).get("parameters", {})
            if rec["source"] == "params.yaml" and rec["block"] == nb_name(nb) and given.get(rec["key"], rec["value"]) != rec["value"]:
                bad.append(f"{rid}: parameter {rec['key']} is {given.get(rec['key'])!r} in this run, not {rec['value']!r}")
        else:
            value = herkomst.OPS[rec["op"]](*(records[i]["value"] for i in rec["inputs"]), **rec.get("args", {}))
            if abs(value - rec["value"]) > 1e-12 * max(1, abs(value)):
                bad.append(f"{rid}: {rec['formula']} does not recompute to {rec['value']}")
            if not rec["formula"].endswith("= " + fmt._number(round(rec["value"], 4))):
                bad.append(f"{rid}: the formula {rec['formula']!r} does not end in the value")
    return bad
