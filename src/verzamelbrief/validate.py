"""Validate ``data/raw`` against its catalogue: ``python -m verzamelbrief.validate``.

Prints one line per problem (file, row, column, rule) and exits 1 when there is any,
so ``make`` stops before a notebook runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .catalogue import validate_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", nargs="?", type=Path, help="folder with the raw CSV files and catalogue.yaml")
    args = parser.parse_args(argv)
    problems = validate_all(args.raw_dir)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print(f"data/raw: {len(problems)} problem(s); no notebook was run", file=sys.stderr)
        return 1
    print("data/raw: all files valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
