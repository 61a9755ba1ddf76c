"""Project folders as ``pathlib`` constants.

The root is the checkout a command works on, never simply where the package was
installed from (a copied checkout's editable install still points at the original):

1. the environment variable ``VERZAMELBRIEF_ROOT`` (``make`` sets it to the folder it runs
   in; the tests point it at a temporary copy);
2. otherwise the nearest folder, from the current directory upwards, that holds
   ``params.yaml`` and ``data/raw/catalogue.yaml``;
3. otherwise the checkout this file lies in.
"""

from __future__ import annotations

import os
from pathlib import Path


def _is_root(folder: Path) -> bool:
    return (folder / "params.yaml").is_file() and (folder / "data" / "raw" / "catalogue.yaml").is_file()


def project_root() -> Path:
    env = os.environ.get("VERZAMELBRIEF_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_root(folder):
            return folder
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


def foreign_package() -> str | None:
    """A one-line error when the package is imported from another checkout than :data:`ROOT`.

    That happens in a copied checkout whose ``.venv`` was copied along: its editable
    install still points at the original's ``src``. ``make`` avoids it by putting this
    checkout's ``src`` first on ``PYTHONPATH``.
    """
    package = Path(__file__).resolve().parent
    own = ROOT / "src" / "verzamelbrief"
    if own.is_dir() and package != own.resolve():
        return (
            f"error: {ROOT} runs the package from {package.parent}, another checkout "
            f"(a .venv copied along?); run it through make, or recreate the environment: rm -rf .venv && make env"
        )
    return None


# ---------------------------------------------------------------- where inputs and outputs may be

def is_raw(path: Path | str) -> bool:
    """True when ``path`` lies in raw data: the project's ``data/raw``, or any folder that holds
    a ``catalogue.yaml`` (another raw folder), or below one. Nothing is ever written there."""
    p = Path(path).resolve()
    if p == DATA_RAW.resolve() or p.is_relative_to(DATA_RAW.resolve()):
        return True
    return any((folder / "catalogue.yaml").is_file() for folder in (p, *p.parents))


def folder(value: Path | str, output: bool) -> Path:
    """The one rule for the folder parameters (``raw_dir``, ``processed_dir``).

    A relative folder is taken from the project root and must stay inside the project; a
    folder elsewhere must be asked for explicitly, as an absolute path. An output folder
    is never raw data (:func:`is_raw`). Raises ``ValueError`` saying which rule is broken.
    """
    p = Path(value)
    resolved = (p if p.is_absolute() else ROOT / p).resolve()
    if not p.is_absolute() and not resolved.is_relative_to(ROOT):
        raise ValueError("leads outside the project; a folder elsewhere must be given as an absolute path")
    if output and is_raw(resolved):
        raise ValueError("is raw data, which is read-only; outputs go to data/processed or another folder")
    return resolved
