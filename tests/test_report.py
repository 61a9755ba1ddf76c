"""The whole build, as a user runs it: `make report` in a fresh copy of the project."""

import re
import subprocess

from conftest import make, normalise_spaces, pdf_text


def test_make_without_target_prints_help(project):
    out = make(project).stdout
    for target in ("report", "test", "notebooks", "validate", "clean", "env"):
        assert re.search(rf"make {target}\s+\S", out), f"help lacks {target}:\n{out}"


def test_report_contains_section_9_figures(built_project):
    html = normalise_spaces((built_project / "reports/_build/verzamelbrief.html").read_text(encoding="utf-8"))
    pdf = normalise_spaces(pdf_text(built_project / "reports/_build/verzamelbrief.pdf"))
    for text in (html, pdf):
        for figure in ("5.816", "6.693", "72 %", "15,1 %"):
            assert figure in text, figure
        assert "Figuur 1" in text and "Tabel 1" in text
    assert html.count("data:image/svg+xml") + html.count("<svg") >= 2, "figures are embedded in the HTML"
    assert not re.search(r'(src|href)="https?://', html), "the HTML must open offline"


def test_report_has_all_ten_sections_in_order(built_project):
    pdf = normalise_spaces(pdf_text(built_project / "reports/_build/verzamelbrief.pdf"))
    headings = ["1 Statushouders aan het werk", "2 Financieel ontzorgen", "3 Leerbaarheidstoets", "4 AGI-ontheffing",
                "5 Instroom in de onderwijsroute", "6 Maatschappelijke diensttijd", "7 Inburgering van mensen van AOW",
                "8 Europees Asiel", "9 Monitor Basisexamen Inburgering Buitenland", "10 Marktmonitor"]
    positions = [pdf.find(h) for h in headings]
    assert all(p >= 0 for p in positions), dict(zip(headings, positions))
    assert positions == sorted(positions)


def test_second_make_report_does_no_work(built_project):
    proc = make(built_project, "report")
    assert "running" not in proc.stdout and "rendering" not in proc.stdout, proc.stdout


def test_generated_files_stay_out_of_git(built_project):
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "reports/_build/verzamelbrief.pdf", "reports/_executed/09_bib_examenmonitor.ipynb",
         "data/processed/09_bib_kerncijfers.csv"],
        cwd=built_project, capture_output=True, text=True,
    )
    if ignored.returncode == 128:  # not a git checkout: compare against .gitignore ourselves
        text = (built_project / ".gitignore").read_text()
        assert "reports/_build/" in text and "reports/_executed/" in text and "data/processed/*" in text
    else:
        assert len(ignored.stdout.split()) == 3
