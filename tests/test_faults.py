"""Faults survived: interruptions, killed jobs, atomic results, upstream drift, hostile strings."""

import json
import os
import re
import signal
import subprocess
import time

import pytest
from conftest import PROJECT, Workflow, base_config, git, make_standin
from runner import inference_processes, ran

from noisyneurosim.files import write_json
from noisyneurosim.integrity import problem_of

GRID = {"faults": {"grid": {"vari": [0.0, 0.1, 0.2, 0.3]}, "seeds": [1]}}


def start(wf, env_extra, cores=1):
    return subprocess.Popen(
        wf.command(cores=cores),
        env={**os.environ, **env_extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def parent_of(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def finished_inference(stderr):
    """Result files of the inference jobs Snakemake saw finish (a file alone may be from a cut-off job)."""
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stderr):
        if re.match(r"(?:local)?rule run_inference:", block):
            head = block.split("\n\n")[0]
            jobs[re.search(r"jobid: (\d+)", head).group(1)] = re.search(r"wildcards: acc=(\w+)", head).group(1)
    done = re.findall(r"Finished jobid: (\d+) \(Rule: run_inference\)", stderr)
    return [f"results/inference/{jobs[j]}/parts/0.json" for j in done]


def finish_and_check(wf, first_stderr):
    """Run again: only what was missing runs, nothing is duplicated or lost."""
    done_before = [wf.workdir / p for p in finished_inference(first_stderr)]
    assert done_before, "the first run finished no inference job"
    stamps = {p: p.stat().st_mtime_ns for p in done_before}
    proc = wf.run()
    assert ran(proc, "run_inference") == 4 - len(done_before)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    runs = wf.runs()
    assert len(runs) == 4 and runs["point_id"].is_unique and set(runs["status"]) == {"ok"}
    assert sorted(runs["vari"]) == [0.0, 0.1, 0.2, 0.3]


def accuracy_files(wf):
    """The inference jobs' results (one job per run here; accuracy.json pools them afterwards)."""
    return sorted((wf.workdir / "results/inference").glob("*/parts/0.json"))


def test_sigint_to_snakemake_then_rerun(make_workflow):
    wf = make_workflow(GRID)
    proc = start(wf, {"STANDIN_INFERENCE_SECONDS": "1.5"})
    # one core runs one job at a time: a second result means the first job has finished
    wait_for(lambda: len(accuracy_files(wf)) >= 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    done = accuracy_files(wf)
    assert 2 <= len(done) < 4
    for path in done:
        json.loads(path.read_text())  # complete, never truncated
    assert not inference_processes(wf.workdir)
    finish_and_check(wf, err)


def test_sigkill_of_a_running_job_then_rerun(make_workflow):
    wf = make_workflow(GRID)
    proc = start(wf, {"STANDIN_INFERENCE_SECONDS": "3"})
    wait_for(lambda: accuracy_files(wf))
    child = wait_for(lambda: inference_processes(wf.workdir))[0]
    job = parent_of(child)  # the Snakemake job (our wrapper script) running NeuroSim's inference.py
    os.kill(job, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    wait_for(lambda: not inference_processes(wf.workdir), timeout=10)  # NeuroSim died with its job
    finish_and_check(wf, err)


def test_neurosim_killed_from_outside_is_not_recorded_as_a_result(make_workflow):
    wf = make_workflow(GRID)
    proc = start(wf, {"STANDIN_INFERENCE_SECONDS": "3"})
    child = wait_for(lambda: inference_processes(wf.workdir))[0]
    os.kill(child, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    # the job's own log says why, and Snakemake's error points at it
    job_logs = [p for p in (wf.workdir / "results/logs/inference").glob("*.job.log") if p.name in err]
    assert any("killed by SIGKILL from outside; not recorded" in p.read_text() for p in job_logs), err
    for path in accuracy_files(wf):
        assert json.loads(path.read_text())["status"] == "ok"
    finish_and_check(wf, err)


def test_results_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    write_json(target, {"status": "ok"})

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_json(target, {"status": "ok", "big": "x" * 100000})
    old = json.loads(target.read_text())
    assert old["status"] == "ok" and "big" not in old and problem_of(target) is None  # the old result, whole
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # and no temporary file left behind


def _drifted_workflow(tmp_path, edit):
    repo, _ = make_standin(tmp_path / "drifted")
    edit(repo / "Inference_pytorch")
    git("commit", "-qam", "upstream moved on", cwd=repo)
    commit = git("rev-parse", "HEAD", cwd=repo)
    config = base_config((repo, commit), tmp_path / "wf")
    config["studies"] = {"s": {"grid": {"vari": [0.1]}}}
    return Workflow(tmp_path / "wf", config), commit


def test_param_name_without_unconditional_assignment_stops_before_building(tmp_path):
    def edit(root):
        param = root / "NeuroSIM/Param.cpp"
        param.write_text(param.read_text().replace("\tlevelOutput = 32;", "\tif (SARADC) {\n\tlevelOutput = 32;\n\t}"))

    wf, commit = _drifted_workflow(tmp_path, edit)
    proc = wf.run(check=False)
    assert proc.returncode != 0
    assert "no unconditional assignment of levelOutput in Inference_pytorch/NeuroSIM/Param.cpp" in proc.stderr
    assert f"commit {commit}" in proc.stderr
    assert ran(proc, "build_base") == 0 and ran(proc, "build_hardware") == 0 and ran(proc, "run_inference") == 0


def test_missing_anchor_stops_before_building(tmp_path):
    def edit(root):
        target = root / "models/VGG.py"
        target.write_text(
            target.read_text().replace("torch.load(pretrained)", "torch.load(pretrained, weights_only=True)")
        )

    wf, commit = _drifted_workflow(tmp_path, edit)
    proc = wf.run(check=False)
    assert proc.returncode != 0
    assert "upstream changed" in proc.stderr and "models/VGG.py" in proc.stderr
    assert "torch\\\\.load" in proc.stderr and f"commit {commit}" in proc.stderr
    assert ran(proc, "build_base") == 0


def test_hostile_strings_never_execute_or_escape(standin, tmp_path):
    """Shell metacharacters and traversal in every free-text string the config accepts."""
    hostile = "$(touch PWNED1) `touch PWNED2`; touch PWNED3 && ../../x"
    repo, commit = make_standin(tmp_path / f"src {hostile.replace('/', '_')}")
    wf = Workflow(tmp_path / "wf", base_config((repo, commit), tmp_path / "wf"))
    wf.config["datasets"]["root"] = f"data {hostile.replace('/', '_')}"
    wf.config["studies"] = {
        "s": {"description": hostile + ' <script>alert(1)</script> "; system("x"); "', "grid": {"vari": [0.1]}}
    }
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(wf.workdir)}
    wf.run()
    assert wf.runs()["status"].tolist() == ["ok"]
    assert not list(tmp_path.rglob("PWNED*")) and not list(PROJECT.rglob("PWNED*"))
    after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(wf.workdir)}
    assert after == before  # everything the run wrote is inside its workflow folder
    assert (wf.workdir / wf.config["datasets"]["root"]).is_dir()


def test_a_timeout_that_does_not_nest_in_the_slurm_profile_is_refused_before_any_job(make_workflow):
    wf = make_workflow({"s": {"seeds": [1]}}, timeouts={"inference": 23400})
    proc = subprocess.run(
        wf.command("--profile", str(PROJECT / "profiles/slurm"), "--dry-run", cores=None),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SBATCH_ACCOUNT": "nobody"},
    )
    said = proc.stdout + proc.stderr  # a dry run reports errors on stdout
    assert proc.returncode != 0
    assert "time limits that do not nest; nothing was submitted" in said
    assert "rule run_inference asks the cluster for 390 min" in said and "timeouts.inference" in said
    assert ran(proc, "run_inference") == 0 and not (wf.workdir / "resources").exists()
