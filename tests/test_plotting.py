"""Figure helpers that decide what is drawn: a segment's label only where it fits."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402

from verzamelbrief import herkomst, plotting  # noqa: E402


def test_a_label_is_written_only_where_it_fits_in_its_segment():
    plotting.use_style()
    fig, ax = plt.subplots(figsize=(plotting.FIG_WIDTH_IN, 2))
    ax.set_xlim(0, 100)
    ax.barh(["a", "b"], [76, 94])
    ax.barh(["a", "b"], [24, 6], left=[76, 94])
    marked = "\ue000h-0123456789\ue00124\u00a0%\ue002"  # a number with its provenance marks
    written = plotting.label_segments(ax, [(0, 76, 0, "76\u00a0%", "white"), (76, 24, 0, marked, "white"),
                                           (94, 6, 1, "6\u00a0%", "white")])
    assert written == [True, True, False]
    assert [t.get_text() for t in ax.texts] == ["76\u00a0%", marked]  # the marks stay, for save() to record
    assert herkomst.strip(marked) == "24\u00a0%"
    plt.close(fig)
