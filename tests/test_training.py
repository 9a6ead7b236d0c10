"""Training checkpoints with the stand-in's train.py: one run per training setting, resumable jobs,
the checkpoint inference loads, learning curves, and failures as rows.

The stand-in trains a one-parameter toy (its accuracy before non-idealities) by SGD over a shuffled
training set, with stochastic rounding from torch's generator: the result depends on every training
argument, the word lengths and the random state, so a resume that lost any of them would show."""

import json
import math
import re
import shutil

import pandas as pd
import pytest
from runner import ran

from noisyneurosim import config as cfg
from noisyneurosim.adapt import ROOT
from noisyneurosim.param_patch import UpstreamChanged
from noisyneurosim.training import job_stops, prepare_checkout, previous_stop

TRAIN = {"epochs": 5, "decreasing_lr": [3], "lr": 0.02}


def trained_study(grid=None, **train):
    return {"train": {**TRAIN, **train}, "grid": grid or {"vari": [0.0, 0.1]}, "seeds": [117]}


def training_dirs(wf):
    return sorted(p.name for p in (wf.workdir / "results/training").iterdir())


def elsewhere(wf, name):
    """The same workflow in another folder (with its own datasets)."""
    import copy

    from conftest import Workflow

    workdir = wf.workdir.parent / name
    config = copy.deepcopy(wf.config)
    config["datasets"]["root"] = str(workdir / "datasets")
    return Workflow(workdir, config)


def curve(wf, train_id):
    """A run's learning curve without the seconds (which differ from run to run)."""
    return pd.read_csv(wf.workdir / f"results/training/{train_id}/training.csv").drop(columns="seconds")


def test_jobs_stop_every_epochs_per_job_and_each_resumes_the_one_before():
    assert job_stops(5, 2) == [2, 4, 5] and job_stops(4, 2) == [2, 4] and job_stops(200, None) == [200]
    assert [previous_stop(s, 5, 2) for s in (2, 4, 5)] == [None, 2, 4]
    with pytest.raises(ValueError, match="no training job stops at epoch 3"):
        previous_stop(3, 5, 2)


def test_only_the_knobs_that_shape_training_make_another_training_run(standin, tmp_path):
    from conftest import base_config

    config = base_config(standin, tmp_path)
    config["studies"] = {
        "shipped": {"grid": {"vari": [0.0, 0.1]}},
        "trained": trained_study({"vari": [0.0, 0.1], "technode": [22, 45], "wl_weight": [4, 8]}),
        "lr": trained_study({"train": {"lr": [0.02, 0.05]}}),
        "last": trained_study(checkpoint="last"),
    }
    sweep = cfg.check(config)
    by_study = {s: [p for p in sweep.points if p.study == s] for s in config["studies"]}
    # no training knobs, no training run: the shipped study is what it was before training existed
    assert all(not p.train_id and not any(k.startswith("train.") for k in p.knobs) for p in by_study["shipped"])
    # vari (inference) and technode (hardware) share a run; the word length shapes training
    trained = by_study["trained"]
    assert len({p.train_id for p in trained}) == 2
    for wl in (4, 8):
        assert len({p.train_id for p in trained if p.knobs["wl_weight"] == wl}) == 1
    assert len({p.train_id for p in by_study["lr"]}) == 2
    # the choice of checkpoint is not training: the same run, another inference run
    best = next(p for p in trained if p.knobs["wl_weight"] == 8 and p.knobs["vari"] == 0.0)
    last = next(p for p in by_study["last"] if p.knobs["vari"] == 0.0)
    assert last.train_id == best.train_id and last.acc_id != best.acc_id
    assert best.training_args() == {
        "dataset": "cifar10", "model": "VGG8", "mode": "WAGE", "wl_weight": 8, "wl_activate": 8, "wl_error": 8,
        "wl_grad": 8, "epochs": 5, "batch_size": 64, "lr": 0.02, "decreasing_lr": "3", "grad_scale": 8.0,
        "seed": 117,
    }  # fmt: skip


def test_training_knobs_are_checked_like_every_knob(standin, tmp_path):
    from conftest import base_config

    config = base_config(standin, tmp_path)
    config["defaults"]["train"] = {"epochs": 0}
    config["studies"] = {
        "a": {"train": {"epoch": 3, "decreasing_lr": "10,x", "checkpoint": "final"}, "grid": {"epochs": [1, 2]}},
        "b": {"train": {"epochs": 2}, "points": [{"model": "ResNet18", "dataset": "imagenet", "mode": "FP"}]},
        "c": {"points": [{"dataset": "cifar100"}]},
        "d": {"train": [1]},
    }
    config["training"] = {"epochs_per_job": 0, "max_train_images": "all"}
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    text = str(err.value)
    for expected in (
        "defaults.train.epochs = 0: 0 is below the minimum 1",
        "studies.a.train.epoch: not a training knob (did you mean 'epochs'?)",
        "studies.a.train.decreasing_lr = '10,x': must be a list of epochs",
        "studies.a.train.checkpoint = 'final': 'final' is not one of best, last",
        "studies.a.grid.epochs: unknown knob (a training knob: write it under studies.a.grid.train)",
        "model = 'ResNet18': ResNet18 cannot be trained by the workflow: inference.py loads it from torchvision's URL",
        "dataset = 'cifar100': VGG8 ships a checkpoint for cifar10, not cifar100",
        "studies.d.train: must be a mapping of train.py's arguments, got [1]",
        "training.epochs_per_job = 0: must be a positive integer",
        "training.max_train_images = 'all': must be a positive integer",
    ):
        assert expected in text, f"{expected!r} not in:\n{text}"
    # a study that trains may use CIFAR-100 (its classifier is built for 100 classes)
    config = base_config(standin, tmp_path)
    config["studies"] = {"c": {"train": {"epochs": 2}, "points": [{"model": "DenseNet40", "dataset": "cifar100"}]}}
    assert cfg.check(config).points[0].train_id


def test_a_schedule_that_never_acts_is_a_warning(standin, tmp_path):
    from conftest import base_config

    config = base_config(standin, tmp_path)
    config["studies"] = {"s": {"train": {"epochs": 3}}, "t": {"grid": {"wl_grad": [4, 8]}}}
    warnings = cfg.check(config).warnings
    assert any("train.decreasing_lr 140,180 has no epoch below train.epochs 3" in w for w in warnings)
    assert any("wl_grad is swept but only shapes training, and this study has no train:" in w for w in warnings)


def test_an_upstream_change_in_train_py_stops_training_and_names_it(standin, tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(standin[0], checkout)
    train = checkout / ROOT / "train.py"
    train.write_text(train.read_text().replace("for epoch in range(args.epochs):", "for epoch in epochs:"))
    with pytest.raises(
        UpstreamChanged, match=r"upstream changed: .*for epoch in range.* not found in Inference_pytorch/train.py"
    ):
        prepare_checkout(checkout, tmp_path / "copy", "c0ffee")


def test_two_word_lengths_train_two_checkpoints_that_inference_loads(make_workflow):
    wf = make_workflow(
        {
            "shipped": {"grid": {"wl_weight": [4, 8]}, "seeds": [117]},
            "trained": trained_study({"wl_weight": [4, 8], "vari": [0.0, 0.1], "technode": [22, 45]}),
        }
    )
    proc = wf.run()
    # the plan as printed: two runs (two word lengths), each one job (5 epochs, 50 per job)
    plan_line = re.compile(
        r"^  2 training runs \(one per distinct training setting, GPU\) in 2 jobs \(training\.epochs_per_job\): "
        r"[0-9.]+ GPU hours \(cost\.<model>\.gpu_seconds_per_epoch\), included below$",
        re.M,
    )
    assert plan_line.search(proc.stderr), proc.stderr[:3000]
    runs = wf.runs()
    assert (runs["status"] == "ok").all()
    trained, shipped = runs[runs["study"] == "trained"], runs[runs["study"] == "shipped"]
    assert set(shipped["checkpoint"]) == {"shipped"}
    # points differing only in vari (inference) or technode (hardware) share one training run
    ids = sorted(trained["train_id"].unique())
    assert len(ids) == 2 and training_dirs(wf) == ids
    assert ran(proc, "train_job") == 2
    for wl, rows in trained.groupby("wl_weight"):
        train_id = rows["train_id"].iloc[0]
        assert set(rows["train_id"]) == {train_id} and set(rows["checkpoint"]) == {f"{train_id}/best"}
        record = json.loads((wf.workdir / f"results/training/{train_id}/training.json").read_text())
        assert record["status"] == "ok" and record["epochs_done"] == 5
        # what inference loaded: the run's best checkpoint, linked where inference.py reads the model
        view = wf.workdir / f"results/training/{train_id}/checkout-best/{ROOT}/log/VGG8.pth"
        assert view.resolve() == (wf.workdir / f"results/training/{train_id}/best.pth").resolve()
        # and it changed the accuracy: the same knobs on the shipped checkpoint score otherwise
        same = shipped[shipped["wl_weight"] == wl].iloc[0]
        mine = rows[(rows["vari"] == 0.0) & (rows["technode"] == 22)].iloc[0]
        assert mine["accuracy"] != same["accuracy"]
        assert mine["training_best_epoch"] == record["best_epoch"]
    checkpoints = {t: (wf.workdir / f"results/training/{t}/best.pth").read_text() for t in ids}
    assert len(set(checkpoints.values())) == 2, "two word lengths, two different trained networks"
    # visible: every epoch in training.csv, the learning curves in the study's figures
    table = pd.read_csv(wf.workdir / "results/training.csv")
    assert sorted(table["train_id"].unique()) == ids and len(table) == 10
    assert list(table[table["train_id"] == ids[0]]["epoch"]) == [0, 1, 2, 3, 4]
    assert set(table["grad_scale"]) == {8.0, 1.0}  # decreasing_lr [3] divided it by 8 from epoch 3 on
    figure = wf.workdir / "results/plots/trained/training/learning_curves.png"
    assert figure.is_file() and figure.stat().st_size > 10000
    marks = pd.read_csv(figure.with_suffix(".csv"))
    assert len(marks) == 10 and set(marks["wl_weight"]) == {4, 8}
    assert not (wf.workdir / "results/plots/shipped/training").exists()
    # the summary says which study's numbers come from trained checkpoints, and how the best one was chosen
    summary = (wf.workdir / "results/summary.md").read_text()
    assert "Study `trained` uses checkpoints trained by the workflow" in summary
    assert "the same test set the accuracy here is measured on" in summary and "Study `shipped` uses" not in summary
    # the cost table learns seconds per epoch from the measured training time
    from noisyneurosim.cli import calibration

    measured = calibration(runs)["VGG8"]["gpu_seconds_per_epoch"]
    assert measured == pytest.approx((trained["training_seconds"] / 5).median(), rel=0.01)


def test_a_training_job_killed_after_some_epochs_resumes_and_ends_like_an_uninterrupted_run(make_workflow):
    studies = {"s": trained_study({"vari": [0.0]})}
    cut = make_workflow(studies)
    whole = elsewhere(cut, "whole")
    whole.run()
    # killed from outside at the start of epoch 3 (after 3 completed epochs): the job fails, nothing recorded
    proc = cut.run(check=False, env={"STANDIN_KILL_AT_EPOCH": "3"})
    assert proc.returncode != 0
    (train_id,) = training_dirs(cut)
    folder = cut.workdir / f"results/training/{train_id}"
    assert not (folder / "training.json").exists()
    progress = json.loads((folder / "work/state/progress.json").read_text())
    assert progress["epochs_done"] == 3
    # run again: the job resumes after epoch 2, with model, optimizer, schedule and generator state
    proc = cut.run()
    assert ran(proc, "train_job") == 1
    log = (cut.workdir / f"results/logs/training/{train_id}/5.stderr").read_text()
    assert "resuming after epoch 2" in log and "Epoch 0 Test set" not in log
    assert (folder / "best.pth").read_text() == (whole.workdir / f"results/training/{train_id}/best.pth").read_text()
    assert (folder / "last.pth").read_text() == (whole.workdir / f"results/training/{train_id}/last.pth").read_text()
    pd.testing.assert_frame_equal(curve(cut, train_id), curve(whole, train_id))
    assert cut.runs()["accuracy"].tolist() == whole.runs()["accuracy"].tolist()


def test_jobs_of_some_epochs_each_continue_one_another(make_workflow):
    wf = make_workflow({"s": trained_study({"vari": [0.0]})}, training={"epochs_per_job": 2})
    proc = wf.run()
    assert ran(proc, "train_job") == 3
    (train_id,) = training_dirs(wf)
    jobs = [json.loads((wf.workdir / f"results/training/{train_id}/jobs/{s}.json").read_text()) for s in (2, 4, 5)]
    assert [(j["first_epoch"], j["epochs_done"]) for j in jobs] == [(0, 2), (2, 4), (4, 5)]
    # the same run in one job ends the same: chunking changes nothing but where it stops
    one = elsewhere(wf, "one")
    one.config["training"] = {"epochs_per_job": None}
    one.run()
    pd.testing.assert_frame_equal(curve(one, train_id), curve(wf, train_id))


def test_a_diverging_or_crashing_training_fails_its_points_and_no_other(make_workflow):
    wf = make_workflow(
        {
            "ok": trained_study({"vari": [0.0]}),
            "diverges": trained_study({"vari": [0.0, 0.1]}, grad_scale=1e9),
            "crashes": trained_study({"vari": [0.0]}, seed=5),
        }
    )
    # the stand-in's crash hook: an exception in epoch 2 of every run; upstream prints it and exits 0
    crash_env = {"STANDIN_CRASH_AT_EPOCH": "2"}
    ok_first = make_workflow({"ok": trained_study({"vari": [0.0]})})
    ok_first.workdir = wf.workdir
    ok_first.run()  # the healthy run trained without the crash hook
    proc = wf.run(check=False, env=crash_env)
    assert "3 of 4 points failed" in proc.stderr
    runs = wf.runs().set_index("study")
    assert runs.loc["ok", "status"] == "ok"
    diverged = runs.loc["diverges"]
    assert (diverged["status"] == "failed").all()
    assert set(diverged["reason"]) == {"training failed: training diverged: training loss nan in epoch 0"}
    crashed = runs.loc["crashes"]
    assert crashed["status"] == "failed"
    assert crashed["reason"].startswith("training failed: train.py stopped in epoch 2 (of 5): RuntimeError: CUDA error")
    # failures are rows: in training.csv with their reason and the epochs they did
    table = pd.read_csv(wf.workdir / "results/training.csv")
    status = table.groupby("train_id")["training_status"].first()
    assert sorted(status) == ["failed", "failed", "ok"]
    nan_rows = table[table["training_reason"].fillna("").str.contains("diverged")]
    assert len(nan_rows) == 1 and math.isnan(nan_rows["train_loss"].iloc[0])
    assert len(table[table["training_reason"].fillna("").str.contains("stopped in epoch 2")]) == 2
    # the diverged run stopped at once instead of spending its other epochs
    assert ran(proc, "run_inference") == 3  # each recorded "not run: training failed ..."
    # the summary names each failure with the training run's logs
    summary = (wf.workdir / "results/summary.md").read_text()
    assert f"results/logs/training/{crashed['train_id']}" in summary
    crash_log = (wf.workdir / f"results/logs/training/{crashed['train_id']}/5.stderr").read_text()
    assert "RuntimeError: CUDA error" in crash_log
