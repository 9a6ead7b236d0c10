"""The one place that reads Snakemake's internals (no public interface says which jobs a run is about
to start, and why). Checked against the pinned Snakemake by tests/test_gpu_once.py."""

from __future__ import annotations

from .reruns import Pending


def pending_jobs(workflow) -> list[Pending]:
    """The jobs this run will start, with Snakemake's reason; called from onstart (the DAG is final)."""
    dag = workflow.dag
    return [
        Pending(job.rule.name, tuple(str(f) for f in job.output), str(dag.reason(job)).replace("\n", " "))
        for job in dag.needrun_jobs()
    ]
