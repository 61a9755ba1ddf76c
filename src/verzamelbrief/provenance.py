"""Provenance of a build: git state, raw-file checksums, notebook parameters, versions.

Used by the ``99_herkomst`` notebook, whose outputs make up the report's colophon.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import shutil
import subprocess
from pathlib import Path

import pandas as pd

from . import paths

PACKAGES = ["pandas", "matplotlib", "papermill", "pandera", "babel", "nbclient"]


def git_state(root: Path | None = None) -> dict:
    """``{"commit": sha or None, "dirty": bool}`` of the checkout at ``root``.

    Untracked files do not count as dirty; generated files are ignored by git.
    """
    root = Path(root or paths.ROOT)

    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)

    head = git("rev-parse", "HEAD") if shutil.which("git") else None
    if head is None or head.returncode != 0 or git("rev-parse", "--show-toplevel").stdout.strip() != str(root.resolve()):
        return {"commit": None, "dirty": False}
    dirty = bool(git("status", "--porcelain", "--untracked-files=no").stdout.strip())
    return {"commit": head.stdout.strip(), "dirty": dirty}


def file_hashes(folder: Path) -> pd.DataFrame:
    """SHA-256 of every file in ``folder`` (sorted by name)."""
    rows = [
        {"file": f"{folder.name}/{p.name}", "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
    return pd.DataFrame(rows, columns=["file", "sha256"])


def notebook_parameters(params_dir: Path, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """The parameters make passes to each notebook (``reports/_executed/params/*.yaml``)."""
    import yaml

    rows = []
    for path in sorted(params_dir.glob("*.yaml")):
        if path.stem in exclude or path.name.startswith("."):
            continue
        for name, value in sorted((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()):
            rows.append({"notebook": path.stem, "parameter": name, "value": json.dumps(value, ensure_ascii=False)})
    return pd.DataFrame(rows, columns=["notebook", "parameter", "value"])


def renderer() -> list[tuple[str, str]]:
    """The renderer ``make report`` uses here: Quarto if on PATH, else pandoc + Typst."""
    quarto = shutil.which("quarto")
    if quarto:
        out = subprocess.run([quarto, "--version"], capture_output=True, text=True)
        return [("Quarto", out.stdout.strip() or "onbekend")]
    import pypandoc

    return [
        ("pandoc (offline renderer)", pypandoc.get_pandoc_version()),
        ("typst (Python-pakket)", importlib.metadata.version("typst")),
    ]


def versions() -> pd.DataFrame:
    """Versions of Python, the analysis packages and the renderer."""
    rows = [("Python", platform.python_version())]
    rows += [(name, importlib.metadata.version(name)) for name in PACKAGES]
    rows += renderer()
    return pd.DataFrame(rows, columns=["component", "version"])
