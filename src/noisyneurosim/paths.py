"""Every file the workflow reads or writes, in one place.

Rules use the patterns (with Snakemake wildcards in braces); the code that
fills or reads a point's files formats the same patterns. All paths are
relative to the workflow folder (Snakemake's --directory).
"""

from __future__ import annotations

# NeuroSim as fetched and adapted, once per commit
SOURCE = "resources/neurosim/{commit}"
CHECKOUT = SOURCE + "/checkout"
ADAPTATIONS = SOURCE + "/adaptations.json"
FETCH_LOG = SOURCE + "/fetch.log"
BASE_BUILD = SOURCE + "/base_build"
BASE_BUILD_LOG = SOURCE + "/base_build.log"
BASE_BUILD_JOB_LOG = SOURCE + "/base_build.job.log"
STAGED = "{data_root}/.staged-{dataset}"

# the sweep as checked and expanded, written when Snakemake parses the workflow
POINTS = "results/points.json"

# one build per hardware setting
BUILD = "results/builds/{hw}"
BUILD_MAIN = BUILD + "/main"
PARAM_DIFF = BUILD + "/Param.cpp.diff"
BUILD_RECORD = BUILD + "/build.json"

# one inference run per accuracy setting
ACCURACY = "results/inference/{acc}/accuracy.json"
TRACES = "results/inference/{acc}/work"

# one estimate per (accuracy, hardware) pair
ESTIMATE = "results/estimates/{acc}/{hw}.json"
NETWORK_USED = "results/estimates/{acc}/{hw}.network.csv"
REPRODUCIBILITY = "results/reproducibility/{model}.json"

# tables, figures, provenance
RUNS = "results/runs.csv"
LAYERS = "results/layers.csv"
SUMMARY = "results/summary.csv"
SUMMARY_MD = "results/summary.md"
PLOTS = "results/plots/{study}/{kind}"
CONFIG_RECORD = "results/config.yaml"

# logs: NeuroSim's own output (read by the parser) and each job's own log
LOGS = "results/logs"
STAGE_LOG = LOGS + "/stage_dataset/{dataset}"
BUILD_LOG = LOGS + "/build/{hw}"
INFERENCE_LOG = LOGS + "/inference/{acc}"
ESTIMATE_LOG = LOGS + "/estimate/{acc}/{hw}"
REPRODUCIBILITY_LOG = LOGS + "/reproducibility/{model}"
PLOT_LOG = LOGS + "/plots/{study}/{kind}.log"


def source(commit: str) -> str:
    return SOURCE.format(commit=commit)


def point_files(acc: str, hw: str) -> dict[str, str]:
    """The files of one point, as runs.csv names them."""
    return {
        "accuracy": ACCURACY.format(acc=acc),
        "estimate": ESTIMATE.format(acc=acc, hw=hw),
        "build": BUILD_RECORD.format(hw=hw),
        "inference_log": INFERENCE_LOG.format(acc=acc) + ".stderr",
        "estimate_log": ESTIMATE_LOG.format(acc=acc, hw=hw) + ".stdout",
        "build_dir": BUILD.format(hw=hw),
    }
