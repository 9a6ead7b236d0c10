"""What a figure shows: a study's axes, the marks (mean, s.d. and n over seeds) and the notes that say what
is not shown; shared by every kind of figure."""

from __future__ import annotations

import re
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from ..aggregate import decode_swept
from ..figures import ACCURACY_ONLY
from ..knobs import INFERENCE_NAMES, KNOBS, PARAM_NAMES, display

ALL_VALUES = "all"  # in a figure's CSV: a hardware-only knob, which does not act on accuracy


@dataclass
class Drawn:
    """One figure, before it is saved: the figure, its file name and the table of its marks."""

    fig: plt.Figure
    name: str
    marks: pd.DataFrame


def swept_knobs(runs: pd.DataFrame) -> list[str]:
    """The study's axes in the order the user wrote them (the runs table's 'swept' column)."""
    named = [k for cell in runs["swept"] for k in decode_swept(cell)]
    return [k for k in dict.fromkeys(named) if k in KNOBS]


def hardware_only(knob: str) -> bool:
    """A Param.cpp knob: it cannot change accuracy (traces and accuracy come from inference alone)."""
    return knob in PARAM_NAMES and knob not in INFERENCE_NAMES


def accuracy_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if not hardware_only(k)]


def hardware_axes(runs: pd.DataFrame) -> list[str]:
    return [k for k in swept_knobs(runs) if k not in ACCURACY_ONLY]


def per_seed_marks(data: pd.DataFrame, keys: list[str], quantity: str) -> pd.DataFrame:
    """One row per combination of `keys`: the mean, s.d. and count over the seeds there."""
    clean = data.dropna(subset=[quantity])
    if clean.empty:
        return pd.DataFrame(columns=[*keys, "quantity", "mean", "sd", "n"])
    if keys:
        g = clean.groupby(keys, sort=True)[quantity]
        out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
    else:
        v = clean[quantity]
        out = pd.DataFrame({"mean": [v.mean()], "sd": [v.std(ddof=1)], "n": [v.count()]})
    out.insert(len(keys), "quantity", quantity)
    return out


def each_combination(data: pd.DataFrame, knobs: list[str]):
    """(fixed values, rows) for each combination of the knobs' values that occurs; one ({}, data) without knobs."""
    if not knobs:
        yield {}, data
        return
    for values, part in data.groupby(knobs, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        yield dict(zip(knobs, values, strict=True)), part


def fixed_text(fixed: dict) -> str:
    return ", ".join(f"{k} = {display(k, v)}" for k, v in fixed.items())


def file_suffix(fixed: dict) -> str:
    if not fixed:
        return ""
    text = "_".join(f"{k}-{display(k, v)}" for k, v in fixed.items())
    return "__" + re.sub(r"[^A-Za-z0-9.+-]+", "-", text)


def not_shown_note(shown: int, total: int, what: str = "points") -> str:
    missing = total - shown
    if missing:
        return f"{missing} of {total} {what} not shown (failed or not run; see summary)"
    return f"the {what[:-1] if what.endswith('s') else what} shown" if total == 1 else f"all {total} {what} shown"


def not_drawn_note(skipped: list[dict], what: str = "point") -> str:
    """The note on a figure whose siblings (other values of the knobs held fixed) were not drawn."""
    if not skipped:
        return ""
    return (
        f"not drawn for {'; '.join(fixed_text(f) for f in skipped)}: no {what} there finished "
        "(reasons in runs.csv, column reason)"
    )
