"""Cijfercontrole (figure check): the notebook with default and non-default tolerances,
checked against the letter's figures."""

import pandas as pd
import pytest
from nbhelpers import markdown_of
from verzamelbrief import fmt, herkomst
from verzamelbrief.herkomst import strip

NB = "11_cijfercontrole"
NBSP = "\u00a0"


def shown_text(md: str) -> str:
    """The text as shown, without provenance markers, with plain spaces (a marked number has no-break spaces)."""
    return strip(md).replace(NBSP, " ")


@pytest.fixture(scope="module")
def defaults(built_notebook):
    return built_notebook(NB)  # the session build: params.yaml holds the defaults


def test_11_defaults_check_the_letter(defaults):
    out, nb = defaults
    result = pd.read_csv(out / "11_cijfercontrole.csv", keep_default_na=False).set_index("check")
    assert len(result) == 9 and result["counted"].astype(str).eq("True").sum() == 6
    assert result.loc["bib_groei_kandidaten", "verdict"] == "klopt (afgerond)"
    assert float(result.loc["bib_groei_kandidaten", "recomputed_value"]) == pytest.approx(100 * (6693 - 5816) / 5816)
    assert result.loc["bib_eerste_poging_woorden", "verdict"] == "klopt"
    assert result.loc["amif_resterend", "verdict"] == "wijkt af"
    assert result.loc["amif_resterend", "condition"].startswith("als het bedrag dat voor deze periode beschikbaar was")
    amif = result.loc["amif_resterend"]
    assert (float(amif["stated_value"]), float(amif["recomputed_value"])) == (6, 6.7)
    cutoff = result.loc["leerbaarheid_cesuur_verlaging"]
    assert (float(cutoff["stated_value"]), float(cutoff["recomputed_value"]), cutoff["verdict"]) == (3, 3, "klopt")
    assert (result.loc[result.index.str.startswith("markt_"), "verdict"] == "klopt").all()
    assert result["derived"].astype(str).eq("True").all() and result["rule"].str.len().gt(0).all()
    assert result.loc["markt_veel_afrondend", "locator"] == "§10 Participatiedeel Z-route/duaal alinea 1 en 2"

    margins = pd.read_csv(out / "11_cijfercontrole_marges.csv").set_index("check")
    assert list(margins.columns) == ["section", "margin_5", "margin_10", "margin_20"]
    assert margins.loc["amif_resterend", "margin_20"] == "wijkt af, met voorbehoud"

    table = shown_text(markdown_of(nb, "tbl-cijfercontrole"))
    assert "| Vindplaats | Uitspraak | Volgens de brief | Getoetst aan | Toegestaan | Oordeel |" in table
    assert ("| € 6 miljoen | € 6,7 miljoen | € 5,5–6,5 miljoen | wijkt af, als het bedrag dat voor "
            "deze periode beschikbaar was de som van de drie themaplafonds is; dat bedrag noemt de brief niet |") in table
    assert "| brief §9, alinea 2 | Groei" in table and "| 15 % | 15,1 % | 14,5–15,5 % | klopt \\(afgerond\\) |" in table
    assert "| ‘bijna driekwart’ | 72 % | 67,5–75 % | klopt, dankzij de marge van dit rapport \\(zonder marge wijkt het af\\) |" in table
    assert "| ‘het grootste deel’ | 85 % | meer dan 50 % | klopt |" in table
    assert "in 2023 in elk geval" in table and "jaar van de brief" not in table and "kan niet misgaan" not in table
    assert "| ‘drie punten’ | 3 punten |" in table  # the letter counts the lowering in points
    assert "hoogstens" not in table and "15,08" not in table and "(75" not in table and "binnen afronding" not in table

    assert "| Vindplaats | Uitspraak | Marge 5" in shown_text(markdown_of(nb, "tbl-cijfercontrole-marges"))
    left = markdown_of(nb, "tbl-cijfercontrole-niet-opgenomen")
    assert "| Vindplaats | Uitspraak van de brief | Waarom niet nagerekend |" in left and "brief §1, alinea 6" in left

    findings = shown_text(markdown_of(nb, "cijfercontrole-kernpunten"))
    assert "toetst 6 afzonderlijke uitspraken" in findings and "zonder voorbehoud kloppen er 2" in findings
    assert "1 wijkt af onder een aanname" in findings and "Nog 3 uitspraken" in findings
    assert "Marge bij ‘ongeveer’, ‘circa’, ‘ruim’ en ‘bijna’: 10 % van het genoemde cijfer \\(relatief" in findings
    assert "ook bij 5 % en 20 %" in findings and "vanaf 4 % is het ‘klopt’, bij een kleinere marge niet" in findings
    assert "Niet meegeteld: de verbanden tussen delen en een geheel." in findings
    assert "groep ‘plicht vervalt’" in findings and "'" not in findings

    letter = markdown_of(nb, "brief-gegevens")
    assert "C.E.G. van Gennip" in letter and "staan niet in de tekst" in letter


@pytest.mark.nbrun("11_cijfercontrole", qualifier_margin_pct=3.0, decimals=2)
def test_11_tighter_tolerance_changes_a_verdict(nbrun):
    out, nb = nbrun
    result = pd.read_csv(out / "11_cijfercontrole.csv").set_index("check")
    assert result.loc["bib_eerste_poging_woorden", "verdict"] == "wijkt af"  # 72 % is not "bijna" 75 % within 3 %
    assert result.loc["bib_eerste_poging_woorden", "accepted_low"] == pytest.approx(0.75 * 0.97)
    margins = pd.read_csv(out / "11_cijfercontrole_marges.csv")
    assert list(margins.columns) == ["check", "section", "margin_3", "margin_5", "margin_20"]
    findings = shown_text(markdown_of(nb, "cijfercontrole-kernpunten"))
    assert "zonder voorbehoud kloppen er 2" in findings and "1 wijkt af," in findings
    assert "Geslaagd bij de eerste poging: de woorden van de brief naast het percentage \\(brief §9, alinea 2\\): wijkt af" in findings
    assert "‘bijna’: 3 % van het genoemde cijfer" in findings and "ook bij 5 % en 20 %" in findings
    assert "15,08 %" in shown_text(markdown_of(nb, "tbl-cijfercontrole"))  # decimals=2 where a rounding is judged


def published(nb: dict) -> dict:
    """The records and uses the notebook's last cell publishes (:func:`herkomst.publish`)."""
    return next(o["data"][herkomst.MIME] for c in nb["cells"] for o in c.get("outputs", []) if herkomst.MIME in o.get("data", {}))


def test_11_every_number_shown_has_a_record_that_resolves(defaults):
    _, nb = defaults
    payload = published(nb)
    records, uses = payload["records"], payload["uses"]
    for label in ("tbl-cijfercontrole", "tbl-cijfercontrole-marges", "cijfercontrole-kernpunten"):
        md = markdown_of(nb, label)
        assert herkomst.untraced_numbers(md) == [], label
        assert all(m.group(1) in records for m in herkomst.MARKED.finditer(md)), label
    for use in uses:
        rec = records[use["id"]]
        assert fmt.reformat(rec["value"], use["formatter"], use["decimals"]) == use["text"], (rec, use)
    labelled = {c.get("execution_count") for c in nb["cells"] if "#| label:" in "".join(c.get("source", ""))}
    assert {u["execution_count"] for u in uses} <= labelled  # every number is formatted in the cell that shows it
    kinds = {r["kind"] for r in records.values()}
    assert kinds == {"brief", "berekend", "parameter"}
    for rec in records.values():
        if rec["kind"] == "berekend":
            values = [records[i]["value"] for i in rec["inputs"]]
            assert herkomst.OPS[rec["op"]](*values, **rec["args"]) == pytest.approx(rec["value"], rel=1e-12), rec
            assert rec["formula"].endswith("= " + fmt._number(round(rec["value"], 4))), rec["formula"]
        elif rec["kind"] == "parameter" and rec["source"] == "params.yaml":
            assert (rec["block"], rec["key"], rec["value"]) == (NB, "qualifier_margin_pct", 10.0)
    margin = next(r for r in records.values() if r["kind"] == "parameter" and r["source"] == "params.yaml")
    assert any(margin["id"] in r["inputs"] for r in records.values() if r["kind"] == "berekend")  # the range uses it
    counts = [r for r in records.values() if r.get("op") == "count"]
    assert {r["value"] for r in counts} >= {6, 3, 2, 1}
