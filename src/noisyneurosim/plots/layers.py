"""Per layer, the point of a study with the best TOPS/W (plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..knobs import display
from .breakdown import BREAKDOWNS, PART_NAMES
from .marks import Drawn, not_shown_note, swept_knobs
from .style import MAX_TICK_LABELS, PALETTE, add_notes, figure_title, unit_of


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
        unit, factor = unit_of(parts[0], table[parts].sum(axis=1))
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
    figure_title(fig, "Per layer, the point with the best TOPS/W", f"{setting}, seed {chosen['seed']}")
    add_notes(
        fig,
        [
            "one run; each layer's parts add up to its read latency and read dynamic energy",
            not_shown_note(len(ok), len(runs)),
        ],
    )
    marks = pd.DataFrame(marks)
    for k in knobs:
        marks[k] = chosen[k]
    return [Drawn(fig, "layers_of_best_tops_per_w", marks)]
