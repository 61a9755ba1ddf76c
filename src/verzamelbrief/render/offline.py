"""The offline renderer: what ``quarto render reports`` does, on pandoc and Typst.

Used where the Quarto CLI is not installed. It supports exactly the Quarto features
the report uses and refuses anything else, so nothing is silently dropped:

- project options from ``_quarto.yml`` and the document's front matter
  (``title``, ``subtitle``, ``date``, ``lang``, ``number-sections``, and per format the
  options listed in :data:`SUPPORTED_FORMAT_OPTIONS`);
- the ``{{< embed >}}`` shortcode (see :mod:`.embed`) and ``{{< include file >}}``; any
  other shortcode is an error;
- figure and table numbering and ``@fig-``/``@tbl-`` references (``crossref.lua``);
- HTML: one self-contained file (pandoc ``--embed-resources``), no MathJax;
- PDF: pandoc to Typst with the project's template partials, compiled by ``typst``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from .. import fmt
from ..outputs import atomic_path, transaction
from .embed import Embedder, RenderError

HERE = Path(__file__).resolve().parent
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)(?P<args>.*?)>\}\}", re.S)
ESCAPED_SHORTCODE = re.compile(r"\{\{</\*(.*?)\*/>\}\}", re.S)

SUPPORTED_TOP = {
    "project", "lang", "number-sections", "execute", "format", "filters",
    "title", "subtitle", "date", "date-format", "sender", "reference", "letter-particulars", "notice",
}
SUPPORTED_PROJECT = {"type", "output-dir", "render"}
#: document metadata passed to pandoc as it is
PASSED_META = ("title", "subtitle", "lang", "sender", "reference", "letter-particulars", "notice")
SUPPORTED_FORMAT_OPTIONS = {
    "html": {"embed-resources", "minimal", "toc", "toc-title", "css", "notebook-links", "toc-depth", "include-before-body", "include-after-body"},
    "typst": {"papersize", "toc", "toc-title", "template-partials", "font-paths", "keep-typ"},
}


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _split_front_matter(text: str) -> tuple[dict, str]:
    """Front matter and body; the body keeps blank lines for the front matter's lines,
    so line numbers in messages are those of the .qmd file."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            close = text.find("\n", end + 4)
            close = len(text) if close == -1 else close
            return yaml.safe_load(text[3:end]) or {}, "\n" * text.count("\n", 0, close) + text[close:]
    return {}, text


def load_config(project_dir: Path, document: Path) -> tuple[dict, str]:
    """Merge ``_quarto.yml`` with the document's front matter; refuse unknown options."""
    project = yaml.safe_load((project_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    front, body = _split_front_matter(document.read_text(encoding="utf-8"))
    config = {**project, **{k: v for k, v in front.items() if k != "format"}}
    formats = dict(project.get("format", {}))
    for name, opts in (front.get("format") or {}).items():
        formats[name] = {**formats.get(name, {}), **(opts or {})}
    config["format"] = formats
    unknown_project = set(config.get("project") or {}) - SUPPORTED_PROJECT
    if unknown_project:
        raise RenderError(f"_quarto.yml: project option(s) {sorted(unknown_project)} are not supported by the offline renderer")
    unknown = set(config) - SUPPORTED_TOP
    if unknown:
        raise RenderError(f"{document.name}: option(s) {sorted(unknown)} are not supported by the offline renderer")
    if (formats.get("html") or {}).get("notebook-links", True) not in (False, "false"):
        raise RenderError("_quarto.yml: format html: the offline renderer makes no notebook previews; set notebook-links: false")
    for name, opts in formats.items():
        if name not in SUPPORTED_FORMAT_OPTIONS:
            raise RenderError(f"_quarto.yml: format '{name}' is not supported offline (html, typst)")
        bad = set(opts or {}) - SUPPORTED_FORMAT_OPTIONS[name]
        if bad:
            raise RenderError(f"_quarto.yml: format {name}: option(s) {sorted(bad)} are not supported offline")
    return config, body


def resolve_shortcodes(body: str, embedder: Embedder, source_name: str, depth: int = 0) -> str:
    """Replace every ``{{< embed … >}}`` and ``{{< include … >}}``; stop on any other shortcode."""

    def line_of(pos: int) -> int:
        return body.count("\n", 0, pos) + 1

    out, last = [], 0
    for m in SHORTCODE.finditer(body):
        if body[m.start() : m.start() + 5] == "{{</*":
            continue
        where = f"{source_name}:{line_of(m.start())}"
        name, args = m.group("name"), m.group("args").split()
        if name not in ("embed", "include"):
            raise RenderError(f"{where}: shortcode '{name}' is not supported by the offline renderer (supported: embed, include)")
        if len(args) != 1:
            raise RenderError(f"{where}: {name} takes one argument, got {args}")
        out.append(body[last : m.start()])
        if name == "embed":
            out.append(embedder(args[0], where))
        else:
            path = embedder.base_dir / args[0]
            if not path.exists():
                raise RenderError(f"{where}: include '{args[0]}' does not exist")
            if depth > 5:
                raise RenderError(f"{where}: includes nested too deeply")
            out.append(resolve_shortcodes(path.read_text(encoding="utf-8"), embedder, args[0], depth + 1))
        last = m.end()
    out.append(body[last:])
    return ESCAPED_SHORTCODE.sub(lambda m: "{{<" + m.group(1) + ">}}", "".join(out))


def utf8_env() -> dict:
    """The environment for pandoc and Quarto: a UTF-8 locale when the current one is not
    (under ``LC_ALL=POSIX`` pandoc cannot open a path with non-ASCII characters)."""
    env = dict(os.environ)
    # the locale the tool sees (Python's own UTF-8 mode under POSIX does not reach it)
    current = next((env[k] for k in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(k)), "")
    if "utf8" not in current.lower().replace("-", ""):
        env["LC_ALL"] = "C.UTF-8"
    return env


#: Lines of a Haskell or Deno stack trace, which follow the message that says what went wrong.
_TRACE = re.compile(r"^\s*(CallStack \(from HasCallStack\)|\S+, called at |at |Stack trace:)")


def first_cause(stderr: str) -> str:
    r"""The line of a tool's error output that says what went wrong, not its stack trace:
    pandoc's ``pandoc: …: withFile: resource exhausted (No space left on device)`` rather than
    the ``ioException, called at libraries/ghc-internal/…`` line under it.

    >>> first_cause("pandoc: out.html: withFile: resource exhausted (No space left on device)\n"
    ...             "CallStack (from HasCallStack):\n  ioException, called at libraries/ghc-internal/x.hs:1:2 in ghc")
    'out.html: withFile: resource exhausted (No space left on device)'
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not _TRACE.match(line) and not line.startswith("[WARNING]")] or lines
    chosen = next((line for line in lines if "crossref:" in line), None)
    chosen = chosen or next((line for line in lines if re.match(r"^(pandoc|ERROR|error)\b", line)), None)
    chosen = chosen or (lines[0] if lines else "(no message)")
    return re.sub(r"^(pandoc|ERROR|error)\s*:\s*", "", chosen)


def _pandoc_start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([pandoc_path(), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=utf8_env())


def _pandoc_wait(proc: subprocess.Popen) -> None:
    _out, err = proc.communicate()
    if proc.returncode != 0:
        raise RenderError(f"pandoc failed: {first_cause(err)}")


def _pandoc(args: list[str], cwd: Path) -> None:
    _pandoc_wait(_pandoc_start(args, cwd))


def source_date_epoch(date: str | None) -> int:
    """Seconds for the PDF's creation date: ``SOURCE_DATE_EPOCH``, else the report date."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    day = dt.date.fromisoformat(date) if date else dt.date(2023, 3, 31)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def render(project_dir: Path, date: str | None = None, formats: tuple[str, ...] = ("html", "typst"), log=print) -> list[Path]:
    """Render every document of the project; return the files written."""
    project_dir = project_dir.resolve()
    project = yaml.safe_load((project_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    out_dir = project_dir / project.get("project", {}).get("output-dir", "_build")
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    # HTML and PDF are renamed into place together, only when every document rendered
    with transaction(out_dir / f".render-{os.getpid()}.txn") as txn:
        for doc_name in project.get("project", {}).get("render", []):
            written += render_document(project_dir, project_dir / doc_name, out_dir, date, formats, log, txn)
    return written


def render_document(project_dir: Path, document: Path, out_dir: Path, date: str | None, formats, log, txn) -> list[Path]:
    config, body = load_config(project_dir, document)
    if date:
        config["date"] = date
    work = out_dir / ".offline"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    embedder = Embedder(base_dir=document.parent, media_dir=work / "media", media_prefix="media")
    markdown = resolve_shortcodes(body, embedder, document.name)

    meta = {k: config[k] for k in PASSED_META if k in config}
    if config.get("date"):
        meta["date"] = fmt.date(str(config["date"]))
        meta["date-iso"] = str(config["date"])
    meta_file = work / "metadata.yaml"
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    md_file = work / f"{document.stem}.md"
    md_file.write_text(markdown, encoding="utf-8")
    lua = str(HERE / "crossref.lua")
    common = [md_file.name, "--from", "markdown", "--metadata-file", meta_file.name, "--lua-filter", lua]
    for entry in config.get("filters", []) or []:
        path = entry["path"] if isinstance(entry, dict) else entry
        common += ["--lua-filter", str((document.parent / path).resolve())]
    if config.get("number-sections"):
        common.append("--number-sections")
    written = []

    if "html" in formats and "html" in config["format"]:
        opts = config["format"]["html"] or {}
        target = out_dir / f"{document.stem}.html"
        args = [*common, "--to", "html5", "--standalone", "--embed-resources", "--resource-path", f".:{document.parent}"]
        if opts.get("toc"):
            args += ["--toc", f"--toc-depth={opts.get('toc-depth', 2)}"]
        if opts.get("toc-title"):
            args += ["--metadata", f"toc-title={opts['toc-title']}"]
        if opts.get("css"):
            args += ["--css", str((document.parent / opts["css"]).resolve())]
        for where in ("before", "after"):
            extras = opts.get(f"include-{where}-body") or []
            for extra in [extras] if isinstance(extras, str) else extras:
                args += [f"--include-{where}-body", str((document.parent / extra).resolve())]
        log(f"  html: pandoc → {target.relative_to(project_dir.parent) if project_dir.parent in target.parents else target}")
        # the HTML is written while the PDF is made (two independent pandoc runs, two cores)
        html_proc = _pandoc_start([*args, "--output", str(txn.stage(target))], cwd=work)
        written.append(target)
    else:
        html_proc = None
    try:
        written += _render_typst(config, document, project_dir, work, common, out_dir, txn, formats, log)
        if html_proc is not None:
            _pandoc_wait(html_proc)
    finally:
        if html_proc is not None and html_proc.poll() is None:
            html_proc.kill()
            html_proc.wait()
    return written


def _render_typst(config, document, project_dir, work, common, out_dir, txn, formats, log) -> list[Path]:
    written = []

    if "typst" in formats and "typst" in config["format"]:
        opts = config["format"]["typst"] or {}
        template = work / "offline-template.typ"
        shutil.copy(HERE / "offline-template.typ", template)
        partials = opts.get("template-partials", [])
        for partial in partials:
            shutil.copy(document.parent / partial, work / Path(partial).name)
        for needed in ("typst-template.typ", "typst-show.typ"):
            if not (work / needed).exists():
                raise RenderError(f"_quarto.yml: format typst needs template-partials {needed}")
        typ = work / f"{document.stem}.typ"
        args = [*common, "--to", "typst", "--standalone", "--template", template.name, "--output", typ.name]
        if opts.get("papersize"):
            args += ["--metadata", f"papersize={opts['papersize']}"]
        if config.get("number-sections"):
            args += ["--metadata", "section-numbering=1.1.a"]
        if opts.get("toc"):
            args += ["--metadata", "toc=true"]
        _pandoc(args, cwd=work)
        target = out_dir / f"{document.stem}.pdf"
        font_paths = [str((document.parent / p).resolve()) for p in opts.get("font-paths", [])]
        log(f"  pdf: pandoc → typst → {target.relative_to(project_dir.parent) if project_dir.parent in target.parents else target}")
        import typst

        try:
            pdf = typst.compile(
                str(typ),
                root=str(work),
                font_paths=font_paths,
                ignore_system_fonts=True,
                # tagged PDF declared PDF/UA-1: Typst checks alt text, language and title
                pdf_standards=["ua-1"],
                timestamp=source_date_epoch(str(config.get("date")) if config.get("date") else None),
            )
        except Exception as exc:  # typst raises its own error type with the source location
            raise RenderError(f"typst failed on {typ.name}: {str(exc).strip().splitlines()[0]}") from None
        with atomic_path(target, txn) as tmp:
            tmp.write_bytes(pdf)
        written.append(target)
    return written
