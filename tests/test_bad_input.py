"""A catalogue of malformed or dangerous configurations.

Each one is checked as the workflow checks it (the same function, in
milliseconds): the error must name the file, the key and the value. A handful
go through Snakemake as a user would run them, to prove the wiring: the same
message, and nothing run (no results/, no resources/, no job).
"""

import copy

import pytest
import yaml
from runner import run_snakemake as snakemake

from noisyneurosim.config import ConfigError, load

COMMIT = "ac828e6723bf077c9b1423c5c72ff6e4981e90f4"
BASE = {
    "neurosim": {"repo": "https://github.com/neurosim/DNN_NeuroSim_V1.4.git", "commit": COMMIT},
    "defaults": {"model": "VGG8"},
    "studies": {"s": {"grid": {"ADCprecision": [4, 5]}, "seeds": [1]}},
}


def grid(**axes):
    return {"studies": {"s": {"grid": axes, "seeds": [1]}}}


def defaults(**knobs):
    return {"defaults": {"model": "VGG8", **knobs}}


# (id, change to BASE, substrings the error must contain: key and value)
CASES = [
    ("unknown-top-level-key", {"studys": {}}, ["studys", "did you mean 'studies'"]),
    ("unknown-knob", grid(technod=[22]), ["studies.s.grid.technod", "did you mean 'technode'"]),
    ("unknown-knob-in-defaults", defaults(ADCPrecision=5), ["defaults.ADCPrecision", "did you mean 'ADCprecision'"]),
    ("wrong-type-text-for-int", grid(ADCprecision=["five"]), ["studies.s.grid.ADCprecision[0] = 'five'", "integer"]),
    ("wrong-type-bool-as-text", grid(SARADC=["yes"]), ["studies.s.grid.SARADC[0] = 'yes'", "true or false"]),
    ("axis-not-a-list", grid(vari=0.1), ["studies.s.grid.vari", "must be a list"]),
    ("empty-grid", {"studies": {"s": {"grid": {}}}}, ["studies.s.grid", "empty grid"]),
    ("empty-value-list", grid(vari=[]), ["studies.s.grid.vari", "empty list"]),
    ("repeated-value", grid(vari=[0.1, 0.1]), ["studies.s.grid.vari", "repeated value"]),
    ("technode-28", grid(technode=[22, 28]), ["studies.s.grid.technode[1] = 28", "exits with code 255"]),
    ("adc-0", grid(ADCprecision=[0]), ["studies.s.grid.ADCprecision[0] = 0", "below the minimum 1"]),
    ("adc-20", grid(ADCprecision=[20]), ["studies.s.grid.ADCprecision[0] = 20", "above the maximum"]),
    ("negative-vari", grid(vari=[-0.1]), ["studies.s.grid.vari[0] = -0.1", "below the minimum 0"]),
    ("onoff-1", grid(onoffratio=[1]), ["studies.s.grid.onoffratio[0] = 1", "greater than 1"]),
    ("onoff-below-1", grid(onoffratio=[0.5]), ["studies.s.grid.onoffratio[0] = 0.5", "greater than 1"]),
    ("negative-retention", grid(t=[-1]), ["studies.s.grid.t[0] = -1", "below the minimum"]),
    (
        "rram-below-22nm",
        defaults(memcelltype="RRAM", technode=14),
        ["technode = 14", "RRAM", "not supported below 22 nm"],
    ),
    ("hp-at-7nm", defaults(deviceroadmap="HP", technode=7), ["deviceroadmap = 1", "HP roadmap"]),
    ("temp-at-14nm", defaults(temp=350, technode=14), ["temp = 350", "300 K"]),
    ("cellbit-not-dividing", defaults(cellBit=3), ["cellBit = 3", "does not divide wl_weight 8"]),
    ("cellbit-above-weight-bits", defaults(cellBit=8, wl_weight=4), ["cellBit = 8", "exceeds wl_weight 4"]),
    (
        "cellbit-partial-read",
        defaults(cellBit=2, parallelRead=64),
        ["parallelRead = 64", "needs parallelRead == subArray"],
    ),
    ("parallel-read-above-subarray", defaults(parallelRead=256), ["parallelRead = 256", "exceeds subArray 128"]),
    ("coupled-adc-disagree", defaults(levelOutput=16), ["levelOutput = 16 disagrees with ADCprecision", "decouple"]),
    (
        "coupled-onoff-disagree",
        defaults(onoffratio=10, resistanceOff=2e6),
        ["resistanceOff = 2000000.0 disagrees with onoffratio = 10"],
    ),
    ("coupled-subarray-disagree", defaults(numColSubArray=64), ["numColSubArray = 64 disagrees with subArray"]),
    ("unknown-model", defaults(model="VGG16"), ["defaults.model = 'VGG16'", "did you mean 'VGG8'"]),
    ("unknown-dataset", defaults(dataset="mnist"), ["defaults.dataset = 'mnist'", "cifar10"]),
    ("unknown-mode", defaults(mode="INT8"), ["defaults.mode = 'INT8'", "WAGE"]),
    ("unknown-enum-name", defaults(memcelltype="PCM"), ["defaults.memcelltype = 'PCM'", "RRAM (2)"]),
    (
        "model-without-checkpoint-for-dataset",
        defaults(dataset="cifar100"),
        ["dataset = 'cifar100'", "VGG8 ships a checkpoint for cifar10"],
    ),
    (
        "short-commit",
        {"neurosim": {"repo": BASE["neurosim"]["repo"], "commit": "ac828e6"}},
        ["neurosim.commit = 'ac828e6'", "full 40-character"],
    ),
    (
        "uppercase-commit",
        {"neurosim": {"repo": BASE["neurosim"]["repo"], "commit": COMMIT.upper()}},
        ["neurosim.commit", "lowercase hex"],
    ),
    (
        "repo-ftp-scheme",
        {"neurosim": {"repo": "ftp://github.com/neurosim/x", "commit": COMMIT}},
        ["neurosim.repo = 'ftp://github.com/neurosim/x'", "not an accepted repository URL"],
    ),
    (
        "repo-file-scheme",
        {"neurosim": {"repo": "file:///etc", "commit": COMMIT}},
        ["neurosim.repo = 'file:///etc'", "not an accepted"],
    ),
    (
        "repo-option-injection",
        {"neurosim": {"repo": "--upload-pack=touch /tmp/pwned", "commit": COMMIT}},
        ["neurosim.repo = '--upload-pack=touch /tmp/pwned'"],
    ),
    (
        "repo-shell-metachar",
        {"neurosim": {"repo": "https://github.com/a/b;touch /tmp/pwned", "commit": COMMIT}},
        ["neurosim.repo", "touch /tmp/pwned"],
    ),
    ("repo-without-commit", {"neurosim": {"repo": BASE["neurosim"]["repo"]}}, ["neurosim.commit: missing"]),
    (
        "local-path-missing",
        {"neurosim": {"path": "/nonexistent/DNN_NeuroSim_V1.4"}},
        ["neurosim.path = '/nonexistent/DNN_NeuroSim_V1.4'", "no such folder"],
    ),
    ("local-path-not-neurosim", {"neurosim": {"path": "/tmp"}}, ["neurosim.path = '/tmp'", "not a NeuroSim checkout"]),
    (
        "seeds-text",
        {"studies": {"s": {"grid": {"vari": [0.1]}, "seeds": ["a"]}}},
        ["studies.s.seeds[0] = 'a'", "integers"],
    ),
    (
        "seeds-float",
        {"studies": {"s": {"grid": {"vari": [0.1]}, "seeds": [1.5]}}},
        ["studies.s.seeds[0] = 1.5", "integers"],
    ),
    (
        "seeds-empty",
        {"studies": {"s": {"grid": {"vari": [0.1]}, "seeds": []}}},
        ["studies.s.seeds = []", "non-empty list"],
    ),
    ("unknown-study-key", {"studies": {"s": {"gird": {"vari": [0.1]}}}}, ["studies.s.gird", "did you mean 'grid'"]),
    (
        "study-name-traversal",
        {"studies": {"../../etc": {"grid": {"vari": [0.1]}}}},
        ["studies.../../etc", "study names"],
    ),
    (
        "decouple-unknown",
        {"studies": {"s": {"grid": {"vari": [0.1]}, "decouple": ["vari"]}}},
        ["studies.s.decouple = ['vari']"],
    ),
    ("max-test-images-negative", {"max_test_images": -1}, ["max_test_images = -1", "positive integer"]),
    ("timeout-zero", {"timeouts": {"inference": 0}}, ["timeouts.inference = 0", "positive number"]),
    ("cost-unknown-model", {"cost": {"VGG9": {"gpu_seconds_per_image": 1}}}, ["cost.VGG9", "did you mean 'VGG8'"]),
    ("python-command-empty", {"python": {"command": " "}}, ["python.command = ' '"]),
    (
        "python-command-shell",
        {"python": {"command": "python; touch /tmp/pwned"}},
        ["python.command = 'python; touch /tmp/pwned'"],
    ),
    (
        "python-command-substitution",
        {"python": {"command": "$(touch /tmp/pwned)"}},
        ["python.command = '$(touch /tmp/pwned)'"],
    ),
    (
        "envmodule-shell",
        {"python": {"envmodules": ["CUDA/11.3.1 && touch /tmp/pwned"]}},
        ["python.envmodules", "module names"],
    ),
    ("dataset-root-newline", {"datasets": {"root": "data\n/etc"}}, ["datasets.root = 'data\\n/etc'"]),
    (
        "float-with-cpp-fragment",
        defaults(clkFreq='1e9; system("touch /tmp/pwned")'),
        ["defaults.clkFreq", "must be a number"],
    ),
    ("enum-with-cpp-fragment", defaults(memcelltype="2; exit(0)"), ["defaults.memcelltype = '2; exit(0)'"]),
    (
        "bool-with-cpp-fragment",
        defaults(pipeline='true) { system("x"); } if (1'),
        ["defaults.pipeline", "true or false"],
    ),
    ("no-studies", {"studies": {}}, ["studies", "non-empty mapping"]),
    ("halfwidth-without-split", {"accuracy": {"halfwidth": 0.01}}, ["accuracy.halfwidth = 0.01", "images_per_job"]),
    (
        "split-larger-than-the-test-set",
        {"studies": {"s": {"grid": {"vari": [0.1]}, "accuracy": {"images_per_job": 20000}}}},
        ["studies.s.accuracy.images_per_job = 20000", "more than the 10000 test images"],
    ),
    ("halfwidth-too-wide", {"accuracy": {"images_per_job": 500, "halfwidth": 0.7}}, ["accuracy.halfwidth = 0.7"]),
    ("jobs-per-wave-zero", {"accuracy": {"jobs_per_wave": 0}}, ["accuracy.jobs_per_wave = 0", "positive integer"]),
    ("unknown-accuracy-key", {"accuracy": {"halfwidht": 0.01}}, ["accuracy.halfwidht", "did you mean 'halfwidth'"]),
    ("prior-above-1", {"accuracy": {"prior": 1.2}}, ["accuracy.prior = 1.2", "between 0 and 1"]),
    # training (studies with train:)
    ("train-not-a-mapping", {"studies": {"s": {"train": 200}}}, ["studies.s.train", "must be a mapping"]),
    ("unknown-training-knob", {"studies": {"s": {"train": {"epoch": 5}}}}, ["studies.s.train.epoch", "'epochs'"]),
    ("training-knob-outside-train", grid(epochs=[5]), ["studies.s.grid.epochs", "write it under studies.s.grid.train"]),
    ("zero-epochs", {"studies": {"s": {"train": {"epochs": 0}}}}, ["studies.s.train.epochs = 0", "minimum 1"]),
    ("negative-lr", {"studies": {"s": {"train": {"lr": -0.1}}}}, ["studies.s.train.lr = -0.1", "greater than 0"]),
    (
        "schedule-not-epochs",
        {"studies": {"s": {"train": {"decreasing_lr": "140;180"}}}},
        ["studies.s.train.decreasing_lr = '140;180'", "a list of epochs"],
    ),
    (
        "unknown-checkpoint-choice",
        {"studies": {"s": {"train": {"checkpoint": "latest"}}}},
        ["studies.s.train.checkpoint = 'latest'", "best, last"],
    ),
    (
        "train-resnet18",
        {"studies": {"s": {"train": {}, "points": [{"model": "ResNet18", "dataset": "imagenet", "mode": "FP"}]}}},
        ["model = 'ResNet18'", "cannot be trained"],
    ),
    ("train-on-imagenet", {"studies": {"s": {"train": {}, "points": [{"dataset": "imagenet"}]}}}, ["not imagenet"]),
    ("cifar100-shipped", grid(dataset=["cifar100"]), ["dataset = 'cifar100'", "ships a checkpoint for cifar10"]),
    ("epochs-per-job-zero", {"training": {"epochs_per_job": 0}}, ["training.epochs_per_job = 0", "positive integer"]),
    ("unknown-training-key", {"training": {"epoch_per_job": 5}}, ["training.epoch_per_job", "did you mean"]),
    # NeuroSim versions: labels and commits tell them apart; a study names only versions that exist
    (
        "version-unknown-label",
        {"studies": {"s": {"grid": {"ADCprecision": [4]}, "seeds": [1], "neurosim_versions": ["v1.5"]}}},
        ["studies.s.neurosim_versions", "'v1.5' is no version", "known: "],
    ),
    (
        "version-same-commit",
        {"neurosim_versions": {"old": {"repo": BASE["neurosim"]["repo"], "commit": COMMIT}}},
        ["neurosim_versions.old.commit", COMMIT, "the commit of"],
    ),
    (
        "version-bad-source",
        {"neurosim_versions": {"old": {"repo": "file:///etc", "commit": "b" * 40, "tag": "v1"}}},
        ["neurosim_versions.old.repo = 'file:///etc'", "neurosim_versions.old.tag: unknown key"],
    ),
    (
        "version-bad-label",
        {"neurosim_versions": {"a b": {"path": "/x", "commit": "b" * 40}}},
        ["neurosim_versions.a b"],
    ),
    ("branch-with-dots", {"neurosim": {**BASE["neurosim"], "branch": "a..b"}}, ["neurosim.branch = 'a..b'"]),
    (
        "versions-in-a-search",
        {
            "neurosim_versions": {"old": {"repo": BASE["neurosim"]["repo"], "commit": "b" * 40}},
            "studies": {
                "s": {
                    "search": {"space": {"ADCprecision": [4, 5]}, "objectives": {"accuracy": "max"}},
                    "neurosim_versions": ["old"],
                }
            },
        },
        ["studies.s.neurosim_versions", "a study with search: runs on the sweep's own version"],
    ),
]


def run_snakemake(tmp_path, config_text, how="--config"):
    path = tmp_path / "bad.yaml"
    path.write_text(config_text)
    flag = ["--config", f"sweep={path}"] if how == "--config" else ["--configfile", str(path)]
    return path, snakemake(tmp_path, "--cores", "1", *flag, timeout=120)


def assert_nothing_ran(tmp_path, proc):
    assert proc.returncode != 0
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()
    assert "rule " not in proc.stderr  # no job was scheduled
    assert not __import__("os").path.exists("/tmp/pwned")


def bad_config(tmp_path, change) -> str:
    config = copy.deepcopy(BASE)
    config.update(copy.deepcopy(change))
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("name,change,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_config_is_named(tmp_path, name, change, expected):
    path = bad_config(tmp_path, change)
    with pytest.raises(ConfigError) as err:
        load(path, base=tmp_path)
    message = str(err.value)
    assert f"{path}: " in message and "nothing was run" in message
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"


# the wiring: through Snakemake, a value NeuroSim rejects, a misspelt knob, two injection attempts
THROUGH_SNAKEMAKE = ["technode-28", "unknown-knob", "repo-option-injection", "python-command-shell"]


@pytest.mark.parametrize("name,change,expected", [c for c in CASES if c[0] in THROUGH_SNAKEMAKE], ids=THROUGH_SNAKEMAKE)
def test_bad_config_stops_snakemake_before_any_job(tmp_path, name, change, expected):
    path = bad_config(tmp_path, change)
    _, proc = run_snakemake(tmp_path, path.read_text())
    assert_nothing_ran(tmp_path, proc)
    assert str(path) in proc.stderr
    for text in expected:
        assert text in proc.stderr, f"{text!r} not in:\n{proc.stderr[-3000:]}"


def test_yaml_syntax_error_names_its_line(tmp_path):
    path, proc = run_snakemake(tmp_path, "neurosim:\n  repo: https://x.org/a/b\nstudies:\n  s: {grid: [\n")
    assert_nothing_ran(tmp_path, proc)
    assert f"{path}: line 5, column 1: YAML syntax error" in proc.stderr


def test_duplicate_study_names(tmp_path):
    text = (
        f"neurosim:\n  repo: https://github.com/a/b\n  commit: {COMMIT}\n"
        "studies:\n  adc:\n    grid: {vari: [0.1]}\n  adc:\n    grid: {vari: [0.2]}\n"
    )
    path, proc = run_snakemake(tmp_path, text)
    assert_nothing_ran(tmp_path, proc)
    assert f"{path}: line 7, column 3: YAML syntax error: duplicate key 'adc' (first on line 5)" in proc.stderr
    # also when Snakemake itself read the file (--configfile), which would silently keep the last
    path, proc = run_snakemake(tmp_path, text, how="--configfile")
    assert_nothing_ran(tmp_path, proc)
    assert "duplicate key 'adc'" in proc.stderr


def test_top_level_not_a_mapping(tmp_path):
    path, proc = run_snakemake(tmp_path, "- just\n- a list\n")
    assert_nothing_ran(tmp_path, proc)
    assert str(path) in proc.stderr
