"""The Snakemake internals the workflow reads (snakemake_api.py), against the installed Snakemake: an
upgrade that moves them fails here, not in a user's pre-flight or guard."""

from __future__ import annotations

import copy

from runner import ran
from snakemake.settings.types import ResourceSettings

from noisyneurosim import cluster, snakemake_api


def test_the_profile_resources_read_as_the_profile_says():
    settings = ResourceSettings(
        default_resources={"mem_mb": 2000, "slurm_partition": "c18m", "runtime": 60},
        overwrite_resources={"run_inference": {"runtime": 390, "gpu": 1}},
        overwrite_threads={"build_base": 4},
    )
    assert cluster.rule_runtimes(settings)["run_inference"] == 390
    assert float(cluster._rule_resource(settings, "run_estimate", "runtime")) == 60
    assert snakemake_api.rule_threads(settings)["build_base"].value == 4
    assert snakemake_api.default_resources(settings).get("mem_mb").value == 2000


def test_pending_jobs_come_from_a_real_run(make_workflow):
    """The guard's view of a forced run, its jobs and reasons (local_rules is read by every run's pre-flight)."""
    wf = make_workflow(copy.deepcopy({"s": {"points": [{}], "seeds": [1]}}))
    wf.run()
    proc = wf.run("--forcerun", "run_inference", check=False)
    assert "run_inference results/inference/" in proc.stderr and "Forced execution" in proc.stderr
    assert ran(proc, "run_inference") == 0
