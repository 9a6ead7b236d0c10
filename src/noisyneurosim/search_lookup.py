"""A search study while Snakemake plans: its wave files, the points they propose (which the rules' input
functions look up), what decides its proposals, and what it may cost in the plan.

The wave files (paths.SEARCH_WAVE) are the search's record: each lists the settings proposed, their
points (ordinary points: same ids as a grid's, so shared work is reused) and what each was expected to
cost. The wave job writes them (search_wave.py); the tables after the search read them (search_report.py).
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import paths
from .files import read_json
from .points import Point, Sweep, deciding_identity, test_images
from .precision import expected_images
from .settings import GPU_HOUR_IN_CORE_HOURS

if TYPE_CHECKING:
    from .config import SearchStudy


def wave_file(study: str, wave: int) -> str:
    return paths.SEARCH_WAVE.format(study=study, wave=wave)


def wave_files(study: str, base: Path = Path(".")) -> list[str]:
    """The study's wave files on disk, in wave order (relative to base)."""
    found = []
    wave = 0
    while (base / wave_file(study, wave)).exists():
        found.append(wave_file(study, wave))
        wave += 1
    return found


def result_files(points: list[Point]) -> list[str]:
    """What a point's row is read from: its inference run's accuracy and its estimate (and training)."""
    files = []
    for p in points:
        files += [paths.ACCURACY.format(acc=p.acc_id), paths.ESTIMATE.format(acc=p.acc_id, hw=p.hw_id)]
        if p.train_id:
            files.append(paths.TRAINING_RECORD.format(train=p.train_id))
    return list(dict.fromkeys(files))


def wave_points(record: dict) -> list[Point]:
    return [Point.from_record(r) for s in record["settings"] for r in s["points"]]


class ProposedPoints:
    """Points proposed by search waves, read from the wave files when a job asks for one not known yet
    (the Snakefile is read before the waves are proposed; a cluster job reads it after)."""

    def __init__(self, base: Path = Path(".")):
        self.base = base
        self.read: set[tuple] = set()
        self.points: list[Point] = []

    def refresh(self) -> list[Point]:
        new = []
        for name in sorted(glob.glob(str(self.base / paths.SEARCH_WAVES_GLOB))):
            stat = Path(name).stat()
            version = (name, stat.st_mtime_ns, stat.st_size)  # a wave proposed again (a new budget) is read again
            if version in self.read:
                continue
            record = read_json(Path(name))
            if record is None:
                continue  # being written: read on the next miss
            self.read.add(version)
            new += wave_points(record)
        self.points += new
        return new


class Lookup(dict):
    """A mapping of the sweep's ids (acc, hw, train) that also knows proposed points, read on a miss."""

    def __init__(self, known: dict, key: Callable[[Point], str], value: Callable[[Point], object], proposed):
        super().__init__(known)
        self.key, self.value, self.proposed = key, value, proposed
        for p in proposed.points:
            self.setdefault(key(p), value(p))

    def __missing__(self, wanted):
        for p in self.proposed.points + self.proposed.refresh():
            k = self.key(p)
            if k and k not in self:
                super().__setitem__(k, self.value(p))
        if wanted in self:
            return super().__getitem__(wanted)
        raise KeyError(wanted)


def spec_record(study: SearchStudy) -> str:
    """What decides a search's proposals, as text for Snakemake's params: its spec and what makes its points."""
    import json
    from dataclasses import asdict

    context = study.context
    return json.dumps(
        {
            "spec": asdict(study.spec),
            "defaults": context.defaults,
            "decouple": list(context.decouple),
            "seeds": list(context.seeds),
            "split": vars(context.split),
            "run_identity": deciding_identity(context.run_identity),
        },
        sort_keys=True,
        default=str,
    )


def with_searched_points(sweep: Sweep, studies: list[str], base: Path = Path(".")) -> Sweep:
    """The sweep with the points its search studies proposed (from their wave files): runs.csv has them all."""
    from dataclasses import replace

    known = {(p.study, p.point_id) for p in sweep.points}
    added = []
    for name in studies:
        for f in wave_files(name, base):
            for p in wave_points(read_json(base / f) or {"settings": []}):
                if (p.study, p.point_id) not in known:
                    known.add((p.study, p.point_id))
                    added.append(p)
    return replace(sweep, points=sweep.points + added, _splits=None)


def gpu_hours_at_most(sweep: Sweep, study: SearchStudy) -> float:
    """The most GPU hours the search may spend (for the plan and limits.max_gpu_hours)."""
    budget = study.spec.budget
    bounds = []
    if "gpu_hours" in budget:
        bounds.append(budget["gpu_hours"])
    if "core_hours" in budget:
        bounds.append(budget["core_hours"] / GPU_HOUR_IN_CORE_HOURS)
    if "points" in budget:
        settings = budget["points"] // max(1, len(study.context.seeds))
        points, _ = study.resolve({k: v[0] for k, v in study.spec.space.items()})
        per_run = sum(
            expected_images(p.accuracy_split, test_images(p, sweep.settings))
            * sweep.settings.cost[p.knobs["model"]]["gpu_seconds_per_image"]
            for p in points
        )
        bounds.append(settings * per_run / 3600)
    return min(bounds)


def plan_lines(sweep: Sweep) -> list[str]:
    """What each search study may cost, for the plan: its settings are proposed while the workflow runs."""
    lines = []
    for name, study in sweep.searches.items():
        spec = study.spec
        budget = ", ".join(f"{k} {v:g}" for k, v in spec.budget.items())
        runs = (
            "one inference run (hardware knobs only)"
            if not spec.accuracy_knobs
            else f"at most {spec.inference_runs_per_wave} new inference runs each"
        )
        lines.append(
            f"  search {name}: {spec.size():,} settings in its space ({' x '.join(spec.space)}), proposed in waves "
            f"of {spec.points_per_wave}, {runs}; budget {budget}: at most {gpu_hours_at_most(sweep, study):.2f} "
            "GPU hours, included above; its estimates (CPU) are not (hardware values of runs that exist cost CPU "
            "only)"
        )
    return lines


def search_gpu_hours(sweep: Sweep) -> float:
    return sum(gpu_hours_at_most(sweep, s) for s in sweep.searches.values())
