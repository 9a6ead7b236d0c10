# The config read and checked, the package's helpers, the input functions shared by the rules and the
# run's hooks (onstart, onsuccess, onerror).
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The workflow folder (workflow/), wherever the workflow runs from: the repository's root (its Snakefile
# includes workflow/Snakefile), `-s workflow/Snakefile -d DIR`, or as a module of another Snakefile
# (snakedeploy). The package comes from beside it, not from an install; workflow.basedir would be the main
# Snakefile's folder.
WORKFLOW_DIR = Path(str(workflow.current_basedir)).parent
sys.path.insert(0, str(WORKFLOW_DIR.parent / "src"))
from noisyneurosim import (
    adapt,
    cluster,
    integrity,
    paths,
    pipeline,
    plan,
    reruns,
    search_lookup,
    snakemake_api,
    training,
)
from noisyneurosim.points import test_images as cfg_test_images
from noisyneurosim.points import test_set_size
from noisyneurosim.files import read_json
from noisyneurosim.settings import recorded_config

# The config is read by noisyneurosim (duplicate keys, did-you-mean, NeuroSim's
# own rules) and then validated against the JSON schema, before any job exists.
CONFIG_FILE = pipeline.config_file(
    workflow.config_settings.configfiles, workflow.config_settings.config
)
SWEEP = pipeline.load_sweep(
    config,
    CONFIG_FILE,
    overrides=dict(workflow.config_settings.config),
    schema=str(WORKFLOW_DIR / "schemas/config.schema.yaml"),
)
SETTINGS = SWEEP.settings
# what results/config.yaml records: a switch for one run decides nothing, so it reruns no record either
RECORDED_CONFIG = recorded_config(config)

# the points search studies propose while the workflow runs are read from their wave files when a job
# names one: these lookups know the sweep's points and those
PROPOSED = search_lookup.ProposedPoints()
ACCURACY = search_lookup.Lookup(
    SWEEP.accuracy_settings(), lambda p: p.acc_id, lambda p: p, PROPOSED
)
# how each inference run is split into jobs and stopped
SPLITS = search_lookup.Lookup(
    SWEEP.splits(), lambda p: p.acc_id, lambda p: p.accuracy_split, PROPOSED
)
POPULATION = search_lookup.Lookup(
    {acc: cfg_test_images(p, SETTINGS) for acc, p in ACCURACY.items()},
    lambda p: p.acc_id,
    lambda p: cfg_test_images(p, SETTINGS),
    PROPOSED,
)
HARDWARE = search_lookup.Lookup(
    SWEEP.hardware_settings(), lambda p: p.hw_id, lambda p: p, PROPOSED
)
# one point per training run (studies with train:); its training knobs are the run's
TRAINING = search_lookup.Lookup(
    SWEEP.training_settings(), lambda p: p.train_id, lambda p: p, PROPOSED
)
SEARCHES = sorted(SWEEP.searches)
# NeuroSim's own Python environment: a conda file or environment modules (config: python)
NEUROSIM_CONDA = pipeline.neurosim_conda(SWEEP, str(WORKFLOW_DIR.parent))
NEUROSIM_MODULES = list(SETTINGS.envmodules)
# the figures each study's axes call for
PLOT_KINDS_OF = pipeline.plot_kinds(SWEEP)
PLOTS = pipeline.plot_targets(PLOT_KINDS_OF)
# what the adapted NeuroSim changes: part of what decides a GPU job's result (README: what reruns a job)
ADAPTATIONS_FINGERPRINT = adapt.fingerprint(adapt.ADAPTATIONS)
TRAINING_ADAPTATIONS_FINGERPRINT = adapt.fingerprint(adapt.TRAINING_ADAPTATIONS)
GPU_FINGERPRINTS = {
    "run_inference": ADAPTATIONS_FINGERPRINT,
    "run_inference_part": ADAPTATIONS_FINGERPRINT,
    "train_job": TRAINING_ADAPTATIONS_FINGERPRINT,
}
# the sweep's own NeuroSim copy (resources/neurosim/<it>): its commit, and where its overlay lives
MAIN_COPY = SETTINGS.version.key
# every version's fetched and adapted copy that the sweep's points use (one per commit and overlay)
COMMITS = pipeline.commits(SWEEP)
SOURCE_CONTENTS = pipeline.source_contents(SWEEP)


wildcard_constraints:
    commit="([0-9a-f]{40}|local)(-o[0-9a-f]{10})?",
    base="base_build(-[0-9a-f]{10})?",
    acc="a[0-9a-f]{10}",
    hw="h[0-9a-f]{10}",
    dataset="cifar10|cifar100|imagenet",
    model="VGG8|DenseNet40|ResNet18",
    part="[1-9][0-9]*",  # a split run's later jobs; the first is parts/0.json of run_inference
    train="t[0-9a-f]{10}",
    stop="[1-9][0-9]*",  # the epoch a training job stops before
    choice="best|last",  # train.checkpoint
    study="[A-Za-z][A-Za-z0-9_-]{0,63}",


# The plan, once, before anything is scheduled (also on --dry-run); jobs re-parsing the Snakefile on a
# cluster node stay quiet. Nothing under results/ is written here: only jobs write results.
if workflow.is_main_process:
    # a result changed after its job wrote it is no result: named here, before any job (and before the
    # plan, which would count from it)
    DAMAGED = integrity.damaged(SWEEP)
    if DAMAGED:
        raise WorkflowError(integrity.damage_message(DAMAGED, CONFIG_FILE, SWEEP))
    print(plan.plan_text(SWEEP), file=sys.stderr)
    pipeline.check_env_modules(
        workflow.deployment_settings.deployment_method, NEUROSIM_MODULES
    )
    cluster.check_limits_nest(workflow.resource_settings, SETTINGS)
    # tables are rebuilt from the result files whenever they are not what their job wrote (a hand edit,
    # a removed row) or lack this config's points: Snakemake would not notice either
    STALE = integrity.stale_tables(SWEEP)
    for table, why in STALE:
        if (
            table != paths.POINTS
        ):  # the expanded config: rewritten whenever the config changed
            print(
                f"NoisyNeuroSIM: {table} is rebuilt from the result files: {why}",
                file=sys.stderr,
            )
    snakemake_api.force_rebuild(workflow, [table for table, _ in STALE])


# With a Slurm profile, the packed jobs and quota go in the plan and every request (packed jobs'
# too) must fit this cluster. Snakemake hands the profile's groups to the workflow only when it
# builds the DAG (also on --dry-run), after the Snakefile is read: hence an input function of `all`,
# which runs once, in the main process, before any job exists.
PREFLIGHT = {}  # "on_slurm": whether this run submits to Slurm, once checked


def slurm_preflight(wildcards):
    if workflow.is_main_process and "on_slurm" not in PREFLIGHT:
        PREFLIGHT["on_slurm"] = cluster.preflight(
            workflow.resource_settings,
            workflow.group_settings,
            [
                r
                for r in workflow.rules
                if r.name not in snakemake_api.local_rules(workflow) and not r.norun
            ],
            plan.plan(SWEEP),
            plan.rule_seconds(SWEEP),
        )
    return []


# Rule report_outcome runs in every run that executes jobs, also one with nothing else to do: the mark it left in
# the run before is removed first (onsuccess then says how the sweep stands). A dry run leaves the mark, so that
# a finished sweep's dry run says "Nothing to be done".
OUTCOME = {}  # "fresh": the mark was removed in this run


def outcome_mark(wildcards):
    if workflow.is_main_process and "fresh" not in OUTCOME:
        if snakemake_api.executes_jobs(workflow):
            pipeline.fresh_outcome_mark(paths.OUTCOME_MARK)
            OUTCOME["fresh"] = True
    return paths.OUTCOME_MARK


def staged_dataset_of(point):
    # ancient: staged again (a moved folder, a refreshed copy) it is the same data; no GPU job reruns for it
    return ancient(paths.STAGED.format(dataset=point.knobs["dataset"]))


def training_job_inputs(wildcards):
    """The checkout and dataset, and the run's previous job: each job resumes where it stopped."""
    point = TRAINING[wildcards.train]
    inputs = {
        "checkout": ancient(rules.adapt_for_training.output.checkout),
        "dataset": staged_dataset_of(point),
    }
    previous = training.previous_stop(
        int(wildcards.stop), point.knobs["train.epochs"], SETTINGS.epochs_per_job
    )
    if previous is not None:
        inputs["previous"] = paths.TRAINING_JOB.format(
            train=wildcards.train, stop=previous
        )
    return inputs


def training_args(wildcards):
    return pipeline.training_params(TRAINING[wildcards.train])


def training_workdir(wildcards):
    return paths.TRAINING_WORK.format(train=wildcards.train)


def last_training_job(wildcards):
    epochs = TRAINING[wildcards.train].knobs["train.epochs"]
    return paths.TRAINING_JOB.format(train=wildcards.train, stop=epochs)


def inference_inputs(wildcards):
    """The checkout and dataset; for a trained checkpoint, the view of the checkout that has it."""
    point = ACCURACY[wildcards.acc]
    # ancient: a copy refreshed for a change elsewhere reruns no GPU job (the run's id says what decides it)
    checkout = ancient(
        paths.CHECKOUT.format(commit=point.inference_commit or MAIN_COPY)
    )
    if point.train_id:
        checkout = ancient(
            paths.TRAINED_CHECKOUT.format(
                train=point.train_id, choice=point.knobs["train.checkpoint"]
            )
        )
    return {"checkout": checkout, "dataset": staged_dataset_of(point)}


def trained_model(wildcards):
    return TRAINING[wildcards.train].knobs["model"]


def inference_args(wildcards):
    return pipeline.inference_params(ACCURACY[wildcards.acc])


def inference_job(wildcards):
    acc = wildcards.acc
    return pipeline.inference_job(
        ACCURACY[acc],
        SPLITS[acc],
        POPULATION[acc],
        int(wildcards.get("part", 0)),
        SETTINGS.max_test_images,
    )


def part_files(acc, last_wave):
    return pipeline.wave_part_files(acc, SPLITS[acc], POPULATION[acc], last_wave)


def split_of(wildcards):
    return vars(SPLITS[wildcards.acc])


def population_of(wildcards):
    return POPULATION[wildcards.acc]


def test_set_of(wildcards):
    """The dataset's whole test set: what the run's accuracy interval is about."""
    return test_set_size(ACCURACY[wildcards.acc].knobs, SETTINGS)


def wave_inputs(wildcards):
    wave = int(wildcards.wave)
    inputs = {"parts": part_files(wildcards.acc, wave)}
    if wave > 0:
        inputs["previous"] = paths.WAVE.format(
            acc=wildcards.acc, policy=wildcards.policy, wave=wave - 1
        )
    return inputs


def pooled_inputs(wildcards):
    """Every job of the run, or with a target the waves up to the one that stopped (checkpoints)."""
    split = SPLITS[wildcards.acc]
    if split.halfwidth is None:
        return {"parts": part_files(wildcards.acc, 0)}
    wave = 0
    while True:
        decision = checkpoints.decide_wave.get(
            acc=wildcards.acc, policy=wildcards.policy, wave=wave
        ).output.decision
        if read_json(decision)["stop"]:
            return {
                "parts": part_files(wildcards.acc, wave),
                "decision": decision,
            }
        wave += 1


def pooled_under_current_policy(wildcards):
    return paths.POOLED.format(
        acc=wildcards.acc, policy=pipeline.wave_policy(SPLITS[wildcards.acc])
    )


def param_values(wildcards):
    return pipeline.param_params(HARDWARE[wildcards.hw])


def commit_of_hardware(wildcards):
    """The version a build is of: its commit (a point recorded before versions: the sweep's own)."""
    return HARDWARE[wildcards.hw].commit or MAIN_COPY


def base_build_of(wildcards):
    return paths.base_build(commit_of_hardware(wildcards), HARDWARE[wildcards.hw].core)


def checkout_of_hardware(wildcards):
    # ancient: a copy refreshed for a change on the Python side changes no estimate (the ids say what does)
    return ancient(paths.CHECKOUT.format(commit=commit_of_hardware(wildcards)))


def checkout_of_base(wildcards):
    # ancient: which base build a content needs is in its path (paths.base_build)
    return ancient(paths.CHECKOUT.format(commit=wildcards.commit))


def fetch_identity(wildcards):
    """What decides a fetched copy: the commit, and a plain folder's or an overlay's content."""
    return SOURCE_CONTENTS[wildcards.commit].fetch


def adaptation_records(wildcards):
    return [paths.ADAPTATIONS.format(commit=c) for c in COMMITS]


def model_of(wildcards):
    return ACCURACY[wildcards.acc].knobs["model"]


def reproducibility_pair(wildcards):
    return SWEEP.reproducibility_pairs()[wildcards.model]


def reproducibility_inputs(wildcards):
    acc, hw = reproducibility_pair(wildcards)
    return {
        "estimate": paths.ESTIMATE.format(acc=acc, hw=hw),
        "network": paths.NETWORK_USED.format(acc=acc, hw=hw),
        "traces": paths.TRACES.format(acc=acc),
        "main": paths.BUILD_MAIN.format(hw=hw),
    }


def plot_kinds(wildcards):
    return PLOT_KINDS_OF[wildcards.study]


def search_spec(wildcards):
    """What decides a search's proposals; a new budget reruns its waves, which propose the same points."""
    return search_lookup.spec_record(SWEEP.searches[wildcards.study])


def search_wave_inputs(wildcards):
    """Wave w is proposed from the results of every setting of the waves before it."""
    wave = int(wildcards.wave)
    if wave == 0:
        return {}
    previous = checkpoints.search_wave.get(
        study=wildcards.study, wave=wave - 1
    ).output.wave
    points = [
        p
        for w in range(wave)
        for p in search_lookup.wave_points(
            read_json(search_lookup.wave_file(wildcards.study, w))
        )
    ]
    return {"previous": previous, "results": search_lookup.result_files(points)}


def search_result_inputs(wildcards):
    """Every wave until the one that stopped (checkpoints), and the results of all their settings."""
    waves, points = [], []
    wave = 0
    while True:
        out = checkpoints.search_wave.get(study=wildcards.study, wave=wave).output.wave
        record = read_json(out)
        waves.append(out)
        points += search_lookup.wave_points(record)
        if record["stop"]:
            return {"waves": waves, "results": search_lookup.result_files(points)}
        wave += 1


def search_targets(wildcards):
    return [paths.SEARCH_SUMMARY.format(study=s) for s in SEARCHES]


# Before any job starts: nothing is submitted beside jobs an earlier run of this folder left on Slurm
# (README: after a hard kill); finished GPU work is never redone for a reason that decides nothing
# (README: what reruns a job). Snakemake waits in silence for a job Slurm will never start; say so
# while the run waits: first when the plugin first looks (init-seconds-before-status-checks), then
# every minute.
def before_any_job(log=None):
    # a local run never asks Slurm (a profile's partitions do not make a run a Slurm run; its executor does)
    on_slurm = snakemake_api.executor_name(workflow) == "slurm"
    # jobs a killed run left on Slurm would do this run's work twice: found by the plugin's marks (the
    # folder as working directory, the rule in the comment)
    if workflow.is_main_process and on_slurm:
        cluster.refuse_earlier_run(
            ".", [r.name for r in workflow.rules], allow=SETTINGS.allow_queued_jobs
        )
    if workflow.is_main_process:
        PENDING = snakemake_api.pending_jobs(workflow)
        for line in reruns.refuse_redo(
            PENDING, GPU_FINGERPRINTS, allow=SETTINGS.allow_gpu_redo
        ):
            print(line, file=sys.stderr)
        reruns.stage_before_gpu(
            PENDING,
            SWEEP,
            paths.CHECKOUT.format(commit=MAIN_COPY),
            workflow.deployment_settings.deployment_method,
        )
    if workflow.is_main_process and on_slurm and PREFLIGHT.get("on_slurm"):
        cluster.watch_pending(
            ".",
            first_check_s=getattr(
                workflow.executor_settings,
                "init_seconds_before_status_checks",
                None,
            ),
        )


# A sweep with failed or missing points must not look like a clean success: the final line, and a non-zero
# exit code while points are failed or missing.
def after_success(log=None):
    pipeline.report_outcome(SWEEP, CONFIG_FILE)


# A job failed: how the sweep stands, a full disk by name, and a failed fetch of NeuroSim with the stand-in to try.
after_error = pipeline.on_error(
    SWEEP,
    CONFIG_FILE,
    paths.FETCH_LOG.format(commit=MAIN_COPY),
    paths.CHECKOUT.format(commit=MAIN_COPY),
)


# the run's hooks: the guard before any job, the final line after the last, the cause of a failed run
onstart:
    before_any_job()


onsuccess:
    after_success()


# registered as it is, not in an onerror: block, so that its message is printed without a traceback
workflow.onerror(after_error)
# Snakemake calls only the main Snakefile's onstart, onsuccess and onerror: used as a module (snakedeploy),
# this workflow registers its own, or its guard, final line and exit code would be skipped.
snakemake_api.hooks_of_a_module(
    workflow, onstart=before_any_job, onsuccess=after_success, onerror=after_error
)
