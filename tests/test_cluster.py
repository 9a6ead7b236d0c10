"""The cluster side without a cluster: packed jobs' requests, the plan's packing and quota lines,
warnings for jobs that never start. (On a real Slurm: tests/test_slurm.py.)"""

import os
import stat

from noisyneurosim import cluster
from noisyneurosim.slurm import SlurmJob

ESTIMATE = {"slurm_partition": "c18m", "cpus": 1, "mem_mb": 1500, "runtime": 30}


def test_a_packed_job_asks_for_its_side_by_side_width_not_for_the_whole_pack():
    full = cluster.packed_request(ESTIMATE, pack=20, side_by_side=8)
    assert (full["cpus"], full["mem_mb"], full["runtime"]) == (8, 12000, 90)  # 8 + 8 + 4, one after another
    small = cluster.packed_request(ESTIMATE, pack=20, side_by_side=8, jobs=5)
    assert (small["cpus"], small["mem_mb"], small["runtime"]) == (5, 7500, 30)
    threaded = cluster.packed_request({**ESTIMATE, "cpus": 2}, pack=10, side_by_side=8)
    assert (threaded["cpus"], threaded["runtime"]) == (8, 90)  # 4 two-thread jobs at a time, 3 rounds
    unbounded = cluster.packed_request(ESTIMATE, pack=20, side_by_side=None)
    assert (unbounded["cpus"], unbounded["mem_mb"], unbounded["runtime"]) == (20, 30000, 30)  # what it was


def test_the_plan_states_each_packs_bound_and_its_charge():
    packs = {
        "estimates": {
            "rule": "run_estimate",
            "pack": 20,
            "side_by_side": 8,
            "one": ESTIMATE,
            "request": cluster.packed_request(ESTIMATE, 20, 8),
        }
    }
    (line,) = cluster.packing_lines(packs, {"estimates": 45}, {"run_estimate": 600})
    assert "estimates: 20 per Slurm job, 8 at a time: 8 CPUs, 12000 MB, 90 min per job" in line
    # 20 + 20 + 5 estimates: two packs of 3 rounds on 8 cores, one of 1 round on 5, 10 min per round
    assert "3 such job(s), charged about 8.83 core-hours" in line


def fake_quota_command(tmp_path, output: str, code: int = 0) -> dict:
    tool = tmp_path / "bin" / cluster.QUOTA_COMMAND
    tool.parent.mkdir(parents=True, exist_ok=True)
    tool.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\ncat <<'EOF'\n{output}\nEOF\nexit {code}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{tool.parent}:{os.environ['PATH']}"}


QUOTA_REPORT = """\
Account: rwth1234
Monthly allowance              2000.0 core-h
Remaining core-h of prev. month  150.0 core-h
Consumed core-h current month    400.0
Available core-h current month  1750.5 core-h
"""


def test_the_plan_says_whether_the_sweep_fits_the_quota(tmp_path):
    env = fake_quota_command(tmp_path, QUOTA_REPORT)
    (fits,) = cluster.quota_lines(960.0, environ=env)
    assert "1750.5 core-hours left; this sweep's 960.0 fits" in fits
    (over,) = cluster.quota_lines(2000.0, environ={**env, "SBATCH_ACCOUNT": "rwth1234"})
    assert "does NOT fit" in over and "-p rwth1234" in over
    assert (tmp_path / "args").read_text().split() == ["-q", "-p", "rwth1234"]


def test_a_quota_report_that_cannot_be_read_is_shown_as_it_is(tmp_path):
    env = fake_quota_command(tmp_path, "usage: 12 jobs this month")
    (line,) = cluster.quota_lines(10.0, environ=env)
    assert "says: usage: 12 jobs this month" in line and "compare with the charged core-hours" in line
    assert cluster.quota_lines(10.0, environ={"PATH": "/nonexistent"}) == []  # not CLAIX: no line


def test_a_job_pending_for_a_reason_that_never_clears_is_named_once():
    warned = set()
    jobs = [
        SlurmJob("17", "run_inference", "PENDING", "PartitionConfig", "0:00", ""),
        SlurmJob("18", "run_estimate", "PENDING", "Priority", "0:00", ""),  # clears by itself
        SlurmJob("19", "build_hardware", "RUNNING", "None", "0:12", "n1"),
    ]
    (line,) = cluster.pending_warnings(jobs, warned)
    assert "Slurm job 17 (rule run_inference) is pending for PartitionConfig" in line and "scancel 17" in line
    assert cluster.pending_warnings(jobs, warned) == []


def test_the_plan_of_the_shipped_study_against_a_students_quota(tmp_path):
    import subprocess
    import sys

    from conftest import PROJECT

    env = fake_quota_command(tmp_path, QUOTA_REPORT.replace("1750.5", "500.0"))
    out = subprocess.run(
        [sys.executable, "-m", "noisyneurosim", "plan", str(PROJECT / "config/sweep.yaml")],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != "SBATCH_ACCOUNT"}, **env},  # a student's own quota
    ).stdout
    # 40 GPU hours at 24 core-hours each do not fit 500 core-hours
    assert "charged on CLAIX: 962.7 core-hours" in out
    assert "quota (`r_wlm_usage -q`): 500.0 core-hours left; this sweep's 962.7 does NOT fit" in out


def fake_squeue(tmp_path, output: str, code: int = 0) -> dict:
    """An `squeue` that prints this (as `squeue --me -h -o slurm.QUEUE_FORMAT` would) and records its call."""
    tool = tmp_path / "bin" / "squeue"
    tool.parent.mkdir(parents=True, exist_ok=True)
    tool.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/squeue-calls\ncat <<'EOF'\n{output}\nEOF\nexit {code}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{tool.parent}:{os.environ['PATH']}"}


def test_jobs_an_earlier_run_of_the_folder_left_on_slurm_stop_the_run_before_it_submits(tmp_path, monkeypatch):
    """Found by the Slurm plugin's marks: the folder as working directory and the rule in the comment. Jobs of
    other folders, and jobs of this folder the workflow did not submit (Snakemake itself as a Slurm job), are
    not the earlier run's."""
    import pytest
    from snakemake.exceptions import WorkflowError

    from noisyneurosim import slurm

    folder = tmp_path / "wf"
    folder.mkdir()
    queue = "\n".join(
        [
            f"101|RUNNING|None|1:02:03|n1|{folder}|rule_run_inference_wildcards_acc=a0123",
            f"102|PENDING|Priority|0:00||{folder}/|rule_run_estimate_wildcards_acc=a0123_hw=h1",
            f"103|RUNNING|None|0:10|n2|{tmp_path / 'other'}|rule_run_inference_wildcards_acc=a0123",
            f"104|RUNNING|None|2:00|n1|{folder}|snakemake main process",
            f"105|RUNNING|None|2:00|n1|{folder}|rule_not_of_this_workflow",
        ]
    )
    jobs = slurm.parse_queue(queue, folder.resolve())
    assert [j.job_id for j in jobs] == ["101", "102", "104", "105"]
    earlier = slurm.earlier_run_jobs(jobs, ["run_inference", "run_estimate"], own_job="")
    assert [j.job_id for j in earlier] == ["101", "102"]
    assert slurm.earlier_run_jobs(jobs, ["run_inference"], own_job="101") == []

    monkeypatch.setenv("PATH", fake_squeue(tmp_path, queue)["PATH"])
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    with pytest.raises(WorkflowError) as refused:
        cluster.refuse_earlier_run(folder, ["run_inference", "run_estimate"], allow=False)
    said = str(refused.value)
    assert f"2 Slurm job(s) of an earlier run of {folder.resolve()} are still queued or running" in said
    assert "101 (run_inference, running for 1:02:03 on n1)" in said and "102 (run_estimate, pending: Priority)" in said
    assert "Nothing was submitted" in said and "scancel 101 102" in said and "allow_queued_jobs=true" in said
    assert "--me" in (tmp_path / "squeue-calls").read_text()  # the user's own jobs only
    cluster.refuse_earlier_run(folder, ["run_inference", "run_estimate"], allow=True)  # said, not refused
    cluster.refuse_earlier_run(folder, ["build_base"], allow=False)  # none of its rules: nothing to say


def test_a_slurm_that_does_not_answer_is_said_and_does_not_stop_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", fake_squeue(tmp_path, "", code=1)["PATH"])
    cluster.refuse_earlier_run(tmp_path, ["run_inference"], allow=False)
    assert "could not ask Slurm for jobs of an earlier run of this folder" in capsys.readouterr().err
