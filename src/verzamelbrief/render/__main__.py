"""``python -m verzamelbrief.render [reports] [--engine auto|quarto|offline]``: render the report.

Writes the colophon (``reports/_colofon.md``) first, naming the renderer, then renders
HTML and PDF with Quarto (``quarto`` on PATH) or with the offline renderer (pandoc +
Typst from PyPI). ``auto``, the default, takes Quarto when it is on PATH.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

import yaml

from .. import paths, provenance
from ..outputs import write_bytes
from . import herkomst_report, offline, quarto
from .embed import RenderError

ENGINES = ("auto", "quarto", "offline")


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def choose_engine(engine: str) -> str:
    """``quarto`` or ``offline``; ``auto`` takes Quarto when it is on PATH."""
    if engine not in ENGINES:
        raise RenderError(f"renderer '{engine}' is not known; choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "quarto" if quarto.quarto_path() else "offline"
    return engine


def engine_label(engine: str) -> str:
    """How the colophon names what made this build: the renderer and the versions of the
    engines that ran (the Typst compiler's own version, not only its Python package's)."""
    from . import typst_cli

    typst = f"Typst {typst_cli.compiler_version()} (Python-pakket typst {typst_cli.binding_version()})"
    if engine == "quarto":
        return f"Quarto {quarto.quarto_version()} met pandoc {quarto.pandoc_version()}, en {typst} in plaats van de Typst van Quarto"
    import pypandoc

    return f"de offline renderer van dit project: pandoc {pypandoc.get_pandoc_version()} (pypandoc-binary) en {typst}"


def _write_records(project: Path, records: herkomst_report.Collected) -> Path:
    """``herkomst.json`` beside the HTML and PDF, in the project's output folder."""
    out_dir = project / ((yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8")) or {})
                         .get("project", {}).get("output-dir", "_build"))
    target = out_dir / "herkomst.json"
    write_bytes(target, herkomst_report.json_bytes(records))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", nargs="?", type=Path, default=paths.REPORTS, help="Quarto project folder")
    parser.add_argument("--engine", default="auto", help="auto (default), quarto or offline")
    parser.add_argument("--date", help="report date (YYYY-MM-DD); default: params.yaml report.date")
    parser.add_argument("--to", choices=["html", "typst"], action="append", help="offline only: this format (repeatable)")
    args = parser.parse_args(argv)
    date = args.date
    if date is None and paths.PARAMS.exists():
        from ..run import report_date

        date = report_date(paths.PARAMS)  # checked: one line naming report.date when wrong
    signal.signal(signal.SIGTERM, _terminate)
    start = time.monotonic()
    try:
        engine = choose_engine(args.engine)
        label = engine_label(engine)
        print(f"▶ report: rendering {paths.relative(args.project)} with {label}", flush=True)
        provenance.write_colophon(args.project / "_colofon.md", renderer=label, date=date)
        # the appendix of provenance records; fails (one line) on a number shown without one
        records = herkomst_report.write(args.project)
        epoch = offline.source_date_epoch(date)
        if engine == "quarto":
            written = quarto.render(args.project, date=date, epoch=epoch)
        else:
            written = offline.render(args.project, date=date, formats=tuple(args.to or ("html", "typst")))
        written.append(_write_records(args.project, records))
    except (RenderError, herkomst_report.HerkomstError) as exc:
        print(f"✗ report: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("✗ report: interrupted; previous HTML and PDF left as they were", file=sys.stderr)
        return 130
    except OSError as exc:  # a read-only reports/_build, a full disk: one line
        from ..outputs import OutputError, cannot_write

        line = exc if isinstance(exc, OutputError) else cannot_write(exc.filename or args.project, exc)
        print(f"✗ report: {line}; previous HTML and PDF left as they were", file=sys.stderr)
        return 1
    print(f"✓ report: {', '.join(paths.relative(p) for p in written)} in {time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
