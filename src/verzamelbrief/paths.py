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

