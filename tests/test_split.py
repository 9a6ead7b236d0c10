"""Accuracy to a stated precision on the stand-in: split inference runs, job seeds, waves, stopping.

The stand-in's CIFAR-10 has 10,000 test images; its accuracy depends on the knobs (vari lowers it)
and, image by image, on the seed, as noise draws do."""

import json

import pytest
from runner import ran

from noisyneurosim.precision import accuracy_interval, job_seed, wilson

CHIP = ["tops_per_w", "latency_ns", "dynamic_energy_pj", "chip_area_um2", "leakage_energy_pj"]


def split_study(images_per_job=None, halfwidth=None, vari=(0.0, 0.3), **more):
    accuracy = {"images_per_job": images_per_job, "halfwidth": halfwidth, **more}
    return {"grid": {"vari": list(vari)}, "seeds": [117], "accuracy": accuracy}


@pytest.fixture
def thousands(make_workflow):
    """A workflow over the first 4,000 test images, 200 per batch."""

    def factory(studies, **overrides):
        defaults = {"model": "VGG8", "inference": 1, "batch_size": 200}
        return make_workflow(studies, max_test_images=4000, defaults=defaults, **overrides)

    return factory


def test_splitting_pools_every_job_and_leaves_the_estimate_identical(thousands):
    wf = thousands({"whole": split_study(vari=[0.1]), "split": split_study(1500, vari=[0.1])})
    wf.run()
    runs = wf.runs().set_index("study")
    whole, split = runs.loc["whole"], runs.loc["split"]
    assert whole["inference_jobs"] == 1 and whole["accuracy_total"] == 4000
    assert split["inference_jobs"] == 3 and split["accuracy_total"] == 4000  # 1500 + 1500 + 1000
    assert split["accuracy_stopped"] == "whole test set"
    accuracy = json.loads((wf.workdir / f"results/inference/{split['acc_id']}/accuracy.json").read_text())
    assert [p["total"] for p in accuracy["parts"]] == [1500, 1500, 1000]
    assert [p["first_image"] for p in accuracy["parts"]] == [0, 1500, 3000]
    assert sum(p["correct"] for p in accuracy["parts"]) == split["accuracy_correct"]
    # the first job kept the run's seed and batch size, so the estimate is the unsplit one, number for number
    assert whole["acc_id"] != split["acc_id"]
    for metric in CHIP:
        assert split[metric] == whole[metric], metric
    # 4,000 of the test set's 10,000 images: the interval is about the whole test set, so it has a width,
    # narrower than without the finite-population correction (issue 28, case 12)
    for row in (whole, split):
        correct = int(row["accuracy_correct"])
        low, high = accuracy_interval(correct, 4000, 10000)
        assert (row["accuracy_low"], row["accuracy_high"]) == pytest.approx((low, high))
        plain_low, plain_high = wilson(correct, 4000)
        assert low < row["accuracy"] < high and high - low < plain_high - plain_low


def test_job_seeds_differ_and_a_rerun_draws_the_same(thousands, tmp_path):
    study = {"s": split_study(1000, vari=[0.3])}
    first = thousands(study)
    first.run()
    row = first.runs().iloc[0]
    seeds = [int(s) for s in row["inference_job_seeds"].split()]
    assert seeds[0] == 117 and len(set(seeds)) == 4 and seeds == [job_seed(117, k) for k in range(4)]
    # each later job ran with its own seed (recorded by the job itself)
    acc = row["acc_id"]
    for k, seed in enumerate(seeds[1:], start=1):
        part = json.loads((first.workdir / f"results/inference/{acc}/parts/{k}.json").read_text())
        assert part["args"]["seed"] == seed and part["first_image"] == 1000 * k
    # the same config elsewhere: the same draws, the same accuracy
    again = thousands(study)
    again.workdir = tmp_path / "again"
    again.config["datasets"]["root"] = str(again.workdir / "datasets")
    again.run()
    rerun = again.runs().iloc[0]
    assert rerun["inference_job_seeds"] == row["inference_job_seeds"]
    assert rerun["accuracy_correct"] == row["accuracy_correct"]


def test_a_target_is_met_with_fewer_images_and_lowering_it_adds_jobs_only(thousands):
    wf = thousands({"s": split_study(250, 0.03, jobs_per_wave=2, min_images=300)})
    wf.run()
    runs = wf.runs()
    assert set(runs["accuracy_stopped"]) == {"target reached"}
    assert (runs["accuracy_total"] < 4000).all() and (runs["accuracy_total"] >= 300).all()
    assert ((runs["accuracy_high"] - runs["accuracy_low"]) / 2 <= 0.03).all()
    assert (runs["accuracy_total"] % 500 == 0).all()  # whole waves of two jobs of 250
    before = {p: p.stat().st_mtime_ns for p in (wf.workdir / "results/inference").glob("*/parts/*.json")}
    estimates = {p: p.stat().st_mtime_ns for p in (wf.workdir / "results/estimates").glob("*/*.json")}
    jobs_before = runs.set_index("vari")["inference_jobs"]

    wf.config["studies"]["s"]["accuracy"]["halfwidth"] = 0.015
    proc = wf.run()
    runs = wf.runs()
    jobs_after = runs.set_index("vari")["inference_jobs"]
    assert (jobs_after > jobs_before).all()
    assert ((runs["accuracy_high"] - runs["accuracy_low"]) / 2 <= 0.015).all()
    assert ran(proc, "run_inference") == 0 and ran(proc, "run_estimate") == 0  # the first jobs and estimates stay
    assert ran(proc, "run_inference_part") == int((jobs_after - jobs_before).sum())  # only the extra jobs
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing already counted was recomputed
    assert {p: p.stat().st_mtime_ns for p in estimates} == estimates


def test_a_killed_job_costs_only_itself(thousands):
    wf = thousands({"s": split_study(1000, vari=[0.0])})
    env_kill = {"STANDIN_KILL_AT_IMAGE": "2500"}  # inside the third job (images 2000-2999)
    proc = wf.run("--keep-going", check=False, env=env_kill)
    assert proc.returncode != 0
    parts = sorted(p.name for p in (wf.workdir / "results/inference").glob("*/parts/*.json"))
    assert parts == ["0.json", "1.json", "3.json"]  # the others finished; the killed job left no result
    proc = wf.run()
    assert ran(proc, "run_inference_part") == 1 and ran(proc, "run_inference") == 0
    row = wf.runs().iloc[0]
    assert row["status"] == "ok" and row["accuracy_total"] == 4000 and row["inference_jobs"] == 4


def test_a_job_that_fails_fails_its_point_with_the_job_and_its_log(thousands):
    wf = thousands({"s": split_study(1000, vari=[0.0, 0.3])})
    proc = wf.run(check=False, env={"STANDIN_FAIL_AT_IMAGE": "2500"})  # the third job of every run
    assert proc.returncode != 0  # points failed: the run says so
    runs = wf.runs()
    assert set(runs["status"]) == {"failed"}
    for _, row in runs.iterrows():
        assert "job 3 of 4 (test images 2000-2999): inference.py exit code 1" in row["reason"]
        assert f"results/logs/inference/{row['acc_id']}.part2.stderr" in row["reason"]
        assert (
            "illegal memory access" in (wf.workdir / f"results/logs/inference/{row['acc_id']}.part2.stderr").read_text()
        )
        assert row["accuracy_stopped"] == "a job failed" and pd_isna(row["accuracy"])
    # the estimates did not wait for the later jobs: they ran on the first job's traces
    assert runs["tops_per_w"].notna().all()


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
