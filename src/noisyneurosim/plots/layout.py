"""Text that leaves its place in a figure (tests/test_report.py draws every kind and asks this)."""

from __future__ import annotations

import itertools

from .style import SAVE_DPI


def layout_problems(fig) -> list[str]:
    """Text that leaves its place: annotations outside their axes, legends over an axes, text off the canvas,
    tick labels running into each other. Checked at the resolution make() saves at, which sets the ticks."""
    fig.set_dpi(SAVE_DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox.expanded(1.001, 1.001)
    problems = []
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in axes:
        box = ax.bbox.expanded(1.001, 1.001)
        for text in ax.texts:
            extent = text.get_window_extent(renderer)
            if text.get_text() and not (box.contains(extent.x0, extent.y0) and box.contains(extent.x1, extent.y1)):
                problems.append(f"text {text.get_text()!r} leaves its axes")
        ticks = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        extents = sorted((t.get_window_extent(renderer) for t in ticks), key=lambda b: b.x0)
        for a, b in itertools.pairwise(extents):
            if a.x1 > b.x0 + 1:
                problems.append("x tick labels overlap")
                break
    # and those of panels side by side (a panel's last label into the next one's first: "17.50.0")
    labels = [
        (i, t.get_window_extent(renderer))
        for i, ax in enumerate(axes)
        for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
        if t.get_text() and t.get_visible() and min(ax.get_xlim()) <= x <= max(ax.get_xlim())  # drawn ones
    ]
    near = 3  # pixels: closer reads as one label
    if any(
        i != j and a.x0 < b.x1 + near and b.x0 < a.x1 + near and a.y0 < b.y1 and b.y0 < a.y1
        for (i, a), (j, b) in itertools.combinations(labels, 2)
    ):
        problems.append("x tick labels of two panels run into each other")
    legends = [*fig.legends, *(ax.get_legend() for ax in axes if ax.get_legend())]
    titles = [t for t in [*fig.texts, getattr(fig, "_suptitle", None)] if t is not None and t.get_text()]
    for legend in legends:
        extent = legend.get_window_extent(renderer)
        for ax in axes:
            if extent.overlaps(ax.bbox):
                problems.append("a legend covers an axes")
        for text in titles:
            if extent.overlaps(text.get_window_extent(renderer)):
                problems.append(f"a legend covers the text {text.get_text()[:40]!r}")
    for text in [*fig.texts, *([fig._suptitle] if getattr(fig, "_suptitle", None) else [])]:
        extent = text.get_window_extent(renderer)
        if not (canvas.contains(*extent.min) and canvas.contains(*extent.max)):
            problems.append(f"text {text.get_text()[:40]!r} leaves the figure")
    return problems
