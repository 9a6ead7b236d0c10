"""The stand-in sweep through `snakemake --profile profiles/slurm` on a real Slurm.

.ci/run starts a single-node Slurm (.ci/slurm/start.sh) with partition c18g
(fake Volta GPUs) and c18m (CPU only), slurmdbd and MariaDB so that sacct works.
Without a reachable Slurm these tests skip, unless NNS_REQUIRE_SLURM=1 (CI).
"""

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import PROJECT

pytestmark = pytest.mark.slurm
CI_PROFILE = Path(__file__).parent / "slurm_ci_profile"


def slurm_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    return subprocess.run(["scontrol", "ping"], capture_output=True).returncode == 0


@pytest.fixture(autouse=True)
def need_slurm():
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


def run_on_slurm(wf, *extra, timeout=420, env=None, modulepath=None):
    """Run like a user on the login node; a hung run is stopped and must leave no job behind."""
    cmd = wf.command(
        "--profile", str(PROJECT / "profiles" / "slurm"), "--workflow-profile", str(CI_PROFILE), *extra, cores=None
    )
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


def test_sweep_runs_on_slurm_with_gpus_where_asked(make_workflow, tmp_path):
    # NeuroSim's Python comes from environment modules, as on CLAIX; this one only marks that it loaded
    modules = tmp_path / "modulefiles"
    (modules / "nns-probe").mkdir(parents=True)
    (modules / "nns-probe" / "1.0").write_text("#%Module1.0\nsetenv NNS_MODULE_PROBE loaded\n")
    wf = make_workflow(
        {"cluster": {"grid": {"ADCprecision": [4, 5], "technode": [22, 45]}, "seeds": [1]}},
        python={"envmodules": ["nns-probe/1.0"]},
    )
    # without `module` in the jobs' shell the run stops before submitting anything
    env_without = {k: v for k, v in os.environ.items() if k != "BASH_ENV"}
    proc = subprocess.run(
        wf.command("--profile", str(PROJECT / "profiles" / "slurm"), "--workflow-profile", str(CI_PROFILE), cores=None),
        capture_output=True,
        text=True,
        env=env_without,
        timeout=120,
    )
    assert proc.returncode != 0 and "`module` is not a command" in proc.stderr
    assert not our_jobs(wf.workdir) and not (wf.workdir / "results").exists()
    code, out, err, hung = run_on_slurm(wf, "--group-components", "estimates=2", modulepath=modules)
    assert not hung and code == 0, err[-6000:]
    runs = wf.runs()
    assert len(runs) == 4 and set(runs["status"]) == {"ok"}
    # inference ran on c18g with a GPU assigned; estimates on the CPU partition without one
    assert set(runs["inference_partition"]) == {"c18g"}
    devices = runs["inference_cuda_visible_devices"]
    assert devices.notna().all() and (devices.astype(str) != "").all()
    assert set(runs["inference_modules"]) == {"nns-probe/1.0"}  # loaded for NeuroSim's Python only
    assert runs["estimate_modules"].isna().all()
    assert set(runs["estimate_partition"]) == {"c18m"}
    assert runs["estimate_cuda_visible_devices"].isna().all()
    assert runs["inference_slurm_job"].nunique() == 2
    # 4 estimates packed 2 per Slurm job
    assert runs["estimate_slurm_job"].nunique() == 2
    for _, r in runs.iterrows():
        assert r["estimate_slurm_job"] not in set(runs["inference_slurm_job"])
    # the GPU request is the users' own: --gpus=volta:1 --gpus-per-node=volta:1 --partition=c18g
    job = str(int(runs["inference_slurm_job"].iloc[0]))
    tres = subprocess.run(
        ["sacct", "-X", "-n", "-j", job, "-o", "Partition,AllocTRES%60"], capture_output=True, text=True
    ).stdout
    assert "c18g" in tres and "gres/gpu" in tres
    assert (wf.workdir / "results/logs/slurm").is_dir()
    assert not our_jobs(wf.workdir)


def test_failed_job_is_reported_with_its_log_and_retried(make_workflow):
    """NeuroSim's process dies under a running Slurm job (as under the OOM killer): the job
    fails, is reported with its log, and is retried; the point is not recorded as failed."""
    from test_faults import inference_processes

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
