"""Project folders as ``pathlib`` constants.

The root is found from this file's location in a source checkout (``src/verzamelbrief``)
and can be overridden with the environment variable ``VERZAMELBRIEF_ROOT``, which the
tests use to build in a temporary copy.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("VERZAMELBRIEF_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = project_root()
DATA_RAW = ROOT / "data" / "raw"
DATA_PROCESSED = ROOT / "data" / "processed"
FIGURES = DATA_PROCESSED / "figures"
CATALOGUE = DATA_RAW / "catalogue.yaml"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
EXECUTED = REPORTS / "_executed"
BUILD = REPORTS / "_build"
PARAMS = ROOT / "params.yaml"


def relative(path: Path | str) -> str:
    """Return ``path`` relative to the project root when it lies inside it."""
    p = Path(path).resolve()
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def tracked_files(root: Path | None = None) -> list[str]:
    """What a clone holds: git's tracked (and staged) files, as they are in the working tree."""
    import subprocess

    root = Path(root or ROOT)
    out = subprocess.run(["git", "ls-files", "--cached"], cwd=root, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"git ls-files failed in {root}: {out.stderr.strip()}")
    return [f for f in out.stdout.splitlines() if (root / f).is_file()]


def copy_project(dest: Path, root: Path | None = None) -> Path:
    """Copy the project's tracked files to ``dest`` (for tests and benchmarks that build)."""
    import shutil

    root = Path(root or ROOT)
    for rel in tracked_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return dest
