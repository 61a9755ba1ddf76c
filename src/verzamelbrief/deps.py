"""Which package modules each executed notebook depends on: ``python -m verzamelbrief.deps``.

A notebook depends on the modules it imports, on the modules those import (through the
package, transitively), and on the runner that executes it (:mod:`verzamelbrief.run`
and its imports). The Makefile includes the result, so editing a module reruns only the
notebooks that use it; a module added later is found the same way. Imports are read with
:mod:`ast`, wherever they stand (also inside functions and ``if TYPE_CHECKING``), so the
list errs on the side of rerunning.

    python -m verzamelbrief.deps --package src/verzamelbrief --target-dir reports/_executed notebooks/*.ipynb

prints make rules: one per notebook (``<target-dir>/<stem>.ipynb: <modules>``) and an
empty rule per module, so a deleted module does not stop make.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import sys
from pathlib import Path

PACKAGE = "verzamelbrief"
RUNNER = f"{PACKAGE}.run"


def module_file(package_dir: Path, module: str) -> Path | None:
    """The source file of ``module`` (``verzamelbrief.x.y``) in ``package_dir``, if it exists."""
    parts = module.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def imported_modules(source: str, package: str = PACKAGE) -> set[str]:
    """Modules of the package named by the import statements in ``source``, with the
    packages that contain them (importing ``a.b`` runs ``a/__init__.py`` too).

    ``package`` is the package the source belongs to, for relative imports. A name
    imported from a module (``from verzamelbrief.fmt import pct``) is listed as if it
    were a module; :func:`dependencies` keeps only names that are files.

    >>> sorted(imported_modules("from verzamelbrief import fmt\\nimport numpy"))
    ['verzamelbrief', 'verzamelbrief.fmt']
    >>> sorted(imported_modules("from ..outputs import write_text", "verzamelbrief.render"))
    ['verzamelbrief', 'verzamelbrief.outputs', 'verzamelbrief.outputs.write_text']
    """
    return set(_imported_modules(source, package))


@functools.lru_cache(maxsize=512)
def _imported_modules(source: str, package: str) -> frozenset[str]:
    """:func:`imported_modules`, parsed once per text (every notebook imports the same modules)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(found)


def notebook_source(path: Path) -> str:
    """The code cells of a notebook as one Python text (IPython magics and shell lines dropped)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines += [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def dependencies(roots: set[str], package_dir: Path) -> list[Path]:
    """The files of ``roots`` and of every package module they import, transitively."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = module_file(package_dir, module)
        if path is None:
            continue  # an attribute imported from a module, not a module
        seen[module] = path
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        todo += imported_modules(path.read_text(encoding="utf-8"), package)
    return sorted(set(seen.values()))


def make_rules(notebooks: list[Path], package_dir: Path, target_dir: str) -> str:
    runner = imported_modules(f"import {RUNNER}")
    rules, every = [], set()
    for nb in sorted(notebooks):
        try:
            imports = imported_modules(notebook_source(nb))
        except SyntaxError as exc:
            raise ValueError(f"{nb}: cannot read its imports: {exc.msg} (line {exc.lineno} of its code cells)") from None
        files = dependencies(runner | imports, package_dir)
        every.update(files)
        rules.append(f"{target_dir}/{nb.stem}.ipynb: {' '.join(f.as_posix() for f in files)}")
    rules += [f"{f.as_posix()}:" for f in sorted(every)]
    return "\n".join(rules) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--package", type=Path, default=Path("src") / PACKAGE, help="the package's source folder")
    parser.add_argument("--target-dir", default="reports/_executed", help="where the executed notebooks go")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(make_rules(args.notebooks, args.package, args.target_dir))
    except (OSError, SyntaxError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
