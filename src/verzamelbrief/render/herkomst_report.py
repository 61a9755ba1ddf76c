"""The render step's side of the provenance records (:mod:`verzamelbrief.herkomst`).

:func:`collect` reads the records every embedded notebook publishes, attaches each use to
its labelled cell, and refuses a number shown without a record, in an embedded cell or in
the report's own text (:func:`prose_numbers`). :func:`write` then writes the appendix
"Herkomst van de cijfers" (``_herkomst.md``); :func:`json_bytes` is ``herkomst.json``.

Nothing here runs in a notebook's kernel, so a change here renders the report again but
reruns no notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..herkomst import MARKED, MIME, untraced_numbers


class HerkomstError(RuntimeError):
    """A number in the report without a record, or a record that does not resolve."""


EMBED = re.compile(r"\{\{<\s*embed\s+(?P<nb>[^#\s]+\.ipynb)#(?P<label>[\w-]+)\s*>\}\}")


def _cell_text(cell: dict) -> str:
    """The cell's Markdown outputs, and its caption and alt text (typed in the notebook, so
    held to the same rule: a number there has no record)."""
    from .embed import cell_options

    options = cell_options(cell)
    parts = [str(options[k]) for k in ("fig-cap", "fig-alt", "tbl-cap") if options.get(k)]
    for o in cell.get("outputs", []):
        md = o.get("data", {}).get("text/markdown")
        if md is not None:
            parts.append("".join(md) if isinstance(md, list) else md)
    return "\n".join(parts)


_PROSE_MARKUP = re.compile(
    r"\{\{<.*?>\}\}"                 # shortcodes (embed, include)
    r"|\[§[^\]]*\]\{\.brief\}"          # paragraph locators
    r"|\{[^{}]*\}"                      # attributes {#sec-x .class}
    r"|\]\([^)]*\)"                     # link targets
    r"|\[\^[^\]]*\]"                     # footnote labels
    r"|[@#][\w-]*\d[\w-]*"              # cross-references, ids
    r"|<!--.*?-->"                       # comments
    r"|^\s*\d+\.\s"                      # numbered-list markers
)


def prose_numbers(body: str) -> list[tuple[int, str]]:
    r"""(line, number) of every number in the hand-written text of a ``.qmd`` that the short
    rule :data:`ALLOWED` does not cover: the report's own text carries no data figures, which
    come from notebook cells. Front matter, code blocks and markup are not text.

    >>> prose_numbers("---\ntitle: x 12\n---\nOp 29 september 2022 (B1) telde [§9 alinea 2]{.brief} 877\n")
    [(4, '877')]
    """
    found, fence, front = [], None, body.startswith("---")
    for i, line in enumerate(body.splitlines(), 1):
        stripped = line.strip()
        if front:
            front = not (i > 1 and stripped in ("---", "..."))
            continue
        if fence:
            fence = None if stripped.startswith(fence) else fence
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        found += [(i, n) for n in untraced_numbers(_PROSE_MARKUP.sub(" ", line))]
    return found


@dataclass
class Collected:
    records: dict  # id -> record (with "cells": labels that show it, "shown": texts)
    order: list  # record ids in order of first use in the report


def collect(project_dir: Path, document: str = "verzamelbrief.qmd") -> Collected:
    """Read the records of every notebook the report embeds, attach each use to its cell
    label, and apply the gate to every embedded cell and to the report's own text."""
    from .embed import cell_options, find_cell

    body = (project_dir / document).read_text(encoding="utf-8")
    notebooks: dict[str, dict] = {}
    records: dict[str, dict] = {}
    order: list[str] = []
    problems: list[str] = [
        f"{document}, line {line}: the text shows ‘{number}’, typed by hand; a figure comes from a notebook cell"
        for line, number in prose_numbers(body)
    ]
    for m in EMBED.finditer(body):
        nb_rel, label = m.group("nb"), m.group("label")
        name = Path(nb_rel).stem
        if nb_rel not in notebooks:
            path = project_dir / nb_rel
            nb = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"cells": []}
            notebooks[nb_rel] = nb
            payload = next((o["data"][MIME] for c in nb["cells"] for o in c.get("outputs", []) if MIME in o.get("data", {})), None)
            if payload is None:
                problems.append(f"{name}: the notebook publishes no herkomst records (last cell: herkomst.publish())")
            if payload:
                counts = {c.get("execution_count"): cell_options(c).get("label") for c in nb["cells"] if c.get("cell_type") == "code"}
                for rid, rec in payload["records"].items():  # a letter figure two notebooks use is one record
                    records.setdefault(rid, {**rec, "cells": [], "shown": [], "uses": []})
                for use in payload["uses"]:
                    cell_label = counts.get(use["execution_count"])
                    rec = records[use["id"]]
                    if cell_label and not rec["cells"]:  # the record names the first notebook that shows it
                        rec["notebook"] = name
                    if cell_label and rec["notebook"] != name:  # a cell of another notebook than the record's
                        cell_label = f"{name}#{cell_label}"
                    if cell_label and cell_label not in rec["cells"]:
                        rec["cells"].append(cell_label)
                    if use["text"] not in rec["shown"]:
                        rec["shown"].append(use["text"])
                    if use not in rec["uses"]:
                        rec["uses"].append({k: v for k, v in use.items() if k != "execution_count"})
        cell = find_cell(notebooks[nb_rel], label, f"{document}: {nb_rel}")
        text = _cell_text(cell)
        for mm in MARKED.finditer(text):
            rid = mm.group(1)
            if rid not in records:
                problems.append(f"{name}#{label}: number ‘{mm.group(2)}’ links to {rid}, which no record holds")
            elif rid not in order:
                order.append(rid)
        loose = untraced_numbers(text)  # every notebook the report embeds is gated
        if loose:
            problems.append(f"{name}#{label}: shows ‘{loose[0]}’ without a herkomst record"
                            + (f" (and {len(loose) - 1} more)" if len(loose) > 1 else ""))
    if problems:
        raise HerkomstError(problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))
    # inputs of shown figures are part of the chain: list them too
    pending = list(order)
    while pending:
        for inp in records.get(pending.pop(), {}).get("inputs", []):
            if inp and inp not in order and inp in records:
                order.append(inp)
                pending.append(inp)
    return Collected({rid: records[rid] for rid in sorted(order)}, order)


def json_bytes(collected: Collected) -> bytes:
    """``herkomst.json``: every record, sorted by id, byte-identical between builds."""
    return (json.dumps({"records": list(collected.records.values())}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


_UNIT_NL = {"count": "aantal", "percent": "procent", "fraction": "deel", "eur_million": "miljoen euro"}


def _esc(value) -> str:
    from ..tables import escape

    return escape(value)


def _title(rec: dict) -> str:
    year = f", {rec['year']}" if rec.get("year") else ""
    return _esc(f"{rec.get('label') or rec.get('rule')}{year}")


def appendix_markdown(collected: Collected) -> str:
    """The appendix "Herkomst van de cijfers": one paragraph per record, under its id."""
    from .. import letter, text

    if not collected.records:
        return "Er zijn nog geen cijfers met een herkomstrecord.\n"
    lines = []
    # in the order the report first shows them (a figure's inputs after it), so the appendix reads with the report
    for rid in collected.order:
        rec = collected.records[rid]
        shown = " en ".join(_esc(t) for t in rec["shown"])  # no quotes: Typst sets a quote after a digit as a prime
        head = f"**{_title(rec)}**" + (f": {shown}" if shown else "") + f" (`{rid}`)"
        if rec["kind"] == "brief":  # the figure in digits with the letter's qualifier: not a quotation ("drie punten")
            detail = [
                f"Cijfer uit {_esc(letter.display(rec['locator']))}: {_esc(rec['wording'])} ({_esc(text.QUALIFIER_NL[rec['qualifier']])}).",
                f"Overgenomen in {_esc(rec['file'])}, regel {rec['line']}.",
            ]
        elif rec["kind"] == "parameter":
            where = (f"de parameter {_esc(rec['key'])} in params.yaml, blok {_esc(rec['block'])}" if rec["source"] == "params.yaml"
                     else f"vastgelegd in de code, {_esc(rec['key'])} in {_esc(rec['block'])}")
            detail = [f"Geen cijfer uit de brief: {where}."]
        else:
            inputs = ", ".join(f"[{_title(collected.records[i])}](#{i})" for i in rec["inputs"] if i in collected.records)
            detail = [f"Berekend: {_esc(rec['rule'])}.", f"Berekening: {_esc(rec['formula'])}."]
            if inputs:
                detail.append(f"Uit: {inputs}.")
        params = {u["decimals_param"]: u["decimals"] for u in rec["uses"] if u.get("decimals_param")}
        for u in rec["uses"]:
            params.update(u.get("params") or {})
        params.update(rec.get("params") or {})
        if params:
            detail.append("Parameters: " + ", ".join(f"{_esc(k)} = {_esc(v)}" for k, v in sorted(params.items())) + ".")
        cells = ", ".join(_esc(c) for c in rec["cells"])
        detail.append(f"Code: rekenbestand {_esc(rec['notebook'])}" + (f", cel {cells}." if cells else "."))
        detail.append(f"[]{{.herkomst-terug ref=\"{rid}\"}}")
        lines.append(f"::: {{#{rid} .herkomst-record}}\n{head}\\\n" + "\\\n".join(detail) + "\n:::\n")
    return "\n".join(lines) + "\n" + pdf_attachment(collected)


def pdf_attachment(collected: Collected) -> str:
    """A raw Typst block that attaches ``herkomst.json`` to the PDF (PDF/UA-1 allows embedded
    files): ``pdf.attach`` from Typst 0.14 on (the offline renderer), ``pdf.embed`` in Typst
    0.13 (Quarto 1.7). HTML ignores it."""
    data = json_bytes(collected).decode("utf-8")
    literal = '"' + data.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    args = (f'"herkomst.json", bytes({literal}), relationship: "supplement", mime-type: "application/json", '
            f'description: "Herkomst van de cijfers: alle records, machineleesbaar"')
    return (f"```{{=typst}}\n#if sys.version >= version(0, 14) {{ pdf.attach({args}) }} "
            f"else {{ pdf.embed({args}) }}\n```\n")


def write(project_dir: Path, document: str = "verzamelbrief.qmd") -> Collected:
    """Gate, then write ``_herkomst.md`` (included by the report) beside the document."""
    collected = collect(project_dir, document)
    (project_dir / "_herkomst.md").write_text(appendix_markdown(collected), encoding="utf-8")
    return collected
