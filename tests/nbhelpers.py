"""Helpers for the notebook tests: execute a notebook with papermill into a temporary
folder and read its labelled outputs back.

A test marked ``@pytest.mark.nbrun(name, **params)`` gets that run through the ``nbrun``
fixture. Every such run of the selected tests starts when collection ends, two at a time
in the background (:func:`start`), so the kernels run while other tests (and the session
build) do.
"""

import atexit
import json
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import papermill as pm

from conftest import KERNEL, ROOT
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


_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nbrun")
_RUNS: dict[tuple, Future] = {}
_FOLDER = Path(tempfile.mkdtemp(prefix="verzamelbrief-nbrun-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)


def start(name: str, **params) -> tuple:
    """Start executing ``name`` with ``params`` in the background (once); return its key."""
    key = (name, json.dumps(params, sort_keys=True))
    if key not in _RUNS:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_FOLDER))
        _RUNS[key] = _POOL.submit(run, name, folder, **params)
    return key


def result(name: str, **params) -> tuple[Path, dict]:
    """The outputs folder and executed notebook of a run started by :func:`start`."""
    return _RUNS[start(name, **params)].result(timeout=600)


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
