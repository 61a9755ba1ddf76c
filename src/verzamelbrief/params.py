"""The notebooks' papermill parameters: one pydantic model per notebook, and the check.

Each notebook's parameters have one source: its model in :data:`MODELS` (name, type,
allowed values, default and meaning). The cell tagged ``parameters`` repeats the defaults as
plain assignments, because papermill and JupyterLab users edit that cell;
``tests/test_params.py`` checks that cell, ``params.yaml`` and the parameter table of ``docs/parameters.md``
(:func:`readme_table`) against the models. The notebook's next cell calls
:func:`check_params`, which stops it with one line naming the parameter and what is allowed::

    p = check_params(MODELS["09_bib_examenmonitor"], globals(), "09_bib_examenmonitor")

Names that papermill injected but the model does not know are refused too; they are
read from the injected cell in IPython's input history (papermill marks it with
``# Parameters``).
"""

from __future__ import annotations

import ast
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ParameterError(ValueError):
    """A papermill parameter with an unknown name, wrong type or value out of range."""

    def _render_traceback_(self):  # IPython (and so papermill) shows the message, not a traceback
        return [f"{type(self).__name__}: {self}"]


class NotebookParams(BaseModel):
    """Base for a notebook's parameter model: strict types, no extra names."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def injected_names(namespace: Mapping[str, Any]) -> set[str]:
    """Names assigned in the cell papermill injected (empty outside papermill)."""
    names: set[str] = set()
    for source in namespace.get("In", []) or []:
        if not source.lstrip().startswith("# Parameters"):
            continue
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _allowed(field) -> str:
    from typing import get_args

    if field.description in (_RAW, _OUT):
        return "a folder inside the project, or an absolute path" + ("; never raw data" if field.description == _OUT else "")
    ann = field.annotation
    args = get_args(ann)
    parts = []
    if args and all(isinstance(a, (str, int)) for a in args):
        parts.append("one of " + ", ".join(repr(a) for a in args))
    else:
        parts.append(getattr(ann, "__name__", str(ann)).replace("typing.", ""))
    for m in field.metadata:
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                parts.append(f"{word} {getattr(m, attr)}")
    return " ".join(parts)


def check_params(model: type[NotebookParams], namespace: Mapping[str, Any], notebook: str = "") -> NotebookParams:
    """Validate the notebook's parameters in ``namespace`` against ``model``.

    Raises :class:`ParameterError` with one line per problem, each naming the
    parameter, what is allowed and what was given.
    """
    where = f"{notebook}: " if notebook else ""
    fields = model.model_fields
    problems = []
    for name in sorted(injected_names(namespace) - set(fields)):
        problems.append(f"{where}unknown parameter '{name}'; allowed: {', '.join(fields)}")
    values = {name: namespace[name] for name in fields if name in namespace}
    for name in fields:
        if name not in namespace:
            problems.append(f"{where}parameter '{name}' is not set in the parameters cell")
    if problems:
        raise ParameterError("\n".join(problems))
    try:
        return model(**values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            field = fields.get(name)
            allowed = f"; allowed: {_allowed(field)}" if field else ""
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{where}parameter '{name}' = {err.get('input')!r}: {message}{allowed}")
        raise ParameterError("\n".join(lines)) from None


# ---------------------------------------------------------------- the models, one per notebook

#: The one margin for "ongeveer", "ruim" and "bijna" (see :mod:`verzamelbrief.checks`).
MARGIN_HELP = 'margin for "ongeveer"/"circa"/"ruim"/"bijna", in % of the stated figure'
_FIG = "figure file format"
_RAW = "input folder, relative to the project root"
_OUT = "output folder, relative to the project root"


class _Folders(NotebookParams):
    raw_dir: str = Field("data/raw", description=_RAW)
    processed_dir: str = Field("data/processed", description=_OUT)

    @field_validator("raw_dir", "processed_dir")
    @classmethod
    def _where(cls, value: str, info):
        """The one rule for folders (:func:`verzamelbrief.paths.folder`): inside the project
        unless given as an absolute path, and outputs never into raw data."""
        from . import paths

        paths.folder(value, output=info.field_name == "processed_dir")
        return value


class _Figures(_Folders):
    fig_format: Literal["svg", "png"] = Field("svg", description=_FIG)


class Statushouders01(_Figures):
    out_of: Literal[10, 100] = Field(10, description='write shares as "x op de 10" or "x op de 100"')


class Ontzorgen02(_Folders):
    """No parameters of its own: months become weeks by the one rule, ``derive.months_to_weeks``."""


class Leerbaarheid03(_Figures):
    """Only the figure format: the report shows no computed percentage for this section."""


class Agi04(_Folders):
    """No parameters of its own: the report shows no computed percentage for this section."""


class Onderwijsroute05(_Figures):
    qualifier_margin_pct: float = Field(10.0, ge=0, le=50, description=MARGIN_HELP)
    round_to: Literal[1, 10, 100] = Field(100, description="round the implied numbers of persons to a multiple of this")


class Mdt06(_Figures):
    qualifier_margin_pct: float = Field(10.0, ge=0, le=50, description=MARGIN_HELP)


class Aow07(_Figures):
    pass  # computed percentages follow fmt.computed_percent, the report's one rule


class Amif08(_Figures):
    eur_decimals: int = Field(1, ge=0, le=3, description="decimals of computed amounts in € million")


class Bib09(_Figures):
    base_year: int = Field(2020, ge=2020, le=2021, description="first year of the comparison")
    compare_year: int = Field(2021, ge=2020, le=2021, description="second year of the comparison")
    pct_decimals: int = Field(1, ge=0, le=3, description="decimals of computed percentages")

    @model_validator(mode="after")
    def years_in_order(self):
        if self.compare_year <= self.base_year:
            raise ValueError("compare_year must be later than base_year")
        return self


class Markt10(_Figures):
    sort_by: Literal["letter", "realised"] = Field("letter", description="order of routes and modules")


class Cijfercontrole11(_Folders):
    qualifier_margin_pct: float = Field(10.0, ge=0, le=50, description=MARGIN_HELP)
    decimals: int = Field(1, ge=0, le=4, description="decimals of a recomputed value that judges a rounding")


class Toezeggingen12(_Folders):
    topic_style: Literal["list", "table"] = Field("list", description="each topic's commitments as a list or a table")
    show_actor: bool = Field(True, description="name who acts with each commitment")


MODELS: dict[str, type[NotebookParams]] = {
    "01_statushouders_aan_het_werk": Statushouders01,
    "02_financieel_ontzorgen": Ontzorgen02,
    "03_leerbaarheidstoets": Leerbaarheid03,
    "04_agi_ontheffing": Agi04,
    "05_onderwijsroute": Onderwijsroute05,
    "06_mdt": Mdt06,
    "07_aow_leeftijd": Aow07,
    "08_amif": Amif08,
    "09_bib_examenmonitor": Bib09,
    "10_marktmonitor": Markt10,
    "11_cijfercontrole": Cijfercontrole11,
    "12_toezeggingen": Toezeggingen12,
}


def _default(field) -> str:
    value = field.default
    return f"`{value}`" if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def readme_table() -> str:
    """The parameter table of ``docs/parameters.md``, generated from :data:`MODELS` (the test compares them).

    >>> readme_table().splitlines()[0]
    '| notebook | parameter | default | allowed | meaning |'
    """
    lines = ["| notebook | parameter | default | allowed | meaning |", "|---|---|---|---|---|"]
    for notebook, model in MODELS.items():
        first = True
        for name, field in model.model_fields.items():
            if name in ("raw_dir", "processed_dir"):
                continue
            lines.append(f"| {'`' + notebook + '`' if first else ''} | `{name}` | {_default(field)} | "
                         f"{_allowed(field)} | {field.description} |")
            first = False
    lines.append("| every notebook | `raw_dir`, `processed_dir` | `data/raw`, `data/processed` | str | "
                 "input and output folders, relative to the project root |")
    return "\n".join(lines) + "\n"


def parameters_cell(notebook: str) -> str:
    """The source of ``notebook``'s cell tagged ``parameters``, generated from its model.

    >>> print(parameters_cell("01_statushouders_aan_het_werk"))
    raw_dir = "data/raw"  # input folder, relative to the project root
    processed_dir = "data/processed"  # output folder, relative to the project root
    fig_format = "svg"  # figure file format
    out_of = 10  # write shares as "x op de 10" or "x op de 100"
    """
    lines = []
    for name, field in MODELS[notebook].model_fields.items():
        value = f'"{field.default}"' if isinstance(field.default, str) else repr(field.default)
        lines.append(f"{name} = {value}  # {field.description}")
    return "\n".join(lines)
