"""The whole pipeline on the stand-in NeuroSim, with the local executor.

Each test proves what a user would check in results/runs.csv: the setting
they wrote reached NeuroSim and came back as numbers, or a reason.
"""

import json
import math
import os
import re
import subprocess
import sys
import tarfile
import time

import pytest
from runner import ran, row


def test_settings_travel_from_sweep_yaml_into_the_table(make_workflow):
    wf = make_workflow(
        {
            "travel": {
                "points": [{}, {"technode": 45}, {"memcelltype": "RRAM"}, {"ADCprecision": 3}, {"vari": 0.3}],
                "seeds": [7],
            }
        }
    )
    proc = wf.run()
    runs = wf.runs()
    assert list(runs["status"]) == ["ok"] * 5
    base = row(runs, technode=22, memcelltype=1, ADCprecision=5, vari=0.0)
    wd = wf.workdir

    def diff(r):
        return (wd / r["build_dir"] / "Param.cpp.diff").read_text()

    # technode: patched into Param.cpp, and the C++ core computed with it (ADC area grows with node^2)
    tn = row(runs, technode=45)
    assert "+\ttechnode = 45;" in diff(tn)
    assert tn["adc_area_um2"] / base["adc_area_um2"] == pytest.approx((45 / 22) ** 2, rel=1e-3)
    assert tn["acc_id"] == base["acc_id"]  # a hardware knob needs no new inference run

    # memcelltype by name: RRAM is 2 in Param.cpp; RRAM cells are smaller in the stand-in
    rram = row(runs, memcelltype=2)
    assert "+\tmemcelltype = 2;" in diff(rram)
    assert rram["cim_array_area_um2"] / base["cim_array_area_um2"] == pytest.approx(0.05 / 0.3, rel=1e-3)

    # ADCprecision, both halves: --ADCprecision 3 for inference, levelOutput = 8 in Param.cpp
    adc = row(runs, ADCprecision=3)
    acc = json.loads((wd / "results/inference" / adc["acc_id"] / "accuracy.json").read_text())
    assert acc["args"]["ADCprecision"] == 3
    assert "ADCprecision: 3" in (wd / adc["inference_log"]).read_text()
    assert adc["accuracy"] < base["accuracy"]
    assert adc["levelOutput"] == 8 and "+\tlevelOutput = 8;" in diff(adc)
    assert adc["adc_area_um2"] / base["adc_area_um2"] == pytest.approx(3 / 5, rel=1e-3)

    # vari: an accuracy knob; the stand-in's accuracy falls as exp(-3 vari)
    var = row(runs, vari=0.3)
    assert "vari: 0.3" in (wd / var["inference_log"]).read_text()
    assert var["accuracy"] < base["accuracy"]
    assert var["hw_id"] == base["hw_id"]

    # accuracy is correct/total, not the rounded percentage
    assert base["accuracy"] == base["accuracy_correct"] / base["accuracy_total"]
    assert base["accuracy_total"] == 50  # max_test_images
    # every chip-level metric is there and finite
    for metric in (
        "chip_area_um2",
        "latency_ns",
        "dynamic_energy_pj",
        "leakage_power_uw",
        "tops_per_w",
        "tops",
        "fps",
        "tops_per_mm2",
        "adc_energy_pj",
        "accumulation_latency_ns",
    ):
        assert math.isfinite(base[metric]) and base[metric] > 0, metric
    assert base["process"] == "Pipelined"
    assert base["neurosim_commit"] == wf.config["neurosim"]["commit"]
    layers = wf.layers()
    assert len(layers[layers["point_id"] == base["point_id"]]) == 3

    # the floor: one inference per accuracy setting, one build per hardware setting
    assert ran(proc, "run_inference") == 3
    assert ran(proc, "build_hardware") == 4
    assert ran(proc, "build_base") == 1
    assert ran(proc, "run_estimate") == 5


def test_two_hardware_settings_share_one_inference_run(make_workflow):
    wf = make_workflow({"hw": {"grid": {"SARADC": [True, False]}, "seeds": [3]}})
    proc = wf.run()
    runs = wf.runs()
    assert ran(proc, "run_inference") == 1 and ran(proc, "run_estimate") == 2
    assert runs["acc_id"].nunique() == 1 and runs["hw_id"].nunique() == 2
    assert (wf.workdir / "results/estimates" / runs["acc_id"][0]).is_dir()
    assert len(list((wf.workdir / "results/estimates" / runs["acc_id"][0]).glob("*.json"))) == 2
    # the SAR ADC costs less ADC energy in the stand-in, so the two rows really differ
    assert row(runs, SARADC=True)["adc_energy_pj"] < row(runs, SARADC=False)["adc_energy_pj"]
    # the working folder is removed; the traces are kept, compressed, for hardware values added later
    run_folder = wf.workdir / "results/inference" / runs["acc_id"][0]
    assert not (run_folder / "work").exists()
    with tarfile.open(run_folder / "traces.tar.gz") as tar:
        assert "layer_record_VGG8/trace_command.sh" in tar.getnames()


def test_simulator_failures_become_failed_rows_and_others_finish(make_workflow):
    wf = make_workflow(
        {
            "faults": {
                "points": [{}, {"temp": 390}, {"memcelltype": "RRAM", "operationmode": 1}, {"technode": 45}],
                "seeds": [1],
            }
        }
    )
    proc = wf.run(check=False)
    # the exit code and the final message say how many failed
    assert proc.returncode != 0
    assert "2 of 4 points failed" in proc.stderr and "2 points are complete" in proc.stderr
    runs = wf.runs()
    assert row(runs, temp=300, memcelltype=1, technode=22)["status"] == "ok"
    assert row(runs, technode=45)["status"] == "ok"
    silent = row(runs, temp=390)
    assert silent["status"] == "failed"
    assert "exit code 255 with no output" in silent["reason"]
    assert (wf.workdir / silent["estimate_log"]).read_text() == ""
    nan = row(runs, operationmode=1)
    assert nan["status"] == "failed" and "non-finite" in nan["reason"]
    # the accuracy of a point whose hardware estimate failed is still reported
    assert nan["accuracy"] > 0


def test_unsupported_technode_is_rejected_before_anything_runs(make_workflow):
    wf = make_workflow({"seed_study": {"grid": {"technode": [22, 28]}}})
    proc = wf.run(check=False)
    assert proc.returncode != 0
    assert "studies.seed_study.grid.technode[1] = 28" in proc.stderr
    assert str(wf.config_path) in proc.stderr
    assert not (wf.workdir / "results").exists() and not (wf.workdir / "resources").exists()


def test_adding_one_value_reruns_only_the_new_points(make_workflow):
    wf = make_workflow({"grow": {"grid": {"vari": [0.0, 0.1]}, "seeds": [5]}})
    wf.run()
    first = wf.runs()
    # every result of the old points (the sweep's own points table changes, of course)
    stamps = {p: p.stat().st_mtime_ns for p in (wf.workdir / "results").rglob("*.json") if p.name != "points.json"}
    wf.config["studies"]["grow"]["grid"]["vari"].append(0.2)
    proc = wf.run()
    assert ran(proc, "run_inference") == 1
    assert ran(proc, "run_estimate") == 1
    assert ran(proc, "build_hardware") == 0 and ran(proc, "fetch_neurosim") == 0
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    second = wf.runs()
    assert len(second) == 3 and second["point_id"].is_unique
    old = second[second["vari"] != 0.2].set_index("point_id")["accuracy"]
    assert old.to_dict() == first.set_index("point_id")["accuracy"].to_dict()
    # nothing left to do
    assert ran(wf.run(), "run_estimate") == 0


def test_status_shows_done_failed_and_still_to_run(make_workflow):
    import subprocess
    import sys

    wf = make_workflow({"st": {"points": [{}, {"temp": 390}], "seeds": [1]}})
    wf.write()

    def status():
        proc = subprocess.run(
            [sys.executable, "-m", "noisyneurosim", "status", str(wf.config_path), "--directory", str(wf.workdir)],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 1, proc.stderr  # points missing or failed: README, status exit codes
        return proc.stdout

    before = status()
    assert re.search(r"still to run\s+2", before) and re.search(r"done\s+0", before)
    wf.run(check=False)
    after = status()
    assert re.search(r"done\s+1", after) and re.search(r"failed\s+1", after)
    assert re.search(r"still to run\s+0", after)
    assert "exit code 255 with no output" in after and "results/logs/estimate/" in after


def test_calibrate_turns_measured_run_times_into_a_cost_table(make_workflow):
    import subprocess
    import sys

    import yaml

    wf = make_workflow({"cal": {"grid": {"vari": [0.0, 0.1], "technode": [22, 45]}, "seeds": [1]}})
    wf.run()
    runs = wf.runs()
    assert runs["inference_seconds"].gt(0).all() and runs["estimate_seconds"].gt(0).all()
    out = subprocess.run(
        [sys.executable, "-m", "noisyneurosim", "calibrate", str(wf.workdir / "results/runs.csv")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cost = yaml.safe_load(out)["cost"]["VGG8"]
    per_image = (runs.drop_duplicates("acc_id")["inference_seconds"] / 50).median()
    assert cost["gpu_seconds_per_image"] == pytest.approx(per_image, rel=0.01)
    assert cost["cpu_seconds_per_estimate"] == pytest.approx(runs["estimate_seconds"].median(), rel=0.01)


def test_status_without_slurm_says_so(monkeypatch, tmp_path):
    from noisyneurosim import slurm

    monkeypatch.setattr(slurm.shutil, "which", lambda name: None)
    assert slurm.status_lines(tmp_path) == ["Slurm: no squeue here; what is on disk is all that is shown"]


def test_status_of_a_local_folder_does_not_wait_for_a_slurm_that_never_answers(make_workflow, tmp_path):
    """Slurm's client tools installed, no controller: each of them hangs. A folder that never ran with a Slurm
    profile (no Slurm job logs) is not asked about, so `status` answers at once."""
    wf = make_workflow({"s": {"seeds": [1]}})
    wf.write()
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("squeue", "sacct", "sinfo", "scontrol"):
        (fake / tool).write_text("#!/bin/sh\nsleep 30\nexit 1\n")
        (fake / tool).chmod(0o755)
    cmd = [sys.executable, "-m", "noisyneurosim", "status", str(wf.config_path), "--directory", str(wf.workdir)]
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert time.monotonic() - start < 10, proc.stdout
    assert "Slurm: not asked, no run in this folder used a Slurm profile" in proc.stdout, proc.stdout + proc.stderr
