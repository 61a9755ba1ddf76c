"""Tables and findings as Markdown display outputs, for Quarto's ``{{< embed >}}``.

Text that comes from data or parameters is escaped, so a value such as ``<script>``
or ``{{< … >}}`` appears in the report as text and is never read as markup.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import pandas as pd

_BREAKS = re.compile(r"[ \t\r\n]+")  # not \s: keep no-break spaces inside numbers
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|@$~^&\"'])")


def escape(text: object) -> str:
    """Backslash-escape Markdown punctuation in ``text`` (one line).

    >>> escape("<script>")
    '\\\\<script\\\\>'
    """
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(text)).strip())


def markdown_table(df: pd.DataFrame, align: Sequence[str] | None = None) -> str:
    """A pipe table of ``df`` (already formatted as text); ``align`` is 'l' or 'r' per column."""
    align = align or ["l"] + ["r"] * (len(df.columns) - 1)
    rule = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = [
        "| " + " | ".join(escape(c) for c in df.columns) + " |",
        "|" + "|".join(rule[a] for a in align) + "|",
    ]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(escape(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def table(df: pd.DataFrame, align: Sequence[str] | None = None):
    """Display ``df`` as a Markdown table (caption and label come from the cell options)."""
    from IPython.display import Markdown

    return Markdown(markdown_table(df, align))


def findings(items: Iterable[str]):
    """Display a list of key findings (already-written Dutch sentences) as Markdown.

    The sentences are written by the notebook; numbers in them come from
    :mod:`verzamelbrief.fmt`. They are escaped like table cells.
    """
    from IPython.display import Markdown

    return Markdown("\n".join(f"- {escape(item)}" for item in items) + "\n")
