"""The one place that reads Snakemake's internals, where no public interface says what the workflow needs:
the jobs a run is about to start and why, the profile's parsed resources, the local rules, the hooks of a
module. Checked against the pinned Snakemake by tests/test_snakemake_api.py and tests/test_deploy.py; a
Snakemake upgrade that moves them fails there."""

from __future__ import annotations

from .reruns import Pending


def pending_jobs(workflow) -> list[Pending]:
    """The jobs this run will start, with Snakemake's reason; called from onstart (the DAG is final)."""
    dag = workflow.dag
    persistence = workflow.persistence
    return [
        Pending(
            job.rule.name,
            tuple(str(f) for f in job.output),
            str(dag.reason(job)).replace("\n", " "),
            # marked incomplete: the job was cut off (a SIGINT can come after its result was written)
            interrupted=bool(persistence._filter_incomplete_keys([persistence._get_key(f) for f in job.output])),
        )
        for job in dag.needrun_jobs()
    ]


def default_resources(resource_settings) -> dict:
    """default-resources as Snakemake parsed them (name -> Resource)."""
    return resource_settings._parsed_default_resources if resource_settings.default_resources else {}


def rule_resources(resource_settings) -> dict:
    """set-resources as Snakemake parsed them (rule -> name -> Resource)."""
    return resource_settings._parsed_overwrite_resources


def rule_threads(resource_settings) -> dict:
    """set-threads as Snakemake parsed them (rule -> threads)."""
    return resource_settings._parsed_overwrite_threads


def local_rules(workflow) -> set[str]:
    """The names of the rules that run where Snakemake runs (localrules: and localrule: True)."""
    return set(workflow._localrules)


def executes_jobs(workflow) -> bool:
    """Whether this invocation runs jobs (not a dry run, --report, --lint or --rulegraph); known only once the
    DAG is built, in input functions (the executor is set after the Snakefile is read)."""
    return workflow.executor_plugin is not None and not workflow.dryrun


def executor_name(workflow) -> str | None:
    """The executor plugin's name ("slurm", "local", ...), None before the executor is set."""
    plugin = workflow.executor_plugin
    return plugin.name if plugin is not None else None


def hooks_of_a_module(workflow, onstart, onsuccess, onerror) -> None:
    """Snakemake calls the onstart, onsuccess and onerror of the main Snakefile only; when this workflow is a
    module of another Snakefile (as snakedeploy deploys it), its own become the run's (each called with the
    log)."""
    if not workflow.modifier.is_main_snakefile():
        workflow._onstart = onstart
        workflow._onsuccess = onsuccess
        workflow._onerror = onerror


def force_rebuild(workflow, files: list[str]) -> None:
    """Make this run rebuild these files, as `--forcerun FILE` does (also where Snakemake lacks its metadata:
    the producers' missing inputs are then made first). Called while the Snakefile is read, before Snakemake
    hands the workflow its DAG settings: they get the files when the DAG is prepared."""
    if not files:
        return
    prepare = workflow._prepare_dag

    def prepare_with_rebuild(*args, **kwargs):
        settings = workflow.dag_settings
        settings.forcerun = frozenset({*settings.forcerun, *files})
        return prepare(*args, **kwargs)

    workflow._prepare_dag = prepare_with_rebuild
