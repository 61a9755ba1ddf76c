"""A ``typst`` command for Quarto, on the project's own Typst (PyPI ``typst``, Typst 0.15).

Quarto 1.7 bundles Typst 0.13, which writes untagged PDF. Quarto runs whatever the
environment variable ``QUARTO_TYPST`` names instead, with two kinds of call::

    typst --version
    typst compile [--root DIR] INPUT.typ [--font-path DIR ...] OUTPUT.pdf

:func:`verzamelbrief.render.quarto.render` points ``QUARTO_TYPST`` at a small shell script
(:func:`write_shim`) that runs this module on the build's own interpreter, so both renderers
compile with the same Typst and the same options: a tagged PDF declared PDF/UA-1 (Typst then
refuses a figure without alt text, or a document without title or language) and a creation
date from ``SOURCE_DATE_EPOCH`` (typst-py ignores that variable, so it is passed on as
``timestamp``), so rebuilds are byte-identical. A conda user's Quarto (conda-forge) honours
``QUARTO_TYPST`` just the same; the render sets it explicitly, over any value of its own.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

#: The PDF standard every PDF of the report declares.
PDF_STANDARDS = ["ua-1"]


def compiler_version() -> str:
    """The version of the Typst compiler inside the ``typst`` package (``sys.version`` in
    Typst; the package's own version, e.g. 0.15.2, is that of the binding)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="verzamelbrief-typst-") as folder:
        probe = Path(folder) / "version.typ"
        probe.write_text("#metadata(str(sys.version)) <v>\n", encoding="utf-8")
        return typst.query(str(probe), "<v>", field="value", one=True).strip().strip('"')


def binding_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("typst")


def timestamp() -> int:
    """The PDF's creation date: ``SOURCE_DATE_EPOCH`` (the render sets it from the report date)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else 0


def parse(argv: list[str]) -> tuple[str, str, dict]:
    """(input, output, keyword arguments of ``typst.compile``) of a ``typst compile`` call."""
    positional, fonts, inputs, kwargs = [], [], {}, {}
    args = iter(argv)
    for arg in args:
        value = None
        if arg.startswith("--") and "=" in arg:
            arg, value = arg.split("=", 1)
        elif arg in ("--root", "--font-path", "--input", "--format", "-f", "--ppi", "--pdf-standard"):
            value = next(args, None)
            if value is None:
                raise SystemExit(f"error: typst compile: {arg} needs a value")
        if arg == "--root":
            kwargs["root"] = value
        elif arg == "--font-path":
            fonts.append(value)
        elif arg == "--input":
            key, _, val = value.partition("=")
            inputs[key] = val
        elif arg in ("--format", "-f"):
            kwargs["format"] = value
        elif arg == "--ppi":
            kwargs["ppi"] = float(value)
        elif arg == "--pdf-standard":
            kwargs.setdefault("pdf_standards", []).append(value)
        elif arg == "--ignore-system-fonts":
            kwargs["ignore_system_fonts"] = True
        elif arg.startswith("-") and arg != "-":
            raise SystemExit(f"error: typst compile: option {arg} is not supported by {__name__}")
        else:
            positional.append(arg)
    if not positional or len(positional) > 2:
        raise SystemExit("error: typst compile: give INPUT.typ [OUTPUT.pdf]")
    source = positional[0]
    output = positional[1] if len(positional) > 1 else str(Path(source).with_suffix(".pdf"))
    kwargs.setdefault("pdf_standards", list(PDF_STANDARDS))
    kwargs["font_paths"] = fonts
    kwargs["sys_inputs"] = inputs
    kwargs["timestamp"] = timestamp()
    return source, output, kwargs


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("--version", "-V"):
        # Quarto reads the version from "typst X.Y.Z"
        print(f"typst {compiler_version()} (PyPI typst {binding_version()}, via {__name__})")
        return 0
    if argv[0] not in ("compile", "c"):
        print(f"error: {__name__} answers only 'typst --version' and 'typst compile', not {argv[0]!r}", file=sys.stderr)
        return 2
    source, output, kwargs = parse(argv[1:])
    import typst

    try:
        typst.compile(source, output=output, **kwargs)
    except Exception as exc:  # typst's own error type, with the source location
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        print(f"error: typst failed on {Path(source).name}: {lines[0]}", file=sys.stderr)
        return 1
    return 0


def write_shim(folder: Path) -> Path:
    """An executable ``typst`` in ``folder`` that runs this module on this interpreter, with
    this package importable (the value for ``QUARTO_TYPST``)."""
    package_parent = Path(__file__).resolve().parents[2]
    shim = Path(folder) / "typst"
    shim.write_text(
        "#!/bin/sh\n"
        "# made by verzamelbrief.render.quarto for one render: Quarto's typst is the project's Typst\n"
        f"PYTHONPATH={shlex.quote(str(package_parent))}${{PYTHONPATH:+:$PYTHONPATH}} "
        f"exec {shlex.quote(sys.executable)} -m verzamelbrief.render.typst_cli \"$@\"\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return shim


if __name__ == "__main__":
    sys.exit(main())
