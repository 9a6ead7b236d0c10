"""What the Snakefile needs at parse time: the checked sweep, paths, the plan."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import config as cfg
from . import paths
from .config import Point, Sweep
from .files import atomic_write

DEFAULT_CONFIG = "config/sweep.yaml"
GPU_HOUR_IN_CORE_HOURS = 24  # RWTH's accounting: one GPU hour is charged as 24 core-hours


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
    if schema:
        from snakemake.utils import validate

        validate(data, schema)
    config.clear()
    config.update(data)
    return sweep


def neurosim_conda(sweep: Sweep, basedir: str) -> str:
    """The conda environment file for NeuroSim's Python, absolute (relative paths: to the workflow)."""
    path = Path(sweep.settings.conda)
    return str(path if path.is_absolute() else Path(basedir) / path)


def inference_params(point: Point) -> str:
    return json.dumps(point.inference_args(), sort_keys=True)


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
    return [paths.PLOTS.format(study=study, kind=kind) for study, swept in axes.items() for kind in applicable(swept)]


def write_points(sweep: Sweep, path: str = paths.POINTS) -> None:
    """The expanded sweep, for the jobs that need every point (collecting the tables): they read it
    instead of checking the config again. Rewritten only when it changes, so that an unchanged sweep
    reruns nothing."""
    text = (
        json.dumps(
            {"source": sweep.source, "config": sweep.config, "points": [p.as_record() for p in sweep.points]},
            sort_keys=True,
        )
        + "\n"
    )
    target = Path(path)
    if not target.exists() or target.read_text() != text:
        atomic_write(target, text)


def read_points(path: str | Path = paths.POINTS) -> Sweep:
    from .settings import Settings

    data = json.loads(Path(path).read_text())
    points = [Point.from_record(r) for r in data["points"]]
    return Sweep(data["config"], data["source"], points, Settings.from_config(data["config"]))


def plan(sweep: Sweep) -> dict:
    acc = sweep.accuracy_settings()
    estimates = sweep.estimates()
    cost = sweep.settings.cost
    gpu_seconds = sum(
        cfg.test_images(p, sweep.settings) * cost[p.knobs["model"]]["gpu_seconds_per_image"] for p in acc.values()
    )
    cpu_seconds = sum(cost[p.knobs["model"]]["cpu_seconds_per_estimate"] for p in estimates.values())
    guard = sweep.reproducibility_pairs()
    guard_seconds = sum(cost[model]["cpu_seconds_per_estimate"] for model in guard)
    return {
        "reproducibility_checks": len(guard),
        "reproducibility_cpu_core_hours": guard_seconds / 3600,
        "studies": len({p.study for p in sweep.points}),
        "points": len(sweep.points),
        "builds": len(sweep.hardware_settings()),
        "inference_runs": len(acc),
        "estimates": len(estimates),
        "gpu_hours": gpu_seconds / 3600,
        "cpu_core_hours": (cpu_seconds + guard_seconds) / 3600,
        "charged_core_hours": (GPU_HOUR_IN_CORE_HOURS * gpu_seconds + cpu_seconds + guard_seconds) / 3600,
    }


def plan_text(sweep: Sweep) -> str:
    p = plan(sweep)
    lines = [
        f"NoisyNeuroSIM plan for {sweep.source}: {p['points']} points in {p['studies']} studies",
        f"  {p['builds']} builds of the C++ core (one per distinct hardware setting)",
        f"  {p['inference_runs']} inference runs (one per distinct accuracy setting, GPU)",
        f"  {p['estimates']} hardware estimates (CPU)",
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
    lines += [f"  warning: {w}" for w in sweep.warnings]
    return "\n".join(lines)


def outcome(runs_csv: str | Path) -> tuple[int, int, int]:
    """(points, ok, failed) from a runs table; (0, 0, 0) when there is none yet."""
    import pandas as pd

    path = Path(runs_csv)
    if not path.exists():
        return 0, 0, 0
    runs = pd.read_csv(path)
    return len(runs), int((runs["status"] == "ok").sum()), int((runs["status"] == "failed").sum())


def report_outcome(runs_csv: str | Path) -> None:
    """Print the final line; raise (so Snakemake exits non-zero) when points failed."""
    from snakemake.exceptions import WorkflowError

    total, ok, failed = outcome(runs_csv)
    if not total:
        return
    if failed:
        raise WorkflowError(
            f"{failed} of {total} points failed (reasons in {runs_csv}; "
            f"`python -m noisyneurosim status` lists them with their logs); {ok} points are complete."
        )
    print(f"NoisyNeuroSIM: all {total} points complete; results in {runs_csv}", file=sys.stderr)


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


# Each rule that runs NeuroSim under its own time limit, and the limit (config: timeouts) it wraps.
NESTED_LIMITS = {
    "run_inference": "inference",
    "run_estimate": "estimate",
    "check_reproducible": "estimate",
    "build_base": "build",
    "build_hardware": "build",
}
START_UP_MARGIN_S = 300  # a job's start, staging and writing its result, beyond NeuroSim's own time


def _resource_value(resource, rule: str):
    """A rule's resource as a plain value, or None when it is unset or depends on the job."""
    if resource is None:
        return None
    if not resource.is_evaluable():
        return resource.value
    try:  # a value given as text, such as "6h" or "$SBATCH_ACCOUNT": (wildcards, input, attempt, threads, rule, async)
        return resource.evaluate({}, [], 1, 1, rule, None).value
    except Exception:
        return None


def _rule_resource(resource_settings, rule: str, key: str):
    defaults = resource_settings._parsed_default_resources if resource_settings.default_resources else {}
    overrides = resource_settings._parsed_overwrite_resources
    return _resource_value(overrides.get(rule, {}).get(key) or defaults.get(key), rule)


def rule_runtimes(resource_settings) -> dict[str, float]:
    """Minutes of `runtime` each rule asks the cluster for (profile set-resources or default-resources)."""
    out = {}
    for rule in NESTED_LIMITS:
        value = _rule_resource(resource_settings, rule, "runtime")
        if value is not None:
            out[rule] = float(value)
    return out


def cluster_requests(resource_settings, rules) -> dict[str, dict]:
    """What each rule that runs as a cluster job asks Slurm for: partition, CPUs, memory, GPUs, minutes."""
    requests = {}
    for rule in rules:
        request = {
            key: _rule_resource(resource_settings, rule.name, key)
            for key in ("slurm_partition", "mem_mb", "runtime", "gpu", "gpu_model")
        }
        threads = resource_settings._parsed_overwrite_threads.get(rule.name) or rule.resources.get("_cores")
        request["cpus"] = int(_resource_value(threads, rule.name) or 1)
        requests[rule.name] = {k: v for k, v in request.items() if v is not None}
    return requests


def check_cluster(resource_settings, rules) -> None:
    """With a Slurm profile: every rule's request must fit a partition of this cluster, before anything is
    submitted (a job that cannot fit would wait in the queue forever, PENDING for 'PartitionConfig')."""
    import shutil

    from snakemake.exceptions import WorkflowError

    from . import slurm

    requests = cluster_requests(resource_settings, rules)
    if not any("slurm_partition" in r for r in requests.values()):
        return  # not a Slurm run
    if shutil.which("sinfo") is None:
        raise WorkflowError(
            "the profile asks for Slurm partitions, but sinfo is not available here: run "
            "Snakemake on the cluster's login node"
        )
    parts = slurm.partitions()
    problems = [p for rule, request in requests.items() for p in slurm.request_problems(rule, request, parts)]
    if problems:
        raise WorkflowError(
            "requests this cluster can never run; nothing was submitted (change them in the "
            "Slurm profile):\n" + "\n".join(problems)
        )


def limits_that_do_not_nest(runtimes: dict[str, float], timeouts: dict[str, float]) -> list[str]:
    """Every rule whose cluster time limit would fire before (or with) the NeuroSim time limit inside it."""
    problems = []
    for rule, minutes in runtimes.items():
        key = NESTED_LIMITS[rule]
        if minutes * 60 < timeouts[key] + START_UP_MARGIN_S:
            problems.append(
                f"rule {rule} asks the cluster for {minutes:g} min ({minutes * 60:g} s) but timeouts.{key} is "
                f"{timeouts[key]:g} s: its time limit must exceed that by at least {START_UP_MARGIN_S} s for "
                "start-up and staging, or Slurm kills the job where NeuroSim's own limit should fire, and the "
                f"point is retried instead of recorded as timed out. Lower timeouts.{key} in the config, or raise "
                f"the runtime of {rule} in the profile"
            )
    return problems


def check_limits_nest(resource_settings, settings) -> None:
    from snakemake.exceptions import WorkflowError

    problems = limits_that_do_not_nest(rule_runtimes(resource_settings), settings.timeouts)
    if problems:
        raise WorkflowError("time limits that do not nest; nothing was submitted:\n" + "\n".join(problems))
