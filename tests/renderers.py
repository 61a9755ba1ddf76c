"""The report rendered by each renderer, for the tests that compare and audit them.

``rendered`` copies the session's built project (its notebooks already executed) and
runs ``make report RENDERER=…`` in the copy, once per renderer. A tool the tests need
but the machine lacks (Quarto, Chromium, Java, the npm tools) skips the test on a
developer's machine and fails it in CI (``CI`` set), where ``.ci/run`` installs them.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, copy_built, make

ENGINES = ("offline", "quarto")


def need(ok: bool, what: str) -> None:
    """Skip (or, in CI, fail) when a tool is missing."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is not installed")


def need_npm_tools() -> Path:
    modules = ROOT / "node_modules"
    need(shutil.which("node") is not None and (modules / "axe-core").is_dir() and (modules / "puppeteer-core").is_dir(),
         "node with axe-core and puppeteer-core (npm ci)")
    return modules


def build_copy(built: Path, dest: Path, engine: str) -> Path:
    """A copy of the built project, rendered again with ``engine``."""
    copy_built(built, dest)
    shutil.rmtree(dest / "reports" / "_build", ignore_errors=True)
    proc = make(dest, "report", f"RENDERER={engine}", quarto=engine == "quarto")
    output = proc.stdout + proc.stderr
    assert "WARN" not in output, f"{engine} printed warnings:\n{output[-2000:]}"
    return dest


@pytest.fixture(scope="session", params=["offline", pytest.param("quarto", marks=pytest.mark.slow)])
def rendered(request, built_project) -> tuple[str, Path]:
    """(engine, project copy) with ``reports/_build`` rendered by that engine: once in the
    test run, by whichever of its processes asks first (``sharedwork``)."""
    import sharedwork

    engine = request.param
    if engine == "quarto":
        need(shutil.which("quarto") is not None, "Quarto (../shared/tools/quarto/install, or conda's quarto)")
    work = request.config.shared_folder / f"rendered-{engine}"
    sharedwork.once(work, f"the {engine} render", lambda folder: build_copy(built_project, folder / "project", engine))
    return engine, work / "project"


def html_of(root: Path) -> str:
    return (root / "reports" / "_build" / "verzamelbrief.html").read_text(encoding="utf-8")


def visible_text(html: str) -> str:
    """The HTML's text: no tags, scripts, styles or data URLs; entities decoded; spaces folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))
