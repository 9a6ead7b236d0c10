"""Search benchmark (issue #22): a search's front against the full grid's, within 15 % of its GPU jobs.

    python benchmarks/search.py                      # grid, searches, a search in the workflow: ~30 min, 2 cores
    python benchmarks/search.py --grid-results DIR   # reuse a grid run's results/ (the oracle)

One design space on the stand-in NeuroSim (tests/standin), 1,024 settings with one seed each:
accuracy-side knobs ADCprecision x wl_activate x vari (64 inference runs, the grid's GPU jobs) and
hardware-only knobs technode x numColMuxed x SARADC (16 values, CPU only). In the stand-in's formulas
(models/_toy.py, NeuroSIM/Chip.cpp) more ADC and input bits raise accuracy but cost energy and time,
variation costs accuracy (and a little energy), a column mux saves ADC energy but costs throughput, and
the SAR ADC's gain against the multilevel sense amplifier depends on the ADC bits: the front of accuracy,
TOPS/W and TOPS has many settings.

1. The full grid runs once through the workflow (snakemake --cores 2); results/runs.csv is the oracle.
2. The search (noisyneurosim.search.propose, the workflow's own proposer) runs on the oracle with a GPU
   budget of 15 % of the grid's inference runs (one GPU hour per run), for 5 optimiser seeds, with each
   sampler that chooses the inference runs: gp (Optuna's Gaussian process) and tpe.
3. Random search at the same budget, two ways: random settings, and random accuracy settings with every
   hardware value of each (the cheap values a search gets as well).
4. One search study through the workflow (the cost table makes one run one GPU hour): its trials must
   hold the oracle's values and its waves the replayed proposals, so the replay is the workflow's search.

Figures: the hypervolume of each front as a share of the grid front's (reference point: the grid's worst
value of each objective, 1 % of its range beyond), and the GPU jobs used as a share of the grid's.
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
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "src"))

from noisyneurosim import config as cfg  # noqa: E402
from noisyneurosim.search import (  # noqa: E402
    Costs,
    SearchSpec,
    Trial,
    front,
    hypervolume,
    minimised,
    propose,
)

ACCURACY_SPACE = {
    "ADCprecision": [3, 4, 6, 8],
    "wl_activate": [4, 5, 6, 8],
    "vari": [0.0, 0.05, 0.1, 0.2],
}
HARDWARE_SPACE = {
    "technode": [22, 45],
    "numColMuxed": [1, 4, 16, 64],
    "SARADC": [True, False],
}
SPACE = {**ACCURACY_SPACE, **HARDWARE_SPACE}
OBJECTIVES = {"accuracy": "max", "tops_per_w": "max", "tops": "max"}
BUDGET_SHARE = 0.15
SEEDS = [0, 1, 2, 3, 4]
REFERENCE_MARGIN = 0.01  # the reference point: the grid's worst of each objective, 1 % of its range beyond
GPU_SECONDS_PER_IMAGE = 18  # 200 test images x 18 s = one GPU hour per inference run
TEST_IMAGES = 200

ROWS: list[tuple[str, str, str, str]] = []


def record(name: str, figure: str, target: str, ok: bool | None) -> None:
    verdict = "n/a" if ok is None else ("met" if ok else "MISSED")
    ROWS.append((name, figure, target, verdict))
    print(f"  {name}: {figure}  [{target}: {verdict}]", flush=True)


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
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake failed ({proc.returncode}); see {work / 'snakemake.log'}")
    return wall


SAMPLERS = ("gp", "tpe")  # the first is the one the target is for (README: which sampler)


def search_study(budget_gpu_hours: float, seed: int, sampler: str = SAMPLERS[0]) -> dict:
    return {
        "search": {
            "space": copy.deepcopy(SPACE),
            "objectives": dict(OBJECTIVES),
            "budget": {"gpu_hours": budget_gpu_hours},
            # one new inference run per wave: with 9 runs in all, each chosen knowing the last's results
            "points_per_wave": 8,
            "inference_runs_per_wave": 1,
            "seed": seed,
            "sampler": sampler,
        },
        "seeds": [1],
    }


def cost_table() -> dict:
    return {"VGG8": {"gpu_seconds_per_image": GPU_SECONDS_PER_IMAGE, "cpu_seconds_per_estimate": 1}}


# ---------------------------------------------------------------------------------------------------------
# the oracle: the grid's runs.csv


def canonical(spec_space: dict, combo: dict) -> tuple:
    out = []
    for name in spec_space:
        v = combo[name]
        if hasattr(v, "item"):  # numpy scalars from pandas
            v = v.item()
        out.append(bool(v) if isinstance(v, bool) else float(v))
    return tuple(out)


class Oracle:
    """Every setting's objective values (runs.csv of the full grid)."""

    def __init__(self, runs_csv: Path, space: dict, objectives: dict):
        import pandas as pd

        runs = pd.read_csv(runs_csv)
        self.space = space
        self.values: dict[tuple, dict] = {}
        self.status: dict[tuple, tuple] = {}
        self.acc_id: dict[tuple, str] = {}
        for _, row in runs.iterrows():
            key = canonical(space, {k: row[k] for k in space})
            if key in self.status:
                raise RuntimeError(f"two rows for {key}: use one seed per setting")
            self.status[key] = (row["status"], row.get("reason") if isinstance(row.get("reason"), str) else "")
            self.acc_id[key] = row["acc_id"]
            if row["status"] == "ok":
                self.values[key] = {c: float(row[c]) for c in objectives}
        self.grid_jobs = runs["acc_id"].nunique()
        self.points = len(runs)

    def evaluate(self, trials: list[Trial]) -> list[Trial]:
        for t in trials:
            if t.status != "pending":
                continue
            key = canonical(self.space, t.combo)
            status, reason = self.status[key]
            if status == "ok":
                t.status, t.values = "ok", dict(self.values[key])
            else:
                t.status, t.reason = "failed", reason or status
        return trials

    def trials(self) -> list[Trial]:
        out = []
        for key, (status, reason) in self.status.items():
            combo = dict(zip(self.space, key, strict=True))
            out.append(
                Trial(
                    combo=combo,
                    wave=0,
                    status="ok" if status == "ok" else "failed",
                    values=self.values.get(key, {}),
                    reason=reason,
                )
            )
        return out


def load_spec(config_file: Path, name: str = "s") -> SearchSpec:
    """The search's spec as the workflow reads it (the config's own checks and types)."""
    return cfg.load(config_file).searches[name].spec


# ---------------------------------------------------------------------------------------------------------
# strategies, evaluated on the oracle


def replay_search(spec: SearchSpec, oracle: Oracle, max_waves: int = 1000) -> tuple[list[Trial], list[list[dict]], str]:
    """The workflow's search on the oracle: every trial, each wave's proposed settings, why it stopped."""
    costs = Costs(
        inference_hours=lambda combo: 1.0,
        estimate_hours=lambda combo: 1e-6,
        inference_done=lambda combo: False,
        reject=lambda combo: None if canonical(spec.space, combo) in oracle.status else "not in the grid",
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
    keys = sorted(oracle.status)
    rng.shuffle(keys)
    runs: set = set()
    chosen = []
    for key in keys:
        combo = dict(zip(spec.space, key, strict=True))
        part = spec.accuracy_part(combo)
        if part not in runs and len(runs) == jobs:
            break  # the next setting needs an inference run beyond the budget
        runs.add(part)
        chosen.append(Trial(combo=combo, wave=0, new_inference_runs=0))
    return oracle.evaluate(chosen)


def random_runs(spec: SearchSpec, oracle: Oracle, jobs: int, seed: int) -> list[Trial]:
    """Accuracy settings drawn uniformly without replacement, each with every hardware value."""
    rng = random.Random(seed)
    by_part: dict[tuple, list] = {}
    for key in sorted(oracle.status):
        combo = dict(zip(spec.space, key, strict=True))
        by_part.setdefault(spec.accuracy_part(combo), []).append(combo)
    parts = rng.sample(sorted(by_part), jobs)
    return oracle.evaluate([Trial(combo=c, wave=0) for p in parts for c in by_part[p]])


def jobs_used(spec: SearchSpec, trials: list[Trial]) -> int:
    return len({spec.accuracy_part(t.combo) for t in trials if t.status != "rejected"})


def share(spec: SearchSpec, trials: list[Trial], reference: tuple, whole: float) -> float:
    return hypervolume([minimised(spec, t) for t in front(spec, trials)], reference) / whole


def reference_for(spec: SearchSpec, trials: list[Trial]) -> tuple:
    ok = [minimised(spec, t) for t in trials if t.feasible(spec)]
    ref = []
    for axis in zip(*ok, strict=True):
        span = max(axis) - min(axis)
        ref.append(max(axis) + REFERENCE_MARGIN * (span or abs(max(axis)) or 1.0))
    return tuple(ref)


def summary(values: list[float], percent: bool = True) -> str:
    f = (lambda v: f"{100 * v:.1f} %") if percent else (lambda v: f"{v:g}")
    return f"{f(statistics.median(values))} ({f(min(values))} to {f(max(values))})"


# ---------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid-results", type=Path, help="a grid run's results/ folder to reuse (skip the grid run)")
    parser.add_argument("--workdir", type=Path, help="keep the workflow folders here (default: a temporary folder)")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="optimiser seeds (default 5)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--points-per-wave", type=int, help="override the spec's points_per_wave (tuning)")
    parser.add_argument("--inference-runs-per-wave", type=int, help="override inference_runs_per_wave (tuning)")
    parser.add_argument("--no-workflow-search", action="store_true", help="skip the end-to-end search check")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    seeds = SEEDS[: args.seeds] if args.seeds <= len(SEEDS) else list(range(args.seeds))

    keep = args.workdir is not None
    root = args.workdir or Path(tempfile.mkdtemp(prefix="nns-search-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, root, seeds)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def run(args, root: Path, seeds: list[int]) -> int:
    print("1. full grid through the workflow", flush=True)
    grid_wall = None
    if args.grid_results:
        results = args.grid_results
    else:
        work = root / "grid"
        config_file = workflow_config(work, {"grid": {"grid": copy.deepcopy(SPACE), "seeds": [1]}})
        # runs.csv only: the study figures of a 1,024-point grid take longer than the grid itself
        grid_wall = snakemake(work, config_file, args.cores, "results/runs.csv")
        results = work / "results"
        print(f"  grid results: {results} ({grid_wall / 60:.1f} min)", flush=True)

    # the spec as the workflow reads it, from a config with the search study (budget: 15 % of the grid's jobs)
    probe = root / "spec"
    dummy = workflow_config(probe, {"s": search_study(1.0, 0)})
    base_spec = load_spec(dummy)
    oracle = Oracle(results / "runs.csv", base_spec.space, OBJECTIVES)
    size = math.prod(len(v) for v in SPACE.values())
    if oracle.points != size:
        raise RuntimeError(f"{results / 'runs.csv'}: {oracle.points} rows, the space has {size} settings")
    budget = BUDGET_SHARE * oracle.grid_jobs
    jobs = math.floor(budget + 1e-9)
    tuning = {}
    if args.points_per_wave:
        tuning["points_per_wave"] = args.points_per_wave
    if args.inference_runs_per_wave:
        tuning["inference_runs_per_wave"] = args.inference_runs_per_wave
    from dataclasses import replace

    spec = replace(base_spec, budget={"gpu_hours": budget}, **tuning)
    everything = oracle.trials()
    reference = reference_for(spec, everything)
    grid_front = front(spec, everything)
    whole = hypervolume([minimised(spec, t) for t in grid_front], reference)
    failed = sum(t.status != "ok" for t in everything)
    record(
        "design space",
        f"{oracle.points:,} settings x 1 seed ({' x '.join(f'{k} {len(v)}' for k, v in SPACE.items())}); "
        f"{oracle.grid_jobs} GPU jobs; objectives {', '.join(f'{c} {d}' for c, d in OBJECTIVES.items())}; "
        f"grid front {len(grid_front)} settings; {failed} failed",
        ">= 1,000 points, a front of several settings",
        oracle.points >= 1000 and len(grid_front) > 2,
    )
    if grid_wall is not None:
        record(f"grid run (snakemake --cores {args.cores})", f"{grid_wall / 60:.1f} min wall", "", None)

    print(f"2. search, GPU budget {budget:g} h (15 % of {oracle.grid_jobs} jobs), seeds {seeds}", flush=True)
    searched: dict[str, dict] = {}
    walls = {}
    for sampler in SAMPLERS:
        searched[sampler] = {}
        t0 = time.monotonic()
        for seed in seeds:
            t = time.monotonic()
            trials, waves, why = replay_search(replace(spec, seed=seed, sampler=sampler), oracle)
            searched[sampler][seed] = (trials, waves)
            print(
                f"  {sampler}, seed {seed}: {len(trials)} settings in {len(waves) - 1} waves, "
                f"{jobs_used(spec, trials)} jobs, HV {100 * share(spec, trials, reference, whole):.1f} %, "
                f"{time.monotonic() - t:.0f} s; stopped: {why}",
                flush=True,
            )
        walls[sampler] = time.monotonic() - t0
    hv = {s: [share(spec, trials, reference, whole) for trials, _ in searched[s].values()] for s in SAMPLERS}
    used = {s: [jobs_used(spec, trials) / oracle.grid_jobs for trials, _ in searched[s].values()] for s in SAMPLERS}
    settings = {s: [len(trials) for trials, _ in searched[s].values()] for s in SAMPLERS}

    print("3. random search at the same GPU budget", flush=True)
    plain = [random_settings(spec, oracle, jobs, seed) for seed in seeds]
    runs = [random_runs(spec, oracle, jobs, seed) for seed in seeds]
    hv_plain = [share(spec, t, reference, whole) for t in plain]
    hv_runs = [share(spec, t, reference, whole) for t in runs]
    used_plain = [jobs_used(spec, t) / oracle.grid_jobs for t in plain]
    used_runs = [jobs_used(spec, t) / oracle.grid_jobs for t in runs]

    n = len(seeds)
    best = SAMPLERS[0]
    for sampler in SAMPLERS:
        target = sampler == best
        record(
            f"search, sampler {sampler}: hypervolume share (median, range over {n} seeds)",
            summary(hv[sampler]),
            ">= 95 % of the grid front's" if target else "",
            statistics.median(hv[sampler]) >= 0.95 if target else None,
        )
        record(
            f"search, sampler {sampler}: GPU jobs used, % of the grid's",
            f"{summary(used[sampler])}; {statistics.median(settings[sampler]):g} settings evaluated (median)",
            "<= 15 %",
            statistics.median(used[sampler]) <= BUDGET_SHARE + 1e-9,
        )
    record(
        "random settings: hypervolume share",
        f"{summary(hv_plain)}; jobs {summary(used_plain)}; {statistics.median(len(t) for t in plain):g} settings",
        f"search ({best}): median higher",
        statistics.median(hv[best]) > statistics.median(hv_plain),
    )
    record(
        "random runs x all hardware values: hypervolume share",
        f"{summary(hv_runs)}; jobs {summary(used_runs)}; {statistics.median(len(t) for t in runs):g} settings",
        f"search ({best}): median higher",
        statistics.median(hv[best]) > statistics.median(hv_runs),
    )
    for sampler in SAMPLERS:
        wall = f"{walls[sampler]:.0f} s"
        record(f"wall time of the {n} searches with {sampler} (replayed on the grid)", wall, "", None)

    if not args.no_workflow_search:
        print("4. one search through the workflow", flush=True)
        workflow_search(root, spec, oracle, seeds[0], searched[best][seeds[0]][1], budget, args.cores, best)

    print()
    print("| benchmark | figure | target | verdict |")
    print("|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")
    return 0 if all(r[3] != "MISSED" for r in ROWS) else 1


def workflow_search(
    root: Path, spec: SearchSpec, oracle: Oracle, seed: int, replayed: list, budget: float, cores: int, sampler: str
):
    import pandas as pd

    work = root / "workflow-search"
    study = search_study(budget, seed, sampler)
    for key in ("points_per_wave", "inference_runs_per_wave"):
        study["search"][key] = getattr(spec, key)
    config_file = workflow_config(work, {"s": study}, cost=cost_table())
    wall = snakemake(work, config_file, cores)
    trials = pd.read_csv(work / "results" / "search" / "s" / "trials.csv")
    mismatched = 0
    for _, row in trials.iterrows():
        key = canonical(spec.space, {k: row[k] for k in spec.space})
        expected = oracle.values.get(key)
        if row["status"] != "ok" or expected is None:
            mismatched += 1
            continue
        if any(not math.isclose(float(row[c]), expected[c], rel_tol=1e-9, abs_tol=1e-12) for c in OBJECTIVES):
            mismatched += 1
    waves_dir = work / "results" / "search" / "s" / "waves"
    files = sorted(waves_dir.glob("*.json"), key=lambda p: int(p.stem))
    workflow_waves = [[s["combo"] for s in json.loads(f.read_text())["settings"]] for f in files]
    same = [[canonical(spec.space, c) for c in w] for w in workflow_waves] == [
        [canonical(spec.space, c) for c in w] for w in replayed
    ]
    gpu = trials["gpu_hours_planned"].sum()
    record(
        f"search in the workflow ({sampler}, seed {seed}): values = oracle's",
        f"{len(trials) - mismatched} of {len(trials)} settings equal; {gpu:g} GPU hours planned; {wall / 60:.1f} min",
        "all equal",
        mismatched == 0,
    )
    record(
        "search in the workflow: waves = replayed proposals",
        f"{len(workflow_waves)} wave files vs {len(replayed)} replayed waves: {'identical' if same else 'DIFFERENT'}",
        "identical",
        same,
    )


if __name__ == "__main__":
    sys.exit(main())
