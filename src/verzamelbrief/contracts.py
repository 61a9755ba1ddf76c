"""Output contracts: every processed table is checked against its own schema before it is written.

:func:`verzamelbrief.outputs.write_csv` calls :func:`check` for each table, so every
notebook gets the check without code of its own. A table that breaks its contract is not
written (the previous file stays) and the notebook stops with :class:`OutputContractError`,
one line per fault, naming the file, the row (the CSV line, header = 1), the column and
the rule.

The contract of a table in the project's long layout (``measure``, ``category``,
``year``, ``value``, ``unit``, …) is:

- no missing ``value`` (every row is a figure the report can show);
- shares within their unit's range: ``percent`` 0–100, ``fraction`` 0–1; counts not
  negative. Changes are exempt: a measure whose name says ``growth``, ``change``,
  ``difference`` or ``gap`` may be negative or above 100 %;
- parts within wholes: where a measure has a ``total`` category in a year, each other
  category of that measure and year is at most the total.

Tables in other layouts have a contract of their own in :data:`CONTRACTS`, by file name.
The checks are pandera schemas.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

#: Words in a measure's name that make it a change between two figures, not a share or count.
CHANGE_WORDS = ("growth", "change", "difference", "gap")
#: Units whose values are shares, with their range.
SHARE_RANGES = {"percent": (0.0, 100.0), "fraction": (0.0, 1.0)}
#: Units that count something, never negative.
COUNT_UNITS = ("count",)


class OutputContractError(ValueError):
    """A processed table that breaks its contract; nothing was written."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"{type(self).__name__}: {self}"]


def _is_change(measures: "pd.Series") -> "pd.Series":
    pattern = "|".join(CHANGE_WORDS)
    return measures.astype(str).str.contains(pattern, regex=True)


def _parts_within_total(df: "pd.DataFrame", keys: list[str], category: str, value: str, total: str = "total") -> "pd.Series":
    """True for rows that are not larger than the ``total`` row with the same ``keys``."""
    import pandas as pd

    group = [df[k].astype(str) for k in keys]
    is_total = df[category] == total
    totals = df[is_total].assign(_key=pd.Series(list(zip(*[g[is_total] for g in group])), index=df.index[is_total]))
    lookup = dict(zip(totals["_key"], totals[value]))
    row_total = pd.Series([lookup.get(k) for k in zip(*group)], index=df.index, dtype="float64")
    return is_total | row_total.isna() | df[value].isna() | (df[value] <= row_total + 1e-9)


def long_layout(df: "pd.DataFrame"):
    """The contract of a table with ``measure``/``value``/``unit`` columns."""
    import pandera.pandas as pa

    checks = []
    if "unit" in df:

        def share_in_range(d):
            exempt = _is_change(d["measure"]) | d["value"].isna()
            ok = exempt | True
            for unit, (lo, hi) in SHARE_RANGES.items():
                ok &= exempt | (d["unit"] != unit) | d["value"].between(lo, hi)
            return ok

        def count_not_negative(d):
            return _is_change(d["measure"]) | ~d["unit"].isin(COUNT_UNITS) | d["value"].isna() | (d["value"] >= 0)

        checks += [
            pa.Check(share_in_range, error="share_in_range"),
            pa.Check(count_not_negative, error="count_not_negative"),
        ]
    if "category" in df:
        keys = ["measure"] + (["year"] if "year" in df else []) + (["unit"] if "unit" in df else [])

        def part_within_whole(d):
            return _is_change(d["measure"]) | _parts_within_total(d, keys, "category", "value")

        checks.append(pa.Check(part_within_whole, error="part_within_whole"))
    return pa.DataFrameSchema(
        {"value": pa.Column(float, nullable=False, coerce=True)},
        checks=checks,
        name="long layout",
    )


def markt_dekking(df: "pd.DataFrame"):
    """Coverage of municipalities per component: shares of 100 % that add up to 100 %."""
    import pandera.pandas as pa

    def parts_add_up(d):
        """False on the first row of a component whose shares do not add up to 100."""
        sums = d.groupby(["component", "year"])["value"].transform("sum")
        first = ~d.duplicated(["component", "year"])
        return ~first | ((sums - 100).abs() <= 1e-6)

    return pa.DataFrameSchema(
        {"value": pa.Column(float, pa.Check.in_range(0, 100, error="share_in_range"), nullable=False, coerce=True)},
        checks=[pa.Check(parts_add_up, error="parts_add_up")],
    )


def amif_plafonds(df: "pd.DataFrame"):
    import pandera.pandas as pa

    def part_within_whole(d):
        return _parts_within_total(d, ["year"], "theme", "ceiling_eur_million")

    return pa.DataFrameSchema(
        {"ceiling_eur_million": pa.Column(float, pa.Check.ge(0, error="not_negative"), nullable=False, coerce=True)},
        checks=[pa.Check(part_within_whole, error="part_within_whole")],
    )


def bib_kandidaten(df: "pd.DataFrame"):
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "year": pa.Column(int, nullable=False, coerce=True),
            "candidates": pa.Column(int, pa.Check.ge(0, error="not_negative"), nullable=False, coerce=True),
        }
    )


def cijfercontrole(df: "pd.DataFrame"):
    import pandera.pandas as pa

    return pa.DataFrameSchema({"verdict": pa.Column(str, nullable=False), "check": pa.Column(str, nullable=False)})


#: Contracts of tables that are not in the long layout, by file name.
CONTRACTS: dict[str, Callable] = {
    "10_markt_dekking.csv": markt_dekking,
    "08_amif_plafonds.csv": amif_plafonds,
    "09_bib_kandidaten.csv": bib_kandidaten,
    "11_cijfercontrole.csv": cijfercontrole,
}

#: The column a row-wise check points at, and what it means in plain words.
RULES = {
    "share_in_range": ("value", "a share outside its range (percent 0-100, fraction 0-1)"),
    "count_not_negative": ("value", "a negative count"),
    "not_negative": (None, "a negative amount"),
    "part_within_whole": (None, "a part larger than its whole (the total of the same measure and year)"),
    "parts_add_up": ("value", "the shares of this component do not add up to 100"),
}


def schema_for(name: str, df: "pd.DataFrame"):
    """The contract of the table written as ``name``; ``None`` for a table without one."""
    if name in CONTRACTS:
        return CONTRACTS[name](df)
    if {"measure", "value"} <= set(df.columns):
        return long_layout(df)
    return None


def _row_label(df: "pd.DataFrame", index) -> str:
    parts = [str(df.at[index, c]) for c in ("measure", "component", "theme", "category", "year")
             if c in df and str(df.at[index, c]) not in ("", "nan", "<NA>", "None")]
    return f" ({'/'.join(parts)})" if parts else ""


def problems(df: "pd.DataFrame", path: Path | str) -> list[str]:
    """The faults of ``df`` against the contract of ``path``'s file name, one line each."""
    import pandas as pd
    import pandera.errors

    from . import paths

    name = Path(path).name
    schema = schema_for(name, df)
    if schema is None:
        return []
    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        rel = paths.relative(path)
        lines: dict[tuple, str] = {}
        for _, case in exc.failure_cases.iterrows():
            check, column, index = str(case.get("check")), case.get("column"), case.get("index")
            has_row = index is not None and not pd.isna(index)
            row = f", row {int(index) + 2}{_row_label(df, index)}" if has_row else ""
            if check in RULES:
                column = RULES[check][0] or column
                rule = RULES[check][1]
                if check == "part_within_whole":
                    column = "value" if "value" in df else "ceiling_eur_million"
                fact = df.at[index, column] if has_row and column in df else case.get("failure_case")
                if check == "parts_add_up" and has_row:
                    same = (df["component"] == df.at[index, "component"]) & (df["year"] == df.at[index, "year"])
                    fact = f"they add up to {df.loc[same, 'value'].sum():g}"
                text = f"{rule}: {fact:g}" if isinstance(fact, float) else f"{rule}: {fact}"
            elif check == "not_nullable":
                text = "missing value where the report shows a figure"
            elif check == "column_in_dataframe":
                text, column = "column is missing", case.get("failure_case")
            elif check.startswith("coerce_dtype"):
                text = f"not a number: {case.get('failure_case')!r}"
            else:
                text = f"{check}: {case.get('failure_case')!r}"
            key = (index if has_row else None, check)
            if key in lines:
                continue
            where = f", column '{column}'" if column and not pd.isna(column) and column != schema.name else ""
            lines[key] = f"{rel}{row}{where}: {text}"
        order = sorted(lines, key=lambda k: (k[0] is not None, k[0] if k[0] is not None else 0))
        return [lines[k] for k in order]
    return []


def check(df: "pd.DataFrame", path: Path | str) -> None:
    """Raise :class:`OutputContractError` when ``df`` breaks the contract of ``path``."""
    found = problems(df, path)
    if found:
        raise OutputContractError("\n".join(f"{line} (not written)" for line in found))
