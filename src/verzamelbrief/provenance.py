"""Provenance of a build, for the report's colophon: ``python -m verzamelbrief.provenance``.

Writes ``reports/_colofon.md`` (included by the report with ``{{< include _colofon.md >}}``)
just before rendering: ``python -m verzamelbrief.render`` calls :func:`write_colophon` before
it runs Quarto or the offline renderer. It records

- the project's version (``version`` in ``pyproject.toml``, see ``CHANGELOG.md``);
- the commit the report was built from, and whether the working tree had uncommitted changes;
- the date of the report (``report.date`` in ``params.yaml``, a fixed date so rebuilds stay
  identical; it is not the date of the build, nor of the letter), and whether the commit is
  later than that date (then the date was not brought up to date for this version);
- the parameters each notebook ran with, read from the executed notebooks themselves;
- the SHA-256 of every file in ``data/raw``;
- the versions of Python, the analysis packages and the renderer (e.g. ``Quarto 1.7.33``).

Because it runs at render time, after every notebook succeeded, a failed build never
changes it, and it costs no notebook execution.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from . import fmt, paths
from .outputs import write_text

PACKAGES = ["pandas", "matplotlib", "papermill", "pandera", "babel", "nbclient"]
#: The build's inputs: a file here that git does not track (a new notebook, say) is a change
#: not in the commit. The Makefile's UNTRACKED_INPUTS is the same list (tests/test_deps.py checks it).
UNTRACKED_INPUTS = ("notebooks", "data/raw", "src", "reports", "params.yaml", "Makefile")


def git_state(root: Path | None = None) -> dict:
    """``{"commit": sha or None, "dirty": bool, "untracked": [paths]}`` of the checkout at ``root``.

    Dirty: a tracked file changed, or an input of the build (:data:`UNTRACKED_INPUTS`) that git
    does not track; generated files are ignored by git.
    """
    root = Path(root or paths.ROOT)

    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)

    if not shutil.which("git"):
        return {"commit": None, "dirty": False, "untracked": []}
    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        return {"commit": None, "dirty": False, "untracked": []}
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *UNTRACKED_INPUTS).stdout.split()
    dirty = bool(git("status", "--porcelain", "--untracked-files=no").stdout.strip()) or bool(untracked)
    return {"commit": git("rev-parse", "HEAD").stdout.strip(), "dirty": dirty, "untracked": sorted(untracked)}


def commit_date(root: Path | None, commit: str | None) -> str | None:
    """The date (YYYY-MM-DD) of ``commit`` in the checkout at ``root``; ``None`` without git or commit."""
    if not commit or not shutil.which("git"):
        return None
    out = subprocess.run(["git", "show", "-s", "--format=%cs", commit], cwd=Path(root or paths.ROOT),
                         capture_output=True, text=True)
    return out.stdout.strip() or None if out.returncode == 0 else None


def file_hashes(folder: Path) -> list[tuple[str, str]]:
    """(name, SHA-256) of every file in ``folder``, sorted by name."""
    return [
        (f"{folder.parent.name}/{folder.name}/{p.name}", hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]


def notebook_parameters(executed_dir: Path, sources: Path | None = None) -> list[tuple[str, str]]:
    """(notebook, "name = value; …") for each executed notebook whose source is in ``sources``
    (``notebooks/`` beside ``executed_dir``'s project), from papermill's metadata."""
    sources = Path(sources or executed_dir.parent.parent / "notebooks")
    rows = []
    for nb_path in sorted(executed_dir.glob("[0-9]*.ipynb")):
        if not (sources / nb_path.name).is_file():
            continue  # a notebook that no longer exists (make removes its executed copy too)
        meta = json.loads(nb_path.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
        params = meta.get("parameters") or {}
        text = "; ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(params.items()))
        rows.append((nb_path.stem, text or "(standaardwaarden)"))
    return rows


def versions(renderer: str | None = None) -> list[tuple[str, str]]:
    """Versions of Python, the analysis packages and (when given) the renderer."""
    rows = [("Python", platform.python_version())]
    rows += [(name, importlib.metadata.version(name)) for name in PACKAGES]
    return rows + ([("Opmaak (HTML en PDF)", renderer)] if renderer else [])


def software_lines(renderer: str | None = None) -> list[str]:
    """The colophon's line about the software that typeset the report."""
    return [f"Opgemaakt met {renderer}; de versies van Python, de belangrijkste pakketten en de opmaak staan in de tabel hieronder."] if renderer else []


def project_version(root: Path) -> str | None:
    """The project's version: ``version`` in the checkout's ``pyproject.toml``."""
    import tomllib

    pyproject = root / "pyproject.toml"
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"] if pyproject.is_file() else None


def colophon_markdown(root: Path | None = None, date: str | None = None, renderer: str | None = None) -> str:
    """The colophon's key lines and tables as Markdown (all text escaped)."""
    from .tables import escape, rows_table

    root = Path(root or paths.ROOT)
    git = git_state(root)
    if date is None:
        from .run import report_date  # the one reader of report.date: checked, one line when wrong

        date = report_date(root / "params.yaml")
    files = file_hashes(root / "data" / "raw")
    params = notebook_parameters(root / "reports" / "_executed")
    version = project_version(root)
    lines = [f"Versie van dit project: {version} (de wijzigingen per versie staan in CHANGELOG.md)."] if version else []
    if git["commit"]:
        state = ("met wijzigingen die nog niet in die versie zijn opgenomen" if git["dirty"]
                 else "zonder latere wijzigingen")
        if git["untracked"]:
            shown = ", ".join(git["untracked"][:3]) + (f" en {len(git['untracked']) - 3} meer" if len(git["untracked"]) > 3 else "")
            state += f" (ook bestanden buiten versiebeheer: {shown})"
        made = commit_date(root, git["commit"])
        when = f" van {fmt.date(made)}" if made else ""
        lines.append(f"Broncode: versie {git['commit']}{when} uit versiebeheer (git), {state}.")
    else:
        made = None
        lines.append("Broncode: gemaakt buiten versiebeheer (git); de versie is onbekend.")
    if date:
        line = (f"Datum van deze reproductie: {fmt.date(str(date))}, vastgelegd in params.yaml, zodat een nieuwe opmaak "
                f"van dezelfde versie hetzelfde rapport geeft; het is niet de datum van de brief.")
        if made and made > str(date):
            line += " De broncode van deze versie is van later: die datum is niet bijgewerkt."
        lines.append(line)
    lines.append(f"{fmt.number(len(files))} bestanden in data/raw (de bronbestanden, hun beschrijving en een toelichting); "
                 f"{fmt.number(len(params))} uitgevoerde rekenbestanden (notebooks).")
    lines += software_lines(renderer)

    def table(label: str, caption: str, columns: list[str], rows, **kwargs) -> str:
        return f"::: {{#{label}}}\n\n{rows_table(columns, rows, **kwargs)}\n: {caption}\n\n:::\n"

    return "\n".join(
        [
            "\n".join(f"- {escape(line)}" for line in lines) + "\n",
            table("tbl-colofon-parameters", "Parameters waarmee elk rekenbestand is uitgevoerd",
                  ["Rekenbestand", "Parameters"], params, align=["l", "l"], widths=[2, 5]),
            table("tbl-colofon-bestanden", "Bronbestanden met hun SHA-256-controlegetal",
                  ["Bestand", "SHA-256"], files, align=["l", "l"], widths=[2, 5], code=["SHA-256"]),
            table("tbl-colofon-versies", "Gebruikte software en versies",
                  ["Onderdeel", "Versie"], versions(renderer), align=["l", "l"]),
        ]
    )


def write_colophon(output: Path, renderer: str | None = None, date: str | None = None) -> Path:
    """Write the colophon that the report includes (``{{< include _colofon.md >}}``)."""
    return write_text(output, colophon_markdown(date=date, renderer=renderer))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the report's colophon (provenance) as Markdown.")
    parser.add_argument("output", type=Path, nargs="?", default=paths.REPORTS / "_colofon.md")
    parser.add_argument("--date", help="date of the report (YYYY-MM-DD); default: report.date in params.yaml")
    parser.add_argument("--renderer", help="the renderer, as the colophon names it")
    args = parser.parse_args(argv)
    write_colophon(args.output, renderer=args.renderer, date=args.date)
    return 0


if __name__ == "__main__":
    sys.exit(main())
