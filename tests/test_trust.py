"""Nothing reported complete that is not, nothing silent: damaged results, failed points, another config
on the same folder, hostile and huge configs, and the small things a user trips over."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time

import pytest
import yaml
from runner import ran

from noisyneurosim import config as cfg
from noisyneurosim import pipeline
from noisyneurosim.failures import explain
from noisyneurosim.knobs import KNOBS

STUDY = {"s": {"grid": {"vari": [0.0, 0.1], "technode": [22, 32]}, "seeds": [5]}}


def cli(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "noisyneurosim", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.fixture
def finished(finished_copy):
    return finished_copy(STUDY)


def test_a_damaged_result_is_named_and_computed_again(finished):
    wf = finished
    accuracy = next((wf.workdir / "results/inference").glob("*/accuracy.json"))
    estimate = next((wf.workdir / "results/estimates").glob("*/*.json"))
    accuracy.write_text("garbage")
    estimate.write_text(estimate.read_text()[:100])  # a copy cut off
    proc = wf.run(check=False)
    assert proc.returncode != 0
    assert "2 result file(s) are damaged" in proc.stderr
    assert f"{accuracy.relative_to(wf.workdir)}: not JSON" in proc.stderr
    assert f"{estimate.relative_to(wf.workdir)}: not JSON" in proc.stderr
    assert "python -m noisyneurosim retry" in proc.stderr and ran(proc, "run_estimate") == 0
    status = cli("status", str(wf.config_path), "--directory", str(wf.workdir))
    assert "damaged: " in status.stdout and "noisyneurosim retry" in status.stdout
    retry = cli("retry", str(wf.config_path), "--directory", str(wf.workdir))
    assert retry.returncode == 0 and str(accuracy.relative_to(wf.workdir)) in retry.stdout
    proc = wf.run()
    assert ran(proc, "run_inference") == 0 and ran(proc, "run_estimate") == 1  # only what was damaged
    assert "all 4 points complete" in proc.stderr and set(wf.runs()["status"]) == {"ok"}


def test_failed_points_keep_the_run_failing_until_retried(make_workflow):
    wf = make_workflow(copy.deepcopy(STUDY))
    proc = wf.run(check=False, env={"STANDIN_FAIL_AT_IMAGE": "3"})  # a transient GPU error in every run
    assert proc.returncode != 0 and "4 of 4 points failed" in proc.stderr
    assert "4 of the failed may succeed on a retry" in proc.stderr
    # a plain rerun has nothing to do, and still says so with a non-zero exit code
    proc = wf.run(check=False)
    assert proc.returncode != 0 and "4 of 4 points failed" in proc.stderr and ran(proc, "run_inference") == 0
    retry = cli("retry", str(wf.config_path), "--directory", str(wf.workdir))
    assert "removed" in retry.stdout and "parts/0.json" in retry.stdout
    proc = wf.run()
    assert ran(proc, "run_inference") == 2 and "all 4 points complete" in proc.stderr


def test_neurosim_verdicts_are_final_and_missing_points_count():
    import pandas as pd

    from noisyneurosim.integrity import verdict_of, verdict_text

    runs = pd.DataFrame(
        {
            "status": ["ok", "failed", "missing"],
            "reason": ["", "hardware: NeuroSim exit code 255 with no output", "no estimate on disk"],
        }
    )
    found = verdict_of(runs, [])
    text = verdict_text(found, "sweep.yaml")
    assert not found.complete and found.exit_code == 1
    assert "1 of 3 points failed" in text and "1 of 3 points are missing" in text
    assert "NeuroSim's verdicts" in text and "retry" not in text.split("verdicts")[0]


def test_another_config_on_the_same_folder_changes_nothing(finished, tmp_path):
    wf = finished
    points = wf.workdir / "results/points.json"
    before = (points.read_bytes(), points.stat().st_mtime_ns)
    other = copy.deepcopy(wf.config)
    other["studies"] = {"other": {"points": [{"vari": 0.3}], "seeds": [1]}}
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(other))
    from runner import run_snakemake

    proc = run_snakemake(wf.workdir, "-n", configfile=path, cores=1)
    assert proc.returncode == 0
    assert (points.read_bytes(), points.stat().st_mtime_ns) == before
    proc = wf.run()
    assert "all 4 points complete" in proc.stderr and len(wf.runs()) == 4


def _bomb(depth=9, width=9):
    level = ["x"] * width
    for _ in range(depth - 1):
        level = [level] * width  # shared references, as YAML aliases load
    return level


@pytest.mark.parametrize(
    "where",
    ["description", "axis", "seeds", "name", "number"],
)
def test_hostile_configs_get_short_messages_fast(standin, where):
    config = {
        "neurosim": {"path": str(standin[0]), "commit": standin[1]},
        "studies": {"s": {"grid": {"vari": [0.0]}, "seeds": [1]}},
    }
    study = config["studies"]["s"]
    if where == "description":
        study["description"] = _bomb()
    elif where == "axis":
        study["grid"]["vari"] = _bomb()
    elif where == "seeds":
        study["seeds"] = _bomb()
    elif where == "name":
        config["studies"] = {"n" * 10_000_000: study}
    else:
        study["grid"]["technode"] = [10**5000 - 1]
    started = time.monotonic()
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    assert time.monotonic() - started < 1.0
    assert len(str(err.value)) < 10_000
    assert all(len(line) < 1000 for line in str(err.value).splitlines())


def test_a_5000_digit_number_in_yaml_is_a_config_error(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("studies:\n  s:\n    seeds: [" + "9" * 5000 + "]\n")
    proc = cli("plan", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "a value cannot be read" in proc.stderr


def test_huge_and_dear_sweeps_are_refused_before_anything(standin, tmp_path):
    config = {
        "neurosim": {"path": str(standin[0]), "commit": standin[1]},
        "studies": {
            "s": {
                "grid": {
                    "vari": [i / 1000 for i in range(100)],
                    "technode": [22, 32, 45, 65, 90, 130],
                    "ADCprecision": [3, 4, 5, 6, 7, 8],
                    "onoffratio": [10 * i for i in range(1, 11)],
                    "numColMuxed": [1, 2, 4, 8],
                    "temp": [300 + 10 * i for i in range(10)],
                }
            }
        },
    }
    started = time.monotonic()
    with pytest.raises(cfg.ConfigError, match=r"expand to 1,440,000 points .*limits\.max_points = 20,000"):
        cfg.check(config, source="sweep.yaml")
    assert time.monotonic() - started < 1.0
    # within the point limit, but dearer than limits.max_gpu_hours (VGG8, 10,000 images, 0.3 s each per run)
    config["studies"]["s"]["grid"] = {"vari": [i / 100 for i in range(20)]}
    config["limits"] = {"max_gpu_hours": 10}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(cfg.ConfigError, match=r"costs 16.7 GPU hours .*limits.max_gpu_hours = 10"):
        pipeline.load_sweep({}, str(path))
    proc = cli("plan", str(path))
    assert proc.returncode == 2 and "refused by the workflow" in proc.stdout
    config["limits"] = {"max_gpu_hours": 20}
    path.write_text(yaml.safe_dump(config))
    assert pipeline.load_sweep({}, str(path)).points


def test_a_dropped_row_is_said_in_the_plan(finished):
    wf = finished
    wf.config["studies"]["s"]["grid"]["vari"] = [0.0, 0.2]
    wf.write()
    proc = cli("plan", str(wf.config_path), cwd=wf.workdir)
    assert "2 point(s) of results/runs.csv are no longer in this config" in proc.stdout
    assert "s vari=0.1, technode=22 (seed 5)" in proc.stdout and "their files stay" in proc.stdout


def test_small_things_say_what_is_wrong(tmp_path):
    proc = cli("calibrate", str(tmp_path / "none.csv"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "run a sweep first" in proc.stderr
    (tmp_path / "empty.csv").write_text("")  # a sweep stopped before its first row
    proc = cli("calibrate", str(tmp_path / "empty.csv"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "no finished run" in proc.stderr
    # squeue that cannot reach its controller
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "squeue").write_text(
        "#!/bin/sh\necho 'slurm_load_jobs error: Unable to contact slurm controller' >&2\nexit 1\n"
    )
    (fake / "squeue").chmod(0o755)
    from noisyneurosim.slurm import status_lines

    (tmp_path / "results/logs/slurm").mkdir(parents=True)  # a folder whose runs used a Slurm profile
    old = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{old}"
    try:
        lines = status_lines(tmp_path)
    finally:
        os.environ["PATH"] = old
    assert lines[0].startswith("Slurm: unreachable") and "Unable to contact slurm controller" in lines[0]
    # failure hints that name this point's own cause
    knobs = {name: knob.default for name, knob in KNOBS.items()}
    hint = explain("hardware: NeuroSim exit code 255 with no output", {**knobs, "technode": 22, "temp": 350})
    assert "technode 22 is one NeuroSim supports" in hint and "temp 350 K" in hint
    hint = explain(
        "hardware: ERROR: SubArray Size is too large",
        {**knobs, "model": "DenseNet40", "memcelltype": 2, "cellBit": 2, "subArray": 64},
    )
    assert "lower subArray to 32 rows or fewer" in hint


def test_summary_crowns_no_setting_among_those_sharing_one_inference_run():
    import pandas as pd

    from noisyneurosim.summary import best_accuracy_at

    done = pd.DataFrame(
        {
            "swept": ["vari;technode"] * 4,
            "vari": [0.0, 0.0, 0.1, 0.1],
            "technode": [22, 45, 22, 45],
            "accuracy_mean": [0.9, 0.9, 0.8, 0.8],
        }
    )
    assert best_accuracy_at(done) == "vari=0 (shared by its 2 hardware settings: one inference run, one accuracy)"
    assert best_accuracy_at(done.iloc[[0, 2]]) == "vari=0, technode=22"


def test_a_finished_sweeps_dry_run_has_nothing_to_do_and_its_runs_leave_one_mark(finished):
    """A maintainer's habit: `-n` on a finished sweep says "Nothing to be done"; a real run still ends with the
    sweep's state (rule report_outcome runs), and runs leave one mark, not one more each."""
    wf = finished  # a copy: its first run records its own config path (the tables are redone, nothing else)
    for _ in range(2):
        proc = wf.run()
        assert ran(proc, "report_outcome") == 1 and "all 4 points complete" in proc.stderr
    marks = sorted(p.name for p in (wf.workdir / ".snakemake/noisyneurosim").iterdir() if "outcome" in p.name)
    assert marks == ["outcome"]
    proc = wf.run("--dry-run")
    said = proc.stdout + proc.stderr
    assert "Nothing to be done" in said and ran(proc, "report_outcome") == 0, said[-3000:]
    # a switch for one run decides no result: it reruns nothing, not even the recorded config
    proc = wf.run("--dry-run", "--config", "allow_gpu_redo=true", "allow_queued_jobs=true")
    said = proc.stdout + proc.stderr
    assert "Nothing to be done" in said and ran(proc, "record_config") == 0, said[-3000:]
