"""The raw-data catalogue (``data/raw/catalogue.yaml``): validation and loading.

Every raw CSV has the same long layout, described in the catalogue's header. The
pandera schema for a file is built from its catalogue entry, so the catalogue is the
one place that says which indicators, categories, units and qualifiers are allowed.
Problems are reported as one line each, naming the file, the row (the line number in
the CSV, header = line 1), the column and the rule broken.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from . import paths

COLUMNS = ["indicator", "category", "year", "value", "unit", "qualifier", "locator"]

#: How far the true value may lie from a stated figure, per qualifier, as
#: (lower, upper) multipliers of the stated value. "exact" still allows rounding
#: of the last stated digit, see :func:`rounding_margin`.
QUALIFIER_BOUNDS = {
    "exact": (1.0, 1.0),
    "about": (0.9, 1.1),
    "more_than": (1.0, 1.1),
    "nearly": (0.9, 1.0),
}


class DataError(ValueError):
    """Raw data or catalogue that does not meet the catalogue's rules."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.rule}"


def rounding_margin(value: float) -> float:
    """Half a unit of the last significant digit stated in ``value``.

    >>> rounding_margin(72)
    0.5
    >>> rounding_margin(7.5)
    0.05
    """
    text = f"{value:.10g}"
    if "." in text and "e" not in text:
        return 0.5 * 10 ** -len(text.split(".")[1])
    return 0.5


@functools.lru_cache(maxsize=4)
def _load_catalogue(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_catalogue(path: Path | None = None) -> dict:
    """Read the catalogue (cached per file and modification time)."""
    path = Path(path or paths.CATALOGUE)
    if not path.exists():
        raise DataError([f"{paths.relative(path)}: catalogue file is missing"])
    return _load_catalogue(str(path), path.stat().st_mtime)


def build_schema(name: str, entry: dict, catalogue: dict):
    """Build the pandera schema of raw file ``name`` from its catalogue entry."""
    import pandera.pandas as pa

    indicators = entry["indicators"]
    units = catalogue["units"]
    years = catalogue["letter"]["years"]

    def unit_of(df):
        return df["indicator"].map(lambda i: indicators.get(i, {}).get("unit"))

    def category_known(df):
        return pd.Series(
            [c in indicators.get(i, {}).get("categories", {}) for i, c in zip(df["indicator"], df["category"])],
            index=df.index,
        )

    def within_unit_range(df):
        lo = df["unit"].map(lambda u: units.get(u, {}).get("min", -math.inf))
        hi = df["unit"].map(lambda u: units.get(u, {}).get("max", math.inf))
        return (df["value"] >= lo) & (df["value"] <= hi)

    def whole_count(df):
        is_count = df["unit"].isin(["count"])
        return ~is_count | (df["value"] == df["value"].round())

    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(str, pa.Check.isin(list(indicators)), nullable=False),
            "category": pa.Column(str, nullable=False),
            "year": pa.Column(
                "Int64",
                pa.Check.in_range(years["min"], years["max"], error=f"year within {years['min']}-{years['max']}"),
                nullable=True,
                coerce=True,
            ),
            "value": pa.Column(float, pa.Check.ge(0, error="value is not negative"), nullable=False, coerce=True),
            "unit": pa.Column(str, pa.Check.isin(list(units))),
            "qualifier": pa.Column(str, pa.Check.isin(list(catalogue["qualifiers"]))),
            "locator": pa.Column(str, pa.Check.str_matches(
                rf"^§{entry['section']} \S", error=f"locator names the file's section and the paragraph (§{entry['section']} alinea …)"
            ), nullable=False),
        },
        checks=[
            pa.Check(category_known, error="category is listed for the indicator in the catalogue"),
            pa.Check(lambda df: df["unit"] == unit_of(df), error="unit equals the indicator's unit in the catalogue"),
            pa.Check(within_unit_range, error="value within the unit's range (percent 0-100, fraction 0-1)"),
            pa.Check(whole_count, error="count is a whole number"),
        ],
        strict=True,
        ordered=True,
        unique=["indicator", "category", "year"],
        report_duplicates="exclude_first",
        name=name,
    )


def _read_raw(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    rel = paths.relative(path)
    if not path.exists():
        return None, [Problem(rel, None, None, "file listed in the catalogue is missing")]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(rel, None, None, "file is empty (expected a header and at least one row)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(rel, line, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8")]
    header = text.splitlines()[0].lstrip("\ufeff")
    if "," not in header:
        try:
            delim = csv.Sniffer().sniff(header, delimiters=";\t|").delimiter
        except csv.Error:
            delim = None
        if delim:
            return None, [Problem(rel, 1, None, f"delimiter is {delim!r}; raw files are comma-separated")]
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    ragged = [
        Problem(rel, n, None, f"row has {len(r)} fields, the header has {len(rows[0])} (an unquoted comma?)")
        for n, r in enumerate(rows[1:], start=2)
        if r and len(r) != len(rows[0])
    ]
    if ragged:
        return None, ragged
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False)
    if len(df) == 0:
        return None, [Problem(rel, None, None, "file has a header but no rows")]
    if "year" in df:
        df["year"] = df["year"].replace("", None)
    return df, []


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    return repr(value)


def _failure_problems(rel: str, exc, df: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    duplicates: set[int] = set()
    for _, case in exc.failure_cases.iterrows():
        column, check, failure = case.get("column"), str(case.get("check")), case.get("failure_case")
        index = case.get("index")
        row = int(index) + 2 if index is not None and not pd.isna(index) else None
        if str(failure).startswith("TypeError(") or check.startswith("dtype("):
            continue  # a follow-up of a value that could not be coerced, reported on its own
        if check == "column_in_schema":
            problems.append(Problem(rel, 1, str(failure), f"unexpected column; expected {', '.join(COLUMNS)}"))
        elif check == "column_in_dataframe":
            problems.append(Problem(rel, 1, str(failure), f"column is missing; expected {', '.join(COLUMNS)}"))
        elif check == "column_ordered":
            problems.append(Problem(rel, 1, str(failure), f"column out of order; expected {', '.join(COLUMNS)}"))
        elif check.startswith("coerce_dtype"):
            problems.append(Problem(rel, row, column, f"not a number: {failure!r}"))
        elif check in ("multiple_fields_uniqueness", "field_uniqueness"):
            if row is not None and row not in duplicates:
                duplicates.add(row)
                key = tuple(str(df.at[index, c]) for c in ("indicator", "category", "year"))
                problems.append(Problem(rel, row, "indicator", f"duplicate key (indicator, category, year) = {key}"))
        elif column in (None, "") or pd.isna(column) or column == exc.schema.name:
            problems.append(Problem(rel, row, None, check))
        else:
            problems.append(Problem(rel, row, str(column), f"{check} (got {_show(failure)})"))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _whole_problems(rel: str, df: pd.DataFrame, entry: dict) -> list[Problem]:
    problems = []
    for whole in entry.get("wholes", []):
        part = df[df["indicator"].isin(whole["indicators"])]
        keys = [whole["by"]] if whole.get("by") else []
        groups = part.groupby(keys + ["year"], dropna=False) if keys else part.groupby(["year"], dropna=False)
        for key, g in groups:
            total = g["value"].sum()
            margin = sum(rounding_margin(v) for v in g["value"])
            fuzzy = sum(
                v * (QUALIFIER_BOUNDS[q][1] - 1) for v, q in zip(g["value"], g["qualifier"]) if q in QUALIFIER_BOUNDS
            )
            low = sum(v * (1 - QUALIFIER_BOUNDS[q][0]) for v, q in zip(g["value"], g["qualifier"]) if q in QUALIFIER_BOUNDS)
            target = whole["total"]
            too_high = total - low - margin > target
            too_low = whole.get("rule", "equal") == "equal" and total + fuzzy + margin < target
            if too_high or too_low:
                row = int(g.index[0]) + 2
                label = f" for {key[0]}" if keys else ""
                op = "add up to" if whole.get("rule", "equal") == "equal" else "add up to at most"
                problems.append(
                    Problem(rel, row, "value", f"shares of {'+'.join(whole['indicators'])}{label} {op} {target:g}, got {total:g}")
                )
    return problems


def validate_file(name: str, catalogue: dict | None = None, raw_dir: Path | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate one raw file against its catalogue entry; return the typed frame and problems."""
    import pandera.errors

    catalogue = catalogue or load_catalogue()
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    entry = catalogue["files"][name]
    path = raw_dir / name
    rel = paths.relative(path)
    df, problems = _read_raw(path)
    if df is None:
        return None, problems
    columns = list(df.columns)
    if columns != COLUMNS:
        # the frame-wide checks need every column: report the header and stop here
        expected = ", ".join(COLUMNS)
        problems = [Problem(rel, 1, c, f"column is missing; expected {expected}") for c in COLUMNS if c not in columns]
        problems += [Problem(rel, 1, c, f"unexpected column; expected {expected}") for c in columns if c not in COLUMNS]
        if not problems:
            problems = [Problem(rel, 1, None, f"columns out of order: {', '.join(columns)}; expected {expected}")]
        return None, problems
    schema = build_schema(name, entry, catalogue)
    try:
        df = schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return None, _failure_problems(rel, exc, df)
    return df, _whole_problems(rel, df, entry)


def validate_all(raw_dir: Path | None = None, catalogue_path: Path | None = None, skip: set[str] = frozenset()) -> list[Problem]:
    """Validate every raw file and the catalogue's coverage of ``raw_dir``.

    Files named in ``skip`` (already validated, unchanged) are only checked to exist.
    """
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    catalogue_path = Path(catalogue_path or raw_dir / "catalogue.yaml")
    try:
        catalogue = load_catalogue(catalogue_path)
    except DataError as exc:
        return [Problem(paths.relative(catalogue_path), None, None, "catalogue file is missing")]
    except yaml.YAMLError as exc:
        return [Problem(paths.relative(catalogue_path), None, None, f"catalogue is not valid YAML: {exc}")]
    problems: list[Problem] = []
    listed = set(catalogue.get("files", {}))
    present = {p.name for p in raw_dir.glob("*.csv")}
    for extra in sorted(present - listed):
        problems.append(Problem(paths.relative(raw_dir / extra), None, None, "file has no entry in data/raw/catalogue.yaml"))
    for name in sorted(listed):
        if name in skip and (raw_dir / name).exists():
            continue
        problems.extend(validate_file(name, catalogue, raw_dir)[1])
    return problems


def load_table(name: str, raw_dir: Path | str | None = None) -> pd.DataFrame:
    """Load one raw file, validated; raise :class:`DataError` naming every problem.

    ``name`` may omit the ``.csv`` suffix. Relative ``raw_dir`` values are taken from
    the project root, so notebooks behave the same from any working directory.
    """
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    name = name if name.endswith(".csv") else f"{name}.csv"
    catalogue = load_catalogue(raw_dir / "catalogue.yaml")
    if name not in catalogue["files"]:
        raise DataError([f"{paths.relative(raw_dir / name)}: file has no entry in the catalogue"])
    df, problems = validate_file(name, catalogue, raw_dir)
    if problems:
        raise DataError([str(p) for p in problems])
    return df


def labels(name: str, indicator: str, raw_dir: Path | str | None = None) -> dict[str, str]:
    """The Dutch labels of ``indicator``'s categories in raw file ``name``."""
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    name = name if name.endswith(".csv") else f"{name}.csv"
    entry = load_catalogue(raw_dir / "catalogue.yaml")["files"][name]
    return dict(entry["indicators"][indicator]["categories"])


def file_entry(name: str, raw_dir: Path | str | None = None) -> dict:
    """The catalogue entry of raw file ``name`` (section, topic, source, indicators)."""
    raw_dir = resolve(raw_dir or paths.DATA_RAW)
    name = name if name.endswith(".csv") else f"{name}.csv"
    return load_catalogue(raw_dir / "catalogue.yaml")["files"][name]


def resolve(path: Path | str) -> Path:
    """Resolve ``path`` against the project root unless it is absolute."""
    p = Path(path)
    return p if p.is_absolute() else paths.ROOT / p


def stated_row(df: pd.DataFrame, indicator: str, category: str | None = None, year: int | None = None) -> pd.Series:
    """The one row of ``indicator`` (and ``category``, ``year``) in a loaded raw table.

    That row is a figure as the letter states it; anything but exactly one match is a
    :class:`DataError` naming what was looked for.

    >>> df = load_table("09_bib_examenmonitor")
    >>> int(stated_row(df, "candidates", "total", 2021)["value"])
    6693
    """
    mask = df["indicator"] == indicator
    if category is not None:
        mask &= df["category"] == category
    if year is not None:
        mask &= df["year"] == year
    rows = df[mask]
    if len(rows) != 1:
        key = "/".join(str(k) for k in (indicator, category, year) if k is not None)
        raise DataError([f"expected one row of {key} in the raw table, found {len(rows)}"])
    return rows.iloc[0]
