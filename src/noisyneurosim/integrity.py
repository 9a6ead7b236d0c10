"""Nothing reported complete that is not: damaged result files, failed points that a retry may mend,
and the one command that redoes them.

Results are written atomically, so a damaged file is damage from outside (a full disk, a hand edit,
a copy cut off). It is found when the workflow starts, named, and removed by `retry` with everything
built from it, so that the next run computes it again. A failed point is retried only where the
failure is not NeuroSim's verdict on the setting: a time limit, a GPU error, an exception in the
script, unusable traces. NeuroSim rejecting a value, or printing NaN, fails again on any retry.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import paths
from .failures import match
from .files import read_json
from .reruns import gpu_results

RETRY = "python -m noisyneurosim retry"
# failure signatures (failures.py) that a retry may mend; every other signature is NeuroSim's verdict
RETRYABLE_SIGNATURES = {"timed-out", "cuda-out-of-memory", "trace-file-missing"}


def result_files(sweep) -> list[str]:
    """Every JSON result file of the sweep that a job writes and a table reads."""
    files = [f for kind in gpu_results(sweep).values() for f in kind]
    files += sorted({paths.ACCURACY.format(acc=p.acc_id) for p in sweep.points})
    files += sorted({paths.ESTIMATE.format(acc=p.acc_id, hw=p.hw_id) for p in sweep.points})
    files += sorted({paths.BUILD_RECORD.format(hw=p.hw_id) for p in sweep.points})
    files += sorted({paths.TRAINING_RECORD.format(train=p.train_id) for p in sweep.points if p.train_id})
    return files


def problem_of(path: Path) -> str | None:
    """Why an existing result file is not a result (None: it is one)."""
    try:
        data = json.loads(Path(path).read_text())
    except UnicodeDecodeError:
        return "not text"
    except ValueError as exc:
        return f"not JSON ({str(exc)[:80]})"
    if not isinstance(data, dict):
        return "not a JSON object"
    if "status" not in data and not str(path).endswith("build.json"):  # a build's record has none
        return "no status"
    return None


def damaged(sweep, directory: Path = Path(".")) -> list[tuple[str, str]]:
    """(file, what is wrong) for every result file of the sweep that exists but is not a result."""
    from .search_run import with_searched_points

    found = []
    for name in result_files(with_searched_points(sweep, list(getattr(sweep, "searches", {})), Path(directory))):
        path = Path(directory) / name
        if path.is_file():
            problem = problem_of(path)
            if problem:
                found.append((name, problem))
    return found


def retryable(reason: str) -> bool:
    """Whether a failed point's reason is one a retry may mend (not NeuroSim's verdict on the setting)."""
    signature = match(reason)
    if signature is not None:
        return signature.name in RETRYABLE_SIGNATURES
    # no known signature: an exception in inference.py (a CUDA error, a lost file), or a killed job
    return reason.startswith("inference:") or "killed by" in reason


def dependents(name: str, directory: Path = Path(".")) -> list[str]:
    """What is built from a result file, up to the tables: removed with it, so that the next run
    rebuilds the chain (Snakemake remakes a missing file only where something downstream needs it)."""
    parts = Path(name).parts
    if name.startswith("results/inference/"):
        run = Path(paths.ACCURACY.format(acc=parts[2])).parent
        built = [*(Path(directory) / run).glob("pooled/*.json"), *(Path(directory) / run).glob("waves/*/*.json")]
        return [str(run / "accuracy.json"), *sorted(str(p.relative_to(directory)) for p in built), paths.RUNS]
    return [paths.RUNS]


def retry_plan(sweep, runs, directory: Path = Path(".")) -> list[str]:
    """The files `retry` removes: damaged results, and the results of failed points a retry may mend."""
    directory = Path(directory)
    remove = [name for name, _ in damaged(sweep, directory)]
    if runs is not None:
        for _, row in runs[runs["status"] == "failed"].iterrows():
            reason = str(row["reason"])
            if not retryable(reason):
                continue
            if reason.startswith("hardware"):
                remove.append(paths.ESTIMATE.format(acc=row["acc_id"], hw=row["hw_id"]))
            else:  # the run's failed jobs
                run = directory / Path(paths.FIRST_PART.format(acc=row["acc_id"])).parent
                for part in sorted(run.glob("*.json")):
                    record = read_json(part)
                    if not isinstance(record, dict) or record.get("status") != "ok":
                        remove.append(str(part.relative_to(directory)))
    out: list[str] = []
    for name in remove:
        for f in (name, *dependents(name, directory)):
            if f not in out and (directory / f).exists():
                out.append(f)
    return out


def dropped_lines(sweep, directory: Path = Path("."), shown: int = 5) -> list[str]:
    """Points of the last runs.csv that this config no longer has: they leave the table on this run, their
    files stay. Said in the plan, so that a changed knob value never drops a row without a word."""
    import csv

    table = Path(directory) / paths.RUNS
    if not table.is_file():
        return []
    from .search_run import with_searched_points

    current = {p.point_id for p in with_searched_points(sweep, list(sweep.searches), Path(directory)).points}
    try:
        with open(table, newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("point_id") and r["point_id"] not in current]
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    if not rows:
        return []

    def label(row):
        axes = [a for a in (row.get("swept") or "").split(";") if a]
        return (
            f"{row.get('study')} "
            + (", ".join(f"{a}={row.get(a)}" for a in axes) or "defaults")
            + (f" (seed {row.get('seed')})")
        )

    listed = "; ".join(label(r) for r in rows[:shown]) + (
        f"; and {len(rows) - shown} more" if len(rows) > shown else ""
    )
    return [
        f"  {len(rows)} point(s) of {paths.RUNS} are no longer in this config and leave it on this run "
        f"(their files stay under results/): {listed}"
    ]


def damage_message(found: list[tuple[str, str]], config: str) -> str:
    shown = "\n".join(f"  {name}: {problem}" for name, problem in found[:10])
    more = f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ""
    return (
        f"NoisyNeuroSIM: {len(found)} result file(s) are damaged (changed after their job wrote them):\n"
        f"{shown}{more}\nNothing was started. `{RETRY} {config}` removes them and what was built from them; "
        "the next run computes them again."
    )
