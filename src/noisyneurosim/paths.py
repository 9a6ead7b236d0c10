"""Every file the workflow reads or writes, in one place.

Rules use the patterns (with Snakemake wildcards in braces); the code that
fills or reads a point's files formats the same patterns. All paths are
relative to the workflow folder (Snakemake's --directory).
"""

from __future__ import annotations

# NeuroSim as fetched and adapted, once per commit
SOURCE = "resources/neurosim/{commit}"
GIT_CACHE = "resources/neurosim/git"  # every git source's pinned commits, fetched once (versions.ensure_commit)
CHECKOUT = SOURCE + "/checkout"
ADAPTATIONS = SOURCE + "/adaptations.json"
# a plain folder's content when the workflow first saw it: what its results before content ids were made with
CONTENT_BASELINE = SOURCE + "/baseline.json"
FETCH_LOG = SOURCE + "/fetch.log"
# with the training adaptations too, where a study trains (training jobs, inference of trained checkpoints)
TRAINING_CHECKOUT = SOURCE + "/training_checkout"
TRAINING_ADAPTATIONS = SOURCE + "/training_adaptations.json"
TRAINING_CHECKOUT_LOG = SOURCE + "/training_checkout.log"
# the unmodified core compiled once per copy, and once more per content of its C++ side where a plain folder's
# or an overlay's content says more than the commit ("base_build-<hash>": versions.Content)
BASE_BUILD = SOURCE + "/{base}"
BASE_BUILD_LOG = SOURCE + "/{base}.log"
BASE_BUILD_JOB_LOG = SOURCE + "/{base}.job.log"
# a dataset staged (and NeuroSim's Python proven to read it) for this workflow folder; where the data
# lives (datasets.root) is recorded inside, so moving it restages without touching any result
STAGED = "resources/staged/{dataset}.txt"

# the sweep as checked and expanded, written when Snakemake parses the workflow
POINTS = "results/points.json"

# one training run per distinct training setting (a study with train:), in jobs of some epochs each;
# its work folder (train.py's copy, log folder and resume state) persists across the jobs
TRAINING = "results/training/{train}"
TRAINING_WORK = TRAINING + "/work"
TRAINING_JOB = TRAINING + "/jobs/{stop}.json"  # the job that trains until epoch {stop}
TRAINING_RECORD = TRAINING + "/training.json"
TRAINING_CURVE = TRAINING + "/training.csv"
TRAINING_CURVE_COLUMNS = ("epoch", "train_loss", "test_loss", "test_accuracy", "lr", "grad_scale", "seconds")
TRAINED_CHECKOUT = TRAINING + "/checkout-{choice}"  # what inference of its best or last checkpoint runs from

# one build per hardware setting
BUILD = "results/builds/{hw}"
BUILD_MAIN = BUILD + "/main"
PARAM_DIFF = BUILD + "/Param.cpp.diff"
BUILD_RECORD = BUILD + "/build.json"

# one inference run per accuracy setting, in one job or several (accuracy.images_per_job): the first
# job writes the traces; with a target (accuracy.halfwidth) jobs come in waves, each wave decided under
# its policy (target, wave size, floor), so another target decides afresh from the same jobs
INFERENCE_RUN = "results/inference/{acc}"
ACCURACY = INFERENCE_RUN + "/accuracy.json"  # pooled over the run's jobs
# the first job's layer traces, kept (gzip) so that a hardware value added later costs no inference
TRACES = INFERENCE_RUN + "/traces.tar.gz"
INFERENCE_WORK = INFERENCE_RUN + "/work"  # a job's private working directory, removed after it
FIRST_PART = INFERENCE_RUN + "/parts/0.json"
INFERENCE_PART = INFERENCE_RUN + "/parts/{part}.json"  # part >= 1
PART_WORK = INFERENCE_RUN + "/parts/{part}.work"
WAVE = INFERENCE_RUN + "/waves/{policy}/{wave}.json"
POOLED = INFERENCE_RUN + "/pooled/{policy}.json"

# one estimate per (accuracy, hardware) pair
ESTIMATE = "results/estimates/{acc}/{hw}.json"
NETWORK_USED = "results/estimates/{acc}/{hw}.network.csv"
ESTIMATE_WORK = "results/estimates/{acc}/{hw}.work"  # the traces unpacked for the core, removed after it
REPRODUCIBILITY_WORK = "results/reproducibility/{model}.work"
REPRODUCIBILITY = "results/reproducibility/{model}.json"

# tables, figures, provenance
RUNS = "results/runs.csv"
LAYERS = "results/layers.csv"
TRAINING_TABLE = "results/training.csv"  # every training run's epochs
SUMMARY = "results/summary.csv"
SUMMARY_MD = "results/summary.md"
VERSIONS_TABLE = "results/versions.csv"  # studies that compare NeuroSim versions: every point pair and metric
PLOTS = "results/plots/{study}"  # one folder per kind of figure (figures.PLOT_KINDS), drawn by one job
CONFIG_RECORD = "results/config.yaml"

# search studies (search: in a study): one file per wave, the record the search resumes from
SEARCH = "results/search/{study}"
SEARCH_WAVE = SEARCH + "/waves/{wave}.json"
SEARCH_WAVES_GLOB = "results/search/*/waves/*.json"
SEARCH_TRIALS = SEARCH + "/trials.csv"  # every setting tried, with its results
SEARCH_FRONT = SEARCH + "/front.csv"
SEARCH_HYPERVOLUME = SEARCH + "/hypervolume.csv"  # against settings evaluated and against GPU hours
SEARCH_FIGURE = SEARCH + "/front.png"
SEARCH_SUMMARY = SEARCH + "/summary.md"
SEARCH_JOURNAL = SEARCH + "/optuna.journal"  # Optuna's journal, written from the waves (optuna-dashboard)

# logs: NeuroSim's own output (read by the parser) and each job's own log (its stderr and logger)
STAGE_STDOUT = "results/logs/stage_dataset/{dataset}.stdout"
STAGE_STDERR = "results/logs/stage_dataset/{dataset}.stderr"
STAGE_JOB_LOG = "results/logs/stage_dataset/{dataset}.job.log"
BUILD_MAKE_LOG = "results/logs/build/{hw}.log"
BUILD_JOB_LOG = "results/logs/build/{hw}.job.log"
TRAINING_LOGS = "results/logs/training/{train}"  # train.py's output of each job, named by the epoch it stops at
TRAINING_STDOUT = TRAINING_LOGS + "/{stop}.stdout"
TRAINING_STDERR = TRAINING_LOGS + "/{stop}.stderr"
TRAINING_JOB_LOG = TRAINING_LOGS + "/{stop}.job.log"
FINISH_TRAINING_LOG = TRAINING_LOGS + "/finish.log"
TRAINED_CHECKOUT_LOG = TRAINING_LOGS + "/checkout-{choice}.log"
INFERENCE_STDOUT = "results/logs/inference/{acc}.stdout"
INFERENCE_STDERR = "results/logs/inference/{acc}.stderr"
INFERENCE_JOB_LOG = "results/logs/inference/{acc}.job.log"
INFERENCE_PART_STDOUT = "results/logs/inference/{acc}.part{part}.stdout"
INFERENCE_PART_STDERR = "results/logs/inference/{acc}.part{part}.stderr"
INFERENCE_PART_JOB_LOG = "results/logs/inference/{acc}.part{part}.job.log"
WAVE_JOB_LOG = "results/logs/inference/{acc}.waves/{policy}/{wave}.log"
POOL_JOB_LOG = "results/logs/inference/{acc}.pool/{policy}.log"
CURRENT_ACCURACY_LOG = "results/logs/inference/{acc}.accuracy.log"
ESTIMATE_STDOUT = "results/logs/estimate/{acc}/{hw}.stdout"
ESTIMATE_STDERR = "results/logs/estimate/{acc}/{hw}.stderr"
ESTIMATE_JOB_LOG = "results/logs/estimate/{acc}/{hw}.job.log"
REPRODUCIBILITY_STDOUT = "results/logs/reproducibility/{model}.stdout"
REPRODUCIBILITY_STDERR = "results/logs/reproducibility/{model}.stderr"
REPRODUCIBILITY_JOB_LOG = "results/logs/reproducibility/{model}.job.log"
COLLECT_LOG = "results/logs/collect_results.log"
RECORD_POINTS_LOG = "results/logs/record_points.log"
# the workflow's own state in Snakemake's folder: nothing under results/ is written outside a job
OWN_STATE = ".snakemake/noisyneurosim"
OUTCOME_MARK = OWN_STATE + "/outcome"  # removed before each run that executes jobs (not a dry run)
GPU_REDO_LIST = OWN_STATE + "/gpu-redo.txt"  # the result files of the jobs a refused run would redo
SLURM_LOGS = "results/logs/slurm"  # the Slurm profiles' slurm-logdir
PLUGIN_SLURM_LOGS = ".snakemake/slurm_logs"  # the Slurm plugin's own, where a profile sets none
OUTCOME_LOG = "results/logs/report_outcome.log"
SUMMARISE_LOG = "results/logs/summarise_results.log"
PLOT_LOG = "results/logs/plots/{study}.log"
RECORD_CONFIG_LOG = "results/logs/record_config.log"
SEARCH_WAVE_LOG = "results/logs/search/{study}/wave-{wave}.log"
SEARCH_RESULTS_LOG = "results/logs/search/{study}/results.log"


def above(template: str) -> str:
    """The folder every file of a template lies under, up to its first wildcard: "results/inference/"."""
    return template.split("{", 1)[0]


def base_build(commit: str, core: str = "") -> str:
    """The base build a hardware setting relinks against: its copy's, for the content of its C++ side."""
    import hashlib

    suffix = f"-{hashlib.sha256(core.encode()).hexdigest()[:10]}" if core else ""
    return BASE_BUILD.format(commit=commit, base=f"base_build{suffix}")


def part_file(acc: str, part: int) -> str:
    """A job's result: the first job's (with the traces) or a later one's."""
    return FIRST_PART.format(acc=acc) if part == 0 else INFERENCE_PART.format(acc=acc, part=part)


def point_files(acc: str, hw: str) -> dict[str, str]:
    """The files of one point, as runs.csv names them."""
    return {
        "accuracy": ACCURACY.format(acc=acc),
        "estimate": ESTIMATE.format(acc=acc, hw=hw),
        "build": BUILD_RECORD.format(hw=hw),
        "inference_log": INFERENCE_STDERR.format(acc=acc),
        "estimate_log": ESTIMATE_STDOUT.format(acc=acc, hw=hw),
        "build_dir": BUILD.format(hw=hw),
    }
