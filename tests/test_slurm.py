"""The stand-in sweep through `snakemake --profile profiles/slurm` on a real Slurm.

.ci/run starts a single-node Slurm (.ci/slurm/start.sh) with partition c18g
(fake Volta GPUs) and c18m (CPU only), slurmdbd and MariaDB so that sacct works.
Without a reachable Slurm these tests skip, unless NNS_REQUIRE_SLURM=1 (CI).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import PROJECT

from noisyneurosim.slurm import SLURM_LOG_DIRS

pytestmark = pytest.mark.slurm
CI_PROFILE = Path(__file__).parent / "slurm_ci_profile"


def slurm_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    return subprocess.run(["scontrol", "ping"], capture_output=True).returncode == 0


ACCOUNT = os.environ.get("NNS_SLURM_ACCOUNT", "nnsci")  # the one .ci/slurm/start.sh creates


@pytest.fixture(autouse=True)
def need_slurm(monkeypatch):
    monkeypatch.setenv("SBATCH_ACCOUNT", ACCOUNT)  # as a user exports it; the profile reads it
    if not slurm_up():
        if os.environ.get("NNS_REQUIRE_SLURM") == "1":
            pytest.fail("Slurm is required here (NNS_REQUIRE_SLURM=1) but not reachable")
        pytest.skip("no Slurm cluster reachable (start one with .ci/slurm/start.sh)")


def our_jobs(workdir):
    """Slurm jobs still queued or running whose working folder is this workflow's."""
    out = subprocess.run(["squeue", "-h", "-o", "%i %Z"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if str(workdir) in line]


MODULES_INIT = Path("/usr/share/modules/init/bash")


def module_env(modulepath: Path) -> dict:
    """What a site with environment modules provides: `module` in every bash, via BASH_ENV."""
    if not MODULES_INIT.exists():
        if os.environ.get("NNS_REQUIRE_SLURM") == "1":
            pytest.fail("environment modules are required here but not installed")
        pytest.skip("environment modules not installed (apt-get install environment-modules)")
    return {"BASH_ENV": str(MODULES_INIT), "MODULEPATH": str(modulepath)}


def slurm_command(wf, *extra, profile="slurm"):
    """A user's command line with a shipped profile, plus CI's overlay (the first status check only)."""
    return wf.command(
        "--profile", str(PROJECT / "profiles" / profile), "--workflow-profile", str(CI_PROFILE), *extra, cores=None
    )


def run_on_slurm(wf, *extra, timeout=420, env=None, modulepath=None):
    """Run like a user on the login node; a hung run is stopped and must leave no job behind."""
    cmd = slurm_command(wf, *extra)
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {}), **(module_env(modulepath) if modulepath else {})},
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # Snakemake cancels its Slurm jobs on SIGINT
        out, err = proc.communicate(timeout=120)
        hung = True
    deadline = time.monotonic() + 60
    while our_jobs(wf.workdir) and time.monotonic() < deadline:
        time.sleep(1)
    return proc.returncode, out, err, hung


def shipped_profile_bound(group: str) -> tuple[int, int, int]:
    """(jobs side by side, pack size, MB per job) that profiles/slurm promises for a packed group."""
    import yaml

    profile = yaml.safe_load((PROJECT / "profiles" / "slurm" / "config.yaml").read_text())
    rule = next(r for r, g in profile["groups"].items() if g == group)
    return profile["cores"], profile["group-components"][group], profile["set-resources"][rule]["mem_mb"]


def sacct_requests(job_ids) -> dict[str, tuple[int, int]]:
    """Slurm's record of what each job asked for: (CPUs, MB)."""
    out = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-j", ",".join(job_ids), "-o", "JobID,ReqCPUS,ReqMem"],
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        job, cpus, mem = line.split("|")
        number, unit = re.fullmatch(r"([\d.]+)([KMGT]?)n?", mem).groups()
        found[job] = (int(cpus), int(float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "": 1}[unit]))
    return found


def test_sweep_runs_on_slurm_through_the_shipped_profile(make_workflow, tmp_path):
    # NeuroSim's Python comes from environment modules, as on CLAIX; this one only marks that it loaded
    modules = tmp_path / "modulefiles"
    (modules / "nns-probe").mkdir(parents=True)
    (modules / "nns-probe" / "1.0").write_text("#%Module1.0\nsetenv NNS_MODULE_PROBE loaded\n")
    # 2 accuracy settings x 5 nodes: 10 estimates in one pack, more than the profile runs side by side;
    # each inference run split into 3 GPU jobs (50 test images, 20 per job)
    grid = {"ADCprecision": [4, 5], "technode": [14, 22, 32, 45, 65]}
    wf = make_workflow(
        {"cluster": {"grid": grid, "seeds": [1], "accuracy": {"images_per_job": 20}}},
        python={"envmodules": ["nns-probe/1.0"]},
    )
    # without `module` in the jobs' shell the run stops before submitting anything
    env_without = {k: v for k, v in os.environ.items() if k != "BASH_ENV"}
    proc = subprocess.run(
        slurm_command(wf),
        capture_output=True,
        text=True,
        env=env_without,
        timeout=120,
    )
    assert proc.returncode != 0 and "`module` is not a command" in proc.stderr
    assert not our_jobs(wf.workdir) and not (wf.workdir / "results").exists()
    code, out, err, hung = run_on_slurm(wf, modulepath=modules)
    assert not hung and code == 0, err[-6000:]
    side_by_side, pack, mb_each = shipped_profile_bound("estimates")
    assert f"estimates: {pack} per Slurm job, {side_by_side} at a time" in err  # the plan states the bound
    runs = wf.runs()
    assert len(runs) == 10 and set(runs["status"]) == {"ok"}
    # inference ran on c18g with a GPU assigned; estimates on the CPU partition without one
    assert set(runs["inference_partition"]) == {"c18g"}
    devices = runs["inference_cuda_visible_devices"]
    assert devices.notna().all() and (devices.astype(str) != "").all()
    assert set(runs["inference_modules"]) == {"nns-probe/1.0"}  # loaded for NeuroSim's Python only
    assert runs["estimate_modules"].isna().all()
    assert set(runs["estimate_partition"]) == {"c18m"}
    assert runs["estimate_cuda_visible_devices"].isna().all()
    assert runs["inference_slurm_job"].nunique() == 2
    # every job of a split run is a GPU job of its own on the GPU partition
    assert set(runs["inference_jobs"]) == {3} and set(runs["accuracy_total"]) == {50}
    parts = [json.loads(p.read_text()) for p in (wf.workdir / "results/inference").glob("*/parts/*.json")]
    assert len(parts) == 6
    assert {p["where"]["slurm_partition"] for p in parts} == {"c18g"}
    assert all(p["where"]["gpus"] for p in parts)
    assert len({p["where"]["slurm_job_id"] for p in parts}) == 6
    # the 10 estimates went in one packed job, which asked Slurm for no more than the profile's bound
    packed = {str(int(j)) for j in runs["estimate_slurm_job"]}
    assert len(packed) == 1 and not packed & {str(int(j)) for j in runs["inference_slurm_job"]}
    for job, (cpus, mb) in sacct_requests(packed).items():
        assert cpus <= side_by_side and mb <= side_by_side * mb_each, (job, cpus, mb)
    # the GPU request is the users' own: --gpus=volta:1 --gpus-per-node=volta:1 --partition=c18g
    job = str(int(runs["inference_slurm_job"].iloc[0]))
    tres = subprocess.run(
        ["sacct", "-X", "-n", "-j", job, "-o", "Partition,AllocTRES%60"], capture_output=True, text=True
    ).stdout
    assert "c18g" in tres and "gres/gpu" in tres
    assert (wf.workdir / "results/logs/slurm").is_dir()
    assert not our_jobs(wf.workdir)


def test_training_runs_on_the_gpu_partition_in_jobs_that_continue_one_another(make_workflow):
    # 4 epochs in jobs of 2: two Slurm jobs on c18g, the second resuming where the first stopped
    study = {"train": {"epochs": 4, "decreasing_lr": [2]}, "grid": {"vari": [0.0, 0.1]}, "seeds": [1]}
    wf = make_workflow({"trained": study}, training={"epochs_per_job": 2})
    code, out, err, hung = run_on_slurm(wf)
    assert not hung and code == 0, err[-6000:]
    assert "1 training runs (one per distinct training setting, GPU) in 2 jobs" in err
    runs = wf.runs()
    assert len(runs) == 2 and set(runs["status"]) == {"ok"} and runs["train_id"].nunique() == 1
    train_id = runs["train_id"].iloc[0]
    jobs = [json.loads((wf.workdir / f"results/training/{train_id}/jobs/{s}.json").read_text()) for s in (2, 4)]
    assert [(j["first_epoch"], j["epochs_done"]) for j in jobs] == [(0, 2), (2, 4)]
    assert {j["where"]["slurm_partition"] for j in jobs} == {"c18g"}
    assert all(j["where"]["gpus"] for j in jobs)  # a GPU assigned to each
    assert len({j["where"]["slurm_job_id"] for j in jobs}) == 2
    # the trained checkpoint's inference also on the GPU partition
    assert set(runs["inference_partition"]) == {"c18g"} and set(runs["checkpoint"]) == {f"{train_id}/best"}
    assert not our_jobs(wf.workdir)


def test_failed_job_is_reported_with_its_log_and_retried(make_workflow):
    """NeuroSim's process dies under a running Slurm job (as under the OOM killer): the job
    fails, is reported with its log, and is retried; the point is not recorded as failed."""
    from runner import inference_processes

    wf = make_workflow({"retry": {"grid": {"vari": [0.0]}, "seeds": [2]}})
    killed = []
    stop = threading.Event()

    def watch():
        while not stop.is_set() and not killed:
            for pid in inference_processes(wf.workdir):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        code, out, err, hung = run_on_slurm(wf, env={"STANDIN_INFERENCE_SECONDS": "5"})
    finally:
        stop.set()
        watcher.join()
    assert killed, "no inference process was seen running"
    failed = re.search(r"SLURM-job '(\d+)' failed, SLURM status is: 'FAILED'", err)
    assert failed, err[-4000:]
    assert re.search(rf"results/logs/slurm/rule_run_inference/\w+/{failed.group(1)}\.log", err)
    assert not hung and code == 0, err[-4000:]
    runs = wf.runs()
    assert runs["status"].tolist() == ["ok"]
    assert str(int(runs["inference_slurm_job"][0])) != failed.group(1)  # the result came from the retry


def test_hung_run_is_stopped_and_leaves_no_job(make_workflow):
    wf = make_workflow({"hang": {"grid": {"vari": [0.0]}, "seeds": [3]}})
    code, out, err, hung = run_on_slurm(wf, timeout=25, env={"STANDIN_INFERENCE_SECONDS": "600"})
    assert hung
    assert not our_jobs(wf.workdir)


def test_status_shows_a_pending_job_with_its_slurm_reason(make_workflow):
    """A job that can never start as asked (more cores than any node) is named, not waited on in silence."""
    wf = make_workflow({"s": {"seeds": [1]}})
    wf.write()
    submitted = subprocess.run(
        [
            "sbatch",
            "-p",
            "c18m",
            "-c",
            "64",
            "-D",
            str(wf.workdir),
            "-A",
            ACCOUNT,
            "--comment",
            "rule_build_hardware_wildcards_hw=h0123456789",
            "--wrap",
            "sleep 1",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    job = submitted.split()[-1]
    try:
        deadline = time.monotonic() + 30
        while (
            "PartitionConfig"
            not in subprocess.run(["squeue", "-h", "-j", job, "-o", "%r"], capture_output=True, text=True).stdout
            and time.monotonic() < deadline
        ):
            time.sleep(1)
        # a folder that ran with a Slurm profile (status asks Slurm about such folders only)
        (wf.workdir / SLURM_LOG_DIRS[0]).mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "noisyneurosim", "status", str(wf.config_path), "--directory", str(wf.workdir)],
            capture_output=True,
            text=True,
            cwd=PROJECT,
        )
        out = proc.stdout
    finally:
        subprocess.run(["scancel", job], check=False)
    assert proc.returncode == 1, proc.stderr  # points still to run
    assert f"build_hardware: job {job} pending (PartitionConfig): will never start as asked" in out, out
    assert "still to run  1" in out


def test_a_scancelled_job_ends_the_wait(make_workflow):
    """sacct says 'CANCELLED by <uid>', which the plugin takes for still running; the profile asks squeue,
    which says 'CANCELLED', so the run reports the job as failed instead of waiting for it forever."""
    wf = make_workflow({"cancel": {"grid": {"vari": [0.0]}, "seeds": [4]}})
    cmd = slurm_command(wf, "--retries", "0")
    env = {**os.environ, "STANDIN_INFERENCE_SECONDS": "300", **module_env(wf.workdir)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 240
        job = None
        while job is None and time.monotonic() < deadline:
            running = subprocess.run(
                ["squeue", "-h", "-t", "RUNNING", "-o", "%i %Z %k"], capture_output=True, text=True
            ).stdout
            job = next(
                (
                    line.split()[0]
                    for line in running.splitlines()
                    if str(wf.workdir) in line and "rule_run_inference" in line
                ),
                None,
            )
            time.sleep(1)
        assert job, "the inference job never started"
        subprocess.run(["scancel", job], check=True)
        _, err = proc.communicate(timeout=240)  # a hang is a failure here
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert f"SLURM-job '{job}' failed, SLURM status is: 'CANCELLED'" in err, err[-3000:]
    assert not our_jobs(wf.workdir)


# --set-resources replaces the profile's whole set-resources, so each override repeats the GPU rules' runtimes
RUNTIMES = ["run_inference:runtime=390", "run_inference_part:runtime=390", "train_job:runtime=390"]


@pytest.mark.parametrize(
    "override,expected",
    [
        (
            ["run_inference:slurm_partition=c23g", *RUNTIMES],
            "rule run_inference asks for partition c23g, which does not exist here; partitions: c18g, c18m; "
            "GPU partitions: c18m",
        ),
        (
            ["run_inference:slurm_partition=c18g", "run_inference:mem_mb=9999999", *RUNTIMES],
            "rule run_inference asks partition c18g for 1 CPUs, 9999999 MB, 390 min: 9999999 MB, but its nodes have at "
            "most",
        ),
    ],
    ids=["partition-that-does-not-exist", "memory-above-every-node"],
)
def test_an_impossible_request_stops_before_any_submission(make_workflow, override, expected):
    wf = make_workflow({"s": {"seeds": [1]}})
    proc = dry_run(wf, "--set-resources", *override)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "requests this cluster can never run; nothing was submitted" in said and expected in said, said[-2000:]
    assert not our_jobs(wf.workdir) and not (wf.workdir / "resources").exists()


def dry_run(wf, *args, profile="slurm"):
    return subprocess.run(
        slurm_command(wf, *args, "--dry-run", profile=profile),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **module_env(wf.workdir)},
    )


def test_the_claix_2023_profile_on_a_claix_2018_cluster_names_what_the_cluster_has(make_workflow):
    wf = make_workflow({"s": {"seeds": [1]}})
    proc = dry_run(wf, profile="slurm-c23g")
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "nothing was submitted" in said
    assert "rule run_inference asks for partition c23g, which does not exist here; partitions: c18g, c18m" in said
    # (CI's one node serves both partitions, so both count as GPU partitions)
    assert re.search(r"GPU partitions: [^\n]*c18g \(48 CPUs, 192000 MB, gpu:volta:2\)", said), said[-2000:]
    assert "asks for partition c23m, which does not exist here" in said
    assert not our_jobs(wf.workdir) and not (wf.workdir / "resources").exists()


def test_a_pack_wider_than_any_node_stops_before_any_submission(make_workflow):
    wf = make_workflow({"s": {"grid": {"technode": [22, 45]}, "seeds": [1]}})
    # 60 estimates per job, up to 64 side by side: each fits alone, the packed job asks for 60 CPUs
    proc = dry_run(wf, "--cores", "64", "--group-components", "estimates=60", "builds=10")
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "requests this cluster can never run; nothing was submitted" in said
    assert (
        "rule run_estimate (packed 60 per job, 60 at a time) asks partition c18m for 60 CPUs, 90000 MB, 30 min: "
        "60 CPUs, but its nodes have at most 48" in said
    ), said[-3000:]
    assert not our_jobs(wf.workdir) and not (wf.workdir / "resources").exists()


def test_the_running_workflow_names_a_job_that_will_never_start(make_workflow):
    wf = make_workflow({"s": {"seeds": [1]}})
    wf.write()
    # a job of this workflow's folder that asks more than any node has (submitted by hand: the
    # pre-flight stops the workflow from submitting such a job itself)
    submitted = subprocess.run(
        ["sbatch", "-p", "c18m", "-c", "64", "-D", str(wf.workdir), "-A", ACCOUNT]
        + ["--comment", "rule_run_estimate_wildcards_acc=a0123456789", "--wrap", "sleep 1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    job = submitted.split()[-1]
    # the job looks like one an earlier run left (test_a_run_finds_the_jobs_an_earlier_run_left...): go on anyway
    cmd = slurm_command(wf, "--config", "allow_queued_jobs=true")
    env = {**os.environ, "STANDIN_INFERENCE_SECONDS": "120", **module_env(wf.workdir)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    said = []
    warning = f"Slurm job {job} (rule run_estimate) is pending for PartitionConfig: it will never start"
    reader = threading.Thread(target=lambda: said.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(warning in line for line in said) and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        proc.send_signal(signal.SIGINT)  # the run itself is not what this test is about
        proc.wait(timeout=120)
        reader.join(timeout=10)
        subprocess.run(["scancel", job], check=False)
    assert any("submitting anyway, as allow_queued_jobs asks" in line for line in said), "".join(said)[-3000:]
    lines = [line for line in said if warning in line]
    assert lines, "".join(said)[-3000:]
    assert f"scancel {job}" in lines[0]
    deadline = time.monotonic() + 60
    while our_jobs(wf.workdir) and time.monotonic() < deadline:
        time.sleep(1)


def test_a_run_finds_the_jobs_an_earlier_run_left_and_submits_nothing(make_workflow):
    """Issue 28, case 6: Snakemake on the login node died (kill -9, a lost session) and its jobs live on. The
    next run finds them by the plugin's marks (the folder as working directory, the rule in the comment),
    names them with the scancel to run and submits nothing; `status` names them too."""
    wf = make_workflow({"orphan": {"grid": {"vari": [0.0]}, "seeds": [6]}})
    wf.write()
    # an inference job as the plugin submits it (job name: the earlier run's id), still running
    submitted = subprocess.run(
        ["sbatch", "--parsable", "-p", "c18m", "-c", "1", "-D", str(wf.workdir), "-A", ACCOUNT]
        + ["--job-name", "0e4c1f7a-earlier-run", "--comment", "rule_run_inference_wildcards_acc=a0123456789"]
        + ["--wrap", "sleep 300"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    job = submitted.strip().split(";")[0]
    try:
        proc = subprocess.run(
            slurm_command(wf),
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, **module_env(wf.workdir)},
        )
        queued = our_jobs(wf.workdir)
        (wf.workdir / SLURM_LOG_DIRS[0]).mkdir(parents=True, exist_ok=True)  # status asks Slurm about such folders
        status = subprocess.run(
            [sys.executable, "-m", "noisyneurosim", "status", str(wf.config_path), "--directory", str(wf.workdir)],
            capture_output=True,
            text=True,
            cwd=PROJECT,
        )
    finally:
        subprocess.run(["scancel", job], check=False)
    assert proc.returncode != 0
    assert f"1 Slurm job(s) of an earlier run of {wf.workdir.resolve()} are still queued or running" in proc.stderr
    assert f"  {job} (run_inference, " in proc.stderr and f"scancel {job}" in proc.stderr, proc.stderr[-3000:]
    assert "Nothing was submitted" in proc.stderr
    assert queued == [job]  # nothing of this run was submitted
    assert f"run_inference: job {job} " in status.stdout and f"scancel {job}" in status.stdout, status.stdout
