"""Nothing reported complete that is not: damaged result files, the verdict on a sweep, failed points that
a retry may mend, and the one command that redoes them.

Results are written atomically and carry a checksum their job recorded (files.py), so a file that no
longer matches it is damage from outside (a full disk, a hand edit, a copy cut off, another run's file
copied in). It is found when the workflow starts, named, and removed by `retry` with everything built
from it, so that the next run computes it again. A failed point is retried only where the failure is
not NeuroSim's verdict on the setting: a time limit, a GPU error, an exception in the script, unusable
traces. NeuroSim rejecting a value, or printing NaN, fails again on any retry.

The verdict (`verdict`) compares the config's points with the result files themselves, never with
runs.csv: the end-of-run line, its exit code and `status` all come from it.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .failures import match
from .files import checksum_problem, file_checksum, read_json, table_problem
from .reruns import gpu_results

RETRY = "python -m noisyneurosim retry"
STATUS = "python -m noisyneurosim status"
# failure signatures (failures.py) that a retry may mend; every other signature is NeuroSim's verdict
RETRYABLE_SIGNATURES = {"timed-out", "cuda-out-of-memory", "trace-file-missing", "no-space-left"}
# the tables a run rebuilds from the result files whenever they are not what their job wrote
TABLES = (paths.RUNS, paths.LAYERS, paths.TRAINING_TABLE, paths.SUMMARY, paths.SUMMARY_MD)
# `status` exit codes (README, status): every point complete; points failed, missing or damaged
STATUS_COMPLETE, STATUS_INCOMPLETE = 0, 1


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
    # a job's result has a status; a build's record and a search's wave record have none
    record = Path(path).name == "build.json" or "search" in Path(path).parts
    if "status" not in data and not record:
        return "no status"
    return checksum_problem(path, data)


def traces_problem(archive: Path, first_part: dict | None) -> str | None:
    """Why a kept traces archive is not the one its inference job wrote (None: it is). An archive of a run
    from before checksums were recorded is checked for being a whole gzip tar, all that can be known."""
    recorded = ((first_part or {}).get("traces") or {}).get("sha256")
    if recorded is not None:
        return None if file_checksum(archive) == recorded else "not the archive its inference job wrote (checksum)"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for _ in tar:
                pass
    except (OSError, EOFError, tarfile.TarError) as exc:
        return f"not a whole gzip tar archive ({type(exc).__name__}: {str(exc)[:60]})"
    return None


def search_wave_files(sweep, directory: Path) -> list[str]:
    """Every wave record of the sweep's search studies on disk (a damaged one too: it must be named)."""
    found = []
    for name in sorted(getattr(sweep, "searches", {})):
        folder = Path(directory) / Path(paths.SEARCH_WAVE.format(study=name, wave=0)).parent
        found += sorted(str(f.relative_to(directory)) for f in folder.glob("*.json"))
    return found


def problems_of_files(directory: Path, names, check) -> list[tuple[str, str]]:
    """(name, what is wrong) for each of these files that exists and that `check` finds wrong."""
    found = []
    for name in names:
        path = directory / name
        if path.is_file() and (problem := check(path)):
            found.append((name, problem))
    return found


def damaged(sweep, directory: Path = Path(".")) -> list[tuple[str, str]]:
    """(file, what is wrong) for every result file of the sweep that exists but is not what its job wrote:
    JSON results, kept traces archives and search wave records."""
    from .search_lookup import with_searched_points

    directory = Path(directory)
    found = []
    names = search_wave_files(sweep, directory)
    searched = with_searched_points(sweep, list(getattr(sweep, "searches", {})), directory)
    names += result_files(searched)
    found += problems_of_files(directory, names, problem_of)
    for train in sorted({p.train_id for p in searched.points if p.train_id}):
        record_name = paths.TRAINING_RECORD.format(train=train)
        whole = (directory / record_name).is_file() and not problem_of(directory / record_name)
        record = read_json(directory / record_name) if whole else None
        for choice, recorded in ((record or {}).get("checkpoint_sha256") or {}).items():
            name = f"{paths.TRAINING.format(train=train)}/{choice}.pth"  # where finish_training puts it
            if (directory / name).is_file() and file_checksum(directory / name) != recorded:
                found.append((name, "not the checkpoint its training wrote (checksum)"))
    for acc in sorted({p.acc_id for p in searched.points}):
        archive = directory / paths.TRACES.format(acc=acc)
        first = directory / paths.FIRST_PART.format(acc=acc)
        if archive.is_file() and first.is_file() and not problem_of(first):
            problem = traces_problem(archive, read_json(first))
            if problem:
                found.append((paths.TRACES.format(acc=acc), problem))
    return found


def figure_table_problems(sweep, directory: Path = Path(".")) -> list[tuple[str, str]]:
    """(study's figure folder, which CSV in it and what is wrong) for each folder whose CSVs are not what its
    job wrote."""
    directory = Path(directory)
    found = []
    for study in sorted({p.study for p in sweep.points}):
        folder = paths.PLOTS.format(study=study)
        names = sorted(str(f.relative_to(directory)) for f in (directory / folder).glob("*/*.csv"))
        wrong = problems_of_files(directory, names, table_problem)
        if wrong:
            name, problem = wrong[0]
            more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
            found.append((folder, f"figure table {Path(name).relative_to(folder)}: {problem}{more}"))
    return found


# a search's tables beside its front figure, and its summary section
SEARCH_TABLES = (paths.SEARCH_TRIALS, paths.SEARCH_FRONT, paths.SEARCH_HYPERVOLUME, paths.SEARCH_SUMMARY)


def search_table_problems(sweep, directory: Path = Path(".")) -> list[tuple[str, str]]:
    """(table, what is wrong) for each table of the sweep's searches that is not what its job wrote."""
    names = [t.format(study=s) for s in sorted(getattr(sweep, "searches", {})) for t in SEARCH_TABLES]
    return problems_of_files(Path(directory), names, table_problem)


def stale_tables(sweep, directory: Path = Path(".")) -> list[tuple[str, str]]:
    """(table, why) for each table a run must rebuild from the result files although Snakemake would not:
    a hand edit, a row removed, a table from an earlier version, or one that lacks points of this config
    (Snakemake without its metadata does not rebuild an existing table whose inputs are new)."""
    import csv

    from .pipeline import points_text
    from .search_lookup import with_searched_points

    directory = Path(directory)
    stale = []
    points = directory / paths.POINTS
    if points.is_file() and points.read_text() != points_text(sweep):
        stale.append((paths.POINTS, "not this config's points"))
    stale += problems_of_files(directory, TABLES, table_problem)
    stale += figure_table_problems(sweep, directory)  # redrawn: as cheap to make again as a table
    stale += search_table_problems(sweep, directory)
    runs = directory / paths.RUNS
    if runs.is_file() and not any(t == paths.RUNS for t, _ in stale):
        wanted = {p.point_id for p in with_searched_points(sweep, list(sweep.searches), directory).points}
        try:
            with open(runs, newline="") as fh:
                have = {r.get("point_id") for r in csv.DictReader(fh)}
        except (OSError, csv.Error, UnicodeDecodeError):
            have = set()
        if have != wanted:
            stale.append((paths.RUNS, f"has {len(have)} points, this config {len(wanted)}"))
    return stale


@dataclass
class Verdict:
    """How a sweep stands, from its result files: what the end of a run and `status` say."""

    points: int = 0
    ok: int = 0
    failed: int = 0
    retryable: int = 0
    missing: int = 0
    damaged: list = field(default_factory=list)  # (file, what is wrong)

    @property
    def complete(self) -> bool:
        return self.points > 0 and self.ok == self.points and not self.damaged

    @property
    def exit_code(self) -> int:
        return STATUS_COMPLETE if self.complete else STATUS_INCOMPLETE


def verdict_of(runs, found: list) -> Verdict:
    """The verdict from a table made from the result files (aggregate.tables) and the damaged files."""
    failed = runs[runs["status"] == "failed"] if len(runs) else runs
    ok = [row for _, row in runs.iterrows() if row["status"] == "ok"] if len(runs) else []
    columns = [c for c in ID_COLUMNS if c in runs]
    known = {str(v) for c in columns for v in runs[c].dropna()}
    return Verdict(
        points=len(runs),
        ok=sum(not _spoiled(row, columns, known, found) for row in ok),
        failed=len(failed),
        retryable=int(sum(retryable(str(r)) for r in failed["reason"])) if len(failed) else 0,
        missing=int((runs["status"] == "missing").sum()) if len(runs) else 0,
        damaged=list(found),
    )


ID_COLUMNS = ("acc_id", "hw_id", "train_id")  # the ids result paths are named by (paths.py)


def _spoiled(row, columns: list[str], known: set[str], found: list) -> bool:
    """Whether a damaged file is one of this point's results, a JSON file its row is read from: every id of
    the table the file's path names is the point's own (an estimate names its run and hardware setting, an
    accuracy its run only). A kept traces archive or a checkpoint is no point's result: what was computed
    from it stands. `known`: every id in the table's id `columns`."""
    own = {str(row[c]) for c in columns if row[c] == row[c]}
    for name, _ in found:
        if not name.endswith(".json"):
            continue
        named = (set(Path(name).parts) | {Path(name).stem}) & known
        if named and named <= own:
            return True
    return False


def verdict(sweep, directory: Path = Path(".")):
    """(Verdict, the table it was read from): the config's points (and those its searches proposed) against
    the result files on disk."""
    from .aggregate import tables
    from .search_lookup import with_searched_points

    directory = Path(directory)
    searched = with_searched_points(sweep, list(getattr(sweep, "searches", {})), directory)
    runs, _ = tables(searched, directory)
    return verdict_of(runs, damaged(sweep, directory)), runs


def verdict_text(v: Verdict, config: str, runs_csv: str = paths.RUNS) -> str:
    """The one line (or a few) a run ends with and `status` opens with."""
    if v.complete:
        return f"NoisyNeuroSIM: all {v.points} points complete; results in {runs_csv}"
    problems = []
    if v.failed:
        problems.append(f"{v.failed} of {v.points} points failed")
    if v.missing:
        problems.append(f"{v.missing} of {v.points} points are missing (their jobs did not finish)")
    if v.damaged:
        problems.append(f"{len(v.damaged)} result file(s) are damaged: {', '.join(n for n, _ in v.damaged[:3])}")
    if not v.points:
        problems.append("no point has a result yet")
    retry = (
        f" {v.retryable} of the failed may succeed on a retry (a time limit, a GPU error, an exception):"
        f" `{RETRY} {config}`, then run again."
        if v.retryable
        else " The failures are NeuroSim's verdicts on those settings; a retry would fail again."
        if v.failed
        else ""
    )
    if v.damaged:
        retry += f" `{RETRY} {config}` removes the damaged files; the next run computes them again."
    return (
        f"{'; '.join(problems)} (reasons in {runs_csv}; `{STATUS} {config}` lists them with their logs); "
        f"{v.ok} points are complete.{retry}"
    )


def retryable(reason: str) -> bool:
    """Whether a failed point's reason is one a retry may mend (not NeuroSim's verdict on the setting)."""
    signature = match(reason)
    if signature is not None:
        return signature.name in RETRYABLE_SIGNATURES
    # no known signature: an exception in inference.py (a CUDA error, a lost file), or a killed job
    return reason.startswith("inference:") or "killed by" in reason


def dependents(name: str, directory: Path = Path(".")) -> list[str]:
    """What is built from a result file, up to the tables: removed with it, so that the next run
    rebuilds the chain (Snakemake remakes a missing file only where something downstream needs it).
    A damaged traces archive takes its inference run's first job with it: that GPU job is redone."""
    parts = Path(name).parts
    directory = Path(directory)
    if name.startswith(paths.above(paths.INFERENCE_RUN)):
        acc = parts[2]
        pooled, waves = paths.POOLED.format(acc=acc, policy="*"), paths.WAVE.format(acc=acc, policy="*", wave="*")
        built = sorted(str(p.relative_to(directory)) for p in [*directory.glob(pooled), *directory.glob(waves)])
        first = [paths.FIRST_PART.format(acc=acc)] if name == paths.TRACES.format(acc=acc) else []
        return [*first, paths.ACCURACY.format(acc=acc), *built, paths.RUNS]
    if name.startswith(paths.above(paths.SEARCH)) and parts[3] == "waves":
        study, wave = parts[2], int(Path(name).stem)
        later = [f for f in (directory / Path(name).parent).glob("*.json") if f.stem.isdigit() and int(f.stem) > wave]
        made = [paths.SEARCH_TRIALS, paths.SEARCH_FRONT, paths.SEARCH_HYPERVOLUME, paths.SEARCH_FIGURE]
        made += [paths.SEARCH_SUMMARY, paths.SEARCH_JOURNAL]
        return [
            *sorted(str(f.relative_to(directory)) for f in later),
            *(m.format(study=study) for m in made),
            paths.RUNS,
        ]
    if name.startswith(paths.above(paths.TRAINING)) and name.endswith(".pth"):
        # the run's record: finish_training copies the checkpoint again from the training's own state
        return [paths.TRAINING_RECORD.format(train=parts[2]), paths.RUNS]
    return [paths.RUNS]


def first_job_gpu_hours(sweep, acc: str) -> float:
    """What redoing an inference run's first job (the one that writes the traces) costs, from the cost table."""
    from .points import test_images

    point = sweep.accuracy_settings()[acc]
    population = test_images(point, sweep.settings)
    split = sweep.splits()[acc]
    images = split.job_range(0, population)[1] if split.images_per_job else population
    return images * sweep.settings.cost[point.knobs["model"]]["gpu_seconds_per_image"] / 3600


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
    from .search_lookup import with_searched_points

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


def damage_message(found: list[tuple[str, str]], config: str, sweep=None) -> str:
    """The refusal before any job: each damaged file and the way on, with what a GPU job redone costs."""
    shown = "\n".join(f"  {name}: {problem}" for name, problem in found[:10])
    more = f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ""
    archives = [Path(name).parts[2] for name, _ in found if name.endswith(Path(paths.TRACES).name)]
    gpu = ""
    if archives:
        known = sweep.accuracy_settings() if sweep is not None else {}
        hours = sum(first_job_gpu_hours(sweep, acc) for acc in archives if acc in known)
        gpu = (
            f" For {len(archives)} traces archive(s) that is their inference run's first job, redone on the GPU "
            f"(about {hours:.2f} GPU hours from the cost table); the estimates of those runs are redone from the "
            "new traces."
        )
    return (
        f"NoisyNeuroSIM: {len(found)} result file(s) are damaged (changed after their job wrote them):\n"
        f"{shown}{more}\nNothing was started. `{RETRY} {config}` removes them and what was built from them; "
        f"the next run computes them again.{gpu}"
    )
