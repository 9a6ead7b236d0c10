# NoisyNeuroSIM: noise studies of crossbar accelerators with DNN+NeuroSim V1.4.
# Thin on purpose: the logic lives in src/noisyneurosim (unit-tested).
import sys

from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, f"{workflow.basedir}/src")
from noisyneurosim import cluster, paths, pipeline, plan, reruns, snakemake_api

# The config is read by noisyneurosim (duplicate keys, did-you-mean, NeuroSim's
# own rules) and then validated against the JSON schema, before any job exists.
CONFIG_FILE = pipeline.config_file(
    workflow.config_settings.configfiles, workflow.config_settings.config
)
SWEEP = pipeline.load_sweep(
    config,
    CONFIG_FILE,
    overrides=dict(workflow.config_settings.config),
    schema=f"{workflow.basedir}/workflow/schemas/config.schema.yaml",
)
SETTINGS = SWEEP.settings


# The report opens on this: where the results are, before the rule graph.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/neurosim.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/search.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        slurm=slurm_preflight,
        runs=paths.RUNS,
        layers=paths.LAYERS,
        summary=paths.SUMMARY,
        summary_md=paths.SUMMARY_MD,
        plots=PLOTS,
        searches=search_targets,
        config=paths.CONFIG_RECORD,
        outcome=paths.OUTCOME_MARK.format(run=RUN_ID),


# Before any job starts: finished GPU work is never redone for a reason that decides nothing
# (README: what reruns a job). Snakemake waits in silence for a job Slurm will never start; say so
# while the run waits: first when the plugin first looks (init-seconds-before-status-checks), then
# every minute.
onstart:
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
    if workflow.is_main_process and PREFLIGHT.get("on_slurm"):
        cluster.watch_pending(
            ".",
            first_check_s=getattr(
                workflow.executor_settings,
                "init_seconds_before_status_checks",
                None,
            ),
        )
