"""One plot style for every notebook, and deterministic figure files.

- a colour-blind-safe palette (Okabe & Ito), Dutch number formats on the axes;
- a source line under each figure ("Bron: Verzamelbrief inburgering, §9");
- SVG written with a fixed hash salt and no creation date, so rebuilds are identical.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import fmt  # noqa: E402
from .outputs import write_bytes  # noqa: E402

#: Okabe & Ito (2008), without black: safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
GREY = "#6B6B6B"
FONT = "DejaVu Sans"  # ships with matplotlib, so every machine draws the same glyphs

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "axes.labelcolor": "#222222",
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "legend.frameon": False,
    "figure.figsize": (6.3, 3.2),
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.08,
    "svg.fonttype": "path",
    "svg.hashsalt": "verzamelbrief-inburgering",
    "path.simplify": True,
}


def use_style() -> None:
    """Apply the project's plot style to matplotlib."""
    matplotlib.rcParams.update(STYLE)


def dutch_axis(ax, axis: str = "y", decimals: int | None = None, suffix: str = "") -> None:
    """Format an axis' tick labels in Dutch notation (5.816; 0,5), with ``suffix``."""
    formatter = FuncFormatter(lambda v, _pos: fmt.number(v, decimals) + suffix)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def source_line(fig, section: int | str, extra: str = "") -> None:
    """Note "Bron: Verzamelbrief inburgering, §N" for the figure; :func:`save` places it
    under everything else drawn (tick labels, legends), left-aligned."""
    text = f"Bron: Verzamelbrief inburgering (eerste kwartaal 2023), §{section}"
    if extra:
        text += f"; {extra}"
    fig._verzamelbrief_source = text


def _place_source(fig) -> None:
    text = getattr(fig, "_verzamelbrief_source", None)
    if not text:
        return
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)  # inches
    x = box.x0 / fig.get_figwidth()
    y = (box.y0 - 0.06) / fig.get_figheight()
    fig.text(x, y, text, ha="left", va="top", fontsize=7.5, color=GREY)
    fig._verzamelbrief_source = None


def figure_bytes(fig, fmt_name: str = "svg") -> bytes:
    """Render ``fig`` to bytes, without run-time metadata."""
    _place_source(fig)
    buf = io.BytesIO()
    metadata = {"Date": None, "Creator": None} if fmt_name == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):
        fig.savefig(buf, format=fmt_name, metadata=metadata, dpi=200 if fmt_name == "png" else None)
    return buf.getvalue()


def save(fig, path: Path | str, fmt_name: str | None = None, show: bool = True):
    """Save ``fig`` atomically to ``path`` and return it as a display object.

    The notebook shows exactly the bytes written to disk, so the report (which
    embeds the notebook's output) and ``data/processed/figures`` never differ.
    """
    path = Path(path)
    fmt_name = fmt_name or path.suffix.lstrip(".")
    data = figure_bytes(fig, fmt_name)
    write_bytes(path, data)
    plt.close(fig)
    if not show:
        return None
    from IPython.display import SVG, Image

    return SVG(data=data) if fmt_name == "svg" else Image(data=data, format=fmt_name)
