"""What Slurm is doing with this workflow's jobs: pending (and why), running, failed.

The Slurm executor plugin names each job by the run and puts the rule in its
comment (`rule_<name>_wildcards_...`); the job's working folder is the
workflow's. Jobs are matched by that folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import paths

# Reasons for which a pending job will never start as it was asked for: waiting on them is waiting forever.
REASONS_THAT_NEVER_CLEAR = {
    "PartitionConfig": "the request exceeds what the partition allows (cores, memory, GPUs or nodes)",
    "PartitionNodeLimit": "more nodes than the partition has",
    "PartitionTimeLimit": "a time limit above the partition's",
    "ReqNodeNotAvail": "the nodes it needs are drained or down",
    "InvalidAccount": "the account is not valid (SBATCH_ACCOUNT)",
    "InvalidQOS": "the QOS is not valid",
    "QOSMaxWallDurationPerJobLimit": "a time limit above the QOS's",
}
# Where the Slurm plugin keeps its jobs' logs: the shipped profiles' slurm-logdir, or the plugin's default. A folder
# without either never ran with a Slurm profile: its runs are local, and Slurm is not asked about them.
SLURM_LOG_DIRS = (paths.SLURM_LOGS, paths.PLUGIN_SLURM_LOGS)
RULE = re.compile(r"^rule_(.+?)(?:_wildcards_.*)?$")
FAILED_STATES = ("FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "CANCELLED", "BOOT_FAIL", "DEADLINE")


@dataclass(frozen=True)
class SlurmJob:
    job_id: str
    rule: str
    state: str
    reason: str
    elapsed: str
    node: str


def _rule(comment: str) -> str:
    m = RULE.match(comment.strip())
    return m.group(1) if m else "?"


def _ours(folder: str, workdir: Path) -> bool:
    try:
        return Path(folder).resolve() == workdir
    except OSError:
        return False


class SlurmUnreachable(RuntimeError):
    """squeue or sacct answered with an error (no controller, no database): no answer about any job."""


QUEUE_FORMAT = "%i|%T|%r|%M|%N|%Z|%k"  # id, state, reason, elapsed, node, working folder, comment


def parse_queue(text: str, workdir: Path) -> list[SlurmJob]:
    """The jobs of `squeue -o QUEUE_FORMAT` whose working folder is `workdir` (resolved)."""
    jobs = []
    for line in text.splitlines():
        fields = line.split("|", 6)
        if len(fields) == 7 and _ours(fields[5], workdir):
            job_id, state, reason, elapsed, node, _, comment = fields
            jobs.append(SlurmJob(job_id, _rule(comment), state, reason, elapsed, node))
    return jobs


def queued_jobs(workdir: Path) -> list[SlurmJob]:
    """This workflow's jobs in the queue (pending or running)."""
    proc = subprocess.run(["squeue", "--me", "-h", "-o", QUEUE_FORMAT], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:  # an empty answer from a controller it could not reach is no answer
        raise SlurmUnreachable(f"squeue: {(proc.stderr.strip().splitlines() or [f'exit code {proc.returncode}'])[-1]}")
    return parse_queue(proc.stdout, workdir)


def earlier_run_jobs(jobs: list[SlurmJob], rules, own_job: str = "") -> list[SlurmJob]:
    """Of this folder's queued jobs, those the workflow submitted (the plugin's comment names one of its rules):
    at the start of a run, before it submitted anything, they are an earlier run's. Snakemake itself run as a
    Slurm job (`own_job`, its SLURM_JOB_ID) and other jobs started from the folder are not."""
    return [j for j in jobs if j.rule in set(rules) and j.job_id != own_job]


def describe_job(job: SlurmJob) -> str:
    if job.state == "PENDING":
        return f"{job.job_id} ({job.rule}, pending: {job.reason})"
    return f"{job.job_id} ({job.rule}, {job.state.lower()} for {job.elapsed} on {job.node})"


def earlier_run_problem(jobs: list[SlurmJob], workdir: Path, allow_key: str) -> str | None:
    """The refusal before anything is submitted while jobs of an earlier run of this folder are queued or
    running (None: there are none): each job and the ways on."""
    if not jobs:
        return None
    shown = "\n".join(f"  {describe_job(j)}" for j in jobs[:20])
    more = f"\n  ... and {len(jobs) - 20} more" if len(jobs) > 20 else ""
    ids = " ".join(j.job_id for j in jobs)
    return (
        f"NoisyNeuroSIM: {len(jobs)} Slurm job(s) of an earlier run of {workdir} are still queued or running "
        f"(a run that was killed or lost its login session leaves its jobs behind):\n{shown}{more}\n"
        "Nothing was submitted: this run would submit the same work again and pay for it twice (a late job "
        "of the earlier run publishes nothing over this run's results). Wait until they end (squeue --me), or "
        f"cancel them: scancel {ids}; then run again. To submit anyway: --config {allow_key}=true."
    )


def failed_jobs(workdir: Path, since: str = "now-7days") -> list[SlurmJob]:
    """This workflow's jobs that Slurm ended as failed (sacct, the last week)."""
    proc = subprocess.run(
        [
            "sacct",
            "-X",
            "-n",
            "-P",
            "-S",
            since,
            "-s",
            ",".join(FAILED_STATES),
            "--format=JobID,State,Reason,Elapsed,NodeList,WorkDir,Comment",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise SlurmUnreachable(f"sacct: {(proc.stderr.strip().splitlines() or [f'exit code {proc.returncode}'])[-1]}")
    jobs = []
    for line in proc.stdout.splitlines():
        fields = line.split("|", 6)
        if len(fields) == 7 and _ours(fields[5], workdir):
            job_id, state, reason, elapsed, node, _, comment = fields
            jobs.append(SlurmJob(job_id, _rule(comment), state.split()[0], reason, elapsed, node))
    return jobs


def status_lines(workdir: Path) -> list[str]:
    """Lines for `python -m noisyneurosim status`: per rule, Slurm's view of this workflow's jobs."""
    workdir = Path(workdir).resolve()
    if shutil.which("squeue") is None:
        return ["Slurm: no squeue here; what is on disk is all that is shown"]
    # on a machine whose Slurm tools answer only after a timeout (no controller), a local folder waits for nothing
    if not any((workdir / logs).is_dir() for logs in SLURM_LOG_DIRS):
        return ["Slurm: not asked, no run in this folder used a Slurm profile; what is on disk is all that is shown"]
    try:
        queued = queued_jobs(workdir)
        failed = failed_jobs(workdir) if shutil.which("sacct") else []
    except (OSError, subprocess.SubprocessError, SlurmUnreachable) as exc:
        return [f"Slurm: unreachable ({exc}); what is on disk is all that is shown, queued jobs are unknown"]
    if not queued and not failed:
        return ["Slurm: no job of this workflow is queued, running or failed (last 7 days)"]
    lines = ["Slurm (this workflow's jobs):"]
    for rule in sorted({j.rule for j in [*queued, *failed]}):
        for job in (j for j in queued if j.rule == rule):
            if job.state == "PENDING":
                why = REASONS_THAT_NEVER_CLEAR.get(job.reason)
                text = f"pending ({job.reason})" + (
                    f": will never start as asked, {why}; cancel it and fix the profile" if why else ""
                )
            else:
                text = f"{job.state.lower()} for {job.elapsed} on {job.node}"
            lines.append(f"  {rule}: job {job.job_id} {text}")
        for job in (j for j in failed if j.rule == rule):
            lines.append(f"  {rule}: job {job.job_id} ended {job.state} after {job.elapsed} on {job.node}")
    submitted = [j.job_id for j in queued if j.rule != "?"]
    if submitted:
        lines.append(
            f"  {len(submitted)} job(s) of this folder are queued or running: if no Snakemake run of it is alive (a "
            "hard kill, a lost login session), they are an earlier run's, and a new run submits nothing until they "
            f"end: wait for them, or scancel {' '.join(submitted)}"
        )
    return lines


@dataclass(frozen=True)
class Partition:
    name: str
    cpus: int  # most CPUs of one node
    mem_mb: int  # most memory of one node
    gres: dict  # (name, type) -> most of it on one node, e.g. ("gpu", "volta") -> 2
    time_limit_min: float | None  # None: no limit


def parse_time_limit(text: str) -> float | None:
    """Slurm's [days-]hours:minutes:seconds (or minutes, or 'infinite') in minutes."""
    text = text.strip()
    if text in ("infinite", "UNLIMITED", ""):
        return None
    days, _, rest = text.rpartition("-")
    parts = [float(p) for p in rest.split(":")]
    seconds = {1: lambda p: p[0] * 60, 2: lambda p: p[0] * 60 + p[1], 3: lambda p: p[0] * 3600 + p[1] * 60 + p[2]}
    return (float(days or 0) * 86400 + seconds[len(parts)](parts)) / 60


def parse_gres(text: str) -> dict:
    out = {}
    for item in text.split(","):
        fields = item.split("(")[0].split(":")
        if len(fields) >= 2 and fields[0] and fields[-1].isdigit():
            kind = fields[1] if len(fields) == 3 else ""
            out[(fields[0], kind)] = max(out.get((fields[0], kind), 0), int(fields[-1]))
    return out


def partitions() -> dict[str, Partition]:
    out = subprocess.run(
        ["sinfo", "-h", "-o", "%P|%c|%m|%G|%l"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    found: dict[str, Partition] = {}
    for line in out.splitlines():
        name, cpus, mem, gres, limit = line.split("|")
        name = name.rstrip("*")
        old = found.get(name)
        cpus, mem = int(cpus.rstrip("+")), int(mem.rstrip("+"))
        merged = dict(old.gres) if old else {}
        for key, count in parse_gres(gres).items():
            merged[key] = max(merged.get(key, 0), count)
        found[name] = Partition(
            name, max(cpus, old.cpus if old else 0), max(mem, old.mem_mb if old else 0), merged, parse_time_limit(limit)
        )
    return found


def _describe(p: Partition) -> str:
    gres = ", ".join(f"{n}:{t}:{c}" if t else f"{n}:{c}" for (n, t), c in p.gres.items())
    return f"{p.name} ({p.cpus} CPUs, {p.mem_mb} MB" + (f", {gres}" if gres else "") + ")"


def request_problems(rule: str, request: dict, parts: dict[str, Partition]) -> list[str]:
    """Why this rule's Slurm request can never run here (empty when it can)."""
    name = request.get("slurm_partition")
    if not name:
        return []
    asked = (
        f"{request.get('cpus', 1)} CPUs, {request.get('mem_mb', '?')} MB"
        + (f", {request['gpu']} GPU(s) {request.get('gpu_model') or ''}".rstrip() if request.get("gpu") else "")
        + (f", {request['runtime']:g} min" if request.get("runtime") else "")
    )
    if name not in parts:
        gpu_parts = [_describe(p) for p in parts.values() if any(n == "gpu" for n, _ in p.gres)]
        return [
            f"rule {rule} asks for partition {name}, which does not exist here; partitions: "
            + ", ".join(sorted(parts))
            + (f"; GPU partitions: {', '.join(gpu_parts)}" if gpu_parts else "")
        ]
    p = parts[name]
    why = []
    if request.get("cpus", 1) > p.cpus:
        why.append(f"{request['cpus']} CPUs, but its nodes have at most {p.cpus}")
    if request.get("mem_mb") and request["mem_mb"] > p.mem_mb:
        why.append(f"{request['mem_mb']} MB, but its nodes have at most {p.mem_mb} MB")
    if request.get("gpu"):
        model = request.get("gpu_model") or ""
        have = max((c for (n, t), c in p.gres.items() if n == "gpu" and (not model or t == model)), default=0)
        if request["gpu"] > have:
            kinds = ", ".join(f"{t or 'gpu'}:{c}" for (n, t), c in p.gres.items() if n == "gpu") or "no GPUs"
            why.append(f"{request['gpu']} GPU(s) {model}".rstrip() + f", but its nodes have {kinds}")
    if request.get("runtime") and p.time_limit_min is not None and request["runtime"] > p.time_limit_min:
        why.append(f"{request['runtime']:g} min, above its time limit of {p.time_limit_min:g} min")
    if not why:
        return []
    return [f"rule {rule} asks partition {name} for {asked}: " + "; ".join(why) + f" (the cluster has {_describe(p)})"]
