"""Figures per study, chosen from the study's axes; each written as PNG, SVG and the CSV of its marks.

Rules every figure keeps:
- a mark aggregates over seeds only: every other knob the study varies is an axis, a line colour, a
  panel, or fixed for the whole figure (one figure per combination of the remaining knobs), and the
  title's second line says which (a title is at most two lines; everything else is a note below);
- only knobs that can move the plotted quantity split lines: hardware-only (Param.cpp) knobs never
  split an accuracy figure, which says they do not act on it;
- the numbers behind every figure are kept beside it (`<figure>.csv`, one row per mark, with `n`);
- legends stand outside the axes, labels inside them (`layout_problems` checks it);
- every figure says how many points it could not show;
- lines that coincide are drawn so that each stays visible, and a note names them;
- an axis or colour scale that does not start at zero states its range and the spread it shows;
- no figure of empty axes: a facet where no point finished is not drawn (the others say so), and a
  study with nothing to draw gets one image that says why and where the reasons are.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from .aggregate import decode_swept
from .compare import METRICS as COMPARED
from .compare import differences, reference_rows
from .figures import ACCURACY_ONLY, PLOT_KINDS, applicable  # noqa: F401
from .integrity import write_figure_table
from .knobs import INFERENCE_NAMES, KNOBS, PARAM_NAMES, TRAIN_NAMES, TRAINING_SHAPED_BY, display, label
from .summary import finished, pareto_front

METRICS = {
    "accuracy": "Accuracy (fraction correct)",
    "tops_per_w": "Energy efficiency [TOPS/W]",
    "latency_ns": "Latency per image",
    "dynamic_energy_pj": "Dynamic energy per image",
    "chip_area_um2": "Chip area",
}
HARDWARE_PANELS = ("tops_per_w", "latency_ns", "dynamic_energy_pj", "chip_area_um2")
# NeuroSim's unit of each quantity, and the larger units a figure may switch to
UNITS = {
    "ns": [("ns", 1.0), ("µs", 1e-3), ("ms", 1e-6), ("s", 1e-9)],
    "pj": [("pJ", 1.0), ("nJ", 1e-3), ("µJ", 1e-6), ("mJ", 1e-9)],
    "um2": [("µm²", 1.0), ("mm²", 1e-6)],
}
PART_NAMES = {
    "adc": "ADC",
    "accumulation": "Accumulation",
    "other": "Other peripheries",
    "ic": "Interconnect",
    "cim": "CIM array",
    "unitemised": "Not itemised by NeuroSim",
}
# (title, parts, what the parts add up to): NeuroSim's breakdowns, checked against its real outputs
BREAKDOWNS = {
    "latency": (
        "Read latency",
        ["adc_latency_ns", "accumulation_latency_ns", "other_latency_ns"],
        "NeuroSim's read-latency breakdown; it adds up to the per-image latency in layer-by-layer mode only",
    ),
    "energy": (
        "Dynamic energy per image",
        ["adc_energy_pj", "accumulation_energy_pj", "other_energy_pj"],
        "adds up to the chip's dynamic energy per image",
    ),
    "area": (
        "Chip area",
        ["adc_area_um2", "accumulation_area_um2", "other_area_um2", "ic_area_um2", "cim_array_area_um2"],
        "with the part NeuroSim does not itemise, adds up to the chip area",
    ),
}
PALETTE = sns.color_palette("colorblind", 10)
MAX_TICK_LABELS = 12
SAVE_DPI = 150  # of the PNGs
ALL_VALUES = "all"  # in a figure's CSV: a hardware-only knob, which does not act on accuracy

sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)


@dataclass
class Drawn:
    """One figure, before it is saved: the figure, its file name and the table of its marks."""

    fig: plt.Figure
    name: str
    marks: pd.DataFrame


def swept_knobs(runs: pd.DataFrame) -> list[str]:
    """The study's axes in the order the user wrote them (the runs table's 'swept' column)."""
    named = [k for cell in runs["swept"] for k in decode_swept(cell)]
    return [k for k in dict.fromkeys(named) if k in KNOBS]


def hardware_only(knob: str) -> bool:
    """A Param.cpp knob: it cannot change accuracy (traces and accuracy come from inference alone)."""
    return knob in PARAM_NAMES and knob not in INFERENCE_NAMES


def accuracy_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if not hardware_only(k)]


def hardware_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if k not in ACCURACY_ONLY]


def per_seed_marks(data: pd.DataFrame, keys: list[str], quantity: str) -> pd.DataFrame:
    """One row per combination of `keys`: the mean, s.d. and count over the seeds there."""
    clean = data.dropna(subset=[quantity])
    if clean.empty:
        return pd.DataFrame(columns=[*keys, "quantity", "mean", "sd", "n"])
    if keys:
        g = clean.groupby(keys, sort=True)[quantity]
        out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
    else:
        v = clean[quantity]
        out = pd.DataFrame({"mean": [v.mean()], "sd": [v.std(ddof=1)], "n": [v.count()]})
    out.insert(len(keys), "quantity", quantity)
    return out


def _combinations(data: pd.DataFrame, knobs: list[str]):
    """(fixed values, rows) for each combination of the knobs' values that occurs; one ({}, data) without knobs."""
    if not knobs:
        yield {}, data
        return
    for values, part in data.groupby(knobs, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        yield dict(zip(knobs, values, strict=True)), part


def _fixed_text(fixed: dict) -> str:
    return ", ".join(f"{k} = {display(k, v)}" for k, v in fixed.items())


def _file_suffix(fixed: dict) -> str:
    if not fixed:
        return ""
    text = "_".join(f"{k}-{display(k, v)}" for k, v in fixed.items())
    return "__" + re.sub(r"[^A-Za-z0-9.+-]+", "-", text)


def _unit(metric: str, values) -> tuple[str, float]:
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


def _metric_label(metric: str, values) -> tuple[str, float]:
    unit, factor = _unit(metric, values)
    text = METRICS.get(metric, metric)
    return (f"{text} [{unit}]" if unit else text), factor


def _colors(values) -> dict:
    """A value's colour depends on its rank among the knob's values: stable across figures."""
    ordered = sorted(set(values), key=lambda v: (str(type(v)), v))
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(ordered)}


def _log_axis(values) -> bool:
    v = np.asarray([x for x in values if isinstance(x, (int, float, np.number))], dtype=float)
    return len(v) > 1 and (v > 0).all() and v.max() / v.min() >= 10


def _knob_axis(ax, knob: str, values) -> None:
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


def _not_shown(shown: int, total: int, what: str = "points") -> str:
    missing = total - shown
    if missing:
        return f"{missing} of {total} {what} not shown (failed or not run; see summary)"
    return f"the {what[:-1] if what.endswith('s') else what} shown" if total == 1 else f"all {total} {what} shown"


def _title(fig, title: str, subtitle: str = "") -> None:
    """A title of one line, and a second one with what the figure holds fixed: never more than two lines."""
    width = int(fig.get_figwidth() * 9)
    lines = [textwrap.shorten(title, width, placeholder=" ...")]
    if subtitle:
        lines.append(textwrap.shorten(subtitle, width, placeholder=" ..."))
    fig.suptitle("\n".join(lines), fontsize=10)


NOTE_SIZE = 7.5


def _notes(fig, lines: list[str]) -> None:
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


def _range_note(name: str, low: float, high: float, values, what: str = "axis") -> str:
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


def _y_range_note(ax, name: str, values) -> str:
    low, high = ax.get_ylim()
    return _range_note(name, low, high, values, "y-axis")


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


def _lines(ax, marks: pd.DataFrame, x: str, hue: str | None, scale: float, colors: dict) -> list[str]:
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


def _legend(fig, ax, hue: str | None) -> None:
    """Right of the panels, below the title: it never covers data, the title or the notes under the panels."""
    if not hue:
        return
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, title=label(hue), loc="outside right upper", fontsize=8, ncols=1 + len(handles) // 13
        )


def _panels(count_rows: int, count_cols: int, width: float, height: float):
    fig, axes = plt.subplots(
        count_rows,
        count_cols,
        figsize=(width * count_cols + 1.5, height * count_rows + 1.0),
        layout="constrained",
        squeeze=False,
    )
    return fig, axes


def _not_drawn(skipped: list[dict], what: str = "point") -> str:
    """The note on a figure whose siblings (other values of the knobs held fixed) were not drawn."""
    if not skipped:
        return ""
    return (
        f"not drawn for {'; '.join(_fixed_text(f) for f in skipped)}: no {what} there finished "
        "(reasons in runs.csv, column reason)"
    )


def accuracy(runs: pd.DataFrame) -> list[Drawn]:
    """Accuracy against each accuracy-side knob; lines and panels by the other accuracy-side knobs."""
    drawn = []
    acc_knobs = accuracy_axes(runs)
    hw_knobs = [k for k in swept_knobs(runs) if hardware_only(k)]
    # one row per inference run: points that differ only in hardware knobs share it
    data = runs[runs["accuracy"].notna()].drop_duplicates("acc_id")
    runs_of_study = runs.drop_duplicates("acc_id")
    note_hw = (
        (
            f"not split by {', '.join(hw_knobs)}: hardware-only knobs do not change accuracy "
            "(points differing only there share one inference run)"
        )
        if hw_knobs
        else ""
    )
    for x in acc_knobs:
        others = [k for k in acc_knobs if k != x]
        hue = others[0] if others else None
        facet_col = others[1] if len(others) > 1 else None
        facet_row = others[2] if len(others) > 2 else None
        rest = others[3:]  # more than a figure can show: one figure per combination
        facets = [k for k in (facet_row, facet_col) if k]
        combos = list(_combinations(runs_of_study, rest))
        skipped = [fixed for fixed, part in combos if part["accuracy"].isna().all()]
        for fixed, selected in combos:
            part = data.loc[data.index.intersection(selected.index)]
            if part.empty:
                continue
            marks = per_seed_marks(part, [x, *([hue] if hue else []), *facets], "accuracy")
            rows = sorted(part[facet_row].unique(), key=str) if facet_row else [None]
            cols = sorted(part[facet_col].unique(), key=str) if facet_col else [None]
            fig, axes = _panels(len(rows), len(cols), 4.2, 3.2)
            colors = _colors(data[hue]) if hue else {}
            notes = []
            for (i, rv), (j, cv) in itertools.product(enumerate(rows), enumerate(cols)):
                ax = axes[i][j]
                sel = marks
                if facet_row:
                    sel = sel[sel[facet_row] == rv]
                if facet_col:
                    sel = sel[sel[facet_col] == cv]
                where = _fixed_text({k: v for k, v in ((facet_row, rv), (facet_col, cv)) if k})
                coincide = _lines(ax, sel, x, hue, 1.0, colors)
                notes += [f"{where}: {n}" if where else n for n in coincide]
                _knob_axis(ax, x, runs[x])
                ax.set_ylabel(METRICS["accuracy"] if j == 0 else "")
                ax.set_title(where, fontsize=9)
                notes.append(_y_range_note(ax, f"Accuracy{' (' + where + ')' if where else ''}", sel["mean"]))
            _legend(fig, axes[0][0], hue)
            _title(fig, f"Accuracy against {x}", _fixed_text(fixed))
            _notes(
                fig,
                [
                    "mean ± s.d. over seeds (n per point in the CSV)",
                    note_hw,
                    _not_shown(int(selected["accuracy"].notna().sum()), len(selected), "inference runs"),
                    _not_drawn(skipped, "inference run"),
                    *notes,
                ],
            )
            for k, v in fixed.items():
                marks[k] = v
            for k in hw_knobs:
                marks[k] = ALL_VALUES  # the mark holds for every value of a knob that cannot move it
            drawn.append(Drawn(fig, f"accuracy_vs_{x}{_file_suffix(fixed)}", marks))
    return drawn


def hardware(runs: pd.DataFrame) -> list[Drawn]:
    """Four chip metrics against each hardware knob; lines by the next varying knob, one figure per rest."""
    drawn = []
    axes_knobs = swept_knobs(runs)
    ok = runs[runs["status"] == "ok"]
    for x in hardware_axes(runs):
        others = [k for k in axes_knobs if k != x]
        hue, rest = (others[0] if others else None), others[1:]
        combos = list(_combinations(runs, rest))
        skipped = [fixed for fixed, part in combos if not (part["status"] == "ok").any()]
        for fixed, part in combos:
            part_ok = ok.loc[ok.index.intersection(part.index)]
            if part_ok.empty:
                continue
            fig, grid = _panels(2, 2, 3.9, 2.9)
            colors = _colors(runs[hue]) if hue else {}
            tables, notes = [], []
            for ax, metric in zip(grid.flat, HARDWARE_PANELS, strict=True):
                marks = per_seed_marks(part_ok, [x, *([hue] if hue else [])], metric)
                name, scale = _metric_label(metric, marks["mean"])
                notes += [f"{name}: {n}" for n in _lines(ax, marks, x, hue, scale, colors)]
                _knob_axis(ax, x, runs[x])
                ax.set_ylabel(name)
                notes.append(_y_range_note(ax, name, marks["mean"] * scale))
                tables.append(marks)
            _legend(fig, grid[0][0], hue)
            _title(fig, f"Chip-level metrics against {x}", _fixed_text(fixed))
            _notes(
                fig,
                [
                    "mean ± s.d. over seeds (n per point in the CSV)",
                    _not_shown(len(part_ok), len(part)),
                    _not_drawn(skipped),
                    *notes,
                ],
            )
            marks = pd.concat(tables, ignore_index=True)
            for k, v in fixed.items():
                marks[k] = v
            drawn.append(Drawn(fig, f"hardware_vs_{x}{_file_suffix(fixed)}", marks))
    return drawn


def heatmap(runs: pd.DataFrame) -> list[Drawn]:
    """Accuracy and TOPS/W over the first two axes; one figure per combination of the other knobs."""
    axes_knobs = swept_knobs(runs)
    x, y, rest = axes_knobs[0], axes_knobs[1], axes_knobs[2:]
    drawn = []
    combos = list(_combinations(runs, rest))
    skipped = [fixed for fixed, part in combos if not (part["status"] == "ok").any()]
    for fixed, part in combos:
        if not (part["status"] == "ok").any():
            continue
        fig, panels = _panels(1, 2, 4.8, 3.8)
        tables, notes = [], []
        sources = (
            ("accuracy", "Accuracy", ".3f", part[part["accuracy"].notna()].drop_duplicates(["acc_id", y, x])),
            ("tops_per_w", "Energy efficiency [TOPS/W]", ".4g", part[part["status"] == "ok"]),
        )
        for ax, (metric, title, fmt, data) in zip(panels[0], sources, strict=True):
            marks = per_seed_marks(data, [y, x], metric)
            table = marks.pivot(index=y, columns=x, values="mean") if len(marks) else pd.DataFrame()
            if table.empty:
                ax.text(0.5, 0.5, "no result", ha="center", va="center", transform=ax.transAxes)
            else:
                table = table.reindex(index=sorted(part[y].unique()), columns=sorted(part[x].unique()))
                sns.heatmap(table, annot=True, fmt=fmt, cmap="viridis", ax=ax, cbar_kws={"label": title})
                ax.set_xticklabels([display(x, v) for v in table.columns])
                ax.set_yticklabels([display(y, v) for v in table.index], rotation=0)
                low, high = ax.collections[0].get_clim()
                notes.append(
                    _range_note(f"{title}", low, high, marks["mean"], "colour scale")
                    or f"{title}: colour scale from {low:.4g} to {high:.4g}"
                )
            ax.set_xlabel(label(x))
            ax.set_ylabel(label(y))
            ax.set_title(f"{title} (blank: no result)", fontsize=9)
            tables.append(marks)
        _title(fig, f"{y} against {x}", _fixed_text(fixed))
        _notes(
            fig,
            [
                "each cell: mean over seeds (n per cell in the CSV)",
                _not_shown(int((part["status"] == "ok").sum()), len(part)),
                _not_drawn(skipped),
                *notes,
            ],
        )
        marks = pd.concat(tables, ignore_index=True)
        for k, v in fixed.items():
            marks[k] = v
        drawn.append(Drawn(fig, f"heatmap_{y}_vs_{x}{_file_suffix(fixed)}", marks))
    return drawn


def pareto(summary: pd.DataFrame, runs: pd.DataFrame) -> list[Drawn]:
    """Each setting (mean over its finished seeds); the front numbered, its settings listed below the axes."""
    knobs = swept_knobs(runs)
    s = finished(summary)  # the settings that finished on every seed, as summary.md compares them
    if s.empty:
        return []
    fig, ax = plt.subplots(figsize=(7, 5.2), layout="constrained")
    ax.errorbar(
        s["tops_per_w_mean"],
        s["accuracy_mean"],
        yerr=[s["accuracy_mean"] - s["accuracy_ci95_low"], s["accuracy_ci95_high"] - s["accuracy_mean"]],
        fmt="o",
        color=PALETTE[7],
        alpha=0.7,
        capsize=2,
        label="setting (95 % interval of accuracy)",
    )
    front = pareto_front(s)
    ax.plot(front["tops_per_w_mean"], front["accuracy_mean"], "-o", color=PALETTE[3], label="Pareto front")
    listing = []
    for i, (_, r) in enumerate(front.iterrows(), start=1):
        ax.annotate(
            str(i),
            (r["tops_per_w_mean"], r["accuracy_mean"]),
            fontsize=8,
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            annotation_clip=True,
        )
        listing.append(f"{i}: " + (", ".join(f"{k}={display(k, r[k])}" for k in knobs) or "defaults"))
    ax.margins(x=0.08, y=0.12)
    ax.set_xlabel(METRICS["tops_per_w"])
    ax.set_ylabel(METRICS["accuracy"])
    fig.legend(loc="outside right center", fontsize=8)
    if listing:
        ax.set_title(textwrap.fill("Pareto front: " + "; ".join(listing), 110), fontsize=7)
    _title(fig, "Accuracy against energy efficiency")
    _notes(
        fig,
        [
            "each mark: one setting that finished on every seed, mean over its seeds",
            # marks are settings (seeds pooled), so count settings, not points
            _not_shown(len(s), len(summary), "settings"),
            _range_note("TOPS/W", *ax.get_xlim(), s["tops_per_w_mean"], "x-axis"),
            _y_range_note(ax, "Accuracy", s["accuracy_mean"]),
        ],
    )
    marks = []
    for _, r in s.iterrows():
        base = {k: r[k] for k in knobs}
        marks.append(
            {
                **base,
                "quantity": "accuracy",
                "mean": r["accuracy_mean"],
                "sd": r["accuracy_std"],
                "ci95_low": r["accuracy_ci95_low"],
                "ci95_high": r["accuracy_ci95_high"],
                "n": r["seeds_ok"],
                "on_front": r.name in front.index,
            }
        )
        marks.append(
            {
                **base,
                "quantity": "tops_per_w",
                "mean": r["tops_per_w_mean"],
                "sd": r["tops_per_w_std"],
                "ci95_low": r["tops_per_w_ci95_low"],
                "ci95_high": r["tops_per_w_ci95_high"],
                "n": r["seeds_ok"],
                "on_front": r.name in front.index,
            }
        )
    return [Drawn(fig, "pareto_accuracy_tops_per_w", pd.DataFrame(marks))]


def breakdown_parts(row: pd.Series, kind: str) -> dict[str, float]:
    """The parts of one breakdown for one result, as NeuroSim reports them; for area also what it leaves out."""
    _, parts, _ = BREAKDOWNS[kind]
    values = {p: float(row[p]) for p in parts}
    if kind == "area":
        values["unitemised_area_um2"] = max(0.0, float(row["chip_area_um2"]) - sum(values.values()))
    return values


def _stacked(ax, labels, table: pd.DataFrame, parts: list[str], title: str) -> None:
    unit, factor = _unit(parts[0], table[parts].sum(axis=1))
    start = np.zeros(len(table))
    for i, part in enumerate(parts):
        values = table[part].astype(float).fillna(0).to_numpy() * factor
        ax.barh(labels, values, left=start, color=PALETTE[i], label=PART_NAMES[part.split("_")[0]])
        start += values
    ax.set_xlabel(f"{title} [{unit}]")


def breakdown(runs: pd.DataFrame) -> list[Drawn]:
    """Where latency, energy and area go: one bar per setting of every varying knob, mean over seeds."""
    knobs = swept_knobs(runs)
    keys = knobs or ["study"]  # a study of one setting: one bar
    ok = runs[runs["status"] == "ok"].copy()
    if ok.empty:
        return []
    ok["unitemised_area_um2"] = [breakdown_parts(r, "area")["unitemised_area_um2"] for _, r in ok.iterrows()]
    columns = {
        kind: [*parts, *(["unitemised_area_um2"] if kind == "area" else [])]
        for kind, (_, parts, _) in BREAKDOWNS.items()
    }
    tables = {part: per_seed_marks(ok, keys, part) for cols in columns.values() for part in cols}
    merged = None
    for part, table in tables.items():
        table = table.rename(columns={"mean": part})[[*keys, part, "n"]]
        merged = table if merged is None else merged.merge(table.drop(columns="n"), on=keys, how="outer")
    merged = merged.sort_values(keys, ascending=False)
    labels = [", ".join(f"{k}={display(k, r[k])}" for k in knobs) or "defaults" for _, r in merged.iterrows()]
    fig, panels = plt.subplots(1, 3, figsize=(15, 2.4 + 0.32 * max(1, len(merged))), sharey=True, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.2)  # room for the edge labels of neighbouring panels' x axes
    for ax, (kind, (title, _, sums)) in zip(panels, BREAKDOWNS.items(), strict=True):
        _stacked(ax, labels, merged, columns[kind], title)
        ax.set_title(textwrap.fill(sums, 55), fontsize=8)
    # the area panel has every part, in the colours the other panels use
    fig.legend(*panels[-1].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    _title(fig, "Where latency, energy and area go, per setting")
    _notes(fig, ["each bar: mean over seeds (n per bar in the CSV)", _not_shown(len(ok), len(runs))])
    marks = pd.concat(tables.values(), ignore_index=True)
    if not knobs:
        marks = marks.drop(columns="study")
    return [Drawn(fig, "breakdown_per_setting", marks)]


def layers(runs: pd.DataFrame, layer_table: pd.DataFrame) -> list[Drawn]:
    """Per layer, for the one point with the best TOPS/W (a single run: n = 1)."""
    knobs = swept_knobs(runs)
    ok = runs[runs["status"] == "ok"].dropna(subset=["tops_per_w"])
    if ok.empty:
        return []
    fig, panels = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
    chosen = ok.loc[ok["tops_per_w"].idxmax()]
    table = layer_table[layer_table["point_id"] == chosen["point_id"]].sort_values("layer")
    marks = []
    for ax, kind in zip(panels, ("latency", "energy"), strict=True):
        title, parts, _ = BREAKDOWNS[kind]
        unit, factor = _unit(parts[0], table[parts].sum(axis=1))
        start = np.zeros(len(table))
        for i, part in enumerate(parts):
            values = table[part].astype(float).fillna(0).to_numpy() * factor
            ax.bar(
                table["layer"].astype(str), values, bottom=start, color=PALETTE[i], label=PART_NAMES[part.split("_")[0]]
            )
            start += values
            marks += [
                {"layer": int(r["layer"]), "quantity": part, "mean": r[part], "n": 1} for _, r in table.iterrows()
            ]
        ax.set_ylabel(f"{'Read latency' if kind == 'latency' else 'Read dynamic energy'} [{unit}]")
        ax.set_xlabel("Layer")
        if len(table) > MAX_TICK_LABELS:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=MAX_TICK_LABELS, integer=True))
    fig.legend(*panels[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    setting = ", ".join(f"{k}={display(k, chosen[k])}" for k in knobs) or "defaults"
    _title(fig, "Per layer, the point with the best TOPS/W", f"{setting}, seed {chosen['seed']}")
    _notes(
        fig,
        [
            "one run; each layer's parts add up to its read latency and read dynamic energy",
            _not_shown(len(ok), len(runs)),
        ],
    )
    marks = pd.DataFrame(marks)
    for k in knobs:
        marks[k] = chosen[k]
    return [Drawn(fig, "layers_of_best_tops_per_w", marks)]


def training(runs: pd.DataFrame, training_table: pd.DataFrame) -> list[Drawn]:
    """Learning curves of the study's training runs: test accuracy and training loss per epoch, one line
    per run, coloured by the training-shaping knobs the study varies."""
    ids = [t for t in dict.fromkeys(runs["train_id"].dropna()) if t]
    table = training_table[training_table["train_id"].isin(ids)]
    shaping = [k for k in swept_knobs(runs) if k in TRAINING_SHAPED_BY or k in TRAIN_NAMES]
    fig, axes = _panels(1, 2, 4.6, 3.4)
    colors = dict(zip(ids, itertools.cycle(PALETTE), strict=False))
    failed = []
    for train_id in ids:
        curve = table[table["train_id"] == train_id].sort_values("epoch")
        first = curve.iloc[0] if len(curve) else None
        name = ", ".join(f"{k}={display(k, first[k])}" for k in shaping) if first is not None and shaping else train_id
        if first is not None and first["training_status"] == "failed":
            failed.append(f"{name}: {first['training_reason']}")
            name += " (failed)"
        curve = curve[curve["epoch"].notna()]
        for ax, column in zip(axes[0], ("test_accuracy", "train_loss"), strict=True):
            ax.plot(curve["epoch"], curve[column], marker="o", markersize=3, color=colors[train_id], label=name)
    axes[0][0].set_ylabel("Test accuracy (fraction correct)")
    axes[0][1].set_ylabel("Training loss (mean per batch)")
    finite = table["train_loss"][np.isfinite(table["train_loss"].astype(float))]
    if len(finite) and (finite > 0).all() and finite.max() > 20 * finite.min():
        axes[0][1].set_yscale("log")
    for ax in axes[0]:
        ax.set_xlabel("Epoch (train.py's numbering, from 0)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8)
    _title(fig, f"Learning curves: {len(ids)} training run(s)")
    _notes(
        fig,
        [
            "test accuracy after each epoch, on the test set inference uses; the best epoch is the checkpoint "
            "train.checkpoint: best loads",
            *(f"failed: {f}" for f in failed),
        ],
    )
    return [Drawn(fig, "learning_curves", table.reset_index(drop=True))]


def version_differences(runs: pd.DataFrame) -> list[Drawn]:
    """Per metric, each point pair's relative difference between a version and the study's first."""
    table = differences(runs)
    table = table[table["relative_difference"].notna()]
    if table.empty:
        return []
    versions = list(dict.fromkeys(table["version"]))
    metrics = [m for m in COMPARED if m in set(table["metric"])]
    settings = list(dict.fromkeys(table["setting"]))
    colors = _colors(settings)
    fig, axes = _panels(1, len(versions), max(6.0, 0.8 * len(metrics)), 4.0)
    for ax, version in zip(np.atleast_1d(axes).ravel(), versions, strict=False):
        part = table[table["version"] == version]
        for i, metric in enumerate(metrics):
            rows = part[part["metric"] == metric]
            offsets = np.linspace(-0.25, 0.25, len(settings)) if len(settings) > 1 else [0.0]
            for offset, setting in zip(offsets, settings, strict=True):
                values = rows[rows["setting"] == setting]["relative_difference"] * 100
                ax.scatter([i + offset] * len(values), values, color=colors[setting], s=22, label=setting)
        ax.axhline(0, color="0.4", linewidth=0.8)
        ax.set_xticks(range(len(metrics)), [COMPARED[m] for m in metrics], rotation=35, ha="right")
        # differences span orders of magnitude (area -90 %, latency 0.01 %): linear within +-1 %, log beyond
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylabel("Relative difference [%]")
        ax.set_title(f"{version} against {table['reference_version'].iloc[0]}", fontsize=10)
    handles, labels = np.atleast_1d(axes).ravel()[0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    if len(unique) <= MAX_TICK_LABELS:
        fig.legend(unique.values(), unique.keys(), loc="outside right center", fontsize=8)
    _title(fig, "NeuroSim versions side by side", "one mark per point pair (setting and seed); 0: no change")
    pairs = len(table) // max(len(metrics), 1)
    _notes(
        fig,
        [
            f"{pairs} point pair(s) that finished on both versions; every value: results/versions.csv",
            "y axis linear within +-1 %, logarithmic beyond",
        ],
    )
    return [Drawn(fig, "relative_difference", table.reset_index(drop=True))]


def draw(
    kind: str,
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    layer_table: pd.DataFrame,
    training_table: pd.DataFrame | None = None,
) -> list[Drawn]:
    """The figures of one kind for one study (runs and summary already filtered to it), not yet saved; a
    study with nothing to draw gets one image that says so instead of empty axes. A study that compares
    NeuroSim versions gets them side by side; its other figures show its first (reference) version."""
    if kind == "versions":
        return version_differences(runs) or [nothing_drawn(kind, runs)]
    runs, summary = reference_rows(runs), reference_rows(summary)
    drawn = {
        "training": lambda: training(runs, training_table),
        "accuracy": lambda: accuracy(runs),
        "hardware": lambda: hardware(runs),
        "pareto": lambda: pareto(summary, runs),
        "heatmap": lambda: heatmap(runs),
        "breakdown": lambda: breakdown(runs),
        "layers": lambda: layers(runs, layer_table),
    }[kind]()
    return drawn or [nothing_drawn(kind, runs)]


def nothing_drawn(kind: str, runs: pd.DataFrame) -> Drawn:
    """The image a study gets in place of a figure when none of its points finished: what happened and
    where the reasons are, no axes. Its CSV lists the points with their reasons."""
    study = next(iter(runs["study"]), "?") if "study" in runs else "?"
    failed = int((runs["status"] == "failed").sum())
    if failed and failed == len(runs):
        head = f"Every point of study {study} failed: see runs.csv reasons"
    else:
        head = f"No point of study {study} has finished ({failed} of {len(runs)} failed, the others not run yet)"
    text = "\n".join(
        [
            head,
            f"so no {kind} figure is drawn (it would show empty axes).",
            "The reason of each point: results/runs.csv (column reason), results/summary.md,",
            f"and {kind}_not_drawn.csv beside this image.",
        ]
    )
    fig = plt.figure(figsize=(7, 2.2))
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, linespacing=1.6)
    columns = [c for c in ("study", "point_id", "seed", "status", "reason") if c in runs]
    return Drawn(fig, f"{kind}_not_drawn", runs[columns].reset_index(drop=True))


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


def make(
    kind: str,
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    layer_table: pd.DataFrame,
    out: Path,
    training_table: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw and save one kind of figure for one study: PNG, SVG and the CSV of its marks."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in draw(kind, runs, summary, layer_table, training_table):
        png, svg, csv = (out / f"{d.name}.{ext}" for ext in ("png", "svg", "csv"))
        d.fig.savefig(png, dpi=SAVE_DPI, bbox_inches="tight")
        d.fig.savefig(svg, bbox_inches="tight")
        plt.close(d.fig)
        knobs_first = [c for c in d.marks.columns if c in KNOBS] + [c for c in d.marks.columns if c not in KNOBS]
        write_figure_table(csv, d.marks[knobs_first].to_csv(index=False))
        paths += [png, svg, csv]
    return paths
