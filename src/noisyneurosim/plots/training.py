"""Learning curves of a study's training runs (plots/__init__.py: the rules every figure keeps)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..knobs import TRAIN_NAMES, TRAINING_SHAPED_BY, display
from .marks import Drawn, swept_knobs
from .style import PALETTE, add_notes, figure_title, make_panels


def training(runs: pd.DataFrame, training_table: pd.DataFrame) -> list[Drawn]:
    """Learning curves of the study's training runs: test accuracy and training loss per epoch, one line
    per run, coloured by the training-shaping knobs the study varies."""
    ids = [t for t in dict.fromkeys(runs["train_id"].dropna()) if t]
    table = training_table[training_table["train_id"].isin(ids)]
    shaping = [k for k in swept_knobs(runs) if k in TRAINING_SHAPED_BY or k in TRAIN_NAMES]
    fig, axes = make_panels(1, 2, 4.6, 3.4)
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
    figure_title(fig, f"Learning curves: {len(ids)} training run(s)")
    add_notes(
        fig,
        [
            "test accuracy after each epoch, on the test set inference uses; the best epoch is the checkpoint "
            "train.checkpoint: best loads",
            *(f"failed: {f}" for f in failed),
        ],
    )
    return [Drawn(fig, "learning_curves", table.reset_index(drop=True))]
