"""``python -m verzamelbrief.render [reports]``: render the report without Quarto."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

import yaml

from .. import paths
from .embed import RenderError
from .offline import render


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", nargs="?", type=Path, default=paths.REPORTS, help="Quarto project folder")
    parser.add_argument("--date", help="report date (YYYY-MM-DD); default: params.yaml report.date")
    parser.add_argument("--to", choices=["html", "typst"], action="append", help="only this format (repeatable)")
    args = parser.parse_args(argv)
    date = args.date
    if date is None and paths.PARAMS.exists():
        date = (yaml.safe_load(paths.PARAMS.read_text(encoding="utf-8")) or {}).get("report", {}).get("date")
    signal.signal(signal.SIGTERM, _terminate)
    start = time.monotonic()
    print(f"▶ report: rendering {paths.relative(args.project)} (offline renderer: pandoc + typst)", flush=True)
    try:
        written = render(args.project, date=date, formats=tuple(args.to or ("html", "typst")))
    except RenderError as exc:
        print(f"✗ report: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("✗ report: interrupted; previous HTML and PDF left as they were", file=sys.stderr)
        return 130
    print(f"✓ report: {', '.join(paths.relative(p) for p in written)} in {time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
