"""Figures per study, chosen from the study's axes; each written as PNG and SVG.

Every figure says how many points it could not show (failed or not run),
uses NeuroSim's knob names with units, a log axis for knobs spanning decades,
and one palette for a knob's values across all figures.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .aggregate import decode_swept
from .figures import ACCURACY_ONLY, PLOT_KINDS, applicable  # noqa: F401
from .knobs import INFERENCE_NAMES, KNOBS, display, label
from .summary import describe_setting, pareto_front

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
BREAKDOWNS = {
    "latency": ("Latency per image", ["adc_latency_ns", "accumulation_latency_ns", "other_latency_ns"]),
    "energy": ("Dynamic energy per image", ["adc_energy_pj", "accumulation_energy_pj", "other_energy_pj"]),
    "area": (
        "Chip area",
        ["adc_area_um2", "accumulation_area_um2", "other_area_um2", "ic_area_um2", "cim_array_area_um2"],
    ),
}


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


PART_NAMES = {
    "adc": "ADC",
    "accumulation": "Accumulation",
    "other": "Other peripheries",
    "ic": "Interconnect",
    "cim": "CIM array",
}
PALETTE = sns.color_palette("colorblind", 10)

sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)


def swept_knobs(runs: pd.DataFrame) -> list[str]:
    """The study's axes in the order the user wrote them (the runs table's 'swept' column)."""
    named = [k for cell in runs["swept"] for k in decode_swept(cell)]
    return [k for k in dict.fromkeys(named) if k in KNOBS]


def accuracy_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if k in INFERENCE_NAMES]


def hardware_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if k not in ACCURACY_ONLY]


def _colors(values) -> dict:
    """A value's colour depends on its rank among the knob's values: stable across figures."""
    ordered = sorted(set(values), key=lambda v: (str(type(v)), v))
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(ordered)}


def _log_axis(values) -> bool:
    v = np.asarray([x for x in values if isinstance(x, (int, float, np.number))], dtype=float)
    return len(v) > 1 and (v > 0).all() and v.max() / v.min() >= 10


def _note(fig, shown: int, total: int) -> None:
    missing = total - shown
    text = (
        f"{missing} of {total} points not shown (failed or not run; see summary)"
        if missing
        else f"all {total} points shown"
    )
    fig.text(0.99, 0.005, text, ha="right", va="bottom", fontsize=8, color="firebrick" if missing else "dimgray")


def _save(fig, out: Path, name: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths


def _knob_axis(ax, knob: str, values) -> None:
    ax.set_xlabel(label(knob))
    distinct = sorted(set(values))
    if KNOBS[knob].log_scale and _log_axis(distinct):
        ax.set_xscale("log")
    if KNOBS[knob].kind != "float" or len(distinct) <= 8:
        ax.set_xticks(distinct)
        ax.set_xticklabels([display(knob, v) for v in distinct])
        ax.minorticks_off()


def _line(ax, data: pd.DataFrame, x: str, y: str, hue: str | None, scale: float) -> None:
    data = data.assign(_y=data[y] * scale)
    if hue:
        colors = _colors(data[hue])
        for value, part in data.groupby(hue, sort=True):
            g = part.groupby(x)["_y"]
            mean, sd = g.mean(), g.std().fillna(0)
            ax.errorbar(
                mean.index,
                mean.values,
                yerr=sd.values,
                marker="o",
                capsize=3,
                color=colors[value],
                label=display(hue, value),
            )
        ax.legend(title=label(hue), fontsize=8)
    else:
        g = data.groupby(x)["_y"]
        mean, sd = g.mean(), g.std().fillna(0)
        ax.errorbar(mean.index, mean.values, yerr=sd.values, marker="o", capsize=3, color=PALETTE[0])


def accuracy(runs: pd.DataFrame, out: Path) -> list[Path]:
    paths = []
    axes = swept_knobs(runs)
    have = runs[runs["accuracy"].notna()]
    for knob in accuracy_axes(runs):
        hue = next((k for k in axes if k != knob), None)
        fig, ax = plt.subplots(figsize=(5.5, 4))
        _line(ax, have, knob, "accuracy", hue, 1.0)
        _knob_axis(ax, knob, runs[knob])
        ax.set_ylabel(METRICS["accuracy"])
        ax.set_title(f"Accuracy against {knob}" + (" (mean ± s.d. over seeds)" if runs["seed"].nunique() > 1 else ""))
        _note(fig, len(have), len(runs))
        paths += _save(fig, out, f"accuracy_vs_{knob}")
    return paths


def hardware(runs: pd.DataFrame, out: Path) -> list[Path]:
    paths = []
    ok = runs[runs["status"] == "ok"]
    for knob in hardware_axes(runs):
        hue = next((k for k in hardware_axes(runs) if k != knob), None)
        fig, grid = plt.subplots(2, 2, figsize=(9, 6.5))
        for ax, metric in zip(
            grid.flat, ["tops_per_w", "latency_ns", "dynamic_energy_pj", "chip_area_um2"], strict=True
        ):
            name, scale = _metric_label(metric, ok[metric])
            _line(ax, ok, knob, metric, hue, scale)
            _knob_axis(ax, knob, runs[knob])
            ax.set_ylabel(name)
            if ax is not grid.flat[0] and ax.get_legend():
                ax.get_legend().remove()
        fig.suptitle(f"Chip-level metrics against {knob}")
        _note(fig, len(ok), len(runs))
        paths += _save(fig, out, f"hardware_vs_{knob}")
    return paths


def pareto(summary: pd.DataFrame, runs: pd.DataFrame, out: Path) -> list[Path]:
    s = summary.dropna(subset=["tops_per_w_mean", "accuracy_mean"])
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.errorbar(
        s["tops_per_w_mean"],
        s["accuracy_mean"],
        yerr=[s["accuracy_mean"] - s["accuracy_ci95_low"], s["accuracy_ci95_high"] - s["accuracy_mean"]],
        fmt="o",
        color=PALETTE[7],
        alpha=0.7,
        capsize=2,
        label="setting (95 % CI of accuracy)",
    )
    front = pareto_front(s)
    ax.plot(front["tops_per_w_mean"], front["accuracy_mean"], "-o", color=PALETTE[3], label="Pareto front")
    for _, r in front.iterrows():
        ax.annotate(
            describe_setting(r),
            (r["tops_per_w_mean"], r["accuracy_mean"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel(METRICS["tops_per_w"])
    ax.set_ylabel(METRICS["accuracy"])
    ax.set_title("Accuracy against energy efficiency")
    ax.legend(fontsize=8, loc="lower left")
    _note(fig, int((runs["status"] == "ok").sum()), len(runs))
    return _save(fig, out, "pareto_accuracy_tops_per_w")


def heatmap(summary: pd.DataFrame, runs: pd.DataFrame, out: Path) -> list[Path]:
    axes = swept_knobs(runs)
    x, y = axes[0], axes[1]
    fig, panels = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, (metric, title, fmt) in zip(
        panels,
        [("accuracy_mean", "Accuracy", ".3f"), ("tops_per_w_mean", "Energy efficiency [TOPS/W]", ".4g")],
        strict=True,
    ):
        table = summary.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
        sns.heatmap(table, annot=True, fmt=fmt, cmap="viridis", ax=ax, cbar_kws={"label": title})
        ax.set_xlabel(label(x))
        ax.set_ylabel(label(y))
        ax.set_title(f"{title}, mean over seeds (blank: no result)")
    _note(fig, int((runs["status"] == "ok").sum()), len(runs))
    return _save(fig, out, f"heatmap_{y}_vs_{x}")


def _hw_label(row: pd.Series, knobs: list[str]) -> str:
    return ", ".join(f"{k}={display(k, row[k])}" for k in knobs) or "default"


def _stacked(ax, labels, table: pd.DataFrame, parts: list[str], title: str, horizontal: bool) -> None:
    unit, factor = _unit(parts[0], table[parts].sum(axis=1))
    start = np.zeros(len(table))
    for i, part in enumerate(parts):
        values = table[part].fillna(0).to_numpy() * factor
        bars = ax.barh if horizontal else ax.bar
        kw = {"left": start} if horizontal else {"bottom": start}
        bars(labels, values, color=PALETTE[i], label=PART_NAMES[part.split("_")[0]], **kw)
        start += values
    (ax.set_xlabel if horizontal else ax.set_ylabel)(f"{title} [{unit}]")


def breakdown(runs: pd.DataFrame, out: Path) -> list[Path]:
    ok = runs[runs["status"] == "ok"]
    per_hw = ok.groupby("hw_id").first().reset_index()
    varying = [k for k in swept_knobs(runs) if k not in ACCURACY_ONLY and per_hw[k].nunique() > 1]
    per_hw["setting"] = [_hw_label(r, varying) for _, r in per_hw.iterrows()]
    per_hw = per_hw.sort_values(varying or "setting", ascending=False)
    height = 1.8 + 0.35 * len(per_hw)
    fig, panels = plt.subplots(1, 3, figsize=(14, height), sharey=True)
    for ax, (title, parts) in zip(panels, BREAKDOWNS.values(), strict=True):
        _stacked(ax, per_hw["setting"], per_hw, parts, title, horizontal=True)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 1.2 / (len(per_hw) + 2)), ncol=3)
    fig.suptitle("Where latency, energy and area go, per hardware setting (first seed)")
    _note(fig, len(ok), len(runs))
    return _save(fig, out, "breakdown_per_hardware_setting")


def layers(runs: pd.DataFrame, layer_table: pd.DataFrame, out: Path) -> list[Path]:
    ok = runs[runs["status"] == "ok"].dropna(subset=["tops_per_w"])
    fig, panels = plt.subplots(1, 2, figsize=(10, 4))
    if ok.empty:
        for ax in panels:
            ax.text(0.5, 0.5, "no completed point", ha="center", va="center")
        _note(fig, 0, len(runs))
        return _save(fig, out, "layers_of_best_tops_per_w")
    chosen = ok.loc[ok["tops_per_w"].idxmax()]
    table = layer_table[layer_table["point_id"] == chosen["point_id"]].sort_values("layer")
    for ax, (title, parts) in zip(panels, [BREAKDOWNS["latency"], BREAKDOWNS["energy"]], strict=True):
        _stacked(ax, table["layer"].astype(str), table, parts, title, horizontal=False)
        ax.set_xlabel("Layer")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    fig.suptitle(f"Per layer, best TOPS/W setting: {describe_setting(chosen)}, seed {chosen['seed']}")
    _note(fig, len(ok), len(runs))
    return _save(fig, out, "layers_of_best_tops_per_w")


def make(kind: str, runs: pd.DataFrame, summary: pd.DataFrame, layer_table: pd.DataFrame, out: Path) -> list[Path]:
    """Draw one kind of figure for one study (runs and summary already filtered to it)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    draw = {
        "accuracy": lambda: accuracy(runs, out),
        "hardware": lambda: hardware(runs, out),
        "pareto": lambda: pareto(summary, runs, out),
        "heatmap": lambda: heatmap(summary, runs, out),
        "breakdown": lambda: breakdown(runs, out),
        "layers": lambda: layers(runs, layer_table, out),
    }
    return draw[kind]()
