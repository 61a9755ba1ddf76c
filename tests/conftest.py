"""Shared fixtures: a temporary copy of the project, and helpers to run its commands.

Tests that build write only into temporary copies (``VERZAMELBRIEF_ROOT`` points the
package there), never into the checkout under test. The whole report is built once per
test session (``built_project``); tests that change a built project work on a copy of
that build (``built_copy``), which is much cheaper than building again.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

# the `rendered` fixture (one build per renderer) lives in tests/renderers.py
pytest_plugins = ["renderers"]

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
#: The report's date as params.yaml writes it (quoted), so the tests that edit it follow a new date.
REPORT_DATE = re.search(r'^  date: "(\d{4}-\d\d-\d\d)"', (ROOT / "params.yaml").read_text(encoding="utf-8"), re.M).group(1)
DATE_LINE = f'date: "{REPORT_DATE}"'

from verzamelbrief.run import skip_slow_imports  # noqa: E402

skip_slow_imports()  # papermill and nbformat load in this process too
KERNEL = "verzamelbrief-inburgering"


def tracked_files(root: Path = ROOT) -> list[str]:
    """What a clone holds: git's tracked (and staged) files, as they are in the working tree."""
    out = subprocess.run(["git", "ls-files", "--cached"], cwd=root, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"git ls-files failed in {root}: {out.stderr.strip()}")
    return [f for f in out.stdout.splitlines() if (root / f).is_file()]


def copy_project(dest: Path, root: Path = ROOT) -> Path:
    """Copy the project's tracked files (what a clone has) to ``dest``."""
    for rel in tracked_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return dest


def project_env(root: Path, quarto: bool = False) -> dict:
    """The environment for commands in a project copy. Without ``quarto``, Quarto is taken
    off PATH, so the build renders with the offline renderer (Quarto renders are slow tests)."""
    env = dict(os.environ)
    env["VERZAMELBRIEF_ROOT"] = str(root)
    if not quarto:
        dirs = env.get("PATH", "").split(os.pathsep)
        env["PATH"] = os.pathsep.join(d for d in dirs if d and not os.access(os.path.join(d, "quarto"), os.X_OK))
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    return env


def make(root: Path, *targets: str, check: bool = True, timeout: int = 900, background=None,
         quarto: bool = False) -> subprocess.CompletedProcess:
    """Run make in a project copy, with this test run's Python environment (or start it,
    writing to the open file ``background``, and return the process). Quarto is used only
    with ``quarto=True`` (see :func:`project_env`)."""
    # The test run's own environment stands in for the copy's: a stamp newer than the
    # copy's requirements, so make never reinstalls (which would repoint the editable
    # install at the temporary copy).
    env_stamp = root / ".env-stamp"
    if not env_stamp.exists():
        env_stamp.touch()
    cmd = ["make", "-C", str(root), *targets, f"PY={PY}", f"ENV={env_stamp}"]
    if background:
        return subprocess.Popen(cmd, stdout=background, stderr=subprocess.STDOUT, env=project_env(root, quarto),
                                start_new_session=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=project_env(root, quarto), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(targets)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def pdf_text(path: Path) -> str:
    """The text of a PDF, via pdftotext when installed, else pypdf: read once per content in the
    whole test run (pypdf takes seconds for the report, which tests in every worker read, and
    the session build's PDF and its offline render are the same bytes)."""
    import hashlib

    import sharedwork

    poppler = bool(shutil.which("pdftotext"))
    key = f"{hashlib.sha256(Path(path).read_bytes()).hexdigest()[:20]}-{'pdftotext' if poppler else 'pypdf'}"
    if key not in _PDF_TEXTS:
        _PDF_TEXTS[key] = sharedwork.once(SHARED["folder"] / "pdf-text" / key, f"the text of {path}",
                                          lambda _folder: _pdf_text(str(path), poppler), lambda text: {"text": text})["text"]
    return _PDF_TEXTS[key]


_PDF_TEXTS: dict[str, str] = {}
#: ``folder``: the folder this test run's processes share (set when pytest starts, ``pytest_configure``)
SHARED: dict[str, Path] = {}


def _pdf_text(path: str, poppler: bool) -> str:
    if poppler:
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    # pypdf gives a hyphen inside a word (AGI-ontheffing) as U+00AD, like a break at a line's
    # end; pdftotext gives '-': within a line it is a hyphen
    return re.sub("\u00ad(?!\\s)", "-", text)


def normalise_spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def flat(text: str) -> str:
    """PDF text as one line: hyphenated line breaks joined, whitespace collapsed."""
    text = re.sub(r"\u00ad\s*", "", normalise_spaces(text))
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh copy of the project's source files."""
    return copy_project(tmp_path / "project")


def git_commit_all(root: Path) -> str:
    """Make ``root`` a git checkout with one commit of everything; return the commit id."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "test build"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def needs_build(item) -> bool:
    return "built_project" in getattr(item, "fixturenames", ())


def waits_for_background(item) -> bool:
    return bool(item.get_closest_marker("nbrun") or item.get_closest_marker("nbcli"))


def pytest_collection_modifyitems(items):
    """The tests that read a background notebook run, and after them those that need the
    session build, run last, so the others run while the kernels and the build work."""
    items.sort(key=lambda item: (needs_build(item), waits_for_background(item)))


def pytest_configure(config):
    """The folder this test run's processes share (``shared_folder``): made by the process
    that pytest started, handed to each pytest-xdist worker (``pytest_configure_node``)."""
    import nbhelpers

    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        config.shared_folder = Path(config.workerinput["verzamelbrief_shared"])
    else:
        import tempfile

        config.shared_folder = Path(tempfile.mkdtemp(prefix="verzamelbrief-tests-"))
    SHARED["folder"] = config.shared_folder
    nbhelpers.share(config.shared_folder / "nbrun", workers=int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(pytest-xdist, in the first process) Tell a worker where the shared folder is."""
    node.workerinput["verzamelbrief_shared"] = str(node.config.shared_folder)


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        shutil.rmtree(config.shared_folder, ignore_errors=True)


def pytest_keyboard_interrupt(excinfo):
    global INTERRUPTED
    INTERRUPTED = True


INTERRUPTED = False


def pytest_collection_finish(session):
    """Start the notebook runs of the selected ``nbrun`` tests in the background."""
    import nbhelpers

    for item in session.items:
        marker = item.get_closest_marker("nbrun")
        if marker:
            nbhelpers.start(*marker.args, **marker.kwargs)
        cli = item.get_closest_marker("nbcli")
        if cli:
            nbhelpers.start_cli(*cli.args)


@pytest.fixture
def nbrun(request) -> tuple[Path, dict]:
    """(processed folder, executed notebook) of the test's ``@pytest.mark.nbrun(name, **params)``."""
    import nbhelpers

    marker = request.node.get_closest_marker("nbrun")
    return nbhelpers.result(*marker.args, **marker.kwargs)


@pytest.fixture
def nbcli(request):
    """(finished process, spec) of the test's ``@pytest.mark.nbcli(name)`` (``nbhelpers.CLI``)."""
    import nbhelpers

    return nbhelpers.cli_result(*request.node.get_closest_marker("nbcli").args)


@pytest.fixture(scope="session", autouse=True)
def session_build(request):
    """Start the session build in the background before the first test, when a selected
    test needs it: make keeps the two cores only partly busy, and the tests before it use one.
    Of the test run's processes (pytest-xdist workers) one builds, in the shared folder; the
    others use that build (``sharedwork``)."""
    if not any(needs_build(item) for item in request.session.items):
        yield None
        return
    import sharedwork

    work = request.config.shared_folder / "session-build"
    root, log = work / "project", work / "make-report.log"
    if not sharedwork.claim(work):
        yield root, None, log  # another process of this run builds it
        return
    copy_project(root)
    (root / ".env-stamp").touch()
    git_commit_all(root)
    with open(log, "wb") as out:
        proc = make(root, "report", background=out)
    publish = threading.Thread(target=lambda: sharedwork.finish(work, {"returncode": proc.wait()}), daemon=True)
    publish.start()
    yield root, proc, log
    if proc.poll() is None and (INTERRUPTED or request.session.shouldstop or request.session.shouldfail):
        os.killpg(proc.pid, signal.SIGTERM)
    publish.join()  # another process of this run may still wait for the build


@pytest.fixture(scope="session")
def built_project(session_build) -> Path:
    """A fresh clone-like git checkout in which ``make report`` has run once (shared by the report tests)."""
    import sharedwork

    root, proc, log = session_build
    if proc is not None:
        returncode = proc.wait(timeout=900)
    else:
        returncode = sharedwork.wait(root.parent, "the session build (make report)")["returncode"]
    if returncode != 0:
        raise AssertionError(f"report failed ({returncode}):\n{log.read_text(encoding='utf-8')[-4000:]}")
    return root


def copy_built(built: Path, dest: Path) -> Path:
    """A copy of a built project, time stamps kept, so make finds it up to date."""
    shutil.copytree(built, dest, symlinks=True)
    return dest


@pytest.fixture
def built_copy(built_project, tmp_path) -> Path:
    """A private copy of the session build, for a test that changes it."""
    return copy_built(built_project, tmp_path / "project")


@pytest.fixture(scope="session")
def built_notebook(built_project):
    """``built_notebook(stem)``: the processed folder and the executed notebook (a dict) of
    the session build, for tests of a notebook's outputs with its default parameters,
    instead of executing it once more. The notebook ran there with its block of
    ``params.yaml``; that block must hold the defaults, which this checks."""

    def load(stem: str) -> tuple[Path, dict]:
        executed = built_project / "reports" / "_executed" / f"{stem}.ipynb"
        nb = json.loads(executed.read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        defaults = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse("".join(cell["source"])).body
                    if isinstance(node, ast.Assign)}
        differ = {k: v for k, v in nb["metadata"]["papermill"]["parameters"].items() if defaults.get(k) != v}
        assert not differ, f"params.yaml sets {differ} for {stem}: the session build does not run it with its defaults"
        return built_project / "data" / "processed", nb

    return load
