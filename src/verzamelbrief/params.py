"""Checking a notebook's papermill parameters in its first cell.

A notebook declares its parameters twice, on purpose: as plain assignments in the
cell tagged ``parameters`` (what papermill and JupyterLab users edit) and as a
pydantic model that says what each may hold. :func:`check_params` compares the two
and stops the notebook with one line naming the parameter and what is allowed::

    class Params(NotebookParams):
        base_year: int = Field(ge=2020, le=2021)
        lang: Literal["nl"]

    p = check_params(Params, globals())

Names that papermill injected but the model does not know are refused too; they are
read from the injected cell in IPython's input history (papermill marks it with
``# Parameters``).
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError


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
            lines.append(f"{where}parameter '{name}' = {err.get('input')!r}: {err['msg']}{allowed}")
        raise ParameterError("\n".join(lines)) from None
