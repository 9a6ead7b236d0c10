"""Summaries people read: seeds aggregated per setting, best settings, the Pareto front."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import paths
from .aggregate import decode_swept, failure_log
from .compare import METRICS as COMPARED
from .compare import VERSION_COLUMN, compares, differences, reference_rows, versions_of
from .knobs import INFERENCE_NAMES, KNOBS, display
from .precision import Z95, wilson  # over seeds: no finite-population correction (each seed draws anew)

# Chip-level metrics summarised, with the direction that is better.
HEADLINE = {
    "tops_per_w": "max",
    "tops": "max",
    "fps": "max",
    "tops_per_mm2": "max",
    "latency_ns": "min",
    "dynamic_energy_pj": "min",
    "leakage_energy_pj": "min",
    "leakage_power_uw": "min",
    "chip_area_um2": "min",
}
# two-sided 95 % Student t quantiles for small samples (df 1..30); larger: normal
T95 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]


def t_interval(values: pd.Series) -> tuple[float, float]:
    values = values.dropna()
    n = len(values)
    if n < 2:
        return math.nan, math.nan
    t = T95[n - 2] if n - 1 <= len(T95) else Z95
    half = t * values.std(ddof=1) / math.sqrt(n)
    return values.mean() - half, values.mean() + half


def setting_columns(runs: pd.DataFrame) -> list[str]:
    """The knobs that define a setting (every knob, and the NeuroSim version; the seed is what is aggregated
    over)."""
    return [k for k in [*KNOBS, VERSION_COLUMN] if k in runs.columns]


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per study and distinct knob setting, aggregated over seeds.

    Accuracy's 95 % interval covers both the binomial interval of the pooled
    correct/total and, with two or more seeds, the t interval of the seed means.
    """
    rows = []
    keys = ["study", *setting_columns(runs)]
    for key, group in runs.groupby(keys, sort=False, dropna=False):
        ok = group[group["status"] == "ok"]
        acc = group[group["accuracy"].notna()]
        row = dict(zip(keys, key, strict=True))
        row["swept"] = group["swept"].iloc[0] if "swept" in group else ""
        for column in ("test_set", "network", "reproducibility"):
            row[column] = next(iter(group[column].dropna()), None) if column in group else None
        row["seeds"] = len(group)
        row["seeds_ok"] = len(ok)
        row["seeds_failed"] = int((group["status"] == "failed").sum())
        row["seeds_missing"] = int((group["status"] == "missing").sum())
        correct, total = acc["accuracy_correct"].sum(), acc["accuracy_total"].sum()
        row["accuracy_mean"] = acc["accuracy"].mean() if len(acc) else math.nan
        row["accuracy_std"] = acc["accuracy"].std(ddof=1) if len(acc) > 1 else math.nan
        lows, highs = [], []
        if len(acc) == 1 and "accuracy_low" in acc and acc["accuracy_low"].notna().all():
            # one seed: the run's own interval, as runs.csv gives it (precision.accuracy_interval)
            lows.append(float(acc["accuracy_low"].iloc[0]))
            highs.append(float(acc["accuracy_high"].iloc[0]))
        elif total > 0:
            lo, hi = wilson(int(correct), int(total))
            lows.append(lo)
            highs.append(hi)
        lo, hi = t_interval(acc["accuracy"])
        if not math.isnan(lo):
            lows.append(lo)
            highs.append(hi)
        # an accuracy lies in [0, 1]; the t interval of two seeds can reach past either end
        row["accuracy_ci95_low"] = max(0.0, min(lows)) if lows else math.nan
        row["accuracy_ci95_high"] = min(1.0, max(highs)) if highs else math.nan
        for metric in HEADLINE:
            values = ok[metric] if metric in ok else pd.Series(dtype=float)
            row[f"{metric}_mean"] = values.mean() if len(values) else math.nan
            row[f"{metric}_std"] = values.std(ddof=1) if len(values) > 1 else math.nan
            row[f"{metric}_ci95_low"], row[f"{metric}_ci95_high"] = t_interval(values)
        rows.append(row)
    return pd.DataFrame(rows)


def finished(summary: pd.DataFrame) -> pd.DataFrame:
    """The settings that may be crowned: every seed finished, accuracy and TOPS/W finite."""
    done = summary[(summary["seeds_ok"] == summary["seeds"]) & (summary["seeds"] > 0)]
    return done[np.isfinite(done["accuracy_mean"]) & np.isfinite(done["tops_per_w_mean"])]


def pareto_front(df: pd.DataFrame, x: str = "tops_per_w_mean", y: str = "accuracy_mean") -> pd.DataFrame:
    """Rows not dominated in (higher x, higher y)."""
    data = df.dropna(subset=[x, y]).sort_values([x, y], ascending=[False, False])
    front, best_y = [], -np.inf
    for idx, r in data.iterrows():
        if r[y] > best_y:
            front.append(idx)
            best_y = r[y]
    return df.loc[front].sort_values(x)


def describe_setting(row: pd.Series) -> str:
    swept = decode_swept(row.get("swept"))
    if not swept:
        return "defaults"
    return ", ".join(f"{k}={display(k, row[k])}" for k in swept)


def best_accuracy_at(done: pd.DataFrame) -> str:
    """Where the best accuracy is, by the knobs that decide accuracy: settings that differ only in hardware
    knobs share one inference run and so one accuracy, and none of them is crowned over the others."""
    top = done[done["accuracy_mean"] == done["accuracy_mean"].max()]
    first = top.iloc[0]
    axes = [k for k in decode_swept(first.get("swept")) if k in INFERENCE_NAMES or k.startswith("train.")]
    where = ", ".join(f"{k}={display(k, first[k])}" for k in axes) or "defaults"
    if len(top) == 1:
        return describe_setting(first)
    same_run = all(all(r[k] == first[k] for k in axes) for _, r in top.iterrows())
    if same_run:
        return f"{where} (shared by its {len(top)} hardware settings: one inference run, one accuracy)"
    return f"{len(top)} settings tie: " + "; ".join(describe_setting(r) for _, r in top.iterrows())


def markdown(summary: pd.DataFrame, runs: pd.DataFrame) -> str:
    lines = ["# NoisyNeuroSIM summary", ""]
    total, ok = len(runs), int((runs["status"] == "ok").sum())
    failed = runs[runs["status"] == "failed"]
    lines.append(f"{total} points, {ok} complete, {len(failed)} failed, {total - ok - len(failed)} not run yet.")
    lines.append("")
    lines += _provenance_notes(runs)
    for study, s in summary.groupby("study", sort=False):
        lines += [f"## Study `{study}`", ""]
        if compares(s):
            lines += _versions_section(runs[runs["study"] == study])
            s = reference_rows(s)
        done = finished(s)
        if done.empty:
            lines += ["No setting has finished on every seed with finite numbers, so none is named best.", ""]
            of_study = runs[runs["study"] == study]
            if len(of_study) and (of_study["status"] == "failed").all():
                lines += [
                    f"**Every point of study `{study}` failed**, so none of its figures is drawn: each of its "
                    f"folders under plots/{study}/ holds one image saying so. The reason of each point is in "
                    "the table of failed points below and in runs.csv (`reason`).",
                    "",
                ]
            continue
        best = done.loc[done["accuracy_mean"].idxmax()]
        lines.append(
            f"- Best accuracy: {best['accuracy_mean']:.4f} "
            f"(95 % CI {best['accuracy_ci95_low']:.4f}-{best['accuracy_ci95_high']:.4f}) at {best_accuracy_at(done)}"
        )
        eff = done.loc[done["tops_per_w_mean"].idxmax()]
        lines.append(
            f"- Best TOPS/W: {eff['tops_per_w_mean']:.4g} at {describe_setting(eff)} "
            f"(accuracy {eff['accuracy_mean']:.4f})"
        )
        front = pareto_front(done)
        lines += ["", "Accuracy / TOPS-per-watt Pareto front:", "", "| setting | accuracy | TOPS/W |", "|---|---|---|"]
        for _, r in front.iterrows():
            lines.append(f"| {describe_setting(r)} | {r['accuracy_mean']:.4f} | {r['tops_per_w_mean']:.4g} |")
        if len(done) < len(s):
            lines.append(f"\nOnly the {len(done)} of {len(s)} settings that finished on every seed are compared.")
        lines.append("")
    lines += ["## Failed points", ""]
    if failed.empty:
        lines.append("None.")
    else:
        lines += ["| study | point | seed | setting | reason | log |", "|---|---|---|---|---|---|"]
        for _, r in failed.iterrows():
            log = failure_log(r)
            reason = str(r["reason"]).replace("|", "\\|")
            lines.append(f"| {r['study']} | {r['point_id']} | {r['seed']} | {describe_setting(r)} | {reason} | {log} |")
    return "\n".join(lines) + "\n"


def _versions_section(runs: pd.DataFrame) -> list[str]:
    """How a study's versions differ: the median and range of each metric's relative difference over its
    point pairs (every pair: results/versions.csv); the lines after it are about the reference version."""
    table = differences(runs)
    versions = versions_of(runs)
    lines = [
        f"NeuroSim versions compared: {', '.join(f'`{v}`' for v in versions)}; relative difference to "
        f"`{versions[0]}` over the point pairs that finished on both ({paths.VERSIONS_TABLE}):",
        "",
        "| version | metric | median | range | pairs |",
        "|---|---|---|---|---|",
    ]
    for (version, metric), rows in table.groupby(["version", "metric"], sort=False):
        d = rows["relative_difference"].dropna()
        if d.empty:
            continue
        lines.append(
            f"| {version} | {COMPARED[metric]} | {_change(d.median())} | {_change(d.min())} to {_change(d.max())} "
            f"| {len(d)} |"
        )
    if table.empty:
        lines.append("| | no point finished on two versions yet | | | |")
    return [*lines, "", f"Best settings and the front below: on `{versions[0]}`.", ""]


def _change(fraction: float) -> str:
    """A relative difference as a percentage with three significant digits (-89.0 %, +0.00266 %)."""
    return f"{100 * fraction:+.3g} %"


def _provenance_notes(runs: pd.DataFrame) -> list[str]:
    """What a reader must know before trusting any number below: synthetic data, corrected networks, reproducibility."""
    lines = []
    synthetic = runs["test_set"].dropna().astype(str).str.startswith("synthetic") if "test_set" in runs else []
    if len(synthetic) and synthetic.any():
        lines += [
            "**Synthetic test set: every accuracy in this summary is meaningless** (random images from "
            "`datasets.synthetic`; this run checks the chain, not the network).",
            "",
        ]
    if "reproducibility" in runs:
        for model, rows in runs[runs["reproducibility"] == "differed"].groupby("model"):
            lines += [
                f"**{model}: the C++ core gave different numbers for the same input**, so none of its "
                f"{len(rows)} points' hardware numbers can be trusted (`reproducibility` = differed in runs.csv): "
                f"{rows['reproducibility_detail'].iloc[0]}",
                "",
            ]
    if "train_id" in runs:
        for study, rows in runs[runs["train_id"].notna()].groupby("study", sort=False):
            choices = sorted({str(c).rsplit("/", 1)[-1] for c in rows["checkpoint"]})
            lines += [
                f"Study `{study}` uses checkpoints trained by the workflow (`train:`), not NeuroSim's shipped ones: "
                f"{rows['train_id'].nunique()} training run(s), loaded at their {' and '.join(choices)} epoch "
                "(`checkpoint` in runs.csv; learning curves under plots/"
                f"{study}/training)"
                + (
                    "; the best epoch is chosen by test accuracy on the same test set the accuracy here is "
                    "measured on, which flatters it"
                    if "best" in choices
                    else ""
                )
                + ".",
                "",
            ]
    if "network" in runs:
        corrected = runs[runs["network"] == "corrected"]
        for model, rows in corrected.groupby("model"):
            changes = list(dict.fromkeys(rows["network_changes"].dropna()))
            lines += [
                f"{model} ran with upstream's network file corrected from its traces (`network_changes` in "
                "runs.csv; `neurosim.correct_network` for upstream's known errors, a trained classifier's class "
                f"count always): {' / '.join(changes)}.",
                "",
            ]
    return lines
