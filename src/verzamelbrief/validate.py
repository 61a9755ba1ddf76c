"""Validate ``data/raw`` against its catalogue: ``python -m verzamelbrief.validate``.

Prints one line per problem (file, row, column, rule) and exits 1 when there is any,
so ``make`` stops before a notebook runs.

With ``--cache FILE`` (as ``make`` calls it) the checksums of the files that passed are
kept in ``FILE``; a later run checks again only the files whose content, the catalogue
or the validation rules changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from . import paths
from .outputs import write_text


def _digest(path: Path, catalogue: bytes) -> str:
    return hashlib.sha256(catalogue + path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", nargs="?", type=Path, help="folder with the raw CSV files and catalogue.yaml")
    parser.add_argument("--cache", type=Path, help="file keeping the checksums of files that passed")
    args = parser.parse_args(argv)
    raw_dir = Path(args.raw_dir or paths.DATA_RAW)
    foreign = paths.foreign_package()
    if foreign:
        print(foreign, file=sys.stderr)
        return 1

    from .catalogue import validate_all

    skip: set[str] = set()
    catalogue = raw_dir / "catalogue.yaml"
    digests = {}
    if args.cache and catalogue.exists():
        # a file is re-checked when it, the catalogue or the validation rules change
        cat_bytes = catalogue.read_bytes() + b"".join(
            (Path(__file__).parent / rules).read_bytes() for rules in ("catalogue.py", "letter.py"))
        digests = {p.name: _digest(p, cat_bytes) for p in sorted(raw_dir.glob("*.csv"))}
        try:
            cached = json.loads(args.cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
        skip = {name for name, digest in digests.items() if cached.get(name) == digest}

    problems = validate_all(raw_dir, skip=skip)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print(f"data/raw: {len(problems)} problem(s); no notebook was run", file=sys.stderr)
        return 1
    if args.cache:
        write_text(args.cache, json.dumps(digests, indent=1, sort_keys=True) + "\n")
    checked = len(digests) - len(skip) if digests else "all"
    print(f"data/raw: all files valid ({checked} checked, {len(skip)} unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
