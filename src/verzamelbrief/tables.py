"""Tables and findings as Markdown display outputs, for Quarto's ``{{< embed >}}``.

Text that comes from data or parameters is escaped, so a value such as ``<script>``
or ``{{< … >}}`` appears in the report as text and is never read as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import pandas as pd

_BREAKS = re.compile(r"[ \t\r\n]+")  # not \s: keep no-break spaces inside numbers
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|@$~^&\"'])")


def escape(text: object) -> str:
    """Backslash-escape Markdown punctuation in ``text`` (one line).

    >>> escape("<script>")
    '\\\\<script\\\\>'
    """
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(text)).strip())


_HEX = re.compile(r"^[0-9a-f]*$")


def _cell(value: object, code: bool) -> str:
    if code:
        text = str(value)
        if not _HEX.match(text):
            raise ValueError(f"code cells hold hexadecimal digests only, got {text!r}")
        return f"`{text}`"
    return escape(value)


def markdown_table(
    df: "pd.DataFrame",
    align: Sequence[str] | None = None,
    widths: Sequence[int] | None = None,
    code: Sequence[str] = (),
) -> str:
    """A pipe table of ``df`` (already formatted as text).

    ``align`` is 'l', 'r' or 'c' per column. ``widths`` gives relative column widths,
    which pandoc uses when a row is longer than 72 characters (the cells then wrap).
    Columns named in ``code`` are set in a monospace font (checksums).

    >>> import pandas as pd
    >>> print(markdown_table(pd.DataFrame({"a": ["x"], "b": ["1"]}), widths=[3, 1]), end="")
    | a | b |
    |:------------|----:|
    | x | 1 |
    """
    return rows_table(list(df.columns), df.itertuples(index=False), align, widths, code)


def rows_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    align: Sequence[str] | None = None,
    widths: Sequence[int] | None = None,
    code: Sequence[str] = (),
) -> str:
    """:func:`markdown_table` for plain rows (no pandas needed)."""
    align = align or ["l"] + ["r"] * (len(columns) - 1)
    widths = widths or [1] * len(columns)
    if len(align) != len(columns) or len(widths) != len(columns):
        raise ValueError(f"align and widths need one entry per column ({len(columns)})")

    def rule(a: str, w: int) -> str:
        dashes = "-" * max(3, 4 * w)
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]

    lines = [
        "| " + " | ".join(escape(c) for c in columns) + " |",
        "|" + "|".join(rule(a, w) for a, w in zip(align, widths)) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v, c in code) for v, c in zip(row, columns)) + " |")
    return "\n".join(lines) + "\n"


def table(df: "pd.DataFrame", align: Sequence[str] | None = None, widths: Sequence[int] | None = None, code: Sequence[str] = ()):
    """Display ``df`` as a Markdown table (caption and label come from the cell options)."""
    from IPython.display import Markdown

    return Markdown(markdown_table(df, align, widths, code))


def findings(items: Iterable[str]):
    """Display a list of key findings (already-written Dutch sentences) as Markdown.

    The sentences are written by the notebook; numbers in them come from
    :mod:`verzamelbrief.fmt`. They are escaped like table cells. Each ends with the letter
    paragraphs its numbers come from (:func:`verzamelbrief.herkomst.locators`), shown as the
    tables show them.
    """
    from IPython.display import Markdown

    from . import herkomst, letter

    lines = []
    for item in items:
        where = herkomst.locators(item)
        lines.append(f"- {escape(item + (f' {letter.display_many(where)}' if where else ''))}")
    return Markdown("\n".join(lines) + "\n")
