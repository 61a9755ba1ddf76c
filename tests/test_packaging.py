"""Packaging: pyproject.toml declares what the package needs at run time and ships its data
files, so a plain, non-editable `pip install .` renders the report with the offline renderer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib

import pytest

from conftest import ROOT, copy_project, pdf_text

PKG = ROOT / "src" / "verzamelbrief"


def test_package_data_matches_the_files():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["verzamelbrief"]
    for pattern in patterns:
        assert list(PKG.glob(pattern)), f"package-data pattern {pattern!r} matches no file"
    shipped = {p for pattern in patterns for p in PKG.glob(pattern)}
    data = {p for p in PKG.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")}
    assert data <= shipped, f"data files left out of the package: {sorted(str(p) for p in data - shipped)}"


def test_dependencies_cover_the_imports():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {d.split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip().lower().replace("_", "-")
                for d in config["project"]["dependencies"]}
    imported = {"babel": "babel", "matplotlib": "matplotlib", "nbformat": "nbformat", "pandas": "pandas",
                "pandera": "pandera", "papermill": "papermill", "pydantic": "pydantic", "pypandoc": "pypandoc-binary",
                "yaml": "pyyaml", "typst": "typst", "jupyter_client": "jupyter-client"}
    source = "\n".join(p.read_text(encoding="utf-8") for p in PKG.rglob("*.py"))
    for module, dist in imported.items():
        if f"import {module}" in source or f"from {module}" in source:
            assert dist in declared, f"{module} is imported but {dist} is not in pyproject.toml's dependencies"
    pinned = {line.split("==")[0].strip().lower().replace("_", "-")
              for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    assert declared <= pinned, f"dependencies without a pin in requirements.txt: {declared - pinned}"


@pytest.mark.slow
def test_non_editable_install_renders_the_report(built_project, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    wheel_src = tmp_path / "src"
    copy_project(wheel_src)
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "requirements.txt"), str(wheel_src)],
        capture_output=True, text=True, timeout=1500,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VERZAMELBRIEF_ROOT")}  # make exports both
    location = subprocess.run([str(py), "-c", "import verzamelbrief, sys; print(verzamelbrief.__file__)"],
                              capture_output=True, text=True, check=True, cwd=tmp_path, env=clean_env).stdout
    assert "site-packages" in location, location

    project = tmp_path / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns("_build", ".git"))
    env = {**os.environ, "VERZAMELBRIEF_ROOT": str(project), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(py), "-m", "verzamelbrief.render", "reports", "--engine", "offline"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = pdf_text(project / "reports" / "_build" / "verzamelbrief.pdf")
    assert "Bijlage: cijfercontrole" in text and "5.816" in text
    assert (project / "reports" / "_build" / "verzamelbrief.html").stat().st_size > 10_000
