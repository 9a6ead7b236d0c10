"""The workflow as another folder uses it: deployed as a Snakemake module, as `snakedeploy deploy-workflow` writes
it (README: use it as a module), from a local clone, with nothing of this repository installed."""

import os
import subprocess
import sys

import pandas as pd
import yaml
from conftest import PROJECT, base_config

# what `snakedeploy deploy-workflow <clone> <folder>` writes as <folder>/workflow/Snakefile (its template,
# use_module.smk.jinja), with the clone's Snakefile named by its absolute path
DEPLOYED = """from snakemake.utils import min_version


min_version("6.10.0")


configfile: "config/config.yaml"


# declare {clone} as a module
module noisyneurosim:
    snakefile:
        "{clone}/workflow/Snakefile"
    config:
        config


# use all rules from {clone}
use rule * from noisyneurosim
"""


def clone_of_the_project(target):
    """The repository's files as a clone has them (tracked and new, not ignored): no results, no install."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        source = PROJECT / name
        if source.is_file() and not name.startswith(("tests/", "docs/", "benchmarks/")):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())


def test_the_workflow_runs_as_a_module_in_an_empty_folder(standin, tmp_path):
    clone = tmp_path / "NoisyNeuroSIM"
    clone_of_the_project(clone)
    folder = tmp_path / "my-study"
    (folder / "workflow").mkdir(parents=True)
    (folder / "workflow/Snakefile").write_text(DEPLOYED.format(clone=clone))
    # snakedeploy (0.17.1) copies config/ and profiles/
    for name in ("config", "profiles"):
        subprocess.run(["cp", "-r", str(clone / name), str(folder / name)], check=True)
    config = base_config(standin, folder)
    config["studies"] = {"deployed": {"grid": {"vari": [0.0, 0.2], "technode": [22, 45]}, "seeds": [1]}}
    (folder / "config/sweep.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    # an installed noisyneurosim that fails on import: the workflow must bring its own (the clone's src/)
    poison = tmp_path / "installed" / "noisyneurosim"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text("raise ImportError('an installed noisyneurosim, not the workflow own')\n")
    env = {**os.environ, "PYTHONPATH": str(poison.parent)}
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config/sweep.yaml"]
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-6000:]
    assert "Using workflow specific profile profiles/default" in proc.stderr  # code changes rerun nothing
    # the workflow's own hooks ran although it is a module: the final line, and its exit code
    assert "NoisyNeuroSIM: all 4 points complete; results in results/runs.csv" in proc.stderr
    runs = pd.read_csv(folder / "results/runs.csv")
    assert len(runs) == 4 and set(runs["status"]) == {"ok"} and runs["tops_per_w"].notna().all()
    assert (folder / "results/plots/deployed").is_dir()
    assert not (clone / "results").exists() and not (clone / ".snakemake").exists()  # the clone stays as it was
