"""Figures per study, chosen from the study's axes; each written as PNG, SVG and the CSV of its marks.
One module per kind of figure (figures.PLOT_KINDS); marks.py and style.py hold what they share.

Rules every figure keeps:
- a mark aggregates over seeds only: every other knob the study varies is an axis, a line colour, a
  panel, or fixed for the whole figure (one figure per combination of the remaining knobs), and the
  title's second line says which (a title is at most two lines; everything else is a note below);
- only knobs that can move the plotted quantity split lines: hardware-only (Param.cpp) knobs never
  split an accuracy figure, which says they do not act on it;
- the numbers behind every figure are kept beside it (`<figure>.csv`, one row per mark, with `n`);
- legends stand outside the axes, labels inside them (`layout.layout_problems` checks it);
- every figure says how many points it could not show;
- lines that coincide are drawn so that each stays visible, and a note names them;
- an axis or colour scale that does not start at zero states its range and the spread it shows;
- no figure of empty axes: a facet where no point finished is not drawn (the others say so), and a
  study with nothing to draw gets one image that says why and where the reasons are.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot, which every module of the package imports: figures are files
import matplotlib.pyplot as plt
import pandas as pd

from .. import paths
from ..compare import reference_rows
from ..files import write_checked
from ..knobs import KNOBS
from .accuracy import accuracy
from .breakdown import breakdown
from .hardware import hardware
from .heatmap import heatmap
from .layers import layers
from .layout import layout_problems
from .marks import Drawn
from .pareto import pareto
from .style import SAVE_DPI
from .training import training
from .versions import version_differences

__all__ = ["draw", "layout_problems", "make", "nothing_drawn"]


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
            f"The reason of each point: {paths.RUNS} (column reason), {paths.SUMMARY_MD},",
            f"and {kind}_not_drawn.csv beside this image.",
        ]
    )
    fig = plt.figure(figsize=(7, 2.2))
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, linespacing=1.6)
    columns = [c for c in ("study", "point_id", "seed", "status", "reason") if c in runs]
    return Drawn(fig, f"{kind}_not_drawn", runs[columns].reset_index(drop=True))


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
        # checksummed (integrity.figure_table_problems): a hand edit is found and the figures drawn again
        write_checked(csv, d.marks[knobs_first].to_csv(index=False))
        paths += [png, svg, csv]
    return paths
