"""The report as reviewers see it: page images, layout markers, provenance, accessibility.

Reads the shared session build; the page images and screenshots (`make preview`:
pdftoppm and headless Chromium) are slow tests.
"""

import re
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import flat, make, normalise_spaces, pdf_text

needs_preview_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("chromium")), reason="needs poppler-utils and chromium (.ci/run installs them)"
)


@pytest.fixture(scope="module")
def preview(built_project):
    make(built_project, "preview")
    return built_project / "reports/_build/preview"


def ink(path) -> float:
    """Share of pixels that are not (near) white."""
    im = Image.open(path).convert("L")
    hist = im.histogram()
    return 1 - sum(hist[245:]) / (im.width * im.height)


@pytest.mark.slow
@needs_preview_tools
def test_every_pdf_page_is_rendered_and_has_content(preview):
    pages = sorted(preview.glob("pdf-*.png"))
    assert 8 <= len(pages) <= 60, len(pages)  # the appendices on commitments and provenance (about 150 records) add pages
    empty = [p.name for p in pages if ink(p) < 0.01]
    assert not empty, f"pages without content: {empty}"


@pytest.mark.slow
@needs_preview_tools
def test_html_screenshots_are_not_blank(preview):
    for name in ("html.png", "html-phone.png"):
        shot = preview / name
        assert shot.exists()
        assert Image.open(shot).height > 3000, "the whole page, not just the first screen"
        assert ink(shot) > 0.03


def test_pdf_reads_like_the_letter_layout(built_project):
    if shutil.which("pdftotext") is None:  # pypdf's fallback breaks the long title differently
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = normalise_spaces(pdf_text(built_project / "reports/_build/verzamelbrief.pdf"))
    pages = text.split("\f")
    n = len([p for p in pages if p.strip()])
    assert f"Pagina 1 van {n}" in pages[0] and f"Pagina {n} van {n}" in pages[n - 1]
    assert "Reproductie van de cijfers uit de Verzamelbrief inburgering" in pages[0]
    assert "reproductie van de cijfers" in pages[0].lower() and "niet de brief zelf" in pages[0]
    # the report's date is labelled as this reproduction's, apart from the letter's particulars
    head = pages[0].split("Aanleiding")[0]
    assert re.search(r"Datum van deze reproductie\s+\d{1,2} \w+ \d{4}", head), head
    assert "Datum en Kamerstuk van de brief" in head and "Onderwerp" not in head
    assert all("Verzamelbrief inburgering" in p.splitlines()[0] and "Datum reproductie:" in p.splitlines()[0]
               for p in pages[1:n] if p.strip()), "running header from page 2"
    assert "Figuur 1:" in text and "Tabel 1:" in text
    numbers = [int(m) for m in re.findall(r"Figuur (\d+):", text)]
    assert numbers == list(range(1, len(numbers) + 1)), "figures numbered through the document"
    assert "Bijlage: cijfercontrole" in text and "Colofon" in text and "Bijlage: Toezeggingen en termijnen" in text


def test_html_head_labels_the_reproduction_date(built_project):
    html = (built_project / "reports/_build/verzamelbrief.html").read_text(encoding="utf-8")
    title_block = html.split('<header id="title-block-header">')[1].split("</header>")[0]
    assert "Reproductie van de cijfers uit de Verzamelbrief" in title_block
    assert 'class="date"' not in title_block
    head = html.split('<section class="letter-head"')[1].split("</section>")[0]
    assert re.search(r"<dt>Datum van deze reproductie</dt>\s*<dd>\s*\d{1,2} \w+ \d{4}\s*</dd>", head)
    assert head.index("Afzender brief") < head.index("Datum van deze reproductie")


def test_colophon_names_the_commit_and_checksums(built_project):
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=built_project, capture_output=True, text=True).stdout.strip()
    text = flat(pdf_text(built_project / "reports/_build/verzamelbrief.pdf"))
    assert commit and commit in text
    assert "zonder latere wijzigingen" in text
    import hashlib

    raw = built_project / "data/raw/09_bib_examenmonitor.csv"
    assert hashlib.sha256(raw.read_bytes()).hexdigest() in text.replace(" ", "")
    for component in ("Python", "pandas", "matplotlib", "papermill"):
        assert re.search(rf"{component}\s+\d+\.\d+", text), component


def test_pdf_uses_only_the_pinned_fonts(built_project):
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts not installed")
    out = subprocess.run(["pdffonts", str(built_project / "reports/_build/verzamelbrief.pdf")], capture_output=True, text=True).stdout
    fonts = {line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()}
    assert fonts and all(f.startswith("DejaVuSans") for f in fonts), fonts


def test_html_page_structure(built_project):
    """What the filters and the stylesheet give every reader (the browser audit is in
    test_accessibility.py): language, landmarks, a skip link, named note links, tables
    that scroll on their own, and figures as images with alt text."""
    html = (built_project / "reports/_build/verzamelbrief.html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="nl"', html)
    assert '<nav id="TOC"' in html
    assert "@media print" in html and "@media (max-width" in html
    assert re.search(r'<a class="skip-link" href="#inhoud">', html) and html.count('<main id="inhoud">') == 1
    back = re.findall(r'role="doc-backlink">([^<]+)</a>', html)
    notes = re.findall(r"^\[\^[\w-]+\]:", (built_project / "reports/verzamelbrief.qmd").read_text(encoding="utf-8"), re.M)
    assert len(back) == len(notes) > 0 and len(set(back)) == len(back), "every note's back link has a name of its own"
    regions = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]+)">', html)
    assert len(regions) == html.count("<table") and len(set(regions)) == len(regions)
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) >= 12 and all(re.search(r'\balt="[^"]{30,}"', img) for img in images)
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external resources"
