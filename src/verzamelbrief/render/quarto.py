"""``quarto render`` with the guarantees the offline renderer gives.

Quarto itself writes its outputs in place and one by one. Here it renders into a
temporary output folder; the HTML and the PDF are then moved into the project's
output folder together (one transaction), so a failed or interrupted render leaves the
previous report as it was. ``SOURCE_DATE_EPOCH`` is set from the report date, and any
warning Quarto prints (such as a resource it could not fetch, which would make the
HTML load something from the network) fails the render.

The PDF is compiled by the project's own Typst (PyPI ``typst``, 0.15), not by the Typst 0.13
that Quarto 1.7 bundles: ``QUARTO_TYPST`` names a shim (:mod:`.typst_cli`) that compiles a
tagged PDF/UA-1 PDF with a fixed creation date, as the offline renderer does.

Typst derives the PDF's document id from the absolute path of its source, so the same
report built in two folders would differ in those 24 bytes: :func:`stable_document_id`
gives the document id the value of the instance id, which Typst derives from the content.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from ..outputs import atomic_path, transaction
from . import typst_cli
from .embed import RenderError
from .offline import first_cause, utf8_env

#: what Quarto prints for a problem that does not stop it
WARNING_MARKERS = ("WARNING", "WARN:", "Could not fetch resource")


def quarto_path() -> str | None:
    return shutil.which("quarto")


def quarto_version() -> str:
    quarto = quarto_path()
    if not quarto:
        raise RenderError("quarto is not on PATH (install it, or choose the offline renderer: RENDERER=offline)")
    out = subprocess.run([quarto, "--version"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RenderError(f"'quarto --version' failed: {out.stderr.strip()}")
    return out.stdout.strip()


def pandoc_version() -> str:
    """The version of the pandoc Quarto runs (its own, or ``QUARTO_PANDOC``'s)."""
    out = subprocess.run([quarto_path() or "quarto", "pandoc", "--version"], capture_output=True, text=True, env=utf8_env())
    first = (out.stdout.splitlines() or [""])[0].split()
    return first[1] if out.returncode == 0 and len(first) > 1 else "(onbekend)"


PDF_ID = re.compile(rb"/ID \[\(([A-Za-z0-9+/=]{24})\) \(([A-Za-z0-9+/=]{24})\)\]")


def stable_document_id(pdf: bytes) -> bytes:
    """The PDF with its document id replaced by its instance id (same length, so every
    byte offset in the file stays valid)."""
    m = PDF_ID.search(pdf)
    if not m or m.group(1) == m.group(2):
        return pdf
    return pdf.replace(m.group(1), m.group(2))


def render(project_dir: Path, date: str | None, epoch: int, log=print) -> list[Path]:
    """Render every document of the Quarto project; return the files written."""
    project_dir = project_dir.resolve()
    project = yaml.safe_load((project_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    out_dir = project_dir / project.get("project", {}).get("output-dir", "_build")
    documents = [Path(d).stem for d in project.get("project", {}).get("render", [])]
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".quarto-out-", dir=project_dir) as stage, \
            tempfile.TemporaryDirectory(prefix="verzamelbrief-typst-") as tools:
        # over any QUARTO_TYPST of the user's (conda-forge's quarto may set its own)
        env = {**utf8_env(), "SOURCE_DATE_EPOCH": str(epoch), "QUARTO_TYPST": str(typst_cli.write_shim(Path(tools)))}
        cmd = [quarto_path() or "quarto", "render", str(project_dir), "--output-dir", stage]
        if date:
            cmd += ["-M", f"date:{date}", "-M", f"date-iso:{date}"]
        log(f"  quarto render {project_dir.name} ({quarto_version()})")
        proc = subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True)
        problems = [line.strip() for line in (proc.stdout + proc.stderr).splitlines()
                    if any(marker in line for marker in WARNING_MARKERS)]
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed: {first_cause(proc.stderr or proc.stdout)}")
        if problems:
            raise RenderError(f"quarto render printed {len(problems)} warning(s), first: {problems[0]}")
        written = []
        with transaction(out_dir / f".render-{os.getpid()}.txn") as txn:
            for stem in documents:
                for ext in ("html", "pdf"):
                    produced = Path(stage) / f"{stem}.{ext}"
                    if not produced.exists():
                        raise RenderError(f"quarto render wrote no {produced.name}")
                    target = out_dir / produced.name
                    with atomic_path(target, txn) as tmp:
                        data = produced.read_bytes()
                        tmp.write_bytes(stable_document_id(data) if ext == "pdf" else data)
                    written.append(target)
    return written
