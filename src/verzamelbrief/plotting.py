"""One plot style for every notebook, and deterministic figure files.

- a colour-blind-safe palette whose every colour has at least 4.5:1 contrast with white
  (so bars stand out from the page and white labels on them are legible, WCAG 1.4.3 and
  1.4.11), Dutch number formats on the axes;
- text never smaller than :data:`MIN_FONT_PT`, on figures :data:`FIG_WIDTH_IN` wide, so
  that chart text stays at least 9 px on a 390 px phone screen; :func:`figure_bytes`
  refuses a figure with smaller text;
- computed (derived) parts drawn with a light fill and a dashed outline in the part's
  colour (:func:`derived_style`), not with hatching: SVG hatch patterns make Typst 0.13
  (bundled with Quarto 1.7) write PDFs whose bytes differ between runs;
- a source line under each figure ("Bron: Verzamelbrief inburgering (eerste kwartaal 2023), §9, alinea 2");
- SVG written with a fixed hash salt and no creation date, so rebuilds are identical.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import fmt, herkomst  # noqa: E402
from .outputs import write_bytes  # noqa: E402

#: Blue, orange, green, purple, grey and wine, darkened from Okabe & Ito (2008) and Tol (2021)
#: until each has at least 4.5:1 contrast with white (5.2, 5.3, 5.3, 7.0, 7.0, 6.1).
PALETTE = ["#0072B2", "#B34D00", "#007A5E", "#7A3E9D", "#595959", "#AA3377"]
GREY = "#6B6B6B"  # axes and secondary text: 5.3:1 on white
REST = "#707070"  # "the rest" of a whole: 4.9:1 on white, and white labels on it 4.9:1
TEXT = "#222222"
#: the smallest text in a figure, and the figures' width: a 4.8-inch figure is about
#: 470 px wide (labels included), a 390 px phone shows it at about 370 px, so 9 pt (12 px)
#: text is drawn at about 9.4 px
MIN_FONT_PT = 9.0
FIG_WIDTH_IN = 4.8
FONT = "DejaVu Sans"  # ships with matplotlib, so every machine draws the same glyphs

STYLE = {
    # text from data (catalogue labels, categories) is drawn as text: "$…$" is not maths,
    # just as it is escaped in HTML and Typst
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": MIN_FONT_PT,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "axes.labelcolor": TEXT,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.frameon": False,
    "figure.figsize": (FIG_WIDTH_IN, 2.8),
    "figure.dpi": 100,
    # labels, titles and legends are fitted inside the figure's width, not drawn beyond it
    "figure.constrained_layout.use": True,
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


#: the room a label keeps on each side inside its bar segment (points)
LABEL_PAD_PT = 2.0


def label_segments(ax, segments) -> list[bool]:
    """Write each ``(start, width, y, text, color)`` in the middle of its bar segment (from
    ``start`` to ``start + width`` at ``y``), only where it fits with :data:`LABEL_PAD_PT` on
    each side, measured in the laid-out figure (a fixed share of the axis would let a label
    touch a narrow segment's edges). Returns, per segment, whether its label was written."""
    fig = ax.figure
    fig.draw_without_rendering()  # the layout the figure is saved with
    renderer, pad = fig.canvas.get_renderer(), 2 * LABEL_PAD_PT * fig.dpi / 72
    written = []
    for start, width, y, text, color in segments:
        label = ax.text(start + width / 2, y, herkomst.strip(text), ha="center", va="center", color=color)
        left, right = ax.transData.transform([(start, y), (start + width, y)])[:, 0]
        fits = label.get_window_extent(renderer).width <= abs(right - left) - pad  # as it will be seen
        if fits:
            label.set_text(text)  # with its marks: save() records the number's use
        else:
            label.remove()
        written.append(bool(fits))
    return written


def source_line(fig, where, extra: str = "") -> None:
    """Note "Bron: Verzamelbrief inburgering (eerste kwartaal 2023), §N, alinea M" for the
    figure; :func:`save` places it under everything else drawn (tick labels, legends),
    left-aligned. ``where`` is the locators of the raw rows drawn (one or several, shown with
    :func:`verzamelbrief.letter.display_many`), or a bare section number.

    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(); source_line(fig, ["§9 alinea 2", "§9 alinea 2"], "berekend")
    >>> fig._verzamelbrief_source.replace(fmt.NBSP, "~")  # the paragraph is wrapped as one
    'Bron: Verzamelbrief inburgering (eerste kwartaal 2023), §9,~alinea~2; berekend'
    >>> source_line(fig, 9); fig._verzamelbrief_source
    'Bron: Verzamelbrief inburgering (eerste kwartaal 2023), §9'
    >>> plt.close(fig)
    """
    from . import letter

    if isinstance(where, int):
        place = f"§{where}"
    else:
        place = letter.display_many([where] if isinstance(where, str) else list(where))
        place = place.removeprefix("brief ").replace("; brief ", "; ")
        place = re.sub(r", (alinea|punt|voetnoot) ", lambda m: f",{fmt.NBSP}{m.group(1)}{fmt.NBSP}", place)  # wrapped as one
    text = f"Bron: Verzamelbrief inburgering (eerste kwartaal 2023), {place}"
    if extra:
        text += f"; {extra}"
    fig._verzamelbrief_source = herkomst.strip(text)  # placed after save() strips the figure's texts: strip it here


def _place_source(fig) -> None:
    text = getattr(fig, "_verzamelbrief_source", None)
    if not text:
        return
    import textwrap

    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()  # lay the figure out first
    # everything the axes draw (tick labels, titles, legends), in inches
    box = Bbox.union([ax.get_tightbbox(renderer) for ax in fig.axes]).transformed(fig.dpi_scale_trans.inverted())
    x = box.x0 / fig.get_figwidth()
    y = (box.y0 - 0.06) / fig.get_figheight()
    # wrapped to the figure's width (a DejaVu Sans character is at most about 0.62 em wide)
    chars = int(FIG_WIDTH_IN * 72 / (0.62 * MIN_FONT_PT))
    fig.text(x, y, textwrap.fill(text, chars), ha="left", va="top", fontsize=MIN_FONT_PT, color=GREY)
    fig._verzamelbrief_source = None


def derived_style(color: str) -> dict:
    """Bar keyword arguments for a computed part: light fill, dashed outline in ``color``."""
    from matplotlib.colors import to_rgb

    light = tuple(1 - 0.22 * (1 - c) for c in to_rgb(color))
    return {"facecolor": light, "edgecolor": color, "linestyle": (0, (3, 2)), "linewidth": 1.4}


#: how much wider than :data:`FIG_WIDTH_IN` labels outside the axes may make a figure
WIDTH_TOLERANCE = 1.1


def check_legibility(fig) -> None:
    """Refuse a figure that, with everything drawn round it, is wider than
    :data:`FIG_WIDTH_IN` (within :data:`WIDTH_TOLERANCE`), or has text smaller than
    :data:`MIN_FONT_PT`: either would make its text too small on a phone."""
    width = fig.get_tightbbox(fig.canvas.get_renderer()).width
    if width > FIG_WIDTH_IN * WIDTH_TOLERANCE:
        raise ValueError(f"figure is {width:.2f} in wide with its labels; at most {FIG_WIDTH_IN * WIDTH_TOLERANCE:.2f} in, "
                         "or its text gets too small on phones (shorten or wrap the widest label)")
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_PT - 1e-9:
            raise ValueError(f"text {text.get_text()!r} is {text.get_fontsize():g} pt; at least {MIN_FONT_PT:g} pt")


def figure_bytes(fig, fmt_name: str = "svg") -> bytes:
    """Render ``fig`` to bytes, without run-time metadata, once its text is legible."""
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title):
            title.set_wrap(True)  # a long title wraps at the figure's edge
    from matplotlib.text import Text

    for text in fig.findobj(Text):  # an image cannot link: traced numbers show as plain text
        text.set_text(herkomst.strip(text.get_text()))
    _place_source(fig)
    check_legibility(fig)
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
