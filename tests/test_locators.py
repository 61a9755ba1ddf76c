"""Locators a reviewer can follow: the `[§3 alinea 2]{.brief}` spans of the report's prose name
paragraphs of the paragraph map, and the Lua filter shows them exactly as the package does."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from verzamelbrief import letter

ROOT = Path(__file__).resolve().parents[1]
FILTER = ROOT / "reports" / "filters" / "brief-locator.lua"
SPAN = re.compile(r"\[([^\[\]]*)\]\{\.brief\}")


def pandoc(markdown: str, to: str = "json") -> subprocess.CompletedProcess:
    import pypandoc

    return subprocess.run([pypandoc.get_pandoc_path(), "--from", "markdown", "--to", to, "--lua-filter", str(FILTER)],
                          input=markdown, capture_output=True, text=True, timeout=60)


def test_every_brief_span_in_the_report_names_a_mapped_paragraph():
    paragraphs = letter.load_map(ROOT / "data" / "raw")
    problems = []
    for qmd in sorted((ROOT / "reports").glob("*.qmd")):
        text = qmd.read_text(encoding="utf-8")
        for m in SPAN.finditer(text):
            locator = re.sub(r"\s+", " ", m.group(1)).strip()
            if locator not in paragraphs:
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{qmd.name}:{line}: [{m.group(1)}]{{.brief}} is not in data/raw/{letter.PARAGRAPHS}")
    assert not problems, "\n".join(problems)


def test_both_renderers_use_the_filter():
    config = (ROOT / "reports" / "_quarto.yml").read_text(encoding="utf-8")
    assert "filters/brief-locator.lua" in config  # the offline renderer reads the same list


def test_the_filter_shows_every_locator_as_the_package_does():
    locators = list(letter.load_map(ROOT / "data" / "raw"))
    doc = json.loads(pandoc("\n\n".join(f"[{loc}]{{.brief}}" for loc in locators)).stdout)
    shown = [block["c"][0]["c"][1][0]["c"] for block in doc["blocks"]]  # Para > Span > [Str]
    assert shown == [letter.display(loc) for loc in locators]


@pytest.mark.parametrize("bad", ["§3", "brief §3, alinea 2", "§3 alinea 0", "§3 alinea 2 noot 1", "Aanleiding Vooraf alinea 1"])
def test_a_span_that_is_not_a_locator_stops_the_render(bad):
    out = pandoc(f"Zie [{bad}]{{.brief}}.", "html")
    assert out.returncode != 0 and "is not a locator of the letter" in out.stderr, out.stderr


def test_other_spans_are_left_alone():
    assert pandoc("[§3 alinea 2]{.other}", "html").stdout.strip() == '<p><span class="other">§3 alinea 2</span></p>'


def test_every_key_point_with_a_number_ends_with_the_paragraphs_of_its_numbers(built_project):
    """A bullet of a notebook's key points that shows a letter figure (or a value computed from
    them) ends with those figures' paragraphs, as the tables' Herkomst cells write them."""
    from verzamelbrief import herkomst

    checked = 0
    for executed in sorted((built_project / "reports" / "_executed").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(executed.read_text(encoding="utf-8"))
        records = next(o["data"][herkomst.MIME]["records"] for c in nb["cells"] for o in c.get("outputs", [])
                       if herkomst.MIME in o.get("data", {}))
        for cell in nb["cells"]:
            if not re.search(r"#\| label: \S+-kernpunten", "".join(cell["source"])):
                continue
            markdown = "".join("".join(o["data"]["text/markdown"]) for o in cell["outputs"]
                               if "text/markdown" in o.get("data", {}))
            for line in markdown.splitlines():
                ids = [i for i, _ in herkomst.MARKED.findall(line) if records[i]["kind"] != "parameter"]
                if not ids:
                    continue
                shown = herkomst.strip(line).replace("\\", "")
                assert re.search(r"brief (§\d+|\(Aanleiding\))[^.]*$", shown), f"{executed.name}: no locator at the end of {shown!r}"
                checked += 1
    assert checked >= 20, checked
