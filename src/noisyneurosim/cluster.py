"""The cluster side of a run: what each rule asks Slurm for, packed jobs, time limits that nest,
the pre-flight against the cluster's partitions, the quota, and jobs that will never start.

Every function takes Snakemake's settings objects (or plain values) and raises WorkflowError where a
run must not start, so the Snakefile calls them once in the main process, before anything is submitted.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import snakemake_api

# Each rule that runs NeuroSim under its own time limit, and the limit (config: timeouts) it wraps.
NESTED_LIMITS = {
    "run_inference": "inference",
    "run_inference_part": "inference",
    "run_estimate": "estimate",
    "check_reproducible": "estimate",
    "build_base": "build",
    "build_hardware": "build",
    "train_job": "training",
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
    """The rule's own value (set-resources) or else the default (default-resources)."""
    defaults = snakemake_api.default_resources(resource_settings)
    overrides = snakemake_api.rule_resources(resource_settings)
    for source in (overrides.get(rule, {}), defaults):
        value = _resource_value(source.get(key), rule)  # Resources.get gives an empty Resource when unset
        if value is not None:
            return value
    return None


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
        threads = snakemake_api.rule_threads(resource_settings).get(rule.name) or rule.resources.get("_cores")
        request["cpus"] = int(_resource_value(threads, rule.name) or 1)
        requests[rule.name] = {k: v for k, v in request.items() if v is not None}
    return requests


# Which count of the plan each packed rule's jobs are (plan.plan's keys).
JOBS_OF_RULE = {"run_estimate": "estimates", "build_hardware": "builds", "run_inference": "inference_runs"}


def packed_request(one: dict, pack: int, side_by_side: int | None, jobs: int | None = None) -> dict:
    """What one packed Slurm job asks for, as Snakemake computes it: at most `side_by_side` cores of
    its jobs at a time (its --cores), the sum of their memory, the run time of the sequence of layers.
    `jobs` (fewer than a pack) sizes the last, partial pack."""
    n = min(pack, jobs) if jobs else pack
    cpus = one.get("cpus", 1)
    side = n if not side_by_side else max(1, min(n, side_by_side // cpus))
    request = {**one, "cpus": side * cpus, "jobs": n, "side_by_side": side}
    if one.get("mem_mb"):
        request["mem_mb"] = side * one["mem_mb"]
    if one.get("runtime"):
        request["runtime"] = math.ceil(n / side) * one["runtime"]
    return request


def packs(resource_settings, group_settings, requests: dict[str, dict]) -> dict[str, dict]:
    """Each group of the profile: its rule, how many of its jobs go in one Slurm job and what a full
    pack asks for."""
    groups = dict(group_settings.overwrite_groups or {})
    components = dict(group_settings.group_components or {})
    side_by_side = resource_settings.cores if isinstance(resource_settings.cores, int) else None
    out = {}
    for rule, group in groups.items():
        if rule in requests and components.get(group, 1) > 1:
            pack = components[group]
            out[group] = {
                "rule": rule,
                "pack": pack,
                "side_by_side": side_by_side,
                "one": requests[rule],
                "request": packed_request(requests[rule], pack, side_by_side),
            }
    return out


def _describe_request(r: dict) -> str:
    return f"{r['cpus']} CPUs, {r.get('mem_mb', '?')} MB, {r.get('runtime', 0):g} min"


def packing_lines(group_packs: dict[str, dict], counts: dict[str, int], cost_seconds: dict[str, float]) -> list[str]:
    """The plan's lines on packed Slurm jobs: the bound each asks for and what it is charged.

    counts: jobs per rule this sweep has; cost_seconds: expected seconds of one job of each rule."""
    lines = []
    for group, g in sorted(group_packs.items()):
        rule, pack = g["rule"], g["pack"]
        total = counts.get(JOBS_OF_RULE.get(rule, ""), 0)
        full, rest = divmod(total, pack)
        sizes = [pack] * full + ([rest] if rest else [])
        charged = 0.0 if rule in cost_seconds else None
        for size in sizes if rule in cost_seconds else ():
            r = packed_request(g["one"], pack, g["side_by_side"], size)  # charged: cores asked x time taken
            charged += r["cpus"] * math.ceil(size / r["side_by_side"]) * cost_seconds.get(rule, 0) / 3600
        side = g["request"]["side_by_side"]
        lines.append(
            f"  packed on Slurm: {group}: {pack} per Slurm job, {side} at a time: "
            f"{_describe_request(g['request'])} per job (profile: group-components, cores); "
            f"{len(sizes)} such job(s)" + (f", charged about {charged:.2f} core-hours" if charged is not None else "")
        )
    return lines


def check_cluster(requests: dict[str, dict], group_packs: dict[str, dict]) -> None:
    """With a Slurm profile: every rule's request, and every packed job's, must fit a partition of this
    cluster, before anything is submitted (a job that cannot fit would wait in the queue forever,
    PENDING for 'PartitionConfig')."""
    from snakemake.exceptions import WorkflowError

    from . import slurm

    if not any("slurm_partition" in r for r in requests.values()):
        return  # not a Slurm run
    if shutil.which("sinfo") is None:
        raise WorkflowError(
            "the profile asks for Slurm partitions, but sinfo is not available here: run "
            "Snakemake on the cluster's login node"
        )
    parts = slurm.partitions()
    asked = [*requests.items()] + [
        (f"{g['rule']} (packed {g['pack']} per job, {g['request']['side_by_side']} at a time)", g["request"])
        for g in group_packs.values()
    ]
    problems = [p for rule, request in asked for p in slurm.request_problems(rule, request, parts)]
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


# r_wlm_usage (RWTH) prints the user's (or with -p, a project's) core-hours; its exact layout is not
# documented, so the line is found by its words and shown as it is when no number can be read.
QUOTA_COMMAND = "r_wlm_usage"
QUOTA_LINE = re.compile(r"(remaining|available|left)\b.*?(-?\d[\d,.]*)\s*(core-?h)?\s*$", re.I)


def remaining_core_hours(text: str) -> float | None:
    """Core-hours still available this month, from r_wlm_usage -q's output (None: not found)."""
    for line in text.splitlines():
        m = QUOTA_LINE.search(line)
        if m and "prev" not in line.lower() and "next" not in line.lower():  # other months' figures
            try:
                return float(m.group(2).replace(",", ""))
            except ValueError:
                continue
    return None


def quota_lines(charged_core_hours: float, environ: dict | None = None) -> list[str]:
    """The plan's quota line where r_wlm_usage exists: the quota left and whether the sweep fits it."""
    environ = os.environ if environ is None else environ
    if shutil.which(QUOTA_COMMAND, path=environ.get("PATH")) is None:
        return []
    cmd = [QUOTA_COMMAND, "-q"]
    project = environ.get("SBATCH_ACCOUNT", "")
    if project and not project.startswith("$"):
        cmd += ["-p", project]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=environ)
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"  quota: `{' '.join(cmd)}` could not be run ({exc})"]
    left = remaining_core_hours(proc.stdout) if proc.returncode == 0 else None
    if left is None:
        said = " / ".join(line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip())[:300]
        return [f"  quota: `{' '.join(cmd)}` says: {said or 'nothing'} (compare with the charged core-hours above)"]
    fits = "fits" if charged_core_hours <= left else "does NOT fit: jobs beyond the quota wait for idle nodes"
    return [f"  quota (`{' '.join(cmd)}`): {left:.1f} core-hours left; this sweep's {charged_core_hours:.1f} {fits}"]


def pending_warnings(jobs, warned: set) -> list[str]:
    """Warnings for this workflow's jobs pending for a reason that never clears (once per job)."""
    from .slurm import REASONS_THAT_NEVER_CLEAR

    lines = []
    for job in jobs:
        why = REASONS_THAT_NEVER_CLEAR.get(job.reason) if job.state == "PENDING" else None
        if why and job.job_id not in warned:
            warned.add(job.job_id)
            lines.append(
                f"NoisyNeuroSIM: Slurm job {job.job_id} (rule {job.rule}) is pending for {job.reason}: it will "
                f"never start as asked ({why}). Cancel it (scancel {job.job_id}) and fix the Slurm profile; "
                "the run waits for it until then."
            )
    return lines


def watch_pending(
    workdir: str | Path, first_check_s: float | None = None, interval_s: float = 60.0
) -> threading.Thread:
    """While the workflow runs: say so when one of its jobs is pending for a reason that never clears
    (Snakemake itself waits in silence). A daemon thread; it ends with the run."""
    from . import slurm

    workdir = Path(workdir).resolve()
    warned: set = set()

    def loop():
        time.sleep(interval_s if first_check_s is None else first_check_s)
        while True:
            try:
                for line in pending_warnings(slurm.queued_jobs(workdir), warned):
                    print(line, file=sys.stderr, flush=True)
            except (OSError, subprocess.SubprocessError, slurm.SlurmUnreachable):
                pass  # Slurm busy: ask again next time
            time.sleep(interval_s)

    thread = threading.Thread(target=loop, name="nns-pending-watch", daemon=True)
    thread.start()
    return thread


ALLOW_QUEUED_KEY = "allow_queued_jobs"


def refuse_earlier_run(workdir: str | Path, rules, allow: bool, environ: dict | None = None) -> None:
    """Before anything is submitted to Slurm: stop while jobs of an earlier run of this folder are still queued
    or running (a hard kill, a lost login session; README: after a hard kill), naming them and the ways on.
    Called for runs with the Slurm executor only: a local run never waits on squeue (where the tools exist but
    no controller answers, each call takes seconds)."""
    from snakemake.exceptions import WorkflowError

    from . import slurm

    workdir = Path(workdir).resolve()
    try:
        queued = slurm.queued_jobs(workdir)
    except (OSError, subprocess.SubprocessError, slurm.SlurmUnreachable) as exc:
        print(
            f"NoisyNeuroSIM: could not ask Slurm for jobs of an earlier run of this folder ({exc}); "
            "`squeue --me` shows them",
            file=sys.stderr,
        )
        return
    own = (os.environ if environ is None else environ).get("SLURM_JOB_ID", "")
    problem = slurm.earlier_run_problem(slurm.earlier_run_jobs(queued, rules, own), workdir, ALLOW_QUEUED_KEY)
    if problem is None:
        return
    if not allow:
        raise WorkflowError(problem)
    head = problem.split("\nNothing was submitted", 1)[0]
    print(f"{head}\nNoisyNeuroSIM: submitting anyway, as {ALLOW_QUEUED_KEY} asks", file=sys.stderr)


def preflight(resource_settings, group_settings, rules, plan: dict, cost_seconds: dict[str, float]) -> bool:
    """Once every rule exists, in the main process: with a Slurm profile, print what packed jobs
    look like and stop on any request the cluster can never run. True for a Slurm run."""
    requests = cluster_requests(resource_settings, rules)
    if not any("slurm_partition" in r for r in requests.values()):
        return False
    group_packs = packs(resource_settings, group_settings, requests)
    lines = packing_lines(group_packs, plan, cost_seconds)  # the quota line is in the plan itself
    if lines:
        print("\n".join(lines), file=sys.stderr)
    check_cluster(requests, group_packs)
    return True
