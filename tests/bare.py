"""Run a command as on a bare machine: the optional tools hidden from PATH.

    python tests/bare.py make test        # CI runs this (.ci/run) before the full set

A bare machine has Python 3.11, make and git, and none of the tools some tests use. This
builds a folder of links to every program on PATH except those tools (and the same for
the folders that hold them), and runs the command with only that folder on PATH, so
``shutil.which`` and the shell find none of them. Every test that needs one must then
skip, naming it, and the rest must pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: What a bare machine lacks: poppler-utils, Chromium, Java, Node/npm, hyperfine, Quarto, uv.
HIDDEN = frozenset(
    {
        "pdftotext",
        "pdftoppm",
        "pdffonts",
        "pdfinfo",
        "pdftocairo",
        "pdfimages",
        "chromium",
        "chromium-browser",
        "google-chrome",
        "chrome",
        "java",
        "javac",
        "node",
        "nodejs",
        "npm",
        "npx",
        "hyperfine",
        "quarto",
        "uv",
        "uvx",
    }
)


def bare_path(folder: Path, path: str | None = None) -> str:
    """Fill ``folder`` with links to the programs on ``path`` (default: PATH) but the hidden
    ones; return the PATH to use (just ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        if not entry or not os.path.isdir(entry):
            continue
        for name in sorted(os.listdir(entry)):
            source = os.path.join(entry, name)
            link = folder / name
            if name in HIDDEN or link.exists() or link.is_symlink():
                continue  # hidden, or an earlier PATH entry has it (as PATH would)
            if os.path.isfile(source) and os.access(source, os.X_OK):
                link.symlink_to(source)
    return str(folder)


def bare_env(folder: Path) -> dict:
    env = dict(os.environ)
    env["PATH"] = bare_path(folder)
    env["VERZAMELBRIEF_BARE"] = "1"
    return env


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="verzamelbrief-bare-") as tmp:
        env = bare_env(Path(tmp) / "bin")
        hidden = sorted(
            HIDDEN
            & {name for d in os.environ.get("PATH", "").split(os.pathsep) if os.path.isdir(d) for name in os.listdir(d)}
        )
        print(f"▶ bare: hidden from PATH: {', '.join(hidden) or 'none (not installed)'}", flush=True)
        return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
