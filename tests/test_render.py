"""The offline renderer on small inputs: embeds, cross-references, refusals."""

import json
import re
from pathlib import Path

import pytest

from conftest import flat, normalise_spaces, pdf_text
from verzamelbrief.render.embed import Embedder, RenderError, cell_options, find_cell
from verzamelbrief.render.offline import render

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#0072B2"/></svg>'


def code_cell(cid, source, outputs, tags=()):
    return {"cell_type": "code", "id": cid, "metadata": {"tags": list(tags)}, "source": source, "outputs": outputs, "execution_count": 1}


def display(data):
    return {"output_type": "display_data", "data": data, "metadata": {}}


def notebook():
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            code_cell("c1", '#| label: fig-demo\n#| fig-cap: "Een demofiguur"\nshow()', [display({"image/svg+xml": SVG, "text/plain": "<SVG>"})]),
            code_cell("c2", '#| label: tbl-demo\n#| tbl-cap: "Een demotabel"\nt()', [display({"text/markdown": "| a | b |\n|:--|--:|\n| x | 1.234 |\n"})]),
            code_cell("c3", "#| label: kern\nfindings()", [display({"text/markdown": "- Kernpunt met 5.816 kandidaten\n"})]),
            code_cell("c4", "x = 1", [], tags=["tagged"]),
        ],
    }


def make_project(tmp_path, body, quarto_extra=""):
    proj = tmp_path / "reports"
    (proj / "_executed").mkdir(parents=True)
    (proj / "_executed" / "nb.ipynb").write_text(json.dumps(notebook()))
    repo = Path(__file__).resolve().parents[1] / "reports"
    (proj / "typst").mkdir()
    for f in ("typst-template.typ", "typst-show.typ"):
        (proj / "typst" / f).write_text((repo / "typst" / f).read_text())
    (proj / "filters").mkdir()
    (proj / "filters" / "typst-a11y.lua").write_text((repo / "filters" / "typst-a11y.lua").read_text())
    (proj / "_quarto.yml").write_text(
        "project:\n  output-dir: _build\n  render: [doc.qmd]\nlang: nl\nnumber-sections: true\n"
        "filters: [filters/typst-a11y.lua]\n"
        "format:\n  html:\n    embed-resources: true\n    notebook-links: false\n  typst:\n    papersize: a4\n"
        "    template-partials: [typst/typst-template.typ, typst/typst-show.typ]\n" + quarto_extra
    )
    (proj / "doc.qmd").write_text('---\ntitle: "Demo"\n---\n\n' + body)
    return proj


BODY = """# Eerste

Zie @fig-demo en @tbl-demo.

{{< embed _executed/nb.ipynb#kern >}}

{{< embed _executed/nb.ipynb#fig-demo >}}

{{< embed _executed/nb.ipynb#tbl-demo >}}
"""


def test_cell_lookup_by_id_label_and_tag():
    nb = notebook()
    assert find_cell(nb, "c2", "x")["id"] == "c2"
    assert find_cell(nb, "tbl-demo", "x")["id"] == "c2"
    assert find_cell(nb, "tagged", "x")["id"] == "c4"
    assert cell_options(nb["cells"][0]) == {"label": "fig-demo", "fig-cap": "Een demofiguur"}
    with pytest.raises(RenderError, match="no cell with id, label or tag 'nope'"):
        find_cell(nb, "nope", "doc.qmd:3")


def test_embed_figure_and_table_markdown(tmp_path):
    proj = make_project(tmp_path, BODY)
    embed = Embedder(proj, tmp_path / "media", "media")
    fig = embed("_executed/nb.ipynb#fig-demo", "doc.qmd:1")
    assert re.fullmatch(r'!\[Een demofiguur\]\(media/fig-demo-[0-9a-f]{10}\.svg\)\{#fig-demo fig-alt="Een demofiguur"\}', fig)
    tbl = embed("_executed/nb.ipynb#tbl-demo", "doc.qmd:1")
    assert tbl.startswith("::: {#tbl-demo}") and ": Een demotabel" in tbl


def test_html_numbers_figures_and_resolves_references(tmp_path):
    proj = make_project(tmp_path, BODY)
    render(proj, date="2026-11-28", formats=("html",), log=lambda *_: None)
    html = (proj / "_build" / "doc.html").read_text()
    assert '<a href="#fig-demo">Figuur\u00a01</a>' in html
    assert '<a href="#tbl-demo">Tabel\u00a01</a>' in html
    assert "Figuur 1:" in html and "Tabel 1:" in html
    assert "Kernpunt met 5.816 kandidaten" in html
    assert 'lang="nl"' in html
    assert "28 november 2026" in html
    assert not re.search(r'(src|href)="https?://', html), "HTML must load nothing from the network"


def test_pdf_has_typst_numbering(tmp_path):
    proj = make_project(tmp_path, BODY)
    render(proj, date="2026-11-28", formats=("typst",), log=lambda *_: None)
    # whitespace collapsed: pdftotext and the pypdf fallback space a caption differently
    text = flat(pdf_text(proj / "_build" / "doc.pdf"))
    assert "Zie Figuur 1 en Tabel 1" in text
    assert "Figuur 1: Een demofiguur" in text
    assert "1.234" in text


def test_unknown_shortcode_is_refused(tmp_path):
    proj = make_project(tmp_path, "# A\n\n{{< pagebreak >}}\n")
    with pytest.raises(RenderError, match=r"doc.qmd:7: shortcode 'pagebreak' is not supported"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_escaped_shortcode_is_text(tmp_path):
    proj = make_project(tmp_path, "# A\n\nSchrijf {{</* embed x.ipynb#y */>}} zo.\n")
    render(proj, formats=("html",), log=lambda *_: None)
    assert "{{&lt; embed x.ipynb#y &gt;}}" in (proj / "_build" / "doc.html").read_text()


def test_reference_to_unknown_label_is_refused(tmp_path):
    proj = make_project(tmp_path, "# A\n\nZie @fig-missing.\n")
    with pytest.raises(RenderError, match="reference '@fig-missing' points to no figure or table"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_missing_executed_notebook_says_run_notebooks(tmp_path):
    proj = make_project(tmp_path, "{{< embed _executed/other.ipynb#fig-x >}}\n")
    with pytest.raises(RenderError, match="does not exist; run the notebooks first"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_unsupported_format_option_is_refused(tmp_path):
    proj = make_project(tmp_path, "# A\n", quarto_extra="    code-fold: true\n")
    with pytest.raises(RenderError, match=r"format typst: option\(s\) \['code-fold'\] are not supported"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_text_from_data_cannot_inject_markup(tmp_path):
    from verzamelbrief.tables import findings, markdown_table

    import pandas as pd

    evil = "<script>alert(1)</script> {{< embed _executed/nb.ipynb#fig-demo >}} *vet* [link](http://x.example)"
    nb = notebook()
    nb["cells"][2]["outputs"] = [display({"text/markdown": findings([evil]).data})]
    nb["cells"][1]["outputs"] = [display({"text/markdown": markdown_table(pd.DataFrame({"Naam": [evil], "Waarde": ["1"]}))})]
    proj = make_project(tmp_path, BODY)
    (proj / "_executed" / "nb.ipynb").write_text(json.dumps(nb))
    render(proj, formats=("html", "typst"), log=lambda *_: None)
    html = (proj / "_build" / "doc.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{&lt; embed _executed/nb.ipynb#fig-demo &gt;}}" in html
    assert "<em>vet</em>" not in html and 'href="http://x.example"' not in html
    text = normalise_spaces(pdf_text(proj / "_build" / "doc.pdf"))
    assert "<script>alert(1)</script>" in text.replace("\n", " ")


def test_include(tmp_path):
    proj = make_project(tmp_path, "# A\n\n{{< include _part.md >}}\n")
    (proj / "_part.md").write_text("Vooraf geschreven; zie @fig-demo.\n\n{{< embed _executed/nb.ipynb#fig-demo >}}\n")
    render(proj, formats=("html",), log=lambda *_: None)
    html = (proj / "_build" / "doc.html").read_text()
    assert "Vooraf geschreven" in html and "Figuur 1" in html


def test_unsupported_project_option_is_refused(tmp_path):
    proj = make_project(tmp_path, "# A\n")
    text = (proj / "_quarto.yml").read_text().replace("  render: [doc.qmd]\n", "  render: [doc.qmd]\n  pre-render: python x.py\n")
    (proj / "_quarto.yml").write_text(text)
    with pytest.raises(RenderError, match=r"project option\(s\) \['pre-render'\] are not supported"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_missing_include_is_refused(tmp_path):
    proj = make_project(tmp_path, "# A\n\n{{< include _nope.md >}}\n")
    with pytest.raises(RenderError, match=r"include '_nope.md' does not exist"):
        render(proj, formats=("html",), log=lambda *_: None)


def test_quarto_pdf_document_id_follows_the_content():
    from verzamelbrief.render.quarto import stable_document_id

    pdf = b"<xmpMM:DocumentID>pP/QShfP0ynrnrGqel3wtw==</xmpMM:DocumentID> /ID [(pP/QShfP0ynrnrGqel3wtw==) (8fwl2m3qqoA4Su0KK+6fTQ==)]"
    fixed = stable_document_id(pdf)
    assert len(fixed) == len(pdf) and b"pP/Q" not in fixed and fixed.count(b"8fwl2m3qqoA4Su0KK+6fTQ==") == 3
    assert stable_document_id(fixed) == fixed


def test_renderer_choice(monkeypatch, tmp_path):
    from verzamelbrief.render.__main__ import choose_engine

    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto here
    assert choose_engine("auto") == "offline" and choose_engine("offline") == "offline"
    assert choose_engine("quarto") == "quarto"  # asked for explicitly: rendering then says it is missing
    fake = tmp_path / "quarto"
    fake.write_text("#!/bin/sh\necho 9.9.9\n")
    fake.chmod(0o755)
    assert choose_engine("auto") == "quarto"
    with pytest.raises(RenderError, match="renderer 'nope' is not known"):
        choose_engine("nope")


def test_notebook_links_are_refused_offline(tmp_path):
    proj = make_project(tmp_path, "# A\n")
    (proj / "_quarto.yml").write_text((proj / "_quarto.yml").read_text().replace("notebook-links: false", "notebook-links: true"))
    with pytest.raises(RenderError, match="makes no notebook previews; set notebook-links: false"):
        render(proj, formats=("html",), log=lambda *_: None)
