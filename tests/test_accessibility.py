"""WCAG 2.1 AA for the HTML, PDF/UA-1 for the offline PDF: checked with the real tools.

- axe-core (npm) in Debian's Chromium through puppeteer-core, WCAG 2.0/2.1 A and AA
  rules plus axe's best practices, at desktop and phone widths; the same page load
  measures sideways scroll and how small the figures (and so their text) are drawn;
- the Nu HTML checker (npm ``vnu-jar``, on Java);
- the PDF's structure tree with pikepdf.

All are slow (a browser, a JVM) and run in CI (``make test-all``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from renderers import need, need_npm_tools
from verzamelbrief import plotting

pytestmark = pytest.mark.slow
AUDIT = ROOT / "tests" / "a11y" / "audit.mjs"


def audit(html: Path, width: int) -> dict:
    need_npm_tools()
    need(Path("/usr/bin/chromium").exists(), "Debian's chromium")
    proc = subprocess.run(["node", str(AUDIT), str(html), str(width)], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_nothing_and_nothing_scrolls_sideways(rendered, width):
    engine, root = rendered
    result = audit(root / "reports" / "_build" / "verzamelbrief.html", width)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)
    assert result["sidewaysScroll"] == 0, result["overflowing"]
    assert result["cutCaptions"] == [], "captions that need the table's sideways scroll to be read"
    assert result["external"] == [], "the page asked for something outside the file"


def test_chart_text_is_legible_on_a_phone(rendered):
    """At 390 px every figure is drawn large enough that its smallest text is 9 px or more."""
    engine, root = rendered
    images = audit(root / "reports" / "_build" / "verzamelbrief.html", 390)["images"]
    assert len(images) >= 12
    smallest_px = plotting.MIN_FONT_PT * 4 / 3  # 1 pt = 4/3 CSS px at the figure's natural size
    for image in images:
        scale = image["rendered"] / image["natural"]
        assert smallest_px * scale >= 9, f"chart text drawn at {smallest_px * scale:.1f} px: {image['alt'][:60]}"


def test_nu_html_checker_finds_no_errors(rendered):
    engine, root = rendered
    jar = need_npm_tools() / "vnu-jar" / "build" / "dist" / "vnu.jar"
    need(shutil.which("java") is not None and jar.exists(), "java and vnu-jar")
    proc = subprocess.run(["java", "-jar", str(jar), "--format", "json", str(root / "reports" / "_build" / "verzamelbrief.html")],
                          capture_output=True, text=True, timeout=300)
    errors = [m for m in json.loads(proc.stderr or proc.stdout)["messages"]
              if m["type"] == "error" and not vnu_lags_behind_css(m)]
    assert errors == [], errors[:5]


def vnu_lags_behind_css(message: dict) -> bool:
    """The Nu checker's CSS part does not know container queries (CSS Containment 3, in every
    current browser), which the table captions use (reports/styles/verzamelbrief.css): it
    calls ``container-type`` unknown and ``100cqi`` an unknown dimension. Nothing else is excused."""
    text, extract = message.get("message", ""), message.get("extract", "")
    return (text == "CSS: “container-type”: Property “container-type” doesn't exist."
            or (text == "CSS: “max-width”: Unknown dimension." and "100cqi" in extract))


def structure(pdf_path: Path) -> dict:
    """Figures with their /Alt, languages used, and the PDF/UA claim of a PDF."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        figures, langs = [], set()

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary):
                if "/Lang" in node:
                    langs.add(str(node["/Lang"]))
                if node.get("/S") == "/Figure":
                    figures.append(str(node.get("/Alt", "")))
                if "/K" in node:
                    walk(node["/K"])

        tree = pdf.Root.get("/StructTreeRoot")
        if tree is not None:
            walk(tree.get("/K"))
        return {"lang": str(pdf.Root.get("/Lang", "")), "ua": meta.get("pdfuaid:part"), "tagged": tree is not None,
                "figures": figures, "langs": langs, "date": meta.get("xmp:CreateDate")}


def figure_alts(root: Path) -> set[str]:
    """The Dutch alt text (``fig-alt``) of every figure cell of the executed notebooks."""
    from verzamelbrief.render.embed import cell_options

    alts = set()
    for nb_path in (root / "reports" / "_executed").glob("*.ipynb"):
        for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
            options = cell_options(cell) if cell.get("cell_type") == "code" else {}
            if str(options.get("label", "")).startswith("fig-") and options.get("fig-alt"):
                alts.add(" ".join(str(options["fig-alt"]).split()))
    return alts


def test_pdf_is_tagged_dutch_and_declares_pdf_ua(rendered):
    """The same test for both renderers: Quarto's PDF is compiled by the project's Typst 0.15
    (verzamelbrief.render.typst_cli through QUARTO_TYPST), not by the Typst 0.13 it bundles."""
    engine, root = rendered
    pdf = root / "reports" / "_build" / "verzamelbrief.pdf"
    info = structure(pdf)
    assert info["date"] and info["date"].startswith("20"), "the PDF carries the report date"
    assert info["tagged"] and info["ua"] == "1", f"{engine}: not a tagged PDF/UA-1 PDF"
    assert info["lang"] == "nl-NL"
    assert info["langs"] <= {"nl-NL", "nl"}, f"parts tagged in another language: {info['langs']}"
    assert len(info["figures"]) >= 12 and all(len(alt) > 30 for alt in info["figures"]), info["figures"]
    assert {" ".join(alt.split()) for alt in info["figures"]} == figure_alts(root), "a figure's alt text differs from its fig-alt"
    from verzamelbrief.render.typst_cli import compiler_version

    assert f"Creator:         Typst {compiler_version()}" in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else True
