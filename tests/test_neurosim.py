"""Fetching, building and running the (stand-in) NeuroSim through the package."""

import subprocess
import sys
import time

import pytest
from conftest import git
from runner import processes_in

from noisyneurosim.build import build_base, build_hardware
from noisyneurosim.fetch import FetchError, fetch
from noisyneurosim.knobs import KNOBS, PARAM_NAMES
from noisyneurosim.neurosim import network_file, run_estimate, run_inference

DEFAULTS = {n: KNOBS[n].default for n in PARAM_NAMES}


@pytest.fixture(scope="module")
def fetched(standin, tmp_path_factory):
    dest = tmp_path_factory.mktemp("fetched")
    path, commit = standin
    assert fetch(dest, repo=None, commit=commit, path=str(path)) == commit
    return dest / "checkout", commit


@pytest.fixture(scope="module")
def base(fetched, tmp_path_factory):
    dest = tmp_path_factory.mktemp("base") / "base_build"
    build_base(fetched[0], dest, jobs=2, log=subprocess.DEVNULL)
    return dest


def test_fetch_verifies_the_pinned_commit(standin, tmp_path):
    path, commit = standin
    with pytest.raises(FetchError) as err:
        fetch(tmp_path, repo=None, commit="0" * 40, path=str(path))
    assert "0" * 40 in str(err.value) and "check neurosim.commit" in str(err.value)
    assert (tmp_path / "adaptations.json").exists() is False


def test_fetch_records_adaptations(fetched):
    checkout, commit = fetched
    record = (checkout.parent / "adaptations.json").read_text()
    assert commit in record and "noise-on-tensor-device" in record
    assert git("rev-parse", "HEAD", cwd=checkout) == commit


def test_a_new_hardware_setting_only_recompiles_param_cpp(base, tmp_path):
    log = tmp_path / "build.log"
    with open(log, "w") as fh:
        record = build_hardware(base, tmp_path / "hw", {**DEFAULTS, "technode": 45}, commit="x", log=fh)
    text = log.read_text()
    compiled = [line for line in text.splitlines() if " -c " in line]
    assert len(compiled) == 1 and "Param.cpp" in compiled[0]
    assert "Clock skew" not in text and "in the future" not in text  # nothing alarming in the build log
    assert (tmp_path / "hw" / "main").is_file()
    assert "+\ttechnode = 45;" in (tmp_path / "hw" / "Param.cpp.diff").read_text()
    assert not list((tmp_path / "hw").glob("*.o"))
    assert record["param"]["technode"] == 45
    # the base build is untouched, so the next setting starts from upstream values again
    assert "technode = 22;" in (base / "Param.cpp").read_text()


def _infer(fetched, tmp_path, name, **args):
    checkout, _ = fetched
    data = tmp_path / "data"
    subprocess.run(
        [sys.executable, "-c", "from models import dataset; dataset.get_cifar10(batch_size=1)"],
        cwd=checkout / "Inference_pytorch",
        check=True,
        capture_output=True,
        env={"NNS_DATA_ROOT": str(data), "NNS_DOWNLOAD": "1", "PATH": "/usr/bin:/bin"},
    )
    full = {"model": "VGG8", "inference": 1, "batch_size": 10, "seed": 1, **args}
    return run_inference(
        checkout=checkout,
        workdir=tmp_path / name,
        args=full,
        python=sys.executable,
        data_root=str(data),
        synthetic=0,
        max_test_images=20,
        timeout=60,
        stdout_path=tmp_path / f"{name}.out",
        stderr_path=tmp_path / f"{name}.err",
    )


def test_parallel_runs_never_share_traces(fetched, tmp_path):
    one = _infer(fetched, tmp_path, "one", vari=0.0)
    w1 = (tmp_path / "one/layer_record_VGG8/weightConv0_.csv").read_text()
    two = _infer(fetched, tmp_path, "two", vari=0.3)
    assert one["status"] == two["status"] == "ok" and one["total"] == 20
    w2 = (tmp_path / "two/layer_record_VGG8/weightConv0_.csv").read_text()
    assert w1 != w2  # each run wrote its own traces, in its own folder
    # and the second run left the first one's traces as they were
    assert (tmp_path / "one/layer_record_VGG8/weightConv0_.csv").read_text() == w1


def test_compute_jobs_do_not_download(fetched, tmp_path):
    checkout, _ = fetched
    result = run_inference(
        checkout=checkout,
        workdir=tmp_path / "w",
        args={"model": "VGG8", "seed": 1},
        python=sys.executable,
        data_root=str(tmp_path / "empty"),
        synthetic=0,
        max_test_images=None,
        timeout=60,
        stdout_path=tmp_path / "o",
        stderr_path=tmp_path / "e",
    )
    assert result["status"] == "failed" and "Dataset not found" in result["reason"]
    assert not (tmp_path / "empty").exists()


def test_a_hanging_simulator_is_stopped_and_recorded(fetched, base, tmp_path):
    build_hardware(base, tmp_path / "slow", {**DEFAULTS, "clkFreq": 10.0}, commit="x", log=subprocess.DEVNULL)
    assert _infer(fetched, tmp_path, "work")["status"] == "ok"
    result = run_estimate(
        build=tmp_path / "slow",
        workdir=tmp_path / "work",
        model="VGG8",
        timeout=2,
        network_file=network_file(fetched[0], "VGG8"),
        correct_network=True,
        network_path=tmp_path / "network.csv",
        stdout_path=tmp_path / "est.out",
        stderr_path=tmp_path / "est.err",
    )
    assert result["status"] == "failed" and "timed out after 2 s" in result["reason"]
    assert processes_in(tmp_path, str(tmp_path / "slow" / "main").encode()) == []  # no process left behind


def test_fetch_from_a_bare_mirror(standin, tmp_path):
    """Clusters often keep a bare mirror on shared storage: neurosim.path may point at it."""
    path, commit = standin
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(path), str(mirror)], check=True)
    assert fetch(tmp_path / "out", repo=None, commit=commit, path=str(mirror)) == commit
    assert (tmp_path / "out" / "checkout" / "Inference_pytorch" / "inference.py").is_file()


def test_a_damaged_mirror_is_refused_at_fetch_naming_the_missing_file(standin, tmp_path):
    """A mirror that lacks an object checks out 'successfully' with a hole; the fetch must refuse it."""
    path, commit = standin
    mirror = tmp_path / "partial.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(path), str(mirror)], check=True)  # loose objects, copied
    blob = git("rev-parse", f"{commit}:Inference_pytorch/log/VGG8.pth", cwd=mirror)
    (mirror / "objects" / blob[:2] / blob[2:]).unlink()
    with pytest.raises(FetchError) as err:
        fetch(tmp_path / "out", repo=None, commit=commit, path=str(mirror))
    message = str(err.value)
    assert f"checkout of commit {commit} is incomplete" in message
    assert "Inference_pytorch/log/VGG8.pth" in message and "neurosim.path" in message


def test_an_unreachable_repository_gives_gits_reason_and_the_way_out(tmp_path):
    with pytest.raises(FetchError) as err:  # nothing listens on the discard port of this machine
        fetch(tmp_path / "out", repo="https://127.0.0.1:9/neurosim/DNN_NeuroSim_V1.4.git", commit="a" * 40, path=None)
    message = str(err.value)
    assert "git fetch failed" in message and "127.0.0.1" in message
    assert "needs the internet" in message and "neurosim.path" in message


def test_an_unreachable_repository_ends_the_run_with_the_message_alone(make_workflow):
    """Through the workflow: the console and the fetch log say what git said and the way out, no traceback."""
    wf = make_workflow({"s": {"grid": {"vari": [0.0]}}})
    wf.config["neurosim"] = {
        "repo": "https://127.0.0.1:9/neurosim/DNN_NeuroSim_V1.4.git",
        "commit": "0123456789abcdef" * 2 + "01234567",
    }
    proc = wf.run(check=False, timeout=300)
    assert proc.returncode != 0
    logs = list((wf.workdir / "resources/neurosim").rglob("fetch.log"))
    assert len(logs) == 1, logs
    for said in (proc.stderr, logs[0].read_text()):
        assert "git fetch failed" in said and "neurosim.path" in said, said[-3000:]
        assert "Traceback" not in said and 'File "' not in said, said[-3000:]
    # and the run's last words are that cause and a way to try the workflow anyway, not Snakemake's generic error
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: NoisyNeuroSIM: NeuroSim could not be fetched: git fetch failed"), last
    assert "127.0.0.1" in last and "--configfile config/standin.yaml" in last


def test_a_hung_make_is_killed_at_timeouts_build_and_reported(tmp_path):
    from noisyneurosim.build import _make

    (tmp_path / "makefile").write_text("all:\n\tsleep 45 && touch main\n")
    with open(tmp_path / "make.log", "w") as log, pytest.raises(RuntimeError) as err:
        _make(tmp_path, 1, log, timeout=1)
    assert "timed out after 1 s (timeouts.build) and was killed" in str(err.value)
    deadline = time.monotonic() + 10  # a killed process leaves /proc a moment later
    while processes_in(tmp_path, b"sleep") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_in(tmp_path, b"sleep") == []  # make and its children are gone (only this test's looked at)
