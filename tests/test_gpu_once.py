"""GPU work is paid once: on a finished sweep, harmless edits, a hardware value added later and a split
run redo no GPU job; a run about to redo one for a reason that decides nothing stops before anything
starts; nothing starts a GPU job that a later step is certain to fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import git
from runner import ran

from noisyneurosim import config as cfg
from noisyneurosim.paths import GPU_REDO_LIST as REDO_LIST

GPU_AND_ESTIMATES = ("run_inference", "run_inference_part", "train_job", "run_estimate", "build_base", "fetch_neurosim")
STUDY = {"s": {"grid": {"vari": [0.0, 0.1], "technode": [22, 32]}, "seeds": [5]}}


def dry_jobs(wf) -> dict[str, int]:
    proc = wf.run("-n")
    return {rule: ran(proc, rule) for rule in GPU_AND_ESTIMATES}


@pytest.fixture
def finished(finished_copy):
    return finished_copy(STUDY)


def test_harmless_edits_redo_nothing_that_costs(finished, tmp_path, standin):
    wf = finished
    nothing = dict.fromkeys(GPU_AND_ESTIMATES, 0)
    # time limits raised (the advice the failure table gives)
    wf.config["timeouts"] = {"inference": 99999, "estimate": 9999, "build": 999}
    assert dry_jobs(wf) == nothing
    # the same interpreter by another path
    link = tmp_path / "bin" / "python-again"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    wf.config["python"]["command"] = str(link)
    assert dry_jobs(wf) == nothing
    # the datasets moved
    shutil.copytree(wf.config["datasets"]["root"], tmp_path / "moved")
    wf.config["datasets"]["root"] = str(tmp_path / "moved")
    assert dry_jobs(wf) == nothing
    # another clone of the same commit
    clone = tmp_path / "clone"
    git("clone", "-q", str(standin[0]), str(clone), cwd=tmp_path)
    wf.config["neurosim"]["path"] = str(clone)
    assert dry_jobs(wf) == nothing
    # and the run with all of them together computes nothing again
    proc = wf.run()
    assert all(ran(proc, rule) == 0 for rule in (*GPU_AND_ESTIMATES, "stage_dataset"))
    assert list(wf.runs()["status"]) == ["ok"] * 4


def test_a_hardware_value_added_later_costs_no_inference(finished):
    wf = finished
    before = wf.runs()
    wf.config["studies"]["s"]["grid"]["technode"] = [22, 32, 45]
    proc = wf.run()
    assert ran(proc, "run_inference") == 0  # the kept traces feed the new estimates
    assert ran(proc, "build_hardware") == 1 and ran(proc, "run_estimate") == 2
    runs = wf.runs()
    assert len(runs) == 6 and set(runs["status"]) == {"ok"}
    new = runs[runs["technode"] == 45]
    assert set(new["acc_id"]) == set(before["acc_id"])
    assert (new["chip_area_um2"] > before["chip_area_um2"].max()).all()  # the stand-in's area grows with the node


def test_a_redo_for_no_deciding_reason_stops_before_anything_starts(finished):
    wf = finished
    result = next((wf.workdir / "results/inference").glob("*/parts/0.json"))
    stamp = result.stat().st_mtime_ns
    proc = wf.run("--forcerun", "run_inference", check=False)
    assert proc.returncode != 0
    assert "would redo 2 finished GPU job(s), though nothing that decides their results changed" in proc.stderr
    assert "run_inference results/inference/" in proc.stderr and "Forced execution" in proc.stderr
    assert "allow_gpu_redo=true" in proc.stderr and "--cleanup-metadata" in proc.stderr
    assert ran(proc, "run_inference") == 0 or "Nothing was started" in proc.stderr
    assert result.stat().st_mtime_ns == stamp
    assert len((wf.workdir / REDO_LIST).read_text().split()) == 2
    # the flag lets the one run redo them
    proc = wf.run("--forcerun", "run_inference", "--config", "allow_gpu_redo=true")
    assert result.stat().st_mtime_ns != stamp
    assert "it redoes 2 finished GPU job(s), as allow_gpu_redo asks" in proc.stderr


def test_freed_traces_are_said_before_a_new_hardware_value_needs_them(finished):
    wf = finished
    freed = subprocess.run(
        [sys.executable, "-m", "noisyneurosim", "free-traces", str(wf.config_path), "--directory", str(wf.workdir)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "of 2 inference run(s)" in freed.stdout
    assert not list((wf.workdir / "results/inference").glob("*/traces.tar.gz"))
    assert dry_jobs(wf) == dict.fromkeys(GPU_AND_ESTIMATES, 0)  # freeing reruns nothing
    wf.config["studies"]["s"]["grid"]["technode"] = [22, 32, 45]
    proc = wf.run(check=False)
    assert proc.returncode != 0 and "Missing output files" in proc.stderr and "traces.tar.gz" in proc.stderr
    # the plan counts what the run will do (issue 28, case 13)
    assert "GPU jobs (inference): 0 finished and kept, 0 to run, 2 finished but to run again" in proc.stderr
    proc = wf.run("--config", "allow_gpu_redo=true")
    assert ran(proc, "run_inference") == 2 and set(wf.runs()["status"]) == {"ok"}


def test_a_broken_interpreter_is_found_before_the_first_gpu_job(finished, tmp_path):
    wf = finished
    broken = tmp_path / "python-without-numpy"
    broken.write_text(f"#!/bin/sh\nexec {sys.executable} -c \"raise ImportError('No module named numpy')\"\n")
    broken.chmod(0o755)
    wf.config["python"]["command"] = str(broken)  # the dataset was staged long ago by another interpreter
    wf.config["studies"]["s"]["grid"]["vari"] = [0.0, 0.1, 0.2]
    proc = wf.run(check=False)
    assert proc.returncode != 0
    assert f"before any GPU job, python.command = '{broken}' could not read cifar10" in proc.stderr
    assert "No module named numpy" in proc.stderr and "nothing was started" in proc.stderr
    assert ran(proc, "run_inference") == 0
    # a later run with the interpreter mended computes the new point and nothing else
    wf.config["python"]["command"] = sys.executable
    proc = wf.run()
    assert ran(proc, "run_inference") == 1 and len(wf.runs()) == 6
    assert "this run starts 1 GPU job(s) that have no finished result" in proc.stderr


def test_a_split_run_traces_as_the_unsplit_run(make_workflow):
    """The first job of a split run sees the run's first batch (the stand-in's traces depend on it, as
    upstream's batch-wide quantisation does), so its estimate is the unsplit one, number for number."""
    study = {"s": {"points": [{}], "seeds": [5]}}
    whole = make_workflow(study)
    whole.run()
    split = make_workflow(study, accuracy={"images_per_job": 10})
    split.workdir = whole.workdir.parent / "split"
    split.config["datasets"]["root"] = str(split.workdir / "datasets")
    split.config_path = split.workdir / "sweep.yaml"
    split.run()
    a, b = whole.runs().iloc[0], split.runs().iloc[0]
    assert a["acc_id"] != b["acc_id"]  # another run (its later jobs see other seeds)...
    for metric in ("tops_per_w", "latency_ns", "dynamic_energy_pj", "chip_area_um2"):
        assert a[metric] == b[metric], metric  # ...with the same estimate
    # fewer images per job than a batch would shrink the first batch: refused, naming key and value
    with pytest.raises(cfg.ConfigError, match=r"accuracy.images_per_job = 5: fewer than batch_size \(10\)"):
        cfg.check({**split.config, "accuracy": {"images_per_job": 5}}, source="sweep.yaml")


def test_the_stand_in_first_batch_shapes_the_traces(standin, tmp_path):
    """What makes the test above able to fail: the same run over 5 images (a batch of 5) traces otherwise."""
    from noisyneurosim.fetch import fetch
    from noisyneurosim.neurosim import pack_traces, run_inference, stage_dataset

    fetch(tmp_path / "src", repo=None, commit=standin[1], path=str(standin[0]))
    staged = {"root": tmp_path / "data", "python": sys.executable, "download": False, "synthetic": 20}
    stage_dataset(
        checkout=tmp_path / "src/checkout",
        dataset="cifar10",
        flag=tmp_path / "staged",
        **staged,
        stdout_path=tmp_path / "stage.out",
        stderr_path=tmp_path / "stage.err",
    )
    archives = []
    for images in (50, 5):
        work = tmp_path / f"w{images}"
        result = run_inference(
            checkout=tmp_path / "src/checkout",
            workdir=work,
            args={"model": "VGG8", "inference": 1, "batch_size": 10, "seed": 5, "vari": 0.0},
            python=sys.executable,
            data_root=str(tmp_path / "data"),
            synthetic=20,
            max_test_images=images,
            timeout=60,
            stdout_path=tmp_path / f"{images}.out",
            stderr_path=tmp_path / f"{images}.err",
        )
        assert result["status"] == "ok", result
        pack_traces(work, "VGG8", tmp_path / f"{images}.tar.gz")
        archives.append((work / "layer_record_VGG8/inputConv0_.csv").read_text())
    assert archives[0] != archives[1]


def test_seeds_torch_refuses_are_config_errors(standin):
    config = {
        "neurosim": {"path": str(standin[0]), "commit": standin[1]},
        "studies": {"s": {"seeds": [2**63, 2**64 - 1, 7], "train": {"seed": 2**70}}},
    }
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    text = str(err.value)
    assert "studies.s.seeds[0] = 9223372036854775808: above what torch.manual_seed accepts" in text
    assert "studies.s.seeds[1]" in text and "seeds[2]" not in text
    assert "train.seed" in text
    # the stand-in seeds as torch does: it refuses the same seeds
    probe = "import torch; torch.manual_seed(2**63)"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=standin[0] / "Inference_pytorch",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert proc.returncode != 0 and "Overflow" in proc.stderr


def test_a_plain_folder_missing_a_build_file_is_refused_before_any_job(standin, tmp_path):
    folder = tmp_path / "plain"
    shutil.copytree(standin[0], folder, ignore=shutil.ignore_patterns(".git"))
    (folder / "Inference_pytorch/NeuroSIM/main.cpp").unlink()
    config = {"neurosim": {"path": str(folder)}, "studies": {"s": {"seeds": [1]}}}
    with pytest.raises(cfg.ConfigError, match=r"lacks Inference_pytorch/NeuroSIM/main.cpp, which this sweep"):
        cfg.check(config, source="sweep.yaml")


def test_gpu_rules_declare_a_gpu(finished):
    """`--resources gpu=1` on a one-GPU workstation runs one GPU job at a time."""
    wf = finished
    wf.config["studies"]["s"]["grid"]["vari"] = [0.2, 0.3]
    proc = wf.run("-n", "--resources", "gpu=1")
    out = proc.stdout + proc.stderr
    jobs = out.split("rule run_inference:")[1:]
    assert len(jobs) == 2
    assert all("gpu=1" in job.split("\n\n")[0] for job in jobs)


def test_a_job_cut_off_by_an_interruption_is_redone_without_asking(tmp_path):
    """rerun-incomplete's promise: a SIGINT can come after a job wrote its result but before Snakemake
    recorded it; that one job is redone (the SIGINT test in test_faults.py meets this now and then)."""
    from noisyneurosim.reruns import Pending, redone

    result = tmp_path / "0.json"
    result.write_text('{"status": "ok", "adaptations": "a"}')
    fingerprints = {"run_inference": "a"}
    cut_off = Pending("run_inference", (str(result),), "Forced execution", interrupted=True)
    forced = Pending("run_inference", (str(result),), "Forced execution")
    assert redone([cut_off], fingerprints) == ([], [])
    assert redone([forced], fingerprints) == ([], [forced])
