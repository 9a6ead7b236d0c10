"""NeuroSim versions side by side: each point pair's relative difference per metric
(plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paths
from ..compare import METRICS as COMPARED
from ..compare import differences
from .marks import Drawn
from .style import MAX_TICK_LABELS, add_notes, colors_by_rank, figure_title, make_panels


def version_differences(runs: pd.DataFrame) -> list[Drawn]:
    """Per metric, each point pair's relative difference between a version and the study's first."""
    table = differences(runs)
    table = table[table["relative_difference"].notna()]
    if table.empty:
        return []
    versions = list(dict.fromkeys(table["version"]))
    metrics = [m for m in COMPARED if m in set(table["metric"])]
    settings = list(dict.fromkeys(table["setting"]))
    colors = colors_by_rank(settings)
    fig, axes = make_panels(1, len(versions), max(6.0, 0.8 * len(metrics)), 4.0)
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
    figure_title(fig, "NeuroSim versions side by side", "one mark per point pair (setting and seed); 0: no change")
    pairs = len(table) // max(len(metrics), 1)
    add_notes(
        fig,
        [
            f"{pairs} point pair(s) that finished on both versions; every value: {paths.VERSIONS_TABLE}",
            "y axis linear within +-1 %, logarithmic beyond",
        ],
    )
    return [Drawn(fig, "relative_difference", table.reset_index(drop=True))]
