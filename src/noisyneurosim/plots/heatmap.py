"""Accuracy and TOPS/W over a study's first two axes (plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from ..knobs import display, label
from .marks import (
    Drawn,
    each_combination,
    file_suffix,
    fixed_text,
    not_drawn_note,
    not_shown_note,
    per_seed_marks,
    swept_knobs,
)
from .style import add_notes, figure_title, make_panels, range_note


def heatmap(runs: pd.DataFrame) -> list[Drawn]:
    """Accuracy and TOPS/W over the first two axes; one figure per combination of the other knobs."""
    axes_knobs = swept_knobs(runs)
    x, y, rest = axes_knobs[0], axes_knobs[1], axes_knobs[2:]
    drawn = []
    combos = list(each_combination(runs, rest))
    skipped = [fixed for fixed, part in combos if not (part["status"] == "ok").any()]
    for fixed, part in combos:
        if not (part["status"] == "ok").any():
            continue
        fig, panels = make_panels(1, 2, 4.8, 3.8)
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
                    range_note(f"{title}", low, high, marks["mean"], "colour scale")
                    or f"{title}: colour scale from {low:.4g} to {high:.4g}"
                )
            ax.set_xlabel(label(x))
            ax.set_ylabel(label(y))
            ax.set_title(f"{title} (blank: no result)", fontsize=9)
            tables.append(marks)
        figure_title(fig, f"{y} against {x}", fixed_text(fixed))
        add_notes(
            fig,
            [
                "each cell: mean over seeds (n per cell in the CSV)",
                not_shown_note(int((part["status"] == "ok").sum()), len(part)),
                not_drawn_note(skipped),
                *notes,
            ],
        )
        marks = pd.concat(tables, ignore_index=True)
        for k, v in fixed.items():
            marks[k] = v
        drawn.append(Drawn(fig, f"heatmap_{y}_vs_{x}{file_suffix(fixed)}", marks))
    return drawn
