"""verzamelbrief.deps: a notebook depends on the package modules it imports, transitively."""

import json
from pathlib import Path

from conftest import ROOT
from verzamelbrief.deps import dependencies, imported_modules, main, make_rules, notebook_source


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notebook(path: Path, *cells: str) -> Path:
    nb = {"cells": [{"cell_type": "code", "source": c.splitlines(keepends=True), "metadata": {}, "outputs": []} for c in cells]
          + [{"cell_type": "markdown", "source": "import verzamelbrief.unused", "metadata": {}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return write(path, json.dumps(nb))


def package(tmp_path: Path) -> Path:
    pkg = tmp_path / "src" / "verzamelbrief"
    write(pkg / "__init__.py", '"""The package."""\n')
    write(pkg / "run.py", "from . import paths\nfrom .outputs import write_text\n")
    write(pkg / "paths.py", "import os\n")
    write(pkg / "outputs.py", "def write_text(): ...\n")
    write(pkg / "a.py", "import json\nfrom . import b\n")
    write(pkg / "b.py", "def helper():\n    from .sub.d import f  # imported lazily, still a dependency\n")
    write(pkg / "sub" / "__init__.py", "")
    write(pkg / "sub" / "d.py", "from ..c import g\n")
    write(pkg / "c.py", "g = 1\n")
    write(pkg / "unused.py", "")
    write(pkg / "colophon.py", "from . import a\n")
    return pkg


def names(files, pkg) -> set[str]:
    return {f.relative_to(pkg).as_posix() for f in files}


def test_imports_are_followed_through_the_package(tmp_path):
    pkg = package(tmp_path)
    nb = notebook(tmp_path / "nb.ipynb", "%matplotlib inline\nimport pandas as pd\nfrom verzamelbrief import a", "x = 1")
    deps = dependencies(imported_modules(notebook_source(nb)), pkg)
    assert names(deps, pkg) == {"__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/d.py", "c.py"}


def test_a_notebook_depends_on_the_runner_but_not_on_modules_it_does_not_reach(tmp_path):
    pkg = package(tmp_path)
    nb = notebook(tmp_path / "notebooks" / "01_x.ipynb", "from verzamelbrief.c import g")
    rules = make_rules([nb], pkg, "reports/_executed").splitlines()
    target, prerequisites = rules[0].split(": ")
    assert target == "reports/_executed/01_x.ipynb"
    assert names([Path(p) for p in prerequisites.split()], pkg) == {"__init__.py", "run.py", "paths.py", "outputs.py", "c.py"}
    assert f"{(pkg / 'c.py').as_posix()}:" in rules, "an empty rule per module, so a deleted module does not stop make"


def test_a_new_module_is_found_without_configuration(tmp_path):
    pkg = package(tmp_path)
    nb = notebook(tmp_path / "nb.ipynb", "from verzamelbrief import c")
    assert "new.py" not in names(dependencies(imported_modules(notebook_source(nb)), pkg), pkg)
    write(pkg / "new.py", "")
    write(pkg / "c.py", "from .new import thing\n")
    assert "new.py" in names(dependencies(imported_modules(notebook_source(nb)), pkg), pkg)


def test_the_project_notebooks(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))) == 0
    rules = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines() if ": " in line)
    assert len(rules) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    for target, prerequisites in rules.items():
        assert "src/verzamelbrief/run.py" in prerequisites.split(), target
        assert "src/verzamelbrief/provenance.py" not in prerequisites.split(), target
    assert "src/verzamelbrief/checks.py" in rules["reports/_executed/11_cijfercontrole.ipynb"].split()
    assert "src/verzamelbrief/checks.py" not in rules["reports/_executed/09_bib_examenmonitor.ipynb"].split()


def test_a_notebook_that_is_not_python_is_one_clear_line(tmp_path, capsys):
    nb = notebook(tmp_path / "broken.ipynb", "def f(:\n")
    assert main([str(nb), "--package", str(package(tmp_path))]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {nb}: cannot read its imports"), err


def test_the_makefile_and_the_colophon_count_the_same_untracked_files_as_inputs():
    """The Makefile's UNTRACKED_INPUTS (the build's rerun state) and provenance.UNTRACKED_INPUTS
    (the colophon's 'dirty') are one list written twice: this keeps them equal."""
    import re

    from verzamelbrief.provenance import UNTRACKED_INPUTS

    line = re.search(r"^UNTRACKED_INPUTS := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert line, "Makefile: no UNTRACKED_INPUTS line"
    assert tuple(line.group(1).split()) == UNTRACKED_INPUTS
