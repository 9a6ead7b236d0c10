"""Accuracy against each accuracy-side knob of a study (plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import itertools

import pandas as pd

from .marks import (
    ALL_VALUES,
    Drawn,
    accuracy_axes,
    each_combination,
    file_suffix,
    fixed_text,
    hardware_only,
    not_drawn_note,
    not_shown_note,
    per_seed_marks,
    swept_knobs,
)
from .style import (
    METRICS,
    add_notes,
    colors_by_rank,
    draw_lines,
    figure_title,
    knob_axis,
    legend_beside,
    make_panels,
    y_range_note,
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
        combos = list(each_combination(runs_of_study, rest))
        skipped = [fixed for fixed, part in combos if part["accuracy"].isna().all()]
        for fixed, selected in combos:
            part = data.loc[data.index.intersection(selected.index)]
            if part.empty:
                continue
            marks = per_seed_marks(part, [x, *([hue] if hue else []), *facets], "accuracy")
            rows = sorted(part[facet_row].unique(), key=str) if facet_row else [None]
            cols = sorted(part[facet_col].unique(), key=str) if facet_col else [None]
            fig, axes = make_panels(len(rows), len(cols), 4.2, 3.2)
            colors = colors_by_rank(data[hue]) if hue else {}
            notes = []
            for (i, rv), (j, cv) in itertools.product(enumerate(rows), enumerate(cols)):
                ax = axes[i][j]
                sel = marks
                if facet_row:
                    sel = sel[sel[facet_row] == rv]
                if facet_col:
                    sel = sel[sel[facet_col] == cv]
                where = fixed_text({k: v for k, v in ((facet_row, rv), (facet_col, cv)) if k})
                coincide = draw_lines(ax, sel, x, hue, 1.0, colors)
                notes += [f"{where}: {n}" if where else n for n in coincide]
                knob_axis(ax, x, runs[x])
                ax.set_ylabel(METRICS["accuracy"] if j == 0 else "")
                ax.set_title(where, fontsize=9)
                notes.append(y_range_note(ax, f"Accuracy{' (' + where + ')' if where else ''}", sel["mean"]))
            legend_beside(fig, axes[0][0], hue)
            figure_title(fig, f"Accuracy against {x}", fixed_text(fixed))
            add_notes(
                fig,
                [
                    "mean ± s.d. over seeds (n per point in the CSV)",
                    note_hw,
                    not_shown_note(int(selected["accuracy"].notna().sum()), len(selected), "inference runs"),
                    not_drawn_note(skipped, "inference run"),
                    *notes,
                ],
            )
            for k, v in fixed.items():
                marks[k] = v
            for k in hw_knobs:
                marks[k] = ALL_VALUES  # the mark holds for every value of a knob that cannot move it
            drawn.append(Drawn(fig, f"accuracy_vs_{x}{file_suffix(fixed)}", marks))
    return drawn
