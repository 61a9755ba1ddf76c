"""Both renderers, Quarto and the offline one, give the same complete report.

Each test runs once per renderer (see ``renderers.rendered``); the last one compares
the two outputs with each other.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import flat, pdf_text
from renderers import build_copy, html_of, need, visible_text
from verzamelbrief.render.embed import cell_options

TOPICS = ["Statushouders aan het werk", "Financieel ontzorgen", "Leerbaarheidstoets", "AGI-ontheffing",
          "onderwijsroute", "Maatschappelijke diensttijd", "AOW-gerechtigde leeftijd", "AMIF",
          "Monitor Basisexamen Inburgering Buitenland", "Marktmonitor"]
LETTER_FIGURES = ["5.816", "6.693", "43.430", "59.310"]


def figure_alts(root: Path) -> dict[str, str]:
    """label → fig-alt of every figure cell in the executed notebooks."""
    alts = {}
    for nb in sorted((root / "reports" / "_executed").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            opts = cell_options(cell) if cell.get("cell_type") == "code" else {}
            if str(opts.get("label", "")).startswith("fig-"):
                alts[opts["label"]] = opts.get("fig-alt", "")
    return alts


def test_report_is_complete(rendered):
    engine, root = rendered
    html = html_of(root)
    text = visible_text(html)
    pdf = flat(pdf_text(root / "reports" / "_build" / "verzamelbrief.pdf"))
    for topic in TOPICS:
        assert topic in text and topic in pdf, topic
    for figure in LETTER_FIGURES:
        assert figure in text and figure in pdf, figure
    for broken in ("?@", "??", "@fig-", "@tbl-"):
        assert broken not in text, f"unresolved reference {broken!r} in the HTML"
        assert broken not in pdf, f"unresolved reference {broken!r} in the PDF"
    assert "Figuur 12" in text and "Figuur 12" in pdf
    # a closing quote after a digit (‘in 2025’) is a quote, not Typst's prime (typst-a11y.lua)
    assert "\u2032" not in pdf and re.search(r"\d\u2019", pdf), "quote after a digit set as a prime in the PDF"
    # nor an opening quote after a full stop or a closing double quote (‘jl.’ in §2 and §7)
    assert "jl.\u2019" in pdf and "jl.\u2018" not in pdf and "\u201d\u2018" not in pdf, "closing quote set as opening in the PDF"


def test_every_figure_has_its_dutch_alt_text(rendered):
    engine, root = rendered
    alts = figure_alts(root)
    assert len(alts) >= 12 and all(len(a) > 30 for a in alts.values()), alts
    images = re.findall(r"<img\b[^>]*>", html_of(root))
    found = [html_lib.unescape(m.group(1)) for img in images if (m := re.search(r'\balt="([^"]*)"', img))]
    assert len(images) == len(alts), f"{len(images)} images for {len(alts)} figures"
    assert sorted(found) == sorted(alts.values())


def test_colophon_names_the_renderer(rendered):
    engine, root = rendered
    text = visible_text(html_of(root))
    colophon = text[text.index("Colofon"):]
    if engine == "quarto":
        import subprocess

        version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
        assert f"Quarto {version} met pandoc " in colophon and "in plaats van de Typst van Quarto" in colophon
    else:
        assert "offline renderer van dit project: pandoc" in colophon
    # the Typst that compiled the PDF (pdfinfo's Creator), not only its Python package's version
    from verzamelbrief.render.typst_cli import binding_version, compiler_version

    assert f"Typst {compiler_version()} (Python-pakket typst {binding_version()})" in colophon


def test_html_is_self_contained_and_its_links_resolve(rendered):
    engine, root = rendered
    html = html_of(root)
    build = root / "reports" / "_build"
    assert not re.search(r"<script\b[^>]*\bsrc=", html), "a script loaded from a file or the network"
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), "a resource loaded from the network"
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for target in re.findall(r'\b(?:href|src)="([^"]+)"', html):
        if target.startswith("data:"):
            continue
        if target.startswith("#"):
            assert unquote(target[1:]) in ids, f"link to #{target[1:]}, which is not in the page"
        else:
            assert (build / unquote(target.split("#")[0])).exists(), f"relative link {target} does not resolve in _build"


def test_two_clean_builds_are_byte_identical(rendered, built_project, tmp_path):
    engine, root = rendered
    # the session build rendered with the offline renderer (Quarto off PATH), in another folder:
    # for that engine it is the second build; Quarto renders once more
    again = built_project if engine == "offline" else build_copy(root, tmp_path / "again", engine)
    for name in ("verzamelbrief.html", "verzamelbrief.pdf", "herkomst.json"):
        first = (root / "reports" / "_build" / name).read_bytes()
        second = (again / "reports" / "_build" / name).read_bytes()
        assert first == second, f"{engine}: {name} differs between two builds"


def _outline(root: Path) -> dict:
    """What both renderers must agree on: headings, numbered captions, numbers in the text."""
    html = html_of(root)
    body = html[: html.index('id="sec-colofon"')]  # the colophon names the renderer and its versions
    headings = [visible_text(h).strip() for h in re.findall(r"<h1\b.*?</h1>", body, flags=re.S)]
    captions = [visible_text(c).strip() for c in re.findall(r"<(?:figcaption|caption)\b.*?</(?:figcaption|caption)>", body, flags=re.S)]
    text = visible_text(re.sub(r"<nav\b.*?</nav>", " ", body, flags=re.S))
    numbers = Counter(re.findall(r"\d+(?:[.,]\d+)*", text))
    return {"headings": headings, "captions": captions, "numbers": numbers}


@pytest.mark.slow
def test_quarto_and_offline_agree(built_project, tmp_path):
    need(shutil.which("quarto") is not None, "Quarto")
    quarto = _outline(build_copy(built_project, tmp_path / "quarto", "quarto"))
    offline = _outline(build_copy(built_project, tmp_path / "offline", "offline"))
    assert quarto["headings"] == offline["headings"]
    assert len(quarto["headings"]) >= 12
    assert quarto["captions"] == offline["captions"]
    assert sum(c.startswith("Figuur") for c in quarto["captions"]) >= 12
    assert quarto["numbers"] == offline["numbers"], (quarto["numbers"] - offline["numbers"], offline["numbers"] - quarto["numbers"])


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["quarto"])
def test_quarto_refusal_is_one_clear_line(built_project, tmp_path, engine):
    """A Quarto failure names the problem, and the previous report stays as it was."""
    need(shutil.which("quarto") is not None, "Quarto")
    root = build_copy(built_project, tmp_path / "p", engine)
    before = {p.name: p.read_bytes() for p in (root / "reports" / "_build").glob("verzamelbrief.*")}
    qmd = root / "reports" / "verzamelbrief.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8") + "\nZie @fig-bestaat-niet.\n", encoding="utf-8")
    from conftest import make

    proc = make(root, "report", f"RENDERER={engine}", check=False, quarto=True)
    assert proc.returncode != 0
    assert "✗ report: quarto render" in proc.stderr, proc.stderr[-2000:]
    after = {p.name: p.read_bytes() for p in (root / "reports" / "_build").glob("verzamelbrief.*")}
    assert after == before


def test_conda_pins_the_quarto_that_ci_tests():
    import yaml

    from conftest import ROOT

    deps = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pinned = next(d for d in deps if isinstance(d, str) and d.startswith("quarto"))
    version = pinned.split("=", 1)[1]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"environment.yml should pin one Quarto release: {pinned}"
    assert f"quarto-{version}" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    if shutil.which("quarto"):
        import subprocess

        installed = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
        if installed != version:
            need(False, f"Quarto {version} (found {installed})")
