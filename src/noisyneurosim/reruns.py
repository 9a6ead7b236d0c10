"""GPU work is paid once: what a run will do on the GPU, and the guard against redoing finished work.

What decides a GPU job's result is in its params and its id (the knobs, the test images, the
NeuroSim commit, the adaptations' fingerprint, the checkpoint); time limits, interpreter paths and
folder locations are read from the config at run time, and the checkout and dataset are inputs
taken as ancient(). So Snakemake reruns a finished GPU job only when one of those changed. Should
it decide otherwise (a results folder from an older version, `--workflow-profile none`, traces freed
before a new hardware value needs them), `refuse_redo` stops the run before any job starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import paths
from .files import read_json
from .points import test_images
from .training import job_stops

# the rules whose jobs run on a GPU (profiles/slurm gives them one)
GPU_RULES = ("run_inference", "run_inference_part", "train_job")
# the config key that lets a run redo finished GPU work anyway
ALLOW_KEY = "allow_gpu_redo"
FREE_TRACES = "python -m noisyneurosim free-traces"


@dataclass(frozen=True)
class Pending:
    """A job Snakemake is about to run: its rule, its outputs and Snakemake's reason."""

    rule: str
    outputs: tuple[str, ...]
    reason: str
    interrupted: bool = False  # cut off by an interruption (Snakemake marked it incomplete): redone by policy


def gpu_results(sweep) -> dict[str, list[str]]:
    """The result file of every GPU job the sweep may need, by kind (a run with a target may stop early)."""
    splits = sweep.splits()
    inference = [
        paths.part_file(acc, part)
        for acc, point in sweep.accuracy_settings().items()
        for part in range(splits[acc].jobs(test_images(point, sweep.settings)))
    ]
    training = [
        paths.TRAINING_JOB.format(train=t, stop=stop)
        for t, point in sweep.training_settings().items()
        for stop in job_stops(point.knobs["train.epochs"], sweep.settings.epochs_per_job)
    ]
    return {"inference": inference, "training": training}


def traces_needed_again(sweep, directory: Path = Path(".")) -> list[str]:
    """Inference runs whose first job finished, whose traces were freed, and that an estimate still to be made
    needs: their GPU job runs again (only with allow_gpu_redo)."""
    runs = []
    for acc in sorted(sweep.accuracy_settings()):
        first, traces = directory / paths.FIRST_PART.format(acc=acc), directory / paths.TRACES.format(acc=acc)
        if not first.is_file() or traces.is_file():
            continue
        hws = {p.hw_id for p in sweep.points if p.acc_id == acc}
        if any(not (directory / paths.ESTIMATE.format(acc=acc, hw=hw)).is_file() for hw in hws):
            runs.append(acc)
    return runs


def trace_archives(sweep) -> list[str]:
    return sorted({paths.TRACES.format(acc=acc) for acc in sweep.accuracy_settings()})


def plan_lines(sweep, directory: Path = Path(".")) -> list[str]:
    """What this folder already holds of the sweep's GPU work, what is left, and the traces' disk use."""
    directory = Path(directory)
    lines = []
    again = traces_needed_again(sweep, directory)
    for kind, results in gpu_results(sweep).items():
        if not results:
            continue
        done = sum((directory / r).is_file() for r in results)
        redo = len(again) if kind == "inference" else 0
        lines.append(
            f"  GPU jobs ({kind}): {done - redo} finished and kept, {len(results) - done} to run"
            + (" at most" if kind == "inference" and any(s.halfwidth for s in sweep.splits().values()) else "")
            + (
                f", {redo} finished but to run again: their traces were freed ({FREE_TRACES}) and a new estimate "
                "needs them"
                + (
                    f" ({ALLOW_KEY})"
                    if sweep.settings.allow_gpu_redo
                    else f"; the run stops before any job unless --config {ALLOW_KEY}=true"
                )
                if redo
                else ""
            )
        )
    archives = trace_archives(sweep)
    kept = [directory / a for a in archives if (directory / a).is_file()]
    have = sum(a.stat().st_size for a in kept) / 1e6
    cost = sweep.settings.cost
    expected = sum(cost[p.knobs["model"]]["trace_megabytes"] for p in sweep.accuracy_settings().values())
    lines.append(
        f"  layer traces kept (for hardware values added later): {len(kept)} of {len(archives)} runs, {have:.1f} MB "
        f"now, about {expected:.0f} MB in all; once final: {FREE_TRACES}"
    )
    return lines


def stage_before_gpu(pending: list[Pending], sweep, checkout: Path, deployment) -> None:
    """Before the first GPU job of this run, NeuroSim's Python is started and reads each dataset where the
    config now says it lives (staging it there if needed): a moved folder or a broken interpreter is
    found here, not after a queue wait on the GPU partition. Not on the first run (no checkout yet: the
    staging job does it) nor with conda (Snakemake makes that environment: the staging job checks it)."""
    from snakemake.exceptions import WorkflowError

    from .neurosim import stage_dataset

    names = {getattr(m, "name", str(m)).lower().replace("_", "-") for m in deployment}
    if "conda" in names or not Path(checkout).is_dir() or not any(job.rule in GPU_RULES for job in pending):
        return
    settings = sweep.settings
    logs = Path(paths.OWN_STATE)  # Snakemake's own folder: nothing under results/ outside a job
    logs.mkdir(parents=True, exist_ok=True)
    for dataset in sorted({p.knobs["dataset"] for p in sweep.points}):
        flag = logs / f"staged-{dataset}.txt"
        try:
            stage_dataset(
                checkout=Path(checkout),
                dataset=dataset,
                root=Path(settings.data_root),
                python=settings.python_command,
                download=settings.download,
                synthetic=settings.synthetic_test_images,
                flag=flag,
                stdout_path=logs / f"stage-{dataset}.stdout",
                stderr_path=logs / f"stage-{dataset}.stderr",
                modules=settings.envmodules if "env-modules" in names else (),
            )
        except RuntimeError as exc:
            err = [line for line in (logs / f"stage-{dataset}.stderr").read_text(errors="replace").splitlines() if line]
            raise WorkflowError(
                f"NoisyNeuroSIM: before any GPU job, python.command = {settings.python_command!r} could not read "
                f"{dataset} under datasets.root ({settings.data_root}): {(err or [str(exc)])[-1][:300]}; nothing "
                "was started. Fix python.command (or python.envmodules) or datasets.root in the config."
            ) from None


def finished(result: Path) -> dict | None:
    """A GPU job's result that is one: readable and ok (a failed or damaged one is no work to keep)."""
    record = read_json(Path(result))
    if not isinstance(record, dict) or record.get("status", "ok") != "ok":
        return None
    return record


def redone(pending: list[Pending], fingerprints: dict[str, str]) -> tuple[list[Pending], list[Pending]]:
    """The pending GPU jobs whose result exists: (redone because the adaptations changed, redone for a
    reason that decides nothing). `fingerprints` maps each GPU rule to its adaptations' fingerprint."""
    deciding, not_deciding = [], []
    for job in pending:
        record = finished(Path(job.outputs[0])) if job.rule in GPU_RULES and job.outputs else None
        if record is None or job.interrupted:
            continue  # not GPU work, no finished result, or a job cut off by an interruption (rerun-incomplete)
        was = record.get("adaptations")
        (deciding if was is not None and was != fingerprints.get(job.rule) else not_deciding).append(job)
    return deciding, not_deciding


def refuse_redo(pending: list[Pending], fingerprints: dict[str, str], allow: bool) -> list[str]:
    """Raise (naming every job, its reason and both ways on) when finished GPU work would be redone for
    a reason that decides nothing; else return what this run redoes, and why, for the start of the run."""
    from snakemake.exceptions import WorkflowError

    deciding, not_deciding = redone(pending, fingerprints)
    new = sum(job.rule in GPU_RULES for job in pending) - len(deciding) - len(not_deciding)
    said = [f"NoisyNeuroSIM: this run starts {new} GPU job(s) that have no finished result"] if new else []
    if deciding:
        said.append(f"NoisyNeuroSIM: it redoes {len(deciding)} finished GPU job(s): NeuroSim's adaptations changed")
    if not not_deciding or allow:
        if not_deciding:
            said.append(f"NoisyNeuroSIM: it redoes {len(not_deciding)} finished GPU job(s), as allow_gpu_redo asks")
        return said
    shown = "\n".join(f"  {job.rule} {job.outputs[0]}: {job.reason}" for job in not_deciding[:10])
    more = f"\n  ... and {len(not_deciding) - 10} more" if len(not_deciding) > 10 else ""
    listing = Path(paths.GPU_REDO_LIST)  # Snakemake's own folder: nothing under results/ is written outside a job
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("".join(f"{job.outputs[0]}\n" for job in not_deciding))
    raise WorkflowError(
        f"NoisyNeuroSIM: this run would redo {len(not_deciding)} finished GPU job(s), though nothing that decides "
        "their results changed (knobs, test images, NeuroSim commit and the content of a plain folder or overlay, "
        f"adaptations, checkpoint):\n{shown}{more}\n"
        "Nothing was started. To keep their results (Snakemake then forgets what it recorded of them):\n"
        f"  snakemake --cleanup-metadata $(cat {paths.GPU_REDO_LIST})\n"
        f"To redo them anyway (for traces freed with {FREE_TRACES}, that is the only way):\n"
        f"  add --config {ALLOW_KEY}=true"
    )
