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
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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

    def _render_traceback_(self):  # IPython (and so papermill) shows the problems, not a traceback
        return [f"{type(self).__name__}: {self}"]


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


@functools.lru_cache(maxsize=8)
def _parse_catalogue(data: bytes) -> tuple[dict | None, tuple[str, ...]]:
    """The catalogue in ``data`` and the problems of its structure (without the file's name,
    which the caller puts in front): by content, so a copy of data/raw is read once."""
    from .yamlfile import YamlFileError, loads

    try:
        catalogue = loads(data.decode("utf-8"), "catalogue")
    except UnicodeDecodeError as exc:
        return None, (f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",)
    except YamlFileError as exc:
        return None, (f"{f'line {exc.line}: ' if exc.line else ''}{exc.problem}",)
    problems = structure_problems(catalogue)
    return (None, tuple(problems)) if problems else (catalogue, ())


def load_catalogue(path: Path | None = None) -> dict:
    """Read the catalogue (parsed once per content) and check its structure.

    Raises :class:`DataError` with one line per problem in the catalogue itself.
    """
    path = Path(path or paths.CATALOGUE)
    if not path.exists():
        raise DataError([f"{paths.relative(path)}: catalogue file is missing"])
    catalogue, problems = _parse_catalogue(path.read_bytes())
    if problems:
        rel = paths.relative(path)
        raise DataError([f"{rel}: {p}" for p in problems])
    return catalogue


# ---------------------------------------------------------------- the catalogue's own structure

def _structure_models():
    from typing import Annotated, Literal, Optional

    from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

    class Years(Strict):
        min: int
        max: int

    def iso_date(value):
        import datetime

        try:
            ok = value is None or isinstance(value, str) and datetime.date.fromisoformat(value).isoformat() == value
        except ValueError:
            ok = False
        if not ok:
            raise ValueError("not a date written as YYYY-MM-DD (or null when the letter gives none)")
        return value

    IsoDate = Annotated[Optional[str], BeforeValidator(iso_date)]

    class Letter(BaseModel):
        """The letter's particulars, which the report prints (notebook 11 and the letter head)."""
        model_config = ConfigDict(extra="allow", strict=True)
        title: str = Field(min_length=1)
        period: str = Field(min_length=1)
        sender: str = Field(min_length=1)
        signed_by: Optional[str]
        date: IsoDate
        kamerstuk: Optional[str]
        transcribed: IsoDate
        years: Years

    class Unit(Strict):
        label_nl: str
        description: str
        min: Optional[float] = Field(default=None, strict=False)
        max: Optional[float] = Field(default=None, strict=False)

    class Indicator(Strict):
        description: str
        label_nl: str
        unit: str
        categories: dict[str, str] = Field(min_length=1)
        year: Literal["required", "optional"] = "required"

    class Whole(Strict):
        indicators: list[str] = Field(min_length=1)
        total: float = Field(strict=False)
        by: Optional[Literal["category"]] = None
        rule: Literal["equal", "at_most"] = "equal"

    class PartOf(Strict):
        parts: list[str] = Field(min_length=1)
        whole: str

    class FileEntry(Strict):
        section: int
        topic: str
        source: str
        indicators: dict[str, Indicator] = Field(min_length=1)
        wholes: list[Whole] = []
        part_of: list[PartOf] = []

    class Catalogue(BaseModel):
        model_config = ConfigDict(extra="allow", strict=True)
        letter: Letter
        qualifiers: dict[str, str] = Field(min_length=1)
        units: dict[str, Unit] = Field(min_length=1)
        files: dict[str, FileEntry] = Field(min_length=1)

    return Catalogue


_KIND = {
    "dict_type": "a mapping (name: entry)",
    "model_type": "a mapping (key: value)",
    "list_type": "a list",
    "string_type": "a text",
    "int_type": "a whole number",
    "float_type": "a number",
    "literal_error": None,
    "missing": None,
    "extra_forbidden": None,
}


def _got(value) -> str:
    kind = {str: "text", int: "number", float: "number", list: "list", dict: "mapping", bool: "yes/no"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} {shown[:40]}{'…' if len(shown) > 40 else ''}"


def structure_problems(catalogue) -> list[str]:
    """Problems in the catalogue's own structure, one line each, naming the entry.

    The structure (which keys, mappings and lists, which units and rules) is a pydantic
    model; references between entries (an indicator's unit, the indicators and categories a
    whole or a part names) are checked after it.

    >>> problems = structure_problems({"letter": {"years": {"min": 2020, "max": 2027}}, "qualifiers": {"exact": "x"},
    ...     "units": {"count": {"label_nl": "aantal", "description": "d"}},
    ...     "files": {"a.csv": {"section": 1, "topic": "t", "source": "s", "indicators": "candidates"}}})
    >>> problems[0], problems[-1]
    ('letter › title: is missing', "files › a.csv › indicators: should be a mapping (name: entry), got text 'candidates'")
    """
    from pydantic import ValidationError

    if not isinstance(catalogue, dict):
        return [f"should be a mapping with letter, qualifiers, units and files, got {_got(catalogue)}"]
    try:
        _structure_models().model_validate(catalogue)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = " › ".join(str(part) for part in err["loc"])
            kind = err["type"]
            if kind == "missing":
                lines.append(f"{where}: is missing")
            elif kind == "extra_forbidden":
                lines.append(f"{where}: unknown key")
            elif kind in _KIND and _KIND[kind]:
                lines.append(f"{where}: should be {_KIND[kind]}, got {_got(err.get('input'))}")
            else:
                msg = err["msg"].removeprefix("Value error, ")
                lines.append(f"{where}: {msg[:1].lower()}{msg[1:]}, got {_got(err.get('input'))}")
        # one line per place: a wrong type also fails its alternatives (e.g. None)
        return list(dict.fromkeys(lines))
    return _reference_problems(catalogue)


def _reference_problems(catalogue: dict) -> list[str]:
    problems = []
    units = catalogue["units"]
    for name, entry in catalogue["files"].items():
        where = f"files › {name}"
        if not name.endswith(".csv"):
            problems.append(f"{where}: a raw file name ends in .csv")
        indicators = entry["indicators"]
        for ind_name, ind in indicators.items():
            if ind["unit"] not in units:
                problems.append(f"{where} › indicators › {ind_name} › unit: unknown unit '{ind['unit']}'; known: {', '.join(units)}")
        for i, whole in enumerate(entry.get("wholes", [])):
            for ind_name in whole["indicators"]:
                if ind_name not in indicators:
                    problems.append(f"{where} › wholes › {i} › indicators: unknown indicator '{ind_name}'")
        declared_wholes = set()
        for i, rel in enumerate(entry.get("part_of", [])):
            for key, ref in [("parts", r) for r in rel["parts"]] + [("whole", rel["whole"])]:
                ind_name, _, category = ref.partition("/")
                if ind_name not in indicators:
                    problems.append(f"{where} › part_of › {i} › {key}: unknown indicator '{ind_name}' in '{ref}'")
                elif category and category not in indicators[ind_name]["categories"]:
                    problems.append(f"{where} › part_of › {i} › {key}: unknown category '{category}' in '{ref}'")
            declared_wholes.add(rel["whole"])
        # a breakdown with a total is a part-whole relation: it must be declared to be checked
        for ind_name, ind in indicators.items():
            cats = ind["categories"]
            if "total" in cats and len(cats) > 1 and f"{ind_name}/total" not in declared_wholes:
                problems.append(
                    f"{where} › indicators › {ind_name}: has a category 'total' and parts of it; "
                    f"declare them under part_of (whole: {ind_name}/total)"
                )
    return problems


#: Row-wise checks across columns: check name → (the column at fault, what is wrong).
#: Each is true for rows another check already refuses (an unknown indicator, a missing
#: value), so that one fault gives one line.
ROW_CHECKS = {
    "category_known": "category",
    "unit_matches": "unit",
    "within_unit_range": "value",
    "whole_count": "value",
    "year_required": "year",
}


def build_schema(name: str, entry: dict, catalogue: dict):
    """Build the pandera schema of raw file ``name`` from its catalogue entry."""
    import pandera.pandas as pa

    indicators = entry["indicators"]
    units = catalogue["units"]
    years = catalogue["letter"]["years"]

    def known(df):
        return df["indicator"].isin(list(indicators))

    def category_known(df):
        return ~known(df) | pd.Series(
            [c in indicators.get(i, {}).get("categories", {}) for i, c in zip(df["indicator"], df["category"])],
            index=df.index,
        )

    def unit_matches(df):
        return ~known(df) | ~df["unit"].isin(list(units)) | (df["unit"] == expected_unit(df))

    def expected_unit(df):
        return df["indicator"].map(lambda i: indicators.get(i, {}).get("unit"))

    def checked_value(df):
        """Rows whose value is judged by its unit: a known unit that is the indicator's."""
        return df["value"].notna() & (df["unit"] == expected_unit(df))

    def within_unit_range(df):
        lo = df["unit"].map(lambda u: units.get(u, {}).get("min")).astype(float).fillna(-math.inf)
        hi = df["unit"].map(lambda u: units.get(u, {}).get("max")).astype(float).fillna(math.inf)
        return ~checked_value(df) | ((df["value"] >= lo) & (df["value"] <= hi))

    def whole_count(df):
        return ~checked_value(df) | (df["unit"] != "count") | (df["value"] == df["value"].round())

    def year_required(df):
        needs = df["indicator"].map(lambda i: indicators.get(i, {}).get("year", "required") == "required")
        return ~known(df) | ~needs | df["year"].notna()

    row_checks = {f.__name__: f for f in (category_known, unit_matches, within_unit_range, whole_count, year_required)}
    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(str, pa.Check.isin(list(indicators), error="indicator_known"), nullable=False),
            "category": pa.Column(str, nullable=False),
            "year": pa.Column(
                "Int64",
                pa.Check.in_range(years["min"], years["max"], error="year_range"),
                nullable=True,
                coerce=True,
            ),
            "value": pa.Column(float, pa.Check.ge(0, error="not_negative"), nullable=False, coerce=True),
            "unit": pa.Column(str, pa.Check.isin(list(units), error="unit_known")),
            "qualifier": pa.Column(str, pa.Check.isin(list(catalogue["qualifiers"]), error="qualifier_known")),
            "locator": pa.Column(str, pa.Check.str_matches(
                rf"^§{entry['section']} \S", error=f"locator names the file's section and the paragraph (§{entry['section']} alinea …)"
            ), nullable=False),
        },
        checks=[pa.Check(f, name=n) for n, f in row_checks.items()],
        strict=True,
        ordered=True,
        unique=["indicator", "category", "year"],
        report_duplicates="exclude_first",
        name=name,
    )


def _fault(check: str, column: str, row: pd.Series, entry: dict, catalogue: dict) -> str:
    """The rule a row breaks, in plain words, with the values that break it."""
    indicators = entry["indicators"]
    indicator = indicators.get(row.get("indicator"), {})
    value = row.get("value")
    if check == "not_nullable":
        return f"{column} is missing (empty or NaN); write the figure as the letter states it"
    if check == "indicator_known":
        return f"unknown indicator {row['indicator']!r}; the catalogue lists {', '.join(indicators)}"
    if check == "unit_known":
        return f"unknown unit {row['unit']!r}; the catalogue lists {', '.join(catalogue['units'])}"
    if check == "qualifier_known":
        return f"unknown qualifier {row['qualifier']!r}; the catalogue lists {', '.join(catalogue['qualifiers'])}"
    if check == "not_negative":
        return f"value is negative ({_show(value)})"
    if check == "year_range":
        years = catalogue["letter"]["years"]
        return f"year {_show(row['year'])} is outside the letter's years ({years['min']}-{years['max']})"
    if check == "category_known":
        return (f"category {row['category']!r} is not listed for indicator {row['indicator']!r}; "
                f"the catalogue lists {', '.join(indicator.get('categories', {}))}")
    if check == "unit_matches":
        return f"unit {row['unit']!r} differs from the unit of indicator {row['indicator']!r} in the catalogue ({indicator.get('unit')!r})"
    if check == "within_unit_range":
        unit = catalogue["units"].get(row["unit"], {})
        return f"value {_show(value)} outside the range of unit {row['unit']!r} ({_show(unit.get('min'))}-{_show(unit.get('max'))})"
    if check == "whole_count":
        return f"value {_show(value)} is a count and must be a whole number"
    if check == "year_required":
        return f"year is empty; indicator {row['indicator']!r} needs a year (see its entry in the catalogue)"
    return f"{check} (got {_show(row.get(column))})"


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
    rows, problems = _csv_rows(rel, text.lstrip("\ufeff"))
    if problems:
        return None, problems
    ragged = [
        Problem(rel, n, None, f"row has {len(r)} fields, the header has {len(rows[0])} (an unquoted comma?)")
        for n, r in enumerate(rows[1:], start=2)
        if r and len(r) != len(rows[0])
    ]
    if ragged:
        return None, ragged
    # one parser: the frame is built from the rows just read (no second reading by pandas)
    df = pd.DataFrame([r for r in rows[1:] if r], columns=rows[0], dtype=str)
    if len(df) == 0:
        return None, [Problem(rel, None, None, "file has a header but no rows")]
    if "year" in df:
        # "2021.0" (a spreadsheet's way of writing a year) is the year 2021
        df["year"] = df["year"].str.replace(r"^\s*(\d+)\.0*\s*$", r"\1", regex=True).replace("", None)
    return df, []


def _csv_rows(rel: str, text: str) -> tuple[list[list[str]], list[Problem]]:
    """The rows of a raw CSV, one record per line; a quote that opens a field and does not
    close it on the same line (a stray quote) is one problem naming the row and column."""
    rows, problems = [], []
    header: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        try:
            row = next(csv.reader([line], strict=True), [])
        except csv.Error as exc:
            column = line[: line.find('"')].count(",") if '"' in line else None
            name = header[column] if header and column is not None and column < len(header) else None
            problems.append(Problem(rel, n, name, f"a stray quote (\") in this field ({exc}); "
                                    "a field that starts with a quote must end with one, on the same line"))
            continue
        if n == 1:
            header = row
        rows.append(row)
    return rows, problems


#: The one rule for how a figure is written in ``data/raw``: digits, optionally a decimal
#: point and decimals, optionally a leading minus (refused later as negative). A point is
#: always a decimal point, never a thousands separator; no exponent, no spaces inside.
RAW_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: At most this many digits: every figure is then exact as a float and as a 64-bit integer.
MAX_DIGITS = 15
MISSING = ("", "nan", "na", "n/a", "null", "none")


def value_problem(text: str, unit: str | None) -> str | None:
    """What is wrong with ``text`` as a raw figure in ``unit``; ``None`` when it is a figure.

    >>> value_problem("5816", "count") is None, value_problem("7.5", "percent") is None
    (True, True)
    >>> value_problem("5.000", "count")
    'value 5.000 is a count and must be a whole number: write 5000, not 5.000 (a point is a decimal point, never a thousands separator)'
    >>> value_problem("1e20", "count")
    "not a number: '1e20'; write the figure in digits, with a decimal point if needed (5816, 7.5)"
    """
    stripped = text.strip()
    if stripped.lower() in MISSING:
        return "value is missing (empty or NaN); write the figure as the letter states it"
    if not RAW_NUMBER.fullmatch(stripped):
        return f"not a number: {text!r}; write the figure in digits, with a decimal point if needed (5816, 7.5)"
    if len(stripped.lstrip("-").replace(".", "").lstrip("0")) > MAX_DIGITS:
        return f"value {stripped} has more than {MAX_DIGITS} digits; no figure of the letter is that large"
    if unit == "count" and "." in stripped:
        if re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+", stripped):
            return (f"value {stripped} is a count and must be a whole number: write {stripped.replace('.', '')}, "
                    f"not {stripped} (a point is a decimal point, never a thousands separator)")
        return f"value {stripped} is a count and must be a whole number"
    return None


def _text_problems(rel: str, df: pd.DataFrame, entry: dict) -> list[Problem]:
    """Every ``value`` (and ``year``) checked against the one rule for raw figures, before any
    conversion, so that no cell is silently read as another number."""
    units = {name: ind.get("unit") for name, ind in entry["indicators"].items()}
    problems = []
    for i, (value, unit, indicator) in enumerate(zip(df["value"], df["unit"], df["indicator"])):
        message = value_problem(value, units.get(indicator, unit))
        if message:
            problems.append(Problem(rel, i + 2, "value", message))
    for i, year in enumerate(df["year"]):
        if not pd.isna(year) and not re.fullmatch(r"\d{4}", str(year).strip()):
            problems.append(Problem(rel, i + 2, "year", f"not a year (a whole number such as 2021): {year!r}"))
    return problems


def _typed_for_messages(df: pd.DataFrame) -> pd.DataFrame:
    """The raw frame with numbers as numbers where they convert, for showing in messages."""
    shown = df.copy()
    for column in ("year", "value"):
        if column in shown:
            converted = pd.to_numeric(shown[column], errors="coerce")
            shown[column] = shown[column].where(converted.isna(), converted)
    return shown


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    if isinstance(value, float):
        return f"{round(value, 6):.10g}"
    return repr(value)


def _failure_problems(rel: str, exc, df: pd.DataFrame, entry: dict, catalogue: dict) -> list[Problem]:
    """One problem per fault: pandera reports a row-wise check once per column, and
    a value that could not be converted once more for each check it then fails."""
    problems: list[Problem] = []
    seen: set[tuple] = set()
    coerce_failed: set[tuple] = set()
    cases = exc.failure_cases
    # conversions first: a value that is not a number explains every other failure of its cell
    cases = cases.assign(_order=~cases["check"].astype(str).str.startswith("coerce_dtype"))
    for _, case in cases.sort_values("_order", kind="stable").iterrows():
        column, check, failure = case.get("column"), str(case.get("check")), case.get("failure_case")
        index = case.get("index")
        has_row = index is not None and not pd.isna(index)
        row = int(index) + 2 if has_row else None
        if str(failure).startswith("TypeError(") or check.startswith("dtype("):
            continue  # a follow-up of a value that could not be coerced, reported on its own
        if check == "column_in_schema":
            problems.append(Problem(rel, 1, str(failure), f"unexpected column; expected {', '.join(COLUMNS)}"))
        elif check == "column_in_dataframe":
            problems.append(Problem(rel, 1, str(failure), f"column is missing; expected {', '.join(COLUMNS)}"))
        elif check == "column_ordered":
            problems.append(Problem(rel, 1, str(failure), f"column out of order; expected {', '.join(COLUMNS)}"))
        elif check.startswith("coerce_dtype"):
            coerce_failed.add((row, column))
            if column == "value" and not str(failure).strip():
                problems.append(Problem(rel, row, column, "value is missing (empty); write the figure as the letter states it"))
            else:
                what = "a year (a whole number such as 2021)" if column == "year" else "a number"
                problems.append(Problem(rel, row, column, f"not {what}: {failure!r}"))
        elif check in ("multiple_fields_uniqueness", "field_uniqueness"):
            if (row, "duplicate") not in seen:
                seen.add((row, "duplicate"))
                key = tuple(str(df.at[index, c]) for c in ("indicator", "category", "year"))
                problems.append(Problem(rel, row, "indicator", f"duplicate key (indicator, category, year) = {key}"))
        elif has_row:
            column = ROW_CHECKS.get(check, column)
            if (row, check) in seen or (row, column) in coerce_failed:
                continue
            seen.add((row, check))
            problems.append(Problem(rel, row, str(column), _fault(check, str(column), df.loc[index], entry, catalogue)))
        else:
            problems.append(Problem(rel, row, None, check))
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


def _bounds(values: pd.Series, qualifiers: pd.Series) -> tuple[float, float]:
    """The lowest and highest true total of stated figures, given their qualifiers and rounding."""
    low = high = 0.0
    for v, q in zip(values, qualifiers):
        lo_f, hi_f = QUALIFIER_BOUNDS.get(q, (1.0, 1.0))
        low += v * lo_f - rounding_margin(v)
        high += v * hi_f + rounding_margin(v)
    return low, high


def _part_problems(rel: str, df: pd.DataFrame, entry: dict) -> list[Problem]:
    """Parts larger than their whole (``part_of`` in the catalogue), per year.

    A reference is ``indicator/category`` or ``indicator`` (all its categories added up).
    The parts are refused when even their lowest possible total (qualifiers such as
    "ongeveer" and rounding of the last digit allowed for) exceeds the highest possible whole.
    """

    def rows_of(ref: str) -> pd.DataFrame:
        indicator, _, category = ref.partition("/")
        mask = df["indicator"] == indicator
        if category:
            mask &= df["category"] == category
        return df[mask]

    def year_key(year) -> object:
        return None if pd.isna(year) else int(year)

    problems = []
    for rel_spec in entry.get("part_of", []):
        parts = pd.concat([rows_of(r) for r in rel_spec["parts"]])
        whole = rows_of(rel_spec["whole"])
        label = " + ".join(rel_spec["parts"])
        for year in sorted({year_key(y) for y in parts["year"]}, key=lambda y: (y is None, y)):
            # elementwise in Python: a Series compared with None is never true, so figures without a year need this
            p = parts[[year_key(y) == year for y in parts["year"]]]
            w = whole[[year_key(y) == year for y in whole["year"]]]
            when = f" in {year}" if year is not None else ""
            row = int(p.index[0]) + 2
            if w.empty:
                problems.append(Problem(rel, row, "year", f"{label}{when} has no whole {rel_spec['whole']}{when} to be part of"))
                continue
            p_low, _ = _bounds(p["value"], p["qualifier"])
            _, w_high = _bounds(w["value"], w["qualifier"])
            if p_low > w_high:
                problems.append(Problem(
                    rel, row, "value",
                    f"{label}{when} ({_show(p['value'].sum())}) is larger than its whole "
                    f"{rel_spec['whole']} ({_show(w['value'].sum())})",
                ))
    return problems


#: validate_file's answers in this process, by file name, its bytes and the catalogue: the
#: same file against the same catalogue always gets the same answer, wherever it lies (the
#: tests validate many copies of data/raw that differ in one file; pandera takes most of a
#: second per folder). The problems are kept with the path they were found at.
_VALIDATED: dict[tuple, tuple[pd.DataFrame | None, list[Problem], str]] = {}


def validate_file(name: str, catalogue: dict | None = None, raw_dir: Path | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate one raw file against its catalogue entry; return the typed frame and problems."""
    import dataclasses
    import hashlib
    import json

    catalogue = catalogue or load_catalogue()
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    path = raw_dir / name
    try:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        content = None  # _read_raw says what is wrong
    key = (name, content, json.dumps(catalogue, sort_keys=True, default=str))
    rel = paths.relative(path)
    if content is None or key not in _VALIDATED:
        if len(_VALIDATED) > 256:
            _VALIDATED.clear()
        _VALIDATED[key] = (*_validate_file(name, catalogue, raw_dir), rel)
    df, problems, found_at = _VALIDATED[key]
    problems = [dataclasses.replace(p, file=rel) if p.file == found_at else p for p in problems]
    return (None if df is None else df.copy()), problems


def _validate_file(name: str, catalogue: dict, raw_dir: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    import pandera.errors

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
    problems = _text_problems(rel, df, entry)
    if problems:
        return None, problems
    schema = build_schema(name, entry, catalogue)
    try:
        df = schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return None, _failure_problems(rel, exc, _typed_for_messages(df), entry, catalogue)
    return df, _whole_problems(rel, df, entry) + _part_problems(rel, df, entry)


def validate_all(raw_dir: Path | None = None, catalogue_path: Path | None = None, skip: set[str] = frozenset()) -> list[Problem]:
    """Validate every raw file and the catalogue's coverage of ``raw_dir``.

    Files named in ``skip`` (already validated, unchanged) are only checked to exist.
    """
    raw_dir = Path(raw_dir or paths.DATA_RAW)
    catalogue_path = Path(catalogue_path or raw_dir / "catalogue.yaml")
    try:
        catalogue = load_catalogue(catalogue_path)
    except DataError as exc:
        return [Problem(paths.relative(catalogue_path), None, None, p.split(": ", 1)[1] if ": " in p else p)
                for p in exc.problems]
    problems: list[Problem] = []
    from .letter import record_problems  # raw files that are not figures (catalogue `records`)

    problems.extend(record_problems(raw_dir, catalogue, skip))
    listed = set(catalogue.get("files", {}))
    present = {p.name for p in raw_dir.glob("*.csv")}
    for extra in sorted(present - listed - set(catalogue.get("records") or {})):
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
    df.attrs["file"] = paths.relative(raw_dir / name)  # for figure(): the origin of each row
    df.attrs["catalogue"] = str(raw_dir / "catalogue.yaml")
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
    if year is not None and not pd.isna(year):  # a row without a year gives pandas' NA
        mask &= df["year"] == year
    rows = df[mask]
    if len(rows) != 1:
        key = "/".join(str(k) for k in (indicator, category, year) if k is not None)
        raise DataError([f"expected one row of {key} in the raw table, found {len(rows)}"])
    return rows.iloc[0]


def figure(df: pd.DataFrame, indicator: str, category: str | None = None, year: int | None = None):
    """The figure of :func:`stated_row` as a traced number: it carries its provenance record
    (raw file, line, locator, qualifier, the letter's wording) into every text that formats it,
    and has ``unit``, ``qualifier``, ``locator`` and ``year`` as attributes.

    >>> from verzamelbrief import herkomst; herkomst.start("doc")
    >>> n = figure(load_table("09_bib_examenmonitor"), "candidates", "total", 2021)
    >>> int(n), herkomst.record_of(n)["line"], n.locator
    (6693, 3, '§9 alinea 2')
    """
    from . import herkomst, text

    row = stated_row(df, indicator, category, year)
    if "file" not in df.attrs:
        raise DataError([f"figure({indicator}): the table was not loaded with load_table, so its file is unknown"])
    entry = load_catalogue(Path(df.attrs["catalogue"]))["files"][Path(df.attrs["file"]).name]
    label = text.label_of(entry, row["indicator"], row["category"])
    chosen = {herkomst.param_name(year): int(year)} if herkomst.param_name(year) else {}  # the parameter that chose the row
    return herkomst.letter_figure(row, df.attrs["file"], int(row.name) + 2, label, chosen)
