"""What the Snakefile needs at parse time: the checked sweep, paths, the plan."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import config as cfg
from . import paths
from .cluster import GPU_HOUR_IN_CORE_HOURS, quota_lines
from .config import Point, Sweep
from .files import atomic_write
from .integrity import dropped_lines
from .knobs import TRAIN_IMAGES
from .precision import Split, expected_images, job_seed
from .reruns import plan_lines
from .search_run import plan_lines as search_plan_lines
from .search_run import search_gpu_hours
from .training import job_stops

DEFAULT_CONFIG = "config/sweep.yaml"


def config_file(given: list | tuple, overrides: dict | None = None, default: str = DEFAULT_CONFIG) -> str:
    """The YAML the user chose: --config sweep=FILE, else --configfile (the last one), else the default.

    With `--config sweep=FILE` Snakemake does not read the file itself, so a
    YAML syntax error is reported by us, with its line.
    """
    if overrides and overrides.get("sweep"):
        return str(overrides["sweep"])
    return str(given[-1]) if given else default


def load_sweep(config: dict, path: str, overrides: dict | None = None, schema: str | None = None) -> Sweep:
    """Read `path` with duplicate-key checks, apply --config overrides, check, expand.

    `config` (Snakemake's global) is replaced by what was checked, so rules
    and the report see exactly the validated configuration.
    """
    data = cfg.load_yaml(path)
    for key, value in (overrides or {}).items():
        if key != "sweep":
            data[key] = value
    sweep = cfg.check(data, source=path, base=Path.cwd())
    over = over_budget(sweep)
    if over:
        raise cfg.ConfigError([f"{path}: {over}"])
    if schema:
        from snakemake.utils import validate

        validate(data, schema)
    config.clear()
    config.update(data)
    return sweep


def over_budget(sweep: Sweep) -> str | None:
    """Why the workflow refuses to start this sweep (its plan costs more than limits.max_gpu_hours), if it does."""
    p = plan(sweep)
    limit = sweep.settings.limits["max_gpu_hours"]
    if p["gpu_hours"] <= limit:
        return None
    return (
        f"the plan costs {p['gpu_hours']:,.1f} GPU hours ({p['charged_core_hours']:,.0f} core-hours charged on "
        f"CLAIX), more than limits.max_gpu_hours = {limit:g}; nothing was started. Check the grid, or raise "
        "limits.max_gpu_hours to run it"
    )


def neurosim_conda(sweep: Sweep, basedir: str) -> str:
    """The conda environment file for NeuroSim's Python, absolute (relative paths: to the workflow)."""
    path = Path(sweep.settings.conda)
    return str(path if path.is_absolute() else Path(basedir) / path)


def inference_params(point: Point) -> str:
    return json.dumps(point.inference_args(), sort_keys=True)


def inference_job(point: Point, split: Split, population: int, part: int, max_test_images: int | None) -> dict:
    """What job `part` of an inference run is given: its arguments (its own seed), its images and
    whether it writes the traces (the first only). One unsplit job is exactly today's run: all images
    (or max_test_images), the run's seed."""
    if not 0 <= part < split.jobs(population):
        raise ValueError(f"inference run {point.acc_id} has {split.jobs(population)} job(s), not a job {part}")
    first, count = split.job_range(part, population)
    args = {**point.inference_args(), "seed": job_seed(point.seed, part)}
    images = count if split.images_per_job else max_test_images
    return {"args": json.dumps(args, sort_keys=True), "first_image": first, "images": images, "traces": part == 0}


def wave_policy(split: Split) -> str:
    """The name of a stopping policy: decisions and pools taken under another are not reused."""
    if split.halfwidth is None:
        return "all"
    return f"h{split.halfwidth:g}-w{split.jobs_per_wave}-n{split.min_images}"


def wave_part_files(acc: str, split: Split, population: int, last_wave: int) -> list[str]:
    """The job results of waves 0 to last_wave of an inference run."""
    return [paths.part_file(acc, k) for w in range(last_wave + 1) for k in split.wave_parts(w, population)]


def training_params(point: Point) -> str:
    return json.dumps(point.training_args(), sort_keys=True)


def training_records(sweep: Sweep) -> list[str]:
    return sorted({paths.TRAINING_RECORD.format(train=t) for t in sweep.training_settings()})


def param_params(point: Point) -> str:
    return json.dumps(point.param_values(), sort_keys=True)


def estimate_files(sweep: Sweep) -> list[str]:
    return sorted({paths.ESTIMATE.format(acc=p.acc_id, hw=p.hw_id) for p in sweep.points})


def accuracy_files(sweep: Sweep) -> list[str]:
    return sorted({paths.ACCURACY.format(acc=p.acc_id) for p in sweep.points})


def build_records(sweep: Sweep) -> list[str]:
    return sorted({paths.BUILD_RECORD.format(hw=p.hw_id) for p in sweep.points})


def reproducibility_files(sweep: Sweep) -> list[str]:
    return [paths.REPRODUCIBILITY.format(model=model) for model in sorted(sweep.reproducibility_pairs())]


def plot_targets(sweep: Sweep) -> list[str]:
    from .figures import applicable

    axes = {p.study: p.swept for p in sweep.points}
    trains = {p.study for p in sweep.points if p.train_id}
    return [
        paths.PLOTS.format(study=study, kind=kind)
        for study, swept in axes.items()
        for kind in applicable(swept, study in trains)
    ]


def run_id() -> str:
    import os
    import time

    return f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"


def points_text(sweep: Sweep) -> str:
    """The expanded sweep as the jobs that collect every point read it (instead of checking the config again)."""
    record = {"source": sweep.source, "config": sweep.config, "points": [p.as_record() for p in sweep.points]}
    return json.dumps(record, sort_keys=True) + "\n"


def points_digest(sweep: Sweep) -> str:
    """What record_points writes, in a few hex digits: its param, so that it reruns exactly when that changes."""
    import hashlib

    return hashlib.sha1(points_text(sweep).encode()).hexdigest()[:16]


def write_points(sweep: Sweep, path: str | Path = paths.POINTS) -> None:
    atomic_write(Path(path), points_text(sweep))


def read_points(path: str | Path = paths.POINTS) -> Sweep:
    from .settings import Settings

    data = json.loads(Path(path).read_text())
    points = [Point.from_record(r) for r in data["points"]]
    return Sweep(data["config"], data["source"], points, Settings.from_config(data["config"]))


def plan(sweep: Sweep) -> dict:
    acc = sweep.accuracy_settings()
    splits = sweep.splits()
    estimates = sweep.estimates()
    cost = sweep.settings.cost

    def per_image(p: Point) -> float:
        return cost[p.knobs["model"]]["gpu_seconds_per_image"]

    # with a target (accuracy.halfwidth): the images expected at the prior accuracy, in whole waves
    gpu_seconds = sum(
        expected_images(splits[a], cfg.test_images(p, sweep.settings)) * per_image(p) for a, p in acc.items()
    )
    gpu_seconds_whole = sum(cfg.test_images(p, sweep.settings) * per_image(p) for p in acc.values())
    jobs = sum(splits[a].jobs(cfg.test_images(p, sweep.settings)) for a, p in acc.items())
    cpu_seconds = sum(cost[p.knobs["model"]]["cpu_seconds_per_estimate"] for p in estimates.values())
    guard = sweep.reproducibility_pairs()
    guard_seconds = sum(cost[model]["cpu_seconds_per_estimate"] for model in guard)
    trainings = sweep.training_settings()
    training_seconds = sum(training_gpu_seconds(p, sweep) for p in trainings.values())
    # a search's settings are proposed while it runs: what its budget allows at most
    search_seconds = 3600 * search_gpu_hours(sweep)
    gpu_seconds += training_seconds + search_seconds
    gpu_seconds_whole += training_seconds + search_seconds
    return {
        "training_runs": len(trainings),
        "training_jobs": sum(
            len(job_stops(p.knobs["train.epochs"], sweep.settings.epochs_per_job)) for p in trainings.values()
        ),
        "training_gpu_hours": training_seconds / 3600,
        "reproducibility_checks": len(guard),
        "reproducibility_cpu_core_hours": guard_seconds / 3600,
        "studies": len({p.study for p in sweep.points} | set(sweep.searches)),
        "points": len(sweep.points),
        "search_gpu_hours_at_most": search_seconds / 3600,
        "builds": len(sweep.hardware_settings()),
        "inference_runs": len(acc),
        "estimates": len(estimates),
        "gpu_hours": gpu_seconds / 3600,
        "gpu_hours_whole_test_set": gpu_seconds_whole / 3600,
        "charged_core_hours_whole_test_set": (GPU_HOUR_IN_CORE_HOURS * gpu_seconds_whole + cpu_seconds + guard_seconds)
        / 3600,
        "inference_jobs_at_most": jobs,
        "targets": sorted({s.halfwidth for s in splits.values() if s.halfwidth is not None}),
        "cpu_core_hours": (cpu_seconds + guard_seconds) / 3600,
        "charged_core_hours": (GPU_HOUR_IN_CORE_HOURS * gpu_seconds + cpu_seconds + guard_seconds) / 3600,
    }


def training_gpu_seconds(point: Point, sweep: Sweep) -> float:
    """A training run's expected GPU seconds: its epochs at the cost table's seconds per whole epoch,
    scaled down to training.max_train_images."""
    dataset = point.knobs["dataset"]
    share = (
        min(1.0, sweep.settings.max_train_images / TRAIN_IMAGES[dataset]) if sweep.settings.max_train_images else 1.0
    )
    return point.knobs["train.epochs"] * sweep.settings.cost[point.knobs["model"]]["gpu_seconds_per_epoch"] * share


def plan_text(sweep: Sweep) -> str:
    p = plan(sweep)
    lines = [
        f"NoisyNeuroSIM plan for {sweep.source}: {p['points']} points in {p['studies']} studies",
        f"  {p['builds']} builds of the C++ core (one per distinct hardware setting)",
        f"  {p['inference_runs']} inference runs (one per distinct accuracy setting, GPU)"
        + (
            f" in at most {p['inference_jobs_at_most']} GPU jobs (accuracy.images_per_job)"
            if p["inference_jobs_at_most"] > p["inference_runs"]
            else ""
        ),
        *(
            [
                f"  {p['training_runs']} training runs (one per distinct training setting, GPU) in "
                f"{p['training_jobs']} jobs (training.epochs_per_job): {p['training_gpu_hours']:.2f} GPU hours "
                "(cost.<model>.gpu_seconds_per_epoch), included below"
            ]
            if p["training_runs"]
            else []
        ),
        f"  {p['estimates']} hardware estimates (CPU)",
        *search_plan_lines(sweep),
        (
            f"  {p['reproducibility_checks']} reproducibility check(s): one estimate per model run twice "
            f"({p['reproducibility_cpu_core_hours']:.2f} CPU core hours; neurosim.check_reproducible)"
            if p["reproducibility_checks"]
            else "  no reproducibility check (neurosim.check_reproducible: false)"
        ),
        f"  expected cost: {p['gpu_hours']:.2f} GPU hours, {p['cpu_core_hours']:.2f} CPU core hours "
        "(cost table in the config)",
        f"  charged on CLAIX: {p['charged_core_hours']:.1f} core-hours (a GPU hour counts "
        f"{GPU_HOUR_IN_CORE_HOURS} core-hours, a CPU job its cores x hours)",
    ]
    if p["targets"]:
        lines.append(
            f"  with accuracy.halfwidth {', '.join(f'{t:g}' for t in p['targets'])}: expected at the prior accuracy "
            f"(accuracy.prior); the whole test set would take {p['gpu_hours_whole_test_set']:.2f} GPU hours, "
            f"{p['charged_core_hours_whole_test_set']:.1f} core-hours charged"
        )
    lines += plan_lines(sweep)  # what this folder already holds of the GPU work; the traces' disk use
    lines += dropped_lines(sweep)  # rows of the last table this config no longer has
    lines += quota_lines(p["charged_core_hours"])  # where r_wlm_usage exists (CLAIX)
    lines += [f"  warning: {w}" for w in sweep.warnings]
    return "\n".join(lines)


def rule_seconds(sweep: Sweep) -> dict[str, float]:
    """Expected seconds of one job of each rule whose cost the config's cost table gives (the slowest model's)."""
    cost = sweep.settings.cost
    models = {p.knobs["model"] for p in sweep.points}
    return {"run_estimate": max(cost[m]["cpu_seconds_per_estimate"] for m in models)} if models else {}


def outcome(runs_csv: str | Path) -> dict:
    """How many points of a runs table are ok, failed (and of those, may succeed on a retry) and still
    missing; all 0 when there is no table yet."""
    import pandas as pd

    from .integrity import retryable

    path = Path(runs_csv)
    if not path.exists():
        return {"points": 0, "ok": 0, "failed": 0, "retryable": 0, "missing": 0}
    runs = pd.read_csv(path)
    failed = runs[runs["status"] == "failed"]
    return {
        "points": len(runs),
        "ok": int((runs["status"] == "ok").sum()),
        "failed": len(failed),
        "retryable": int(sum(retryable(str(r)) for r in failed["reason"])),
        "missing": int((runs["status"] == "missing").sum()),
    }


def report_outcome(runs_csv: str | Path, config: str) -> None:
    """Print the final line; raise (so Snakemake exits non-zero) while points are failed or missing, with
    the one command that retries those a retry may mend. Runs at the end of every run (rule
    report_outcome makes sure there is one), so a rerun that has nothing to do still says it."""
    from snakemake.exceptions import WorkflowError

    from .integrity import RETRY

    n = outcome(runs_csv)
    if not n["points"]:
        return
    if n["failed"] or n["missing"]:
        problems = []
        if n["failed"]:
            problems.append(f"{n['failed']} of {n['points']} points failed")
        if n["missing"]:
            problems.append(f"{n['missing']} of {n['points']} points are missing (their jobs did not finish)")
        retry = (
            f" {n['retryable']} of the failed may succeed on a retry (a time limit, a GPU error, an exception):"
            f" `{RETRY} {config}`, then run again."
            if n["retryable"]
            else " The failures are NeuroSim's verdicts on those settings; a retry would fail again."
            if n["failed"]
            else ""
        )
        raise WorkflowError(
            f"{'; '.join(problems)} (reasons in {runs_csv}; `python -m noisyneurosim status {config}` lists them "
            f"with their logs); {n['ok']} points are complete.{retry}"
        )
    print(f"NoisyNeuroSIM: all {n['points']} points complete; results in {runs_csv}", file=sys.stderr)


def check_env_modules(deployment_methods, modules: list[str], environ: dict | None = None) -> None:
    """Before anything is submitted: with env-modules, `module` must work in a non-interactive bash.

    Snakemake loads modules with `module load ...; command` in such a shell and goes on when
    `module` does not exist, so NeuroSim would silently run with whatever Python is on PATH.
    Jobs inherit this environment, so checking it here checks theirs.
    """
    import subprocess

    from snakemake.exceptions import WorkflowError

    names = {getattr(m, "name", str(m)).lower().replace("_", "-") for m in deployment_methods}
    if not modules or "env-modules" not in names:
        return
    probe = subprocess.run(["bash", "-c", "type module"], capture_output=True, text=True, env=environ)
    if probe.returncode != 0:
        raise WorkflowError(
            "--software-deployment-method env-modules, but `module` is not a command in a non-interactive "
            f"bash here, so python.envmodules ({', '.join(modules)}) would not be loaded in the jobs. "
            "Export BASH_ENV pointing at your module system's bash init (Lmod: "
            "$LMOD_PKG/init/bash; environment-modules: /usr/share/modules/init/bash) and run again."
        )
