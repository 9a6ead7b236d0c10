"""Training checkpoints with NeuroSim's own train.py, in jobs of some epochs each that resume.

A training run has one persistent work folder: train.py's copy, its log folder and the state the
adapted train.py keeps (adapt.py, `resumable-training`): `resume.pth` (what resuming needs),
`progress.json` (every completed epoch; read here, no torch needed), and copies of the best and the
last checkpoint. Job k trains until epoch `stop` and ends; the next job resumes after the last
completed epoch, so a job cut off by Slurm, a node failure or Ctrl-C loses at most the epoch it was
in. A run that diverges (a training loss that is not finite) or crashes is a result, with its reason.
"""

from __future__ import annotations

import math
import re
import shutil
import time
from pathlib import Path

from .adapt import ROOT, TRAINING_ADAPTATIONS, apply_adaptations
from .files import atomic_write, file_checksum, read_json, write_json
from .neurosim import NOT_TRAINED, dataset_env, record_not_run, script_command, shared_folders
from .paths import TRAINING_CURVE_COLUMNS
from .process import Interrupted, run, where

STATE = "state"  # in the work folder: resume.pth, progress.json, best-<epoch>.pth, last.pth
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


def prepare_checkout(checkout: Path, dest: Path, commit: str) -> list[dict]:
    """A copy of the adapted checkout with the training adaptations too (adapt.TRAINING_ADAPTATIONS):
    what training jobs and the inference runs of trained checkpoints use. The core and the shipped
    checkpoints are linked, not copied. Returns the record of what was applied."""
    src, dest = Path(checkout).resolve(), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    linked = ("NeuroSIM", "log")
    shutil.copytree(
        src / ROOT, dest / ROOT, symlinks=True, ignore=lambda folder, names: linked if folder == str(src / ROOT) else ()
    )
    for name in linked:
        (dest / ROOT / name).symlink_to(src / ROOT / name, target_is_directory=True)
    return apply_adaptations(dest, commit, TRAINING_ADAPTATIONS)


def job_stops(epochs: int, per_job: int | None) -> list[int]:
    """The epoch each job of a run stops before: every per_job epochs, the last at `epochs`."""
    per = per_job or epochs
    return [*range(per, epochs, per), epochs]


def previous_stop(stop: int, epochs: int, per_job: int | None) -> int | None:
    stops = job_stops(epochs, per_job)
    if stop not in stops:
        raise ValueError(f"no training job stops at epoch {stop} (jobs stop at {stops})")
    i = stops.index(stop)
    return stops[i - 1] if i else None


def state_folder(workdir: Path) -> Path:
    return Path(workdir) / STATE


def progress(workdir: Path) -> dict:
    """What the adapted train.py recorded so far (nothing yet: no epoch completed)."""
    return read_json(state_folder(workdir) / "progress.json") or {"epochs_done": 0, "history": []}


def prepare_workdir(checkout: Path, workdir: Path) -> None:
    """train.py's own folder, kept across the run's jobs (its log folder and state are what resumes);
    train.py itself is copied afresh, everything else linked from the adapted checkout."""
    src = Path(checkout).resolve() / ROOT
    workdir = Path(workdir)
    state_folder(workdir).mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "train.py", workdir / "train.py")
    for entry in shared_folders(src):
        link = workdir / entry.name
        if link.is_symlink():
            link.unlink()
        link.symlink_to(entry, target_is_directory=True)


def _last_exception(*logs: Path) -> str:
    """The exception a log ends with (upstream prints it and exits 0), else its last line."""
    lines = [line.strip() for log in logs for line in log.read_text(errors="replace").splitlines() if line.strip()]
    found = [line for line in lines if EXCEPTION_LINE.match(line)]
    return (found or lines or ["no output"])[-1][:300]


def run_job(
    *,
    checkout: Path,
    workdir: Path,
    args: dict,
    stop: int,
    previous: dict | None,
    python: str,
    data_root: str,
    synthetic: int,
    max_train_images: int | None,
    max_test_images: int | None,
    timeout: float | None,
    stdout_path: Path,
    stderr_path: Path,
) -> dict:
    """Train until epoch `stop` (resuming after the last completed epoch); the job's record.

    A job whose run already failed is not run. An outside kill or a timeout is not a result: the
    progress stays, the job fails, and a rerun (or Snakemake's retries) resumes it."""
    base = {"stop": stop, "epochs": args["epochs"], "where": where()}
    if previous is not None and previous.get("status") != "ok":
        record_not_run(
            f"an earlier job of this training run failed: {previous.get('reason')}", stdout_path, stderr_path
        )
        return {**base, "status": "failed", "reason": previous.get("reason"), "ran": False}
    workdir = Path(workdir).resolve()
    prepare_workdir(checkout, workdir)
    cmd = script_command(python, "train.py", {**args, "logdir": workdir / "log"})
    env = dataset_env(Path(data_root).resolve(), download=False, synthetic=synthetic)
    env.update(NNS_TRAIN_STATE=str(state_folder(workdir)), NNS_STOP_EPOCH=str(stop))
    for name, limit in (("NNS_MAX_TRAIN_IMAGES", max_train_images), ("NNS_MAX_TEST_IMAGES", max_test_images)):
        env.pop(name, None)
        if limit:
            env[name] = str(int(limit))
    first_epoch = progress(workdir)["epochs_done"]
    started_at = time.time()
    try:
        code, problem, seconds = run(
            cmd, cwd=workdir, env=env, timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path
        )
    except Interrupted as exc:
        raise Interrupted(f"{exc}; {_kept(workdir, stop)}") from None
    done = progress(workdir)
    if problem:
        raise Interrupted(f"training job {problem}; {_kept(workdir, stop)}")
    history = done["history"]
    record = {
        **base,
        "ran": True,
        "first_epoch": first_epoch,
        "epochs_done": done["epochs_done"],
        "returncode": code,
        "seconds": round(seconds, 3),
        "command": cmd,
        "started_at": started_at,
        "ended_at": time.time(),
    }
    if history and not math.isfinite(history[-1]["train_loss"]):
        last = history[-1]
        reason = f"training diverged: training loss {last['train_loss']} in epoch {last['epoch']}"
    elif code != 0:
        reason = f"train.py exit code {code}: {_last_exception(stderr_path, stdout_path)}"
    elif done["epochs_done"] < stop:
        # upstream's loop prints an exception and exits 0
        reason = (
            f"train.py stopped in epoch {done['epochs_done']} (of {args['epochs']}): "
            f"{_last_exception(stderr_path, stdout_path)}"
        )
    else:
        return {**record, "status": "ok", "reason": ""}
    return {**record, "status": "failed", "reason": reason}


def _kept(workdir: Path, stop: int) -> str:
    done = progress(workdir)["epochs_done"]
    return (
        f"{done} epoch(s) completed and kept; a rerun resumes with epoch {done} "
        f"(train.py's numbering; this job stops before epoch {stop})"
    )


def finish(*, workdir: Path, last_job: dict, record_path: Path, curve_path: Path, folder: Path) -> dict:
    """The run's record, its learning curve, and its checkpoints beside them (best.pth, last.pth)."""
    done = progress(workdir)
    state = state_folder(workdir)
    record = {
        "status": last_job["status"],
        "reason": last_job.get("reason", ""),
        "epochs": last_job["epochs"],
        "epochs_done": done["epochs_done"],
        "best_epoch": done.get("best_epoch"),
        "checkpoints": {},
    }
    history = done["history"]
    best_epoch = record["best_epoch"]
    if history:
        record["best_test_accuracy"] = history[best_epoch]["test_accuracy"] if best_epoch is not None else None
        record["last_test_accuracy"] = history[-1]["test_accuracy"]
        record["training_seconds"] = round(sum(r["seconds"] for r in history), 3)
    if record["status"] == "ok":
        # train.checkpoint: what inference may load
        sources = {"best": state / f"best-{best_epoch}.pth", "last": state / "last.pth"}
        for name, source in sources.items():
            if source.is_file():
                target = Path(folder) / f"{name}.pth"
                shutil.copyfile(source, target.with_suffix(".part"))
                target.with_suffix(".part").replace(target)
                record["checkpoints"][name] = str(target)
                # what every later start checks the checkpoint against (integrity.damaged)
                record.setdefault("checkpoint_sha256", {})[name] = file_checksum(target)
    lines = [",".join(TRAINING_CURVE_COLUMNS)]
    lines += [",".join(_cell(row.get(c)) for c in TRAINING_CURVE_COLUMNS) for row in history]
    atomic_write(curve_path, "\n".join(lines) + "\n")
    write_json(record_path, record)
    return record


def _cell(value) -> str:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value).lower()
    return "" if value is None else str(value)


def checkpoint_for(record: dict, choice: str) -> tuple[str | None, str]:
    """(the checkpoint inference loads, or None, and why not) from a finished run's record."""
    if record.get("status") != "ok":
        return None, f"training failed: {record.get('reason')}"
    path = record["checkpoints"].get(choice)
    if path is None:
        why = "its test accuracy never rose above 0" if choice == "best" else "no epoch completed"
        return None, f"training wrote no {choice} checkpoint ({why}); train.checkpoint: last uses the final epoch's"
    return path, ""


def make_view(*, training_checkout: Path, record: dict, choice: str, model: str, dest: Path) -> None:
    """What the inference of a trained checkpoint runs from: the training copy's Inference_pytorch,
    linked entry by entry, with log/<model>.pth the run's chosen checkpoint; where there is none
    (the training failed), a NOT_TRAINED file says why and inference records that instead of running."""
    src = Path(training_checkout).resolve() / ROOT
    root = Path(dest) / ROOT
    if Path(dest).exists():
        shutil.rmtree(dest)
    (root / "log").mkdir(parents=True)
    for entry in src.iterdir():
        if entry.name != "log":
            (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    for ckpt in (src / "log").glob("*.pth"):
        if ckpt.name != f"{model}.pth":
            (root / "log" / ckpt.name).symlink_to(ckpt)
    path, why = checkpoint_for(record, choice)
    if path:
        (root / "log" / f"{model}.pth").symlink_to(Path(path).resolve())
    else:
        atomic_write(root / NOT_TRAINED, why + "\n")
