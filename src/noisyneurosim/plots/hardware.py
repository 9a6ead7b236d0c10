"""Chip-level metrics against each hardware knob of a study (plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import pandas as pd

from .marks import (
    Drawn,
    each_combination,
    file_suffix,
    fixed_text,
    hardware_axes,
    not_drawn_note,
    not_shown_note,
    per_seed_marks,
    swept_knobs,
)
from .style import (
    add_notes,
    colors_by_rank,
    draw_lines,
    figure_title,
    knob_axis,
    legend_beside,
    make_panels,
    metric_label,
    y_range_note,
)

HARDWARE_PANELS = ("tops_per_w", "latency_ns", "dynamic_energy_pj", "chip_area_um2")


def hardware(runs: pd.DataFrame) -> list[Drawn]:
    """Four chip metrics against each hardware knob; lines by the next varying knob, one figure per rest."""
    drawn = []
    axes_knobs = swept_knobs(runs)
    ok = runs[runs["status"] == "ok"]
    for x in hardware_axes(runs):
        others = [k for k in axes_knobs if k != x]
        hue, rest = (others[0] if others else None), others[1:]
        combos = list(each_combination(runs, rest))
        skipped = [fixed for fixed, part in combos if not (part["status"] == "ok").any()]
        for fixed, part in combos:
            part_ok = ok.loc[ok.index.intersection(part.index)]
            if part_ok.empty:
                continue
            fig, grid = make_panels(2, 2, 3.9, 2.9)
            colors = colors_by_rank(runs[hue]) if hue else {}
            tables, notes = [], []
            for ax, metric in zip(grid.flat, HARDWARE_PANELS, strict=True):
                marks = per_seed_marks(part_ok, [x, *([hue] if hue else [])], metric)
                name, scale = metric_label(metric, marks["mean"])
                notes += [f"{name}: {n}" for n in draw_lines(ax, marks, x, hue, scale, colors)]
                knob_axis(ax, x, runs[x])
                ax.set_ylabel(name)
                notes.append(y_range_note(ax, name, marks["mean"] * scale))
                tables.append(marks)
            legend_beside(fig, grid[0][0], hue)
            figure_title(fig, f"Chip-level metrics against {x}", fixed_text(fixed))
            add_notes(
                fig,
                [
                    "mean ± s.d. over seeds (n per point in the CSV)",
                    not_shown_note(len(part_ok), len(part)),
                    not_drawn_note(skipped),
                    *notes,
                ],
            )
            marks = pd.concat(tables, ignore_index=True)
            for k, v in fixed.items():
                marks[k] = v
            drawn.append(Drawn(fig, f"hardware_vs_{x}{file_suffix(fixed)}", marks))
    return drawn
