"""Collecting per-point results from disk into results/runs.csv and results/layers.csv."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import paths
from .failures import explain
from .files import read_json, write_checked
from .knobs import KNOBS, TRAIN_NAMES, TRAINING_SHAPED_BY
from .network import describe_changes
from .parse import BREAKDOWN_METRICS, CHIP_METRICS
from .points import Point, Sweep

LAYER_METRICS = (
    "tiles",
    "speed_up",
    "utilization",
    "read_latency_ns",
    "read_dynamic_energy_pj",
    "leakage_power_uw",
    "leakage_energy_pj",
    "buffer_latency_ns",
    "buffer_energy_pj",
    "ic_latency_ns",
    "ic_energy_pj",
    *BREAKDOWN_METRICS,
)


SWEPT_SEPARATOR = ";"


def encode_swept(swept) -> str:
    """A study's axes in one table cell, in the order the user wrote them."""
    return SWEPT_SEPARATOR.join(swept)


def decode_swept(cell) -> list[str]:
    # a study of one setting has no axes (an empty cell, read back as NaN)
    return [k for k in cell.split(SWEPT_SEPARATOR) if k] if isinstance(cell, str) else []


def _where(job: str, result: dict) -> dict:
    w = result.get("where") or {}
    return {
        f"{job}_host": w.get("host"),
        f"{job}_slurm_job": w.get("slurm_job_id") or None,
        f"{job}_partition": w.get("slurm_partition") or None,
        # CUDA_VISIBLE_DEVICES: GPU indices on the node ("0" is the first GPU), empty without one
        f"{job}_cuda_visible_devices": w.get("gpus") or None,
        f"{job}_modules": w.get("modules") or None,
    }


def failure_log(row) -> str:
    """The log that explains a failed point: the estimate's for hardware failures, the training run's logs
    for training failures, else inference's."""
    reason = str(row["reason"])
    if reason.startswith("training failed"):
        return paths.TRAINING_LOGS.format(train=row["train_id"])
    return row["estimate_log"] if reason.startswith("hardware") else row["inference_log"]


def reproducibility_marks(sweep: Sweep, base: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(model, NeuroSim copy) -> (mark, detail) from the reproducibility guard's records: the guard runs one
    estimate per model twice, so it speaks for the core of that estimate's version only."""
    marks = {}
    hardware = sweep.hardware_settings()
    for model, (acc, hw) in sweep.reproducibility_pairs().items():
        record = read_json(base / paths.REPRODUCIBILITY.format(model=model))
        if record is not None and (record.get("acc_id"), record.get("hw_id")) != (acc, hw):
            record = None  # a record of another pair (a point no longer in the config) says nothing of these
        if record is None:
            mark = ("not checked", "the check has not run yet")
        elif not record.get("checked"):
            mark = ("not checked", record.get("note", ""))
        else:
            mark = ("identical" if record.get("identical") else "differed", record.get("note", ""))
        marks[(model, hardware[hw].commit)] = mark
    return marks


def point_row(
    p: Point, base: Path, commit: str, marks: dict | None = None, version: str = ""
) -> tuple[dict, list[dict]]:
    """One row of runs.csv; commit and version: those of the NeuroSim version the point ran on."""
    files = paths.point_files(p.acc_id, p.hw_id)
    acc = read_json(base / files["accuracy"])
    est = read_json(base / files["estimate"])
    build = read_json(base / files["build"]) or {}
    trained = read_json(base / paths.TRAINING_RECORD.format(train=p.train_id)) if p.train_id else None
    status, reason = _status(trained, acc, est)
    row = {
        "study": p.study,
        "point_id": p.point_id,
        "seed": p.seed,
        "status": status,
        "reason": explain(reason, p.knobs),
    }
    acc = acc or {}
    row["test_set"] = acc.get("test_set")
    row["accuracy"] = acc.get("accuracy")
    row["accuracy_correct"] = acc.get("correct")
    row["accuracy_total"] = acc.get("total")
    row["accuracy_low"] = acc.get("accuracy_low")
    row["accuracy_high"] = acc.get("accuracy_high")
    row["accuracy_stopped"] = acc.get("stopped")
    row["accuracy_target"] = acc.get("target")
    row["inference_jobs"] = acc.get("jobs")
    row["inference_job_seeds"] = " ".join(str(s) for s in acc.get("job_seeds") or []) or None
    chip = (est or {}).get("chip", {})
    for metric in CHIP_METRICS:
        row[metric] = chip.get(metric)
    row["process"] = (est or {}).get("process")
    row["neurosim_warnings"] = "; ".join((est or {}).get("warnings") or []) or None
    row["network"] = (est or {}).get("network")
    row["network_changes"] = describe_changes((est or {}).get("network_changes") or []) or None
    row["reproducibility"], row["reproducibility_detail"] = _reproducibility(p, marks)
    row.update(_training_columns(p, trained))
    for name in KNOBS:
        row[name] = p.knobs.get(name)  # training knobs only for trained checkpoints
    row.update(
        {
            "swept": encode_swept(p.swept),
            "acc_id": p.acc_id,
            "hw_id": p.hw_id,
            "inference_seconds": acc.get("seconds"),
            "estimate_seconds": (est or {}).get("seconds"),
            "build_seconds": build.get("seconds"),
            **_where("inference", acc),
            **_where("estimate", est or {}),
            "inference_log": files["inference_log"],
            "estimate_log": files["estimate_log"],
            "build_dir": files["build_dir"],
            "neurosim_version": p.version or version,
            "neurosim_commit": commit,
        }
    )
    return row, _layer_rows(p, est)


def _status(trained: dict | None, acc: dict | None, est: dict | None) -> tuple[str, str]:
    """A point's status and its reason, from the first of its jobs that failed or has not run."""
    if trained is not None and trained.get("status") != "ok":
        return "failed", f"training failed: {trained.get('reason', '')}"
    if acc is None:
        return "missing", "no inference result on disk (not run yet, or the job did not finish)"
    if acc.get("status") != "ok":
        return "failed", f"inference: {acc.get('reason', '')}"
    if est is None:
        return "missing", "no hardware estimate on disk (not run yet, or the job did not finish)"
    if est.get("status") != "ok":
        return "failed", f"hardware: {est.get('reason', '')}"
    return "ok", ""


def _reproducibility(p: Point, marks: dict | None) -> tuple[str, str]:
    """The guard's mark for the point's model on its version, and what it means."""
    mark, detail = (marks or {}).get((p.knobs["model"], p.commit), ("off", "neurosim.check_reproducible is false"))
    if mark == "off" and any(model == p.knobs["model"] for model, _ in marks or {}):
        mark, detail = "not checked", "the guard ran this model's first estimate on another NeuroSim version"
    return mark, detail


def _layer_rows(p: Point, est: dict | None) -> list[dict]:
    """The point's rows of layers.csv."""
    return [
        {
            "study": p.study,
            "point_id": p.point_id,
            "seed": p.seed,
            "hw_id": p.hw_id,
            "layer": layer["layer"],
            **{m: layer.get(m) for m in LAYER_METRICS},
        }
        for layer in (est or {}).get("layers", [])
    ]


def _training_columns(p: Point, record: dict | None) -> dict:
    """Which checkpoint a point's inference loaded, and how its training went."""
    if not p.train_id:
        return {"checkpoint": "shipped", "train_id": None, **dict.fromkeys(TRAINING_COLUMNS)}
    record = record or {}
    return {
        "checkpoint": f"{p.train_id}/{p.knobs['train.checkpoint']}",
        "train_id": p.train_id,
        "training_status": record.get("status"),
        "training_epochs_done": record.get("epochs_done"),
        "training_best_epoch": record.get("best_epoch"),
        "training_test_accuracy": record.get(f"{p.knobs['train.checkpoint']}_test_accuracy"),
        "training_seconds": record.get("training_seconds"),
        "training_folder": paths.TRAINING.format(train=p.train_id),
    }


TRAINING_COLUMNS = (
    "training_status",
    "training_epochs_done",
    "training_best_epoch",
    "training_test_accuracy",
    "training_seconds",
    "training_folder",
)


def training_table(sweep: Sweep, base: Path = Path(".")) -> pd.DataFrame:
    """Every epoch of every training run, with the run's training knobs (results/training.csv)."""
    frames = []
    for train_id, p in sorted(sweep.training_settings().items()):
        record = read_json(base / paths.TRAINING_RECORD.format(train=train_id)) or {}
        curve_file = base / paths.TRAINING_CURVE.format(train=train_id)
        curve = pd.read_csv(curve_file) if curve_file.is_file() else pd.DataFrame()
        if curve.empty:  # a run with no completed epoch still gets its row: its status and reason
            curve = pd.DataFrame([dict.fromkeys(paths.TRAINING_CURVE_COLUMNS)])
        curve.insert(0, "train_id", train_id)
        curve.insert(1, "training_status", record.get("status", "missing"))
        curve.insert(2, "training_reason", record.get("reason") or None)
        for name in (*TRAINING_SHAPED_BY, *TRAIN_NAMES):
            curve[name] = p.knobs[name]
        frames.append(curve)
    columns = [
        "train_id",
        "training_status",
        "training_reason",
        *paths.TRAINING_CURVE_COLUMNS,
        *TRAINING_SHAPED_BY,
        *TRAIN_NAMES,
    ]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def fetched_commit(base: Path, commit: str) -> str:
    """The commit a version's copy was fetched at, as its fetch recorded it ('unversioned': a plain folder)."""
    record = read_json(base / paths.ADAPTATIONS.format(commit=commit)) or {}
    return record.get("commit", commit)


def tables(sweep: Sweep, base: Path = Path(".")) -> tuple[pd.DataFrame, pd.DataFrame]:
    main = sweep.settings.version.key  # points recorded before versions name no copy: the sweep's own
    commits = {c: fetched_commit(base, c) for c in {main, *(p.commit for p in sweep.points if p.commit)}}
    marks = reproducibility_marks(sweep, base)
    rows, layers = [], []
    for p in sweep.points:
        row, layer_rows = point_row(p, base, commits[p.commit or main], marks, sweep.settings.label)
        rows.append(row)
        layers += layer_rows
    runs = pd.DataFrame(rows)
    layer_df = pd.DataFrame(layers, columns=["study", "point_id", "seed", "hw_id", "layer", *LAYER_METRICS])
    return runs, layer_df


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    write_checked(path, buf.getvalue())  # a hand edit is found, and the table rebuilt (integrity.stale_tables)


def collect(sweep: Sweep, base: Path, *, runs_csv: Path, layers_csv: Path, training_csv: Path) -> pd.DataFrame:
    runs, layers = tables(sweep, base)
    _write_csv(runs, runs_csv)
    _write_csv(layers, layers_csv)
    _write_csv(training_table(sweep, base), training_csv)
    return runs
