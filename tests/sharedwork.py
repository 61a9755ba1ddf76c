"""Work done once for all the processes of one test run (``make test`` runs the tests in
pytest-xdist workers): the session build, the background notebook runs.

Each piece of work has a folder under the run's shared folder. The first process to
:func:`claim` it (an exclusive create, so exactly one wins) does the work and :func:`finish`
writes its result there; the others :func:`wait` for that result. A process that ends
without a result fails the waiting test with one line, instead of leaving it waiting.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RESULT = "result.json"


def claim(folder: Path) -> bool:
    """True for the one process that gets to do the work of ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder / "claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as out:
        out.write(str(os.getpid()))
    return True


def finish(folder: Path, result: dict) -> None:
    """Publish ``result`` (JSON) for the processes waiting on ``folder``: written whole, then renamed."""
    tmp = folder / f".{RESULT}.{os.getpid()}"
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, folder / RESULT)


def _alive(folder: Path) -> bool:
    try:
        pid = int((folder / "claim").read_text() or 0)
    except (OSError, ValueError):
        return True  # being written
    if not pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait(folder: Path, what: str, timeout: float = 900) -> dict:
    """The result another process publishes for ``folder`` (``what`` names the work in messages)."""
    deadline = time.monotonic() + timeout
    result = folder / RESULT
    while not result.exists():
        if not _alive(folder) and not result.exists():
            raise AssertionError(f"{what}: the test process that ran it ended without a result")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: no result after {timeout:.0f} s")
        time.sleep(0.1)
    return json.loads(result.read_text(encoding="utf-8"))


def do(folder: Path, job, to_json=lambda value: {}) -> dict | None:
    """Do ``job(folder)`` when this process claims ``folder``, and publish what ``to_json``
    makes of its value (or the error, for :func:`result` to raise); return what it published,
    or None when another process has the work."""
    import traceback

    if not claim(folder):
        return None
    try:
        published = to_json(job(folder))
    except BaseException:
        finish(folder, {"error": traceback.format_exc()})
        raise
    finish(folder, published)
    return published


def result(folder: Path, what: str, timeout: float = 900) -> dict:
    """What the process that did ``folder``'s work published; its error, raised here."""
    published = wait(folder, what, timeout)
    if "error" in published:
        raise AssertionError(f"{what} failed in another test process:\n{published['error']}")
    return published


def once(folder: Path, what: str, job, to_json=lambda value: {}) -> dict:
    """What ``job`` publishes for ``folder``: done here (:func:`do`), or by another process,
    waited for (:func:`result`)."""
    published = do(folder, job, to_json)
    return published if published is not None else result(folder, what)
