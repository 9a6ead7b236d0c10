"""Command line: python -m noisyneurosim {parse-log,check-traces,plan,check,status,retry,free-traces,
calibrate,schema}."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import config as cfg
from . import paths
from .parse import parse_hardware


def _parse_log(ns) -> int:
    stdout = Path(ns.stdout_file).read_text(errors="replace")
    stderr = Path(ns.stderr).read_text(errors="replace") if ns.stderr else ""
    result = parse_hardware(stdout, ns.returncode, stderr)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


def _check_traces(ns) -> int:
    from .network import check_report

    lines, agree = check_report(Path(ns.layer_record), Path(ns.network))
    print("\n".join(lines))
    return 0 if agree else 1


def _plan(ns) -> int:
    from .plan import over_budget, plan_text

    sweep = cfg.load(ns.config)
    print(plan_text(sweep))
    over = over_budget(sweep)
    if over:
        print(f"  refused by the workflow: {over}")
        return 2
    return 0


def _with_searches(ns):
    """The config's points and those its search studies proposed so far (their wave files)."""
    from .search_lookup import with_searched_points

    sweep = cfg.load(ns.config)
    return with_searched_points(sweep, list(sweep.searches), Path(ns.directory))


def _status(ns) -> int:
    """The verdict a run ends with (integrity.verdict: the config's points against the result files), then
    each failed point with its log, each damaged file, and this folder's jobs in Slurm. Exit code 0 when
    every point is complete, 1 while points are failed, missing or damaged (2: the config is wrong)."""
    from .aggregate import failure_log
    from .files import space_problem
    from .integrity import RETRY, STATUS_INCOMPLETE, verdict, verdict_text

    sweep = cfg.load(ns.config)
    found, runs = verdict(sweep, Path(ns.directory))
    print(f"{ns.config}: {found.points} points")
    print(f"  {'done':13s} {found.ok}")
    print(f"  {'failed':13s} {found.failed}")
    print(f"  {'still to run':13s} {found.missing}")
    failed = runs[runs["status"] == "failed"] if len(runs) else runs
    for _, row in failed.iterrows():
        print(f"  failed: {row['study']} {row['point_id']} seed {row['seed']}: {row['reason']}")
        print(f"          log: {failure_log(row)}")
    for name, problem in found.damaged:
        print(f"  damaged: {name}: {problem}")
    if found.damaged or found.retryable:
        print(
            f"  to compute again {len(found.damaged)} damaged result(s) and {found.retryable} failed point(s) a "
            f"retry may mend: {RETRY} {ns.config} --directory {ns.directory}, then run the workflow again"
        )
    print(verdict_text(found, ns.config))
    full = space_problem(Path(ns.directory))
    if full:
        print(f"  {full}")
    from .slurm import status_lines

    print("\n".join(status_lines(Path(ns.directory))))
    return STATUS_INCOMPLETE if full else found.exit_code


def _refused_while_running(ns, command: str) -> bool:
    """Whether a Snakemake run holds the folder (its lock): then removing files under it would pull them from
    under its jobs; said with the way out."""
    locks = Path(ns.directory) / ".snakemake" / "locks"
    if not (locks.is_dir() and any(locks.iterdir())):
        return False
    print(
        f"{command}: a Snakemake run holds {Path(ns.directory).resolve()} (its lock, {locks}); nothing was "
        "removed. Wait until it ends and run this again; if no run is alive any more (a hard kill, a lost "
        "login), `snakemake --unlock` with the same config first.",
        file=sys.stderr,
    )
    return True


def _retry(ns) -> int:
    """Remove damaged results and those of failed points a retry may mend (with what was built from them),
    so that the next run computes them again; NeuroSim's verdicts stay."""
    from .aggregate import tables
    from .integrity import retry_plan

    if _refused_while_running(ns, "retry"):
        return 3
    sweep = _with_searches(ns)
    directory = Path(ns.directory)
    runs = tables(sweep, directory)[0] if (directory / paths.RUNS).exists() else None
    remove = retry_plan(sweep, runs, directory)
    for name in remove:
        (directory / name).unlink()
    results = [name for name in remove if name != paths.RUNS]
    print(f"{ns.config}: removed {len(results)} result file(s) to compute again" + (":" if results else ""))
    for name in results:
        print(f"  {name}")
    print("Run the workflow again to compute them." if results else "Nothing to retry.")
    return 0


def _free_traces(ns) -> int:
    """Delete the kept layer traces of a config's inference runs (or of one study's, where no other study
    uses the run): the results stay and nothing reruns; a hardware value added afterwards needs the
    inference again, which a run then refuses without allow_gpu_redo."""
    if _refused_while_running(ns, "free-traces"):
        return 3
    sweep = _with_searches(ns)
    accs = {p.acc_id for p in sweep.points}
    if ns.study:
        if ns.study not in {p.study for p in sweep.points}:
            print(f"{ns.config}: no study {ns.study!r}", file=sys.stderr)
            return 2
        accs -= {p.acc_id for p in sweep.points if p.study != ns.study}
    freed = 0
    for acc in sorted(accs):
        path = Path(ns.directory) / paths.TRACES.format(acc=acc)
        if path.is_file():
            freed += path.stat().st_size
            path.unlink()
    print(f"freed {freed / 1e6:.1f} MB of layer traces of {len(accs)} inference run(s) of {ns.config}")
    return 0


def calibration(runs) -> dict:
    """A cost table from measured run times: median seconds per test image, per estimate and per training
    epoch (meaningful for runs over the whole training set, without training.max_train_images), per model."""
    table = {}
    for model, rows in runs.groupby("model"):
        inference = rows.dropna(subset=["inference_seconds", "accuracy_total"]).drop_duplicates("acc_id")
        estimates = (
            rows[rows["status"] == "ok"].dropna(subset=["estimate_seconds"]).drop_duplicates(["acc_id", "hw_id"])
        )
        entry = {}
        if len(inference):
            entry["gpu_seconds_per_image"] = float(
                (inference["inference_seconds"] / inference["accuracy_total"]).median()
            )
        if len(estimates):
            entry["cpu_seconds_per_estimate"] = float(estimates["estimate_seconds"].median())
        if "training_seconds" in rows:  # per whole epoch only where training used the whole training set
            trained = rows.dropna(subset=["training_seconds", "training_epochs_done"]).drop_duplicates("train_id")
            if len(trained):
                entry["gpu_seconds_per_epoch"] = float(
                    (trained["training_seconds"] / trained["training_epochs_done"]).median()
                )
        if entry:
            table[model] = {k: float(f"{v:.3g}") for k, v in entry.items()}
    return table


def _calibrate(ns) -> int:
    import pandas as pd
    import yaml

    if not Path(ns.runs_csv).is_file():
        print(
            f"{ns.runs_csv}: no such table yet; run a sweep first (calibrate learns from its run times)",
            file=sys.stderr,
        )
        return 2
    try:
        runs = pd.read_csv(ns.runs_csv)
    except pd.errors.EmptyDataError:  # an empty file (a sweep stopped before its first row): no traceback
        runs = pd.DataFrame()
    table = calibration(runs) if len(runs) else {}
    if not table:
        print(f"{ns.runs_csv}: no finished run to learn from yet", file=sys.stderr)
        return 2
    print("# measured in", ns.runs_csv, "- paste under `cost:` in your sweep config")
    print(yaml.safe_dump({"cost": table}, sort_keys=False), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m noisyneurosim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse-log", help="parse a NeuroSim C++ standard output file and print JSON")
    p.add_argument("stdout_file")
    p.add_argument("--returncode", type=int, default=None, help="the exit code of that run, if known")
    p.add_argument("--stderr", help="its standard error file, if any")
    p.set_defaults(func=_parse_log)
    p = sub.add_parser("check-traces", help="check layer traces against a network file (exit 1 on any mismatch)")
    p.add_argument("layer_record", help="the layer_record_<model> folder inference.py wrote")
    p.add_argument("network", help="the NetWork_<model>.csv the C++ core would be run with")
    p.set_defaults(func=_check_traces)
    for name, func, text in (
        ("plan", _plan, "check a config and print what it will run and cost"),
        ("check", _plan, "check a config (same as plan)"),
        ("status", _status, "points done, failed (with reasons) and still to run, from what is on disk"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("config", nargs="?", default="config/sweep.yaml")
        p.add_argument("--directory", default=".", help="the workflow folder holding results/")
        p.set_defaults(func=func)
    p = sub.add_parser("retry", help="remove damaged results and retryable failures, so the next run redoes them")
    p.add_argument("config", nargs="?", default="config/sweep.yaml")
    p.add_argument("--directory", default=".", help="the workflow folder holding results/")
    p.set_defaults(func=_retry)
    p = sub.add_parser("free-traces", help="delete the kept layer traces once a study is final")
    p.add_argument("config", nargs="?", default="config/sweep.yaml")
    p.add_argument("--study", help="only the runs of this study that no other study uses")
    p.add_argument("--directory", default=".", help="the workflow folder holding results/")
    p.set_defaults(func=_free_traces)
    p = sub.add_parser("calibrate", help="a cost table for the plan from the run times in a runs.csv")
    p.add_argument("runs_csv", nargs="?", default=paths.RUNS)
    p.set_defaults(func=_calibrate)
    p = sub.add_parser("schema", help="print the JSON schema generated from the knob catalogue")
    p.set_defaults(func=lambda ns: print(__import__("noisyneurosim.schema").schema.as_yaml(), end="") or 0)
    ns = parser.parse_args(argv)
    try:
        return ns.func(ns)
    except cfg.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
