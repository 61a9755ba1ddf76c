"""Provenance records (issue 17): every traced number resolves to its raw row or its
formula, the gate refuses a number without a record, and the links resolve in HTML and PDF."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, flat, pdf_text
from reference import letter_text, sections
from renderers import html_of
from verzamelbrief import derive, fmt, herkomst, text
from verzamelbrief.render import herkomst_report
from verzamelbrief.catalogue import figure, load_table



def _raw_dir_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    path = raw / f"{name}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return raw


# ---------------------------------------------------------------- in-process (fast)


def test_a_traced_figure_formats_as_before_and_carries_its_record():
    herkomst.start("09_bib_examenmonitor")
    raw = load_table("09_bib_examenmonitor")
    n = figure(raw, "candidates", "total", 2021)
    shown = fmt.number(n)
    assert herkomst.strip(shown) == fmt.number(6693) == "6.693"  # an untraced value: no markers at all
    (rid, text), = herkomst.MARKED.findall(shown)
    rec = herkomst.record_of(n)
    assert rid == rec["id"] and text == "6.693"
    assert (rec["file"], rec["line"], rec["locator"], rec["qualifier"], rec["wording"]) == (
        "data/raw/09_bib_examenmonitor.csv", 3, "§9 alinea 2", "exact", "6.693")
    line = (ROOT / rec["file"]).read_text(encoding="utf-8").splitlines()[rec["line"] - 1]
    assert line.startswith("candidates,total,2021,6693,")


def test_computed_values_name_their_rule_formula_inputs_and_parameters():
    params = type("P", (), {"pct_decimals": 1})()
    p = herkomst.start("demo", params)
    raw = load_table("09_bib_examenmonitor")
    base, later = (figure(raw, "candidates", "total", y) for y in (2020, 2021))
    change, pct = derive.growth(base, later)
    assert (int(change), round(pct, 4)) == (877, 15.0791)
    rec = herkomst.record_of(change)
    assert rec["formula"] == "6.693 − 5.816 = 877"
    assert rec["inputs"] == [later.herkomst, base.herkomst]
    assert herkomst.record_of(pct)["inputs"] == [change.herkomst, base.herkomst]
    fmt.percent(pct, p.pct_decimals)
    assert herkomst._STATE.uses[-1]["decimals_param"] == "pct_decimals"
    assert derive.growth(5816, 6693) == (877, pytest.approx(15.0791, abs=1e-4))  # untraced: plain numbers


def test_ids_are_stable_and_do_not_depend_on_order_or_other_figures():
    herkomst.start("09_bib_examenmonitor")
    raw = load_table("09_bib_examenmonitor")
    first = figure(raw, "candidates", "total", 2021).herkomst
    herkomst.start("09_bib_examenmonitor")
    figure(raw, "first_attempt_pass_share")
    assert figure(raw, "candidates", "total", 2021).herkomst == first


def test_changing_a_raw_figure_changes_the_number_and_its_record(tmp_path):
    raw_dir = _raw_dir_with(tmp_path, "09_bib_examenmonitor", "candidates,total,2021,6693,", "candidates,total,2021,6700,")
    herkomst.start("09_bib_examenmonitor")
    raw = load_table("09_bib_examenmonitor", raw_dir)
    n = figure(raw, "candidates", "total", 2021)
    change, _ = derive.growth(figure(raw, "candidates", "total", 2020), n)
    assert herkomst.strip(fmt.number(n)) == "6.700"
    assert herkomst.record_of(n)["value"] == 6700 and herkomst.record_of(n)["wording"] == "6.700"
    assert herkomst.record_of(change)["formula"] == "6.700 − 5.816 = 884"


def test_letter_wording_is_in_the_letters_paragraph():
    """The wording a record gives for each figure of §9 appears in the letter's §9."""
    section = flat(sections(letter_text())[9])
    herkomst.start("09_bib_examenmonitor")
    raw = load_table("09_bib_examenmonitor")
    for row in raw.itertuples():
        rec = herkomst.record_of(figure(raw, row.indicator, row.category, row.year))
        assert rec["wording"].lower() in section.lower(), rec


def test_untraced_numbers_follow_the_short_rule():
    marked = herkomst.OPEN + "h-0123456789" + herkomst.SEP + "6.693" + herkomst.CLOSE
    assert herkomst.untraced_numbers(f"In 2021: {marked}, brief §9, alinea 2 en 3") == []
    assert herkomst.untraced_numbers(f"{marked} en 2.021 kandidaten") == ["2.021"]  # a count is not a year
    assert herkomst.untraced_numbers("groei van 15,1 %") == ["15,1"]
    assert herkomst.untraced_numbers("brief §10, alinea's 2 en 3; alinea 4–5") == []
    assert herkomst.untraced_numbers("brief §7, alinea 4, punt 1 en 2") == []  # a list item of a locator


def test_a_phrase_is_marked_once_and_made_again_from_its_record():
    """A formatter that builds on others ("ruim 8 op de 10") marks its whole text once, as one
    use that :func:`fmt.reformat` makes again from the record's value."""
    herkomst.start("demo")
    share = herkomst.letter_figure({"indicator": "x", "category": "total", "year": "", "value": "0.8", "unit": "fraction",
                                    "qualifier": "more_than", "locator": "§1 alinea 6"}, "data/raw/demo.csv", 2)
    for shown in (text.out_of(share, "more_than", 10), text.show_value(share, "fraction", "more_than"),
                  text.stated_value(share, "fraction", "more_than")):
        (rid, inner), = herkomst.MARKED.findall(shown)
        assert rid == share.herkomst and herkomst.OPEN not in inner
    texts = [(u["text"], fmt.reformat(0.8, u["formatter"], u["decimals"])) for u in herkomst._STATE.uses]
    assert [t for t, _ in texts] == ["ruim 8 op de 10", "ruim 8 op de 10 (ruim 80\xa0%)", "ruim 8 op de 10 (80\xa0%)"]
    assert all(a == b for a, b in texts)


def test_a_computed_value_and_its_formula_come_from_one_function():
    herkomst.start("demo")
    raw = load_table("09_bib_examenmonitor")
    base, later = (figure(raw, "candidates", "total", y) for y in (2020, 2021))
    share = derive.compute("pct_of", base, later, rule="aandeel", label="Aandeel", unit="percent")
    weeks = derive.months_to_weeks(herkomst.computed(6, "zes", "scale", [base], "x", args={"factor": 6 / 5816}))
    rec = herkomst.record_of(share)
    assert rec["formula"] == "100 × 5.816 / 6.693 = 86,8968" and rec["inputs"] == [base.herkomst, later.herkomst]
    assert herkomst.record_of(weeks)["formula"] == "6 × 52 / 12 = 26"
    assert derive.compute("pct_of", 5816, 6693, rule="aandeel") == float(share)  # untraced inputs: a plain number


def test_hand_written_text_carries_no_figures():
    assert herkomst_report.prose_numbers((ROOT / "reports" / "verzamelbrief.qmd").read_text(encoding="utf-8")) == []
    assert herkomst_report.prose_numbers("Op 29 september 2022 schreef de minister (B1, NT2, Wi2013, Q2) over 877 kandidaten") == [
        (1, "877")]


# ---------------------------------------------------------------- the built report


def _records(root: Path) -> dict:
    return {r["id"]: r for r in json.loads((root / "reports" / "_build" / "herkomst.json").read_text())["records"]}


def assert_parameter_resolves(rec: dict) -> None:
    """A parameter record names where its value is set: params.yaml's block and key, or a
    constant (a number or a tuple holding it) of a package module; CHECKS bounds name a claim."""
    import importlib

    import yaml

    if rec["source"] == "params.yaml":
        assert yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))[rec["block"]][rec["key"]] == rec["value"], rec
        return
    module = importlib.import_module(rec["block"])
    name, *claim = rec["key"].split(", ")
    if claim:  # "CHECKS, <check id>, ondergrens|bovengrens": a bound of the claim's words
        check = next(c for c in getattr(module, name) if c.id == claim[0])
        assert getattr(check.stated, {"ondergrens": "low", "bovengrens": "high"}[claim[1]]) == rec["value"], rec
        return
    constant = getattr(module, name)
    assert rec["value"] in (constant if isinstance(constant, tuple) else (constant,)), rec


def test_parameter_records_say_where_they_are_set():
    herkomst.start("demo")
    m = herkomst.parameter(10.0, "11_cijfercontrole", "qualifier_margin_pct")
    rec = herkomst.record_of(m)
    assert_parameter_resolves(rec)
    shown = herkomst.strip(fmt.percent(m))
    collected = herkomst_report.Collected({rec["id"]: {**rec, "cells": ["x"], "shown": [shown], "uses": []}}, [rec["id"]])
    assert "de parameter qualifier\\_margin\\_pct in params.yaml, blok 11\\_cijfercontrole" in herkomst_report.appendix_markdown(collected)


def test_every_record_resolves(built_project):
    records = _records(built_project)
    assert len(records) >= 7
    for rid, rec in records.items():
        for use in rec["uses"]:
            assert fmt.reformat(rec["value"], use["formatter"], use["decimals"]) == use["text"], (rid, use)
        if rec["kind"] == "brief":
            rows = list(csv.DictReader((built_project / rec["file"]).read_text(encoding="utf-8").splitlines()))
            row = rows[rec["line"] - 2]
            assert (row["indicator"], row["category"], row["locator"]) == (rec["indicator"], rec["category"], rec["locator"])
            assert float(row["value"]) == rec["value"]
        elif rec["kind"] == "parameter":
            assert_parameter_resolves(rec)
        else:
            values = [records[i]["value"] for i in rec["inputs"]]
            assert herkomst.OPS[rec["op"]](*values, **rec.get("args", {})) == pytest.approx(rec["value"], rel=1e-12), rid
            assert rec["formula"].endswith("= " + fmt._number(round(rec["value"], 4))), rec["formula"]
        if rec["shown"]:
            assert rec["cells"], f"{rid}: no cell label"
        else:  # not shown itself: listed as an input in the chain of a shown figure (an unrounded total)
            assert any(rid in r.get("inputs", []) for r in records.values()), f"{rid}: neither shown nor an input"


def test_the_gate_fails_on_an_untraced_number(built_copy):
    nb_path = built_copy / "reports" / "_executed" / "09_bib_examenmonitor.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "#| label: bib-kernpunten" in "".join(c["source"]))
    output = next(o for o in cell["outputs"] if "text/markdown" in o.get("data", {}))
    md = "".join(output["data"]["text/markdown"])
    output["data"]["text/markdown"] = herkomst.MARKED.sub(lambda m: m.group(2) if m.group(2) == "877" else m.group(0), md)
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "verzamelbrief.render", str(built_copy / "reports"), "--engine", "offline"], check=False,
                          cwd=built_copy, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "✗ report: 09_bib_examenmonitor#bib-kernpunten: shows ‘877’ without a herkomst record"


def test_the_gate_fails_on_a_figure_typed_in_the_report_text(built_copy):
    qmd = built_copy / "reports" / "verzamelbrief.qmd"
    lines = qmd.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith("# ") and "{#sec-bib" in line) + 2
    lines.insert(n, "De monitor telde 6.693 kandidaten.\n\n")
    qmd.write_text("".join(lines), encoding="utf-8")
    html = built_copy / "reports" / "_build" / "verzamelbrief.html"
    before = html.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "verzamelbrief.render", str(built_copy / "reports"), "--engine", "offline"], check=False,
                          cwd=built_copy, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"✗ report: verzamelbrief.qmd, line {n + 1}: the text shows ‘6.693’, typed by hand; "
                                   "a figure comes from a notebook cell")
    assert html.read_bytes() == before


def test_html_numbers_link_to_records_and_back(rendered):
    engine, root = rendered
    html = html_of(root)
    records = _records(root)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    links = re.findall(r'<a href="#(h-[0-9a-f]{10})" id="(h-[0-9a-f]{10}-\d+)" class="herkomst" aria-label="([^"]+)"', html)
    assert len(links) >= 12
    names = {}
    for target, anchor, name in links:
        assert target in ids and target in records
        assert f'href="#{anchor}"' in html, f"{engine}: no link back to {anchor}"
        names.setdefault(name, set()).add(target)
    assert all(len(t) == 1 for t in names.values()), f"{engine}: one name for links to different records"
    assert herkomst.OPEN not in html and herkomst.CLOSE not in html


def _page_texts(pdf_path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")


def test_pdf_has_the_appendix_and_its_links_resolve(rendered):
    """Every PDF link lands on a page; the traced numbers link to the appendix pages and the
    appendix links back to the pages that show them; herkomst.json is attached."""
    if shutil.which("pdftotext") is None:  # pypdf's fallback text splits the record ids differently
        pytest.skip("pdftotext (poppler-utils) not installed")
    import pikepdf

    engine, root = rendered
    pdf_path = root / "reports" / "_build" / "verzamelbrief.pdf"
    records = _records(root)
    text = flat(pdf_text(pdf_path))
    appendix = text[text.rindex("Bijlage: Herkomst van de cijfers"):]
    for rid in records:
        # an id may break after its hyphen at a line end ("(h-" / "c820…)")
        assert f"({rid})" in appendix.replace("(h- ", "(h-"), f"{engine}: {rid} missing from the PDF appendix"
    pages_text = _page_texts(pdf_path)
    appendix_pages = {i for i, t in enumerate(pages_text) if re.search(r"\(h-[0-9a-f]{10}\)", t)}
    with pikepdf.open(pdf_path) as pdf:
        index = {p.objgen: i for i, p in enumerate(pdf.pages)}
        names = pikepdf.NameTree(pdf.Root.Names.Dests) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}
        links = []  # (page of the link, page it lands on)
        for i, page in enumerate(pdf.pages):
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                dest = annot.get("/Dest")
                if dest is None and action is not None and action.get("/S") == "/GoTo":
                    dest = action.get("/D")  # Typst 0.13 (Quarto) links with a GoTo action
                if annot.get("/Subtype") != "/Link" or dest is None:
                    continue
                if not isinstance(dest, pikepdf.Array):
                    dest = names[str(dest)]
                    dest = dest.D if isinstance(dest, pikepdf.Dictionary) else dest
                assert dest[0].objgen in index, f"{engine}: a PDF link on page {i + 1} lands on no page"
                links.append((i, index[dest[0].objgen]))
        attached = pdf.attachments["herkomst.json"].get_file().read_bytes()
    uses = sum(len(r["uses"]) for r in records.values() if any(not c.startswith("fig-") for c in r["cells"]))
    to_records = [1 for src, dst in links if src not in appendix_pages and dst in appendix_pages]
    back = [1 for src, dst in links if src in appendix_pages and dst not in appendix_pages]
    assert len(to_records) >= 12 and uses >= 12, f"{engine}: {len(to_records)} links from the text to the appendix"
    assert len(back) >= 12, f"{engine}: {len(back)} links from the appendix back to the text"
    assert attached == (root / "reports" / "_build" / "herkomst.json").read_bytes(), f"{engine}: PDF attachment differs"
