"""Accuracy against energy efficiency, with the Pareto front of a study's settings
(plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from ..knobs import display
from ..summary import finished, pareto_front
from .marks import Drawn, not_shown_note, swept_knobs
from .style import METRICS, PALETTE, add_notes, figure_title, range_note, y_range_note


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
    figure_title(fig, "Accuracy against energy efficiency")
    add_notes(
        fig,
        [
            "each mark: one setting that finished on every seed, mean over its seeds",
            # marks are settings (seeds pooled), so count settings, not points
            not_shown_note(len(s), len(summary), "settings"),
            range_note("TOPS/W", *ax.get_xlim(), s["tops_per_w_mean"], "x-axis"),
            y_range_note(ax, "Accuracy", s["accuracy_mean"]),
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
