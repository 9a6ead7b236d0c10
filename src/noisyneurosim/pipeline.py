"""What the Snakefile needs at parse time: the checked sweep, paths, targets (the plan: plan.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import config as cfg
from . import paths
from .files import atomic_write
from .knobs import EXTRA_KEY
from .plan import over_budget
from .points import Point, Sweep
from .precision import Split, job_seed
from .settings import recorded_config

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
    if schema and data.get(EXTRA_KEY):  # the schema of this config's catalogue: a group's knobs in it
        import jsonschema

        from .schema import build

        jsonschema.validate(data, build())
    elif schema:
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


def commits(sweep: Sweep) -> list[str]:
    """The commit of every NeuroSim version the sweep's points run on; the sweep's own always (it stages the
    datasets, trains, and runs what searches propose)."""
    return sorted({sweep.settings.version.key, *(p.commit for p in sweep.points if p.commit)})


def source_contents(sweep: Sweep) -> dict:
    """Each fetched copy's content identity (versions.Content), by the copy's folder name."""
    from .versions import content

    return {v.key: content(v, Path.cwd()) for v in sweep.settings.versions().values()}


def reproducibility_files(sweep: Sweep) -> list[str]:
    return [paths.REPRODUCIBILITY.format(model=model) for model in sorted(sweep.reproducibility_pairs())]


def plot_kinds(sweep: Sweep) -> dict[str, list[str]]:
    """The kinds of figure each study's axes call for (one job per study draws them all)."""
    from .figures import applicable

    axes = {p.study: p.swept for p in sweep.points}
    trains = {p.study for p in sweep.points if p.train_id}
    versions: dict[str, set] = {}
    for p in sweep.points:
        versions.setdefault(p.study, set()).add(p.version)
    return {study: applicable(swept, study in trains, len(versions[study]) > 1) for study, swept in axes.items()}


def plot_targets(kinds: dict[str, list[str]]) -> list[str]:
    """Each study's figure folder, given `plot_kinds`."""
    return [paths.PLOTS.format(study=study) for study in kinds]


def fresh_outcome_mark(mark: str | Path = paths.OUTCOME_MARK) -> None:
    """Remove the mark rule report_outcome left in the last run, so that it runs again and onsuccess says how
    the sweep stands also when nothing else is to do; with it the marks of earlier versions (one per run)."""
    mark = Path(mark)
    for old in [mark, *mark.parent.glob(f"{mark.name}-*")]:
        old.unlink(missing_ok=True)


def points_text(sweep: Sweep) -> str:
    """The expanded sweep as the jobs that collect every point read it (instead of checking the config again)."""
    # a switch for one run decides no point: with it, the record (and the tables it feeds) would be redone
    config = recorded_config(sweep.config)
    record = {"source": sweep.source, "config": config, "points": [p.as_record() for p in sweep.points]}
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


def report_outcome(sweep: Sweep, config: str, directory: Path = Path(".")) -> None:
    """Print the final line; raise (so Snakemake exits non-zero) while points are failed, missing or damaged,
    with the one command that retries those a retry may mend. The verdict compares the config's points with
    the result files (integrity.verdict), as `status` does. Runs at the end of every run (rule report_outcome
    makes sure there is one), so a rerun that has nothing to do still says it."""
    from snakemake.exceptions import WorkflowError

    from .integrity import verdict, verdict_text

    found, _ = verdict(sweep, directory)
    if found.complete:
        print(verdict_text(found, config), file=sys.stderr)
        return
    raise WorkflowError(verdict_text(found, config))


def report_after_error(sweep: Sweep, config: str, directory: Path = Path(".")) -> None:
    """After a job failed (Snakemake's own error above): how the sweep stands, from the same verdict, and a
    full disk by name (a job that died writing its result left no reason of its own)."""
    from .files import space_problem
    from .integrity import verdict, verdict_text

    full = space_problem(directory)
    if full:
        print(f"NoisyNeuroSIM: {full}", file=sys.stderr)
    try:
        found, _ = verdict(sweep, directory)
    except (OSError, ValueError) as exc:  # the verdict must not hide Snakemake's error
        print(f"NoisyNeuroSIM: could not read the results ({exc})", file=sys.stderr)
        return
    print(f"NoisyNeuroSIM: {verdict_text(found, config).removeprefix('NoisyNeuroSIM: ')}", file=sys.stderr)


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


STANDIN_HINT = (
    "to try the whole workflow without NeuroSim, a GPU or the internet, from the repository's folder: "
    "snakemake --cores all --configfile config/standin.yaml (our stand-in's toy numbers)"
)


def fetch_failure(fetch_log: str | Path, checkout: str | Path) -> str | None:
    """Why NeuroSim is not here, when its fetch failed (no internet, a wrong repo): the fetch log's last line."""
    log = Path(fetch_log)
    if Path(checkout).exists() or not log.is_file():
        return None
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    cause = lines[-1] if lines else "no message"
    return f"NoisyNeuroSIM: NeuroSim could not be fetched: {cause} (log: {log}). Or, {STANDIN_HINT}."


def on_error(sweep: Sweep, config: str, fetch_log: str | Path, checkout: str | Path):
    """The onerror handler: after a job failed, how the sweep stands and a full disk by name (report_after_error);
    a run that stopped because NeuroSim could not be fetched ends with that cause and the stand-in as a way to
    try the workflow, instead of Snakemake's generic 'At least one job did not complete successfully' 30 lines
    below it. Other failures are left to Snakemake's report. Registered as it is (defined here, not in the
    Snakefile), so that Snakemake prints its message without a traceback."""

    def handler(log=None):
        from snakemake_interface_common.exceptions import ApiError

        report_after_error(sweep, config)
        message = fetch_failure(fetch_log, checkout)
        if message:
            raise ApiError(message)  # printed as "Error: <message>", without a traceback into this module

    return handler
