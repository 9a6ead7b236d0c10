"""The plan: what a sweep costs (jobs, GPU and CPU hours, the charge on CLAIX), and the text `plan` and
every run print before anything starts."""

from __future__ import annotations

from .cluster import quota_lines
from .integrity import dropped_lines
from .knobs import TRAIN_IMAGES
from .points import Point, Sweep, test_images
from .precision import expected_images
from .reruns import plan_lines
from .search_lookup import plan_lines as search_plan_lines
from .search_lookup import search_gpu_hours
from .settings import GPU_HOUR_IN_CORE_HOURS
from .training import job_stops


def plan(sweep: Sweep) -> dict:
    acc = sweep.accuracy_settings()
    splits = sweep.splits()
    estimates = sweep.estimates()
    cost = sweep.settings.cost

    def per_image(p: Point) -> float:
        return cost[p.knobs["model"]]["gpu_seconds_per_image"]

    # with a target (accuracy.halfwidth): the images expected at the prior accuracy, in whole waves
    gpu_seconds = sum(expected_images(splits[a], test_images(p, sweep.settings)) * per_image(p) for a, p in acc.items())
    gpu_seconds_whole = sum(test_images(p, sweep.settings) * per_image(p) for p in acc.values())
    jobs = sum(splits[a].jobs(test_images(p, sweep.settings)) for a, p in acc.items())
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
            if not sweep.settings.check_reproducible
            else "  no reproducibility check: it runs on the first grid or listed point of each model, and there is "
            "none (searched points are not checked)"
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
