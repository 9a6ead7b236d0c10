"""Search benchmark (issues #22, #29): a search's front against the full grid's, within 15 % of its GPU jobs,
on four design spaces of different shapes, with the search's defaults.

    python benchmarks/search.py                       # four spaces x 5 seeds, replayed: ~10 min on 2 cores
    python benchmarks/search.py --workflow-search     # and one search through the workflow against its replay

The spaces (benchmarks/spaces.py) have 1,024 settings each: ADCprecision x wl_activate x vari (64 inference
runs, the grid's GPU jobs) x technode x numColMuxed x SARADC (16 hardware values, CPU only); objectives
accuracy, TOPS/W and TOPS (max). Their grid results are computed from the stand-in's formulas (a monotone
space, a saturating one with a variation-energy trade-off, a sweet spot, a noisy one with cliffs), not run
through the workflow: a search reads nothing but a grid's values, and the workflow's search proposes what
the replay proposes (checked by --workflow-search on the stand-in itself).

1. The search (noisyneurosim.search.propose, the workflow's own proposer) runs on each space's grid with a
   GPU budget of 15 % of its inference runs (one GPU hour per run), for 5 optimiser seeds; the study sets
   only its space, objectives, budget and seed: every other key is the default.
2. Random search at the same budget, two ways: random settings, and random accuracy settings with every
   hardware value of each (the cheap values a search gets as well); and the best runs picked greedily
   knowing the whole grid (what the budget could reach).
3. Shares of the grid front's hypervolume, two ways: linear objectives against the grid's worst values (1 %
   of the range beyond), and TOPS/W and TOPS on a log scale against a physical reference (accuracy 0.1,
   chance for ten classes; the grid's worst TOPS/W and TOPS), where a missing high-accuracy end shows.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "src"))
sys.path.insert(0, str(PROJECT / "benchmarks"))

import spaces  # noqa: E402

from noisyneurosim import config as cfg  # noqa: E402
from noisyneurosim.acquisition import gain, nondominated, volume  # noqa: E402
from noisyneurosim.search import Costs, SearchSpec, Trial, front, propose  # noqa: E402

SPACE = spaces.SPACE
OBJECTIVES = spaces.OBJECTIVES
BUDGET_SHARE = 0.15
SEEDS = [0, 1, 2, 3, 4]
REFERENCE_MARGIN = 0.01  # the linear reference point: the grid's worst of each objective, 1 % of its range beyond
GPU_SECONDS_PER_IMAGE = 18  # 200 test images x 18 s = one GPU hour per inference run
TEST_IMAGES = 200
TARGET_MEAN, TARGET_WORST, TARGET_ABOVE_RANDOM = 0.93, 0.85, 0.10


# ---------------------------------------------------------------------------------------------------------
# the workflow folders


def workflow_config(work: Path, studies: dict, **extra) -> Path:
    config = {
        "neurosim": {"path": str(PROJECT / "tests" / "standin" / "neurosim")},  # a plain folder: copied
        "python": {"command": sys.executable},
        "datasets": {
            "root": str(work / "resources" / "datasets"),
            "synthetic": True,
            "synthetic_test_images": TEST_IMAGES,
        },
        "defaults": {"model": "VGG8", "inference": 1, "batch_size": 50},
        "studies": studies,
        **extra,
    }
    work.mkdir(parents=True, exist_ok=True)
    file = work / "sweep.yaml"
    file.write_text(yaml.safe_dump(config, sort_keys=False))
    return file


def snakemake(work: Path, config_file: Path, cores: int, *targets: str) -> float:
    """Run the workflow in `work` (to `targets`, default all); its wall seconds."""
    env = dict(os.environ)
    # Snakemake imports every executor plugin at start; the Slurm one asks `scontrol` (slow without a
    # controller): an `scontrol` that answers at once, as the tests do
    probe = work / ".no-slurm"
    probe.mkdir(exist_ok=True)
    (probe / "scontrol").write_text("#!/bin/sh\nexit 1\n")
    (probe / "scontrol").chmod(0o755)
    env["PATH"] = f"{probe}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT / "src"), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(PROJECT / "Snakefile"), "--directory", str(work)]
    cmd += ["--configfile", str(config_file), "--cores", str(cores), *targets]
    t = time.monotonic()
    with open(work / "snakemake.log", "w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    wall = time.monotonic() - t
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake failed ({proc.returncode}); see {work / 'snakemake.log'}")
    return wall


def search_study(budget_gpu_hours: float, seed: int) -> dict:
    """What a user writes: space, objectives, budget and seed; every other key at its default."""
    return {
        "search": {
            "space": copy.deepcopy(SPACE),
            "objectives": dict(OBJECTIVES),
            "budget": {"gpu_hours": budget_gpu_hours},
            "seed": seed,
        },
        "seeds": [1],
    }


def cost_table() -> dict:
    return {"VGG8": {"gpu_seconds_per_image": GPU_SECONDS_PER_IMAGE, "cpu_seconds_per_estimate": 1}}


def load_spec(config_file: Path, name: str = "s") -> SearchSpec:
    """The search's spec as the workflow reads it (the config's own checks, types and defaults)."""
    return cfg.load(config_file).searches[name].spec


# ---------------------------------------------------------------------------------------------------------
# the oracle: a grid's values


def canonical(spec_space: dict, combo: dict) -> tuple:
    out = []
    for name in spec_space:
        v = combo[name]
        if hasattr(v, "item"):  # numpy scalars from pandas
            v = v.item()
        out.append(bool(v) if isinstance(v, bool) else float(v))
    return tuple(out)


class Oracle:
    """Every setting's objective values: a space's grid."""

    def __init__(self, values: dict[tuple, dict], space: dict):
        self.space = space
        self.values = {canonical(space, dict(zip(space, k, strict=True))): v for k, v in values.items()}
        self.grid_jobs = len({k[: len(spaces.ACCURACY_SPACE)] for k in self.values})
        self.points = len(self.values)

    def evaluate(self, trials: list[Trial]) -> list[Trial]:
        for t in trials:
            if t.status == "pending":
                t.status, t.values = "ok", dict(self.values[canonical(self.space, t.combo)])
        return trials

    def trials(self) -> list[Trial]:
        combos = [dict(zip(self.space, key, strict=True)) for key in self.values]
        return self.evaluate([Trial(combo=c, wave=0) for c in combos])


# ---------------------------------------------------------------------------------------------------------
# strategies, evaluated on the oracle


def replay_search(spec: SearchSpec, oracle: Oracle, max_waves: int = 1000) -> tuple[list[Trial], list[list[dict]], str]:
    """The workflow's search on the oracle: every trial, each wave's proposed settings, why it stopped."""
    costs = Costs(
        inference_hours=lambda combo: 1.0,
        estimate_hours=lambda combo: 1e-6,
        inference_done=lambda combo: False,
        reject=lambda combo: None if canonical(spec.space, combo) in oracle.values else "not in the grid",
    )
    history: list[Trial] = []
    waves: list[list[dict]] = []
    for wave in range(max_waves):
        proposal = propose(spec, copy.deepcopy(history), wave, costs)
        waves.append([t.combo for t in proposal.trials])
        if proposal.stop:
            return history, waves, proposal.why
        history += oracle.evaluate(proposal.trials)
    return history, waves, "max_waves"


def random_settings(spec: SearchSpec, oracle: Oracle, jobs: int, seed: int) -> list[Trial]:
    """Settings drawn uniformly without replacement while the inference runs they need fit the budget."""
    rng = random.Random(seed)
    keys = sorted(oracle.values)
    rng.shuffle(keys)
    runs: set = set()
    chosen = []
    for key in keys:
        combo = dict(zip(spec.space, key, strict=True))
        part = spec.accuracy_part(combo)
        if part not in runs and len(runs) == jobs:
            break  # the next setting needs an inference run beyond the budget
        runs.add(part)
        chosen.append(Trial(combo=combo, wave=0))
    return oracle.evaluate(chosen)


def by_run(spec: SearchSpec, oracle: Oracle) -> dict[tuple, list[dict]]:
    out: dict[tuple, list] = {}
    for key in sorted(oracle.values):
        combo = dict(zip(spec.space, key, strict=True))
        out.setdefault(spec.accuracy_part(combo), []).append(combo)
    return out


def random_runs(spec: SearchSpec, oracle: Oracle, jobs: int, seed: int) -> list[Trial]:
    """Accuracy settings drawn uniformly without replacement, each with every hardware value."""
    runs = by_run(spec, oracle)
    parts = random.Random(seed).sample(sorted(runs), jobs)
    return oracle.evaluate([Trial(combo=c, wave=0) for p in parts for c in runs[p]])


def jobs_used(spec: SearchSpec, trials: list[Trial]) -> int:
    return len({spec.accuracy_part(t.combo) for t in trials if t.status != "rejected"})


# ---------------------------------------------------------------------------------------------------------
# how much of the grid front's hypervolume a set of results reaches


class Measure:
    """One way to value a front: each objective's scale and the reference point, against the grid's front."""

    def __init__(self, spec: SearchSpec, everything: list[Trial], log: bool):
        self.spec, self.log = spec, log
        grid = np.array([self.vector(t) for t in everything])
        worst, best = grid.max(0), grid.min(0)
        reference = worst + REFERENCE_MARGIN * np.where(worst > best, worst - best, 1.0)
        if log:  # a physical bound for accuracy: chance for ten classes, so the high-accuracy end counts
            reference[[c for c, _ in spec.objectives].index("accuracy")] = -spaces.CHANCE
        self.reference = reference
        self.whole = volume(nondominated(grid), reference)

    def vector(self, t: Trial) -> tuple:
        out = []
        for column, direction in self.spec.objectives:
            value = t.values[column]
            if self.log and column != "accuracy":
                value = math.log10(value)
            out.append(value if direction == "min" else -value)
        return tuple(out)

    def share(self, trials: list[Trial]) -> float:
        on_front = [self.vector(t) for t in front(self.spec, trials)]
        return volume(np.array(on_front), self.reference) / self.whole if on_front else 0.0


def greedy_best_runs(spec: SearchSpec, oracle: Oracle, measure: Measure, jobs: int) -> float:
    """The share of `jobs` runs picked one by one for the hypervolume they add, knowing the whole grid."""
    runs = by_run(spec, oracle)
    vectors = {
        p: np.array([measure.vector(t) for t in oracle.evaluate([Trial(c, 0) for c in combos])])
        for p, combos in runs.items()
    }
    current = np.zeros((0, len(spec.objectives)))
    for _ in range(jobs):
        part = max(vectors, key=lambda p: gain(current, vectors[p], measure.reference))
        current = nondominated(np.vstack([current, vectors.pop(part)]))
    return volume(current, measure.reference) / measure.whole


def measure_space(shape: str, base_spec: SearchSpec, seeds: list[int], variants: dict) -> dict:
    """One space: each variant's searches (5 seeds), the random baselines and the greedy best runs."""
    oracle = Oracle(spaces.grid(shape), base_spec.space)
    budget = BUDGET_SHARE * oracle.grid_jobs
    jobs = math.floor(budget + 1e-9)
    spec = replace(base_spec, budget={"gpu_hours": budget})
    everything = oracle.trials()
    linear, logged = Measure(spec, everything, log=False), Measure(spec, everything, log=True)
    grid_front = front(spec, everything)
    out = {
        "shape": shape,
        "front": len(grid_front),
        "front_runs": len({spec.accuracy_part(t.combo) for t in grid_front}),
        "jobs": jobs,
        "grid_jobs": oracle.grid_jobs,
        "variants": {},
    }
    for name, overrides in variants.items():
        shares, log_shares, used, settings, walls = [], [], [], [], []
        for seed in seeds:
            t0 = time.monotonic()
            trials, waves, why = replay_search(replace(spec, seed=seed, **overrides), oracle)
            walls.append(time.monotonic() - t0)
            shares.append(linear.share(trials))
            log_shares.append(logged.share(trials))
            used.append(jobs_used(spec, trials) / oracle.grid_jobs)
            settings.append(len(trials))
            print(
                f"  {shape}, {name}, seed {seed}: {len(trials)} settings in {len(waves) - 1} waves, "
                f"{jobs_used(spec, trials)} runs, HV {100 * shares[-1]:.1f} % (log {100 * log_shares[-1]:.1f} %), "
                f"{walls[-1]:.0f} s; stopped: {why}",
                flush=True,
            )
        out["variants"][name] = {
            "share": shares,
            "log_share": log_shares,
            "gpu_share": used,
            "settings": settings,
            "wall": walls,
        }
    plain = [linear.share(random_settings(spec, oracle, jobs, seed)) for seed in seeds]
    runs = [random_runs(spec, oracle, jobs, seed) for seed in seeds]
    out["random_settings"] = plain
    out["random_runs"] = [linear.share(t) for t in runs]
    out["random_runs_log"] = [logged.share(t) for t in runs]
    out["greedy"] = greedy_best_runs(spec, oracle, linear, jobs)
    return out


def percent(v: float) -> str:
    return f"{100 * v:.1f}"


def verdict(result: dict, name: str) -> tuple[bool, str]:
    v = result["variants"][name]
    mean, worst = statistics.mean(v["share"]), min(v["share"])
    stronger = max(statistics.mean(result["random_settings"]), statistics.mean(result["random_runs"]))
    met = {
        f"mean >= {percent(TARGET_MEAN)}": mean >= TARGET_MEAN,
        f"worst >= {percent(TARGET_WORST)}": worst >= TARGET_WORST,
        f"GPU <= {percent(BUDGET_SHARE)}": max(v["gpu_share"]) <= BUDGET_SHARE + 1e-9,
        "random + 10": mean >= stronger + TARGET_ABOVE_RANDOM,
    }
    missed = [k for k, ok in met.items() if not ok]
    return not missed, "met" if not missed else "MISSED " + ", ".join(missed)


def table(results: list[dict], name: str) -> list[str]:
    lines = [
        "| space (grid front: settings / runs) | search, mean / worst of 5 seeds | GPU jobs | random settings "
        "| random runs x all hardware values | best runs, knowing the grid | log-scaled: search mean / worst, "
        "random runs | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        v = r["variants"][name]
        ok, why = verdict(r, name)
        lines.append(
            f"| {r['shape']} ({r['front']} / {r['front_runs']}) "
            f"| {percent(statistics.mean(v['share']))} / {percent(min(v['share']))} % "
            f"| {percent(max(v['gpu_share']))} % ({r['jobs']} of {r['grid_jobs']}) "
            f"| {percent(statistics.mean(r['random_settings']))} / {percent(min(r['random_settings']))} % "
            f"| {percent(statistics.mean(r['random_runs']))} / {percent(min(r['random_runs']))} % "
            f"| {percent(r['greedy'])} % "
            f"| {percent(statistics.mean(v['log_share']))} / {percent(min(v['log_share']))} %, "
            f"{percent(statistics.mean(r['random_runs_log']))} % "
            f"| {why} |"
        )
    return lines


# ---------------------------------------------------------------------------------------------------------


VARIANTS = {  # --compare: what the defaults were chosen against (the first is the defaults, the target's)
    "defaults": {},  # ehvi, 1 inference run per wave
    "2 inference runs per wave": {"inference_runs_per_wave": 2},
    "tpe (the old default)": {"sampler": "tpe"},
    "gp (Optuna's, needs torch)": {"sampler": "gp"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="optimiser seeds (default 5)")
    parser.add_argument("--spaces", nargs="*", default=list(spaces.SHAPES), choices=list(spaces.SHAPES))
    parser.add_argument("--compare", action="store_true", help="also the variants the defaults were chosen from")
    parser.add_argument("--workflow-search", action="store_true", help="one search through the workflow")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    seeds = SEEDS[: args.seeds] if args.seeds <= len(SEEDS) else list(range(args.seeds))
    root = Path(tempfile.mkdtemp(prefix="nns-search-bench-"))
    try:
        base_spec = load_spec(workflow_config(root / "spec", {"s": search_study(1.0, 0)}))
        print(
            f"defaults: sampler {base_spec.sampler}, {base_spec.points_per_wave} settings per wave, "
            f"{base_spec.inference_runs_per_wave} inference run(s) per wave",
            flush=True,
        )
        variants = VARIANTS if args.compare else {"defaults": {}}
        t0 = time.monotonic()
        results = [measure_space(shape, base_spec, seeds, variants) for shape in args.spaces]
        print(f"all spaces: {(time.monotonic() - t0) / 60:.1f} min", flush=True)
        for name in variants:
            print(f"\n{name}:\n" + "\n".join(table(results, name)))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
        ok = all(verdict(r, "defaults")[0] for r in results)
        if args.workflow_search:
            ok = workflow_search(root, base_spec, args.cores) and ok
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def workflow_search(root: Path, spec: SearchSpec, cores: int) -> bool:
    """One search through the workflow on the stand-in (its own grid of the space, as NeuroSim runs it):
    its wave files must be what the replay proposes from the workflow's own results."""
    import pandas as pd

    work = root / "workflow-search"
    budget = BUDGET_SHARE * 64
    config_file = workflow_config(work, {"s": search_study(budget, 0)}, cost=cost_table())
    wall = snakemake(work, config_file, cores)
    trials = pd.read_csv(work / "results" / "search" / "s" / "trials.csv")
    values = {
        canonical(spec.space, {k: row[k] for k in spec.space}): {c: float(row[c]) for c in OBJECTIVES}
        for _, row in trials.iterrows()
    }
    oracle = Oracle({}, spec.space)
    oracle.values = values
    try:
        _, replayed, _ = replay_search(replace(spec, budget={"gpu_hours": budget}, seed=0), oracle)
    except KeyError as missing:
        replayed = [[{"proposed beyond the workflow's settings": str(missing)}]]
    files = sorted((work / "results" / "search" / "s" / "waves").glob("*.json"), key=lambda p: int(p.stem))
    workflow_waves = [[canonical(spec.space, c["combo"]) for c in json.loads(f.read_text())["settings"]] for f in files]
    same = workflow_waves == [[canonical(spec.space, c) for c in w] for w in replayed]
    print(
        f"\nworkflow search (seed 0, defaults): {len(trials)} settings, {len(files)} wave files, "
        f"{'identical to' if same else 'DIFFERENT from'} the replay on its own results; {wall / 60:.1f} min",
        flush=True,
    )
    return same


if __name__ == "__main__":
    sys.exit(main())
