"""How every figure is drawn: units, colours, knob axes, lines that coincide, titles, notes, legends and
panels; shared by every kind of figure."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ..knobs import KNOBS, display, label

sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)

METRICS = {
    "accuracy": "Accuracy (fraction correct)",
    "tops_per_w": "Energy efficiency [TOPS/W]",
    "latency_ns": "Latency per image",
    "dynamic_energy_pj": "Dynamic energy per image",
    "chip_area_um2": "Chip area",
}


# NeuroSim's unit of each quantity, and the larger units a figure may switch to
UNITS = {
    "ns": [("ns", 1.0), ("µs", 1e-3), ("ms", 1e-6), ("s", 1e-9)],
    "pj": [("pJ", 1.0), ("nJ", 1e-3), ("µJ", 1e-6), ("mJ", 1e-9)],
    "um2": [("µm²", 1.0), ("mm²", 1e-6)],
}


PALETTE = sns.color_palette("colorblind", 10)


MAX_TICK_LABELS = 12


SAVE_DPI = 150  # of the PNGs


def unit_of(metric: str, values) -> tuple[str, float]:
    """Pick the unit that keeps the largest value between 0.1 and 1000 ('' for unitless)."""
    base = next((u for u in UNITS if metric.endswith("_" + u)), None)
    if base is None:
        return "", 1.0
    v = np.nanmax(np.abs(np.asarray(values, dtype=float))) if len(values) else np.nan
    chosen = UNITS[base][0]
    for name, factor in UNITS[base]:
        if np.isfinite(v) and v * factor >= 0.1:
            chosen = (name, factor)
    return chosen


def metric_label(metric: str, values) -> tuple[str, float]:
    unit, factor = unit_of(metric, values)
    text = METRICS.get(metric, metric)
    return (f"{text} [{unit}]" if unit else text), factor


def colors_by_rank(values) -> dict:
    """A value's colour depends on its rank among the knob's values: stable across figures."""
    ordered = sorted(set(values), key=lambda v: (str(type(v)), v))
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(ordered)}


def _log_axis(values) -> bool:
    v = np.asarray([x for x in values if isinstance(x, (int, float, np.number))], dtype=float)
    return len(v) > 1 and (v > 0).all() and v.max() / v.min() >= 10


def knob_axis(ax, knob: str, values) -> None:
    ax.set_xlabel(label(knob))
    distinct = sorted(set(values))
    if KNOBS[knob].log_scale and _log_axis(distinct):
        ax.set_xscale("log")
    if len(distinct) <= MAX_TICK_LABELS and (KNOBS[knob].kind != "float" or len(distinct) <= 8):
        ax.set_xticks(distinct)
        ax.set_xticklabels([display(knob, v) for v in distinct])
        ax.minorticks_off()
    elif ax.get_xscale() != "log":
        # many values: let matplotlib choose a readable subset of ticks (integers stay integers)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=KNOBS[knob].kind != "float"))


def figure_title(fig, title: str, subtitle: str = "") -> None:
    """A title of one line, and a second one with what the figure holds fixed: never more than two lines."""
    width = int(fig.get_figwidth() * 9)
    lines = [textwrap.shorten(title, width, placeholder=" ...")]
    if subtitle:
        lines.append(textwrap.shorten(subtitle, width, placeholder=" ..."))
    fig.suptitle("\n".join(lines), fontsize=10)


NOTE_SIZE = 7.5


def add_notes(fig, lines: list[str]) -> None:
    """What a reader must know to read the figure right (how marks are made, what is not shown, lines that
    coincide, axes that do not start at zero), below the panels."""
    lines = [line for line in lines if line]
    if not lines:
        return
    width = int(fig.get_figwidth() * 13)
    text = "\n".join(textwrap.fill("- " + line, width, subsequent_indent="  ") for line in lines)
    # a figure-level x label: constrained layout keeps room for it below the panels (legends stand at the right)
    fig.supxlabel(text, x=0.01, ha="left", fontsize=NOTE_SIZE, color="0.2", linespacing=1.3)


def _percent(value: float) -> str:
    return f"{value:.1f} %" if value < 10 else f"{value:.0f} %"


def range_note(name: str, low: float, high: float, values, what: str = "axis") -> str:
    """The range of an axis (or colour scale) that leaves out zero, and how large the spread it magnifies is."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v) or low <= 0 <= high:
        return ""
    vmin, vmax = v.min(), v.max()
    if vmin == vmax:
        return f"{name}: every value is {vmax:.4g}; the {what} is stretched around it (no spread at all)"
    spread = (vmax - vmin) / max(abs(vmin), abs(vmax)) * 100
    if spread >= 50:
        return ""
    return f"{name}: {what} from {low:.4g} to {high:.4g}, not from 0: the values differ by {_percent(spread)}"


def y_range_note(ax, name: str, values) -> str:
    low, high = ax.get_ylim()
    return range_note(name, low, high, values, "y-axis")


# lines that coincide: each later one dashed and with a smaller marker over the earlier, so all stay visible
OVERLAID = [("-", "o", 6), ((0, (5, 3)), "s", 4.5), ((0, (1, 2)), "^", 3.5), ((0, (6, 2, 1, 2)), "D", 2.5)]


def _coinciding(marks: pd.DataFrame, x: str, hue: str) -> list[list]:
    """Groups of hue values whose lines have the same means at the same x (to 9 significant digits)."""
    curves = {}
    for value, part in marks.groupby(hue, sort=True):
        part = part.sort_values(x)
        curves[value] = (tuple(part[x]), tuple(float(f"{m:.9g}") for m in part["mean"]))
    groups: dict[tuple, list] = {}
    for value, curve in curves.items():
        groups.setdefault(curve, []).append(value)
    return [values for values in groups.values() if len(values) > 1]


def draw_lines(ax, marks: pd.DataFrame, x: str, hue: str | None, scale: float, colors: dict) -> list[str]:
    """One line per hue value, mean ± s.d. over seeds at each x; returns a note for each set that coincides."""
    together = _coinciding(marks, x, hue) if hue and len(marks) else []
    layer = {v: i for group in together for i, v in enumerate(group)}
    for value, part in marks.groupby(hue, sort=True) if hue else [(None, marks)]:
        part = part.sort_values(x)
        color = colors.get(value, PALETTE[0]) if hue else PALETTE[0]
        style, marker, size = OVERLAID[layer.get(value, 0) % len(OVERLAID)]
        ax.errorbar(
            part[x],
            part["mean"] * scale,
            yerr=part["sd"].fillna(0) * scale,
            marker=marker,
            markersize=size,
            linestyle=style,
            capsize=3,
            color=color,
            label=display(hue, value) if hue else None,
        )
    return [
        f"{hue} {', '.join(display(hue, v) for v in group[:-1])} and {display(hue, group[-1])} coincide "
        "(same values: drawn dashed over each other)"
        for group in together
    ]


def legend_beside(fig, ax, hue: str | None) -> None:
    """Right of the panels, below the title: it never covers data, the title or the notes under the panels."""
    if not hue:
        return
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, title=label(hue), loc="outside right upper", fontsize=8, ncols=1 + len(handles) // 13
        )


def make_panels(count_rows: int, count_cols: int, width: float, height: float):
    fig, axes = plt.subplots(
        count_rows,
        count_cols,
        figsize=(width * count_cols + 1.5, height * count_rows + 1.0),
        layout="constrained",
        squeeze=False,
    )
    return fig, axes
