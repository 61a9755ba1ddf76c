"""JupyterLab in the project environment: `make lab` and the project's kernel.

No lab server is started here: the test runs the README's papermill example in the
installed kernel from `notebooks/` (what a researcher does in the lab), and checks that
JupyterLab is installed in this environment, sees that kernel, and that `make lab` starts it
in `notebooks/` with that kernel.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KERNEL, ROOT
from nbhelpers import markdown_of, researcher_argv


@pytest.mark.nbcli("researcher")
def test_a_notebook_runs_in_the_project_kernel_from_notebooks(nbcli):
    proc, spec = nbcli
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = json.loads((spec["folder"] / "09.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL
    assert nb["metadata"]["papermill"]["parameters"]["pct_decimals"] == 2
    assert "15,08\u00a0%" in markdown_of(nb, "bib-kernpunten")  # the parameter reached the kernel
    assert (spec["folder"] / "processed" / "09_bib_kerncijfers.csv").is_file()
    assert not list((spec["project"] / "data" / "processed").glob("09_*")), "wrote into the checkout's data/processed"


def test_the_run_is_the_readmes_command():
    """The command above is the README's first papermill example, output paths aside."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = next(
        line.split() for line in readme.splitlines() if line.startswith("papermill ") and "processed_dir" in line
    )
    argv = researcher_argv(Path("/tmp"))
    assert len(shown) == len(argv)
    assert [a for a, b in zip(shown, argv) if not b.startswith("/tmp")] == [b for b in argv if not b.startswith("/tmp")]


def test_jupyterlab_is_installed_and_sees_the_project_kernel():
    """JupyterLab is installed at its pin, and finds the project kernel as `jupyter kernelspec
    list` does (in-process: the CLIs load jupyter_server, seconds for what metadata answers)."""
    from importlib.metadata import version
    from importlib.util import find_spec

    from jupyter_client.kernelspec import KernelSpecManager

    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    assert find_spec("jupyterlab") is not None and version("jupyterlab") == pins["jupyterlab"]
    specs = KernelSpecManager().get_all_specs()
    assert KERNEL in specs, f"kernel {KERNEL} not installed in this environment (make env installs it)"
    argv0 = specs[KERNEL]["spec"]["argv"][0]
    assert Path(argv0).resolve() == Path(sys.executable).resolve(), f"the kernel runs {argv0}, not this environment"


def test_make_lab_starts_jupyterlab_in_notebooks_with_the_kernel():
    out = subprocess.run(
        ["make", "-n", "lab", f"PY={sys.executable}", f"ENV={ROOT / 'Makefile'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        f"{sys.executable} -m jupyter lab --notebook-dir=notebooks --MultiKernelManager.default_kernel_name={KERNEL}"
        in out
    )
