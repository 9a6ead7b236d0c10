"""Where latency, energy and area go, per setting of a study: NeuroSim's breakdowns
(plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..knobs import display
from .marks import Drawn, not_shown_note, per_seed_marks, swept_knobs
from .style import PALETTE, add_notes, figure_title, unit_of

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


def breakdown_parts(row: pd.Series, kind: str) -> dict[str, float]:
    """The parts of one breakdown for one result, as NeuroSim reports them; for area also what it leaves out."""
    _, parts, _ = BREAKDOWNS[kind]
    values = {p: float(row[p]) for p in parts}
    if kind == "area":
        values["unitemised_area_um2"] = max(0.0, float(row["chip_area_um2"]) - sum(values.values()))
    return values


def _stacked(ax, labels, table: pd.DataFrame, parts: list[str], title: str) -> None:
    unit, factor = unit_of(parts[0], table[parts].sum(axis=1))
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
    figure_title(fig, "Where latency, energy and area go, per setting")
    add_notes(fig, ["each bar: mean over seeds (n per bar in the CSV)", not_shown_note(len(ok), len(runs))])
    marks = pd.concat(tables.values(), ignore_index=True)
    if not knobs:
        marks = marks.drop(columns="study")
    return [Drawn(fig, "breakdown_per_setting", marks)]
