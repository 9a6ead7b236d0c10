"""A search study's wave job: the results of the waves before it, what a setting costs, and the next wave's
file (search.propose on them). Results are read from the points' own result files, as runs.csv reads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .aggregate import point_row
from .files import read_json, write_json
from .points import Point, Sweep, test_images
from .precision import expected_images
from .search import Costs, Trial, Wave, propose, spent
from .search_lookup import wave_file

if TYPE_CHECKING:
    from .config import SearchStudy


def trials_of(record: dict) -> list[Trial]:
    """The settings a wave file lists, as proposed (no results yet)."""
    return [
        Trial(
            combo=s["combo"],
            wave=record["wave"],
            status=s["status"],
            reason=s.get("reason", ""),
            new_inference_runs=s["new_inference_runs"],
            gpu_hours=s["gpu_hours"],
            cpu_hours=s["cpu_hours"],
            points=s["points"],
        )
        for s in record["settings"]
    ]


def with_results(trials: list[Trial], columns: tuple, base: Path, commit: str) -> list[Trial]:
    """Each proposed setting with its results: ok (mean over seeds), failed (the first reason) or pending."""
    for t in trials:
        if t.status == "rejected":
            continue
        rows = [point_row(Point.from_record(r), base, commit)[0] for r in t.points]
        t.rows = rows
        failed = [r for r in rows if r["status"] == "failed"]
        if failed:
            t.status, t.reason = "failed", failed[0]["reason"]
        elif any(r["status"] != "ok" for r in rows):
            t.status = "pending"
        else:
            values = {c: [r[c] for r in rows] for c in columns}
            if any(v is None or not math.isfinite(v) for vs in values.values() for v in vs):
                t.status, t.reason = "failed", f"no finite value for {', '.join(columns)}"
            else:
                t.status, t.values = "ok", {c: sum(vs) / len(vs) for c, vs in values.items()}
    return trials


def history(study: SearchStudy, name: str, before: int, base: Path, commit: str) -> list[Trial]:
    """Every setting of waves 0..before-1, with its results."""
    trials = []
    for wave in range(before):
        record = read_json(base / wave_file(name, wave))
        if record is None:
            raise FileNotFoundError(f"{wave_file(name, wave)}: missing; wave {before} is proposed after it")
        trials += trials_of(record)
    return with_results(trials, study.spec.columns, base, commit)


def costs(sweep: Sweep, study: SearchStudy, base: Path) -> tuple[Costs, Callable]:
    """The plan's cost table for one search study's settings: GPU hours of its new inference runs,
    core-hours of its estimates, whether its inference runs are a grid's of this config."""
    settings = sweep.settings
    grid_runs = {p.acc_id for p in sweep.points}
    resolved: dict[str, tuple] = {}

    def points_of(combo: dict) -> tuple:
        key = repr(sorted(combo.items()))
        if key not in resolved:
            resolved[key] = study.resolve(combo)
        return resolved[key]

    def inference_hours(combo: dict) -> float:
        seconds = 0.0
        for p in {p.acc_id: p for p in points_of(combo)[0]}.values():
            per_image = settings.cost[p.knobs["model"]]["gpu_seconds_per_image"]
            seconds += expected_images(p.accuracy_split, test_images(p, settings)) * per_image
        return seconds / 3600

    def estimate_hours(combo: dict) -> float:
        return sum(settings.cost[p.knobs["model"]]["cpu_seconds_per_estimate"] for p in points_of(combo)[0]) / 3600

    def inference_done(combo: dict) -> bool:
        # only what the config decides: a run that merely lies in this folder (an earlier search's) is reused
        # by Snakemake all the same, but counting it would make the proposals depend on the folder
        points = points_of(combo)[0]
        return bool(points) and all(p.acc_id in grid_runs for p in points)

    cost = Costs(
        inference_hours=inference_hours,
        estimate_hours=estimate_hours,
        inference_done=inference_done,
        reject=lambda combo: points_of(combo)[1] or None,
        points_per_setting=len(study.context.seeds),
    )
    return cost, points_of


def next_wave(sweep: Sweep, name: str, wave: int, base: Path = Path(".")) -> dict:
    """Propose wave `wave` of search study `name` from the results of the waves before it: its wave file."""
    study = sweep.searches[name]
    earlier = history(study, name, wave, base, sweep.commit)
    pending = [t for t in earlier if t.status == "pending"]
    if pending:  # the checkpoint's inputs are every earlier point's results: this is a bug, not a state
        raise RuntimeError(f"wave {wave} of {name}: {len(pending)} earlier settings have no results yet")
    cost, points_of = costs(sweep, study, base)
    grid_points = len(sweep.points)
    proposal: Wave = propose(
        study.spec, earlier, wave, cost, limit_points=sweep.settings.limits["max_points"] - grid_points
    )
    settings = []
    for t in proposal.trials:
        points, reason = points_of(t.combo)
        settings.append(
            {
                "combo": t.combo,
                "status": t.status,
                "reason": reason,
                "new_inference_runs": t.new_inference_runs,
                "gpu_hours": t.gpu_hours,
                "cpu_hours": t.cpu_hours,
                "points": [p.as_record() for p in points] if t.status == "pending" else [],
            }
        )
    used = spent(earlier + [t for t in proposal.trials], len(study.context.seeds))
    return {
        "study": name,
        "wave": wave,
        "seed": study.spec.seed,
        "settings": settings,
        "stop": proposal.stop,
        "why": proposal.why,
        "spent": used,
    }


def write_wave(sweep: Sweep, name: str, wave: int, out: Path, base: Path = Path(".")) -> dict:
    record = next_wave(sweep, name, wave, base)
    write_json(out, record)
    return record


def wave_job(sweep: Sweep, name: str, wave: int, out: str, log: str) -> None:
    """A search_wave job: the wave's file, and what it proposed in the job's log."""
    import time

    record = write_wave(sweep, name, wave, Path(out))
    with open(log, "a") as f:
        f.write(
            f"{time.strftime('%Y-%m-%d %H:%M:%S')} wave {record['wave']} of {record['study']}: "
            f"{len(record['settings'])} settings proposed, stop={record['stop']} {record['why']}; "
            f"spent so far {record['spent']}\n"
        )
