"""Checks of the repository's habits, shared by pre-commit (.pre-commit-config.yaml) and the
fast tests (tests/test_habits.py), so that a violation fails either way:

    python tests/hooks.py large-files FILE...    # no file over LIMIT_KB
    python tests/hooks.py no-outputs FILE...     # notebooks stored without outputs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LIMIT_KB = 500  # tracked files are source, text and small tables: a few tens of KB at most


def large_files(files: list[str], limit_kb: int = LIMIT_KB) -> list[str]:
    return [
        f"{f}: {Path(f).stat().st_size // 1024} KB, over the {limit_kb} KB limit"
        for f in files
        if Path(f).is_file() and Path(f).stat().st_size > limit_kb * 1024
    ]


def notebooks_with_outputs(files: list[str]) -> list[str]:
    faults = []
    for f in (f for f in files if f.endswith(".ipynb")):
        cells = json.loads(Path(f).read_text(encoding="utf-8"))["cells"]
        n = sum(1 for c in cells if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count")))
        if n:
            faults.append(f"{f}: {n} code cell(s) with outputs or an execution count; run nbstripout {f}")
    return faults


def main(argv: list[str]) -> int:
    check = {"large-files": large_files, "no-outputs": notebooks_with_outputs}.get(argv[0] if argv else "")
    if check is None:
        print(__doc__, file=sys.stderr)
        return 2
    faults = check(argv[1:])
    print("\n".join(faults)) if faults else None
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
