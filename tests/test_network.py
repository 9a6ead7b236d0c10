"""Network files against their traces, the recorded correction, the reproducibility guard and the
synthetic test set: what a user checks after running a study on a model whose upstream files disagree."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import PROJECT

from noisyneurosim.network import NetworkMismatch, resolve
from noisyneurosim.neurosim import unpack_traces

DENSENET = {"model": "DenseNet40", "subArray": 64, "parallelRead": 64}


def write_traces(folder, shapes):
    """A layer_record_<model>/ as utee/hook.py writes it: (weight rows, weight cols, input rows) per layer."""
    record = folder / "layer_record_Toy"
    record.mkdir(parents=True)
    names = []
    for i, (w_rows, w_cols, in_rows) in enumerate(shapes):
        weight, inputs = record / f"weightConv{i}_.csv", record / f"inputConv{i}_.csv"
        weight.write_text("".join(",".join(["0.50000"] * w_cols) + "\n" for _ in range(w_rows)))
        inputs.write_text("".join(",".join(["1"] * 8) + "\n" for _ in range(in_rows)))
        names += [f"./layer_record_Toy/{weight.name}", f"./layer_record_Toy/{inputs.name}"]
    (record / "trace_command.sh").write_text(
        "./NeuroSIM/main ./NeuroSIM/NetWork_Toy.csv 8 8 64 64 " + " ".join(names) + " "
    )
    return record


def check_traces(record, network):
    return subprocess.run(
        [sys.executable, "-m", "noisyneurosim", "check-traces", str(record), str(network)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={"PYTHONPATH": str(PROJECT / "src"), "PATH": "/usr/bin:/bin"},
    )


def test_check_traces_names_the_layer_the_file_and_both_numbers(tmp_path):
    record = write_traces(tmp_path, [(27, 24, 27), (216, 12, 216), (36, 10, 36)])
    network = tmp_path / "NetWork_Toy.csv"
    network.write_text("32,32,3,3,3,24,0,1\r\n32,32,24,3,3,36,0,1\r\n1,1,36,1,1,10,0,1\r\n")
    proc = check_traces(record, network)
    assert proc.returncode == 1
    assert (
        "MISMATCH Toy layer 2: output channels (weight columns) 36 in NetWork_Toy.csv, 12 in "
        "layer_record_Toy/weightConv1_.csv" in proc.stdout
    )
    assert "layer 1: ok" in proc.stdout and "layer 3: ok" in proc.stdout
    network.write_text("32,32,3,3,3,24,0,1\n32,32,24,3,3,12,0,1\n1,1,36,1,1,10,0,1\n")
    proc = check_traces(record, network)
    assert proc.returncode == 0 and "every layer agrees" in proc.stdout


def test_wrong_input_rows_are_caught_too(tmp_path):
    record = write_traces(tmp_path, [(27, 24, 26)])
    network = tmp_path / "NetWork_Toy.csv"
    network.write_text("32,32,3,3,3,24,0,1\n")
    proc = check_traces(record, network)
    assert (
        proc.returncode == 1
        and "(input rows) 27 in NetWork_Toy.csv, 26 in layer_record_Toy/inputConv0_.csv" in proc.stdout
    )


def test_correction_only_for_known_models_only_when_on_and_only_output_channels(tmp_path):
    record = write_traces(tmp_path, [(27, 24, 27), (216, 12, 216)])
    network = tmp_path / "NetWork.csv"
    network.write_text("32,32,3,3,3,24,0,1\n32,32,24,3,3,36,0,1\n")
    command = record / "trace_command.sh"
    rows, record_of = resolve(network, command, tmp_path, model="DenseNet40", correct=True)
    assert rows == [[32, 32, 3, 3, 3, 24, 0, 1], [32, 32, 24, 3, 3, 12, 0, 1]]
    assert record_of == {
        "network": "corrected",
        "network_changes": [{"layer": 2, "field": "output channels", "upstream": 36, "used": 12}],
    }
    with pytest.raises(NetworkMismatch, match="neurosim.correct_network: true runs it corrected"):
        resolve(network, command, tmp_path, model="DenseNet40", correct=False)
    with pytest.raises(NetworkMismatch, match="not a known upstream error"):
        resolve(network, command, tmp_path, model="VGG8", correct=True)
    network.write_text("32,32,3,3,3,24,0,1\n32,32,20,3,3,36,0,1\n")  # rows wrong as well: no correction covers that
    with pytest.raises(NetworkMismatch, match="beyond the known correction"):
        resolve(network, command, tmp_path, model="DenseNet40", correct=True)


def test_stand_in_core_is_not_deterministic_on_upstream_densenet_file(make_workflow):
    """The stand-in has upstream's bug: its DenseNet40 file disagrees with its traces, and run as it is,
    its core gives different numbers from run to run. This is what the correction and the guard are for."""
    wf = make_workflow({"d": {"seeds": [1]}}, defaults=DENSENET)
    wf.run()
    folder = wf.workdir / "traces"  # the kept traces, unpacked as the estimate unpacks them
    unpack_traces(next((wf.workdir / "results/inference").iterdir()) / "traces.tar.gz", folder)
    (build,) = (main.parent for main in (wf.workdir / "results/builds").glob("*/main"))
    (checkout,) = (wf.workdir / "resources/neurosim").glob("*/checkout")  # beside it: the shared git cache
    upstream = checkout / "Inference_pytorch/NeuroSIM"
    argv = (folder / "layer_record_DenseNet40/trace_command.sh").read_text().split()[2:]
    # a third of its runs print nan for the mis-sized layer: up to 20 runs, until two differ
    outputs = set()
    for _ in range(20):
        outputs.add(
            subprocess.run(
                [str(build / "main"), str(upstream / "NetWork_DenseNet40.csv"), *argv],
                cwd=folder,
                capture_output=True,
                text=True,
            ).stdout
        )
        if len(outputs) > 1:
            break
    assert len(outputs) > 1


def test_densenet_runs_corrected_by_default_and_says_so(make_workflow):
    wf = make_workflow({"d": {"grid": {"technode": [22, 45]}, "seeds": [1]}}, defaults=DENSENET)
    wf.run()
    runs = wf.runs()
    assert list(runs["status"]) == ["ok", "ok"]
    assert set(runs["network"]) == {"corrected"}
    assert set(runs["network_changes"]) == {"layer 2 output channels 36->12"}
    used = next((wf.workdir / "results/estimates").rglob("*.network.csv")).read_text().splitlines()
    assert used[1] == "32,32,24,3,3,12,0,1"
    assert set(runs["reproducibility"]) == {"identical"}
    summary = (wf.workdir / "results/summary.md").read_text()
    assert "DenseNet40 ran with upstream's network file corrected" in summary and "36->12" in summary


def test_with_the_correction_off_densenet_points_fail_with_the_mismatch(make_workflow):
    wf = make_workflow(
        {"d": {"grid": {"technode": [22, 45]}, "seeds": [1]}}, defaults=DENSENET, neurosim={"correct_network": False}
    )
    proc = wf.run(check=False)
    assert proc.returncode != 0 and "2 of 2 points failed" in proc.stderr
    runs = wf.runs()
    assert set(runs["status"]) == {"failed"}
    reason = runs["reason"].iloc[0]
    assert (
        "DenseNet40 layer 2: output channels (weight columns) 36 in NetWork_DenseNet40.csv, 12 in "
        "layer_record_DenseNet40/weightConv1_.csv" in reason
    )
    assert "neurosim.correct_network" in reason
    assert runs["tops_per_w"].isna().all()


def test_vgg8_matches_its_file_and_runs_upstream(make_workflow):
    wf = make_workflow({"v": {"seeds": [1]}})
    wf.run()
    runs = wf.runs()
    assert list(runs["status"]) == ["ok"] and list(runs["network"]) == ["upstream"]
    assert runs["network_changes"].isna().all()


def test_reproducibility_guard_marks_every_point_of_a_model_whose_core_wanders(make_workflow, monkeypatch):
    monkeypatch.setenv("STANDIN_NONDETERMINISTIC", "1")
    wf = make_workflow({"v": {"grid": {"technode": [22, 45]}, "seeds": [1, 2]}})
    proc = wf.run()
    assert "1 reproducibility check(s)" in proc.stderr  # the plan shows its cost
    runs = wf.runs()
    assert set(runs["reproducibility"]) == {"differed"}
    assert runs["reproducibility_detail"].str.contains("different numbers for the same input").all()
    summary = (wf.workdir / "results/summary.md").read_text()
    assert "VGG8: the C++ core gave different numbers for the same input" in summary


def test_reproducibility_guard_can_be_switched_off(make_workflow):
    wf = make_workflow({"v": {"seeds": [1]}}, neurosim={"check_reproducible": False})
    proc = wf.run()
    assert "no reproducibility check" in proc.stderr
    assert set(wf.runs()["reproducibility"]) == {"off"}
    assert not (wf.workdir / "results/reproducibility").exists()


def test_synthetic_test_set_runs_the_whole_chain_and_is_labelled(make_workflow):
    wf = make_workflow(
        {"s": {"grid": {"ADCprecision": [4, 6]}, "seeds": [1]}},
        datasets={"synthetic": True, "synthetic_test_images": 20, "download": False},
    )
    wf.run()
    runs = wf.runs()
    assert list(runs["status"]) == ["ok", "ok"]
    assert set(runs["accuracy_total"]) == {20}
    assert set(runs["test_set"]) == {"synthetic (20 images)"}
    assert "accuracy in this summary is meaningless" in (wf.workdir / "results/summary.md").read_text()
    folder = wf.workdir / "datasets/synthetic/cifar10-data/cifar-10-batches-py"
    assert (folder / "test_batch").is_file() and "NOISYNEUROSIM-SYNTHETIC" in (folder / "README").read_text()


def test_synthetic_set_is_refused_by_the_loader_without_the_adaptation(tmp_path):
    """The stand-in's torchvision checks md5s like the real one: the synthetic set needs the anchored adaptation."""
    from conftest import STANDIN

    from noisyneurosim import synthetic

    synthetic.write("cifar10", tmp_path, 10)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); from torchvision import datasets; "
        "datasets.CIFAR10(root=sys.argv[2], train=False, download=False)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(STANDIN / "Inference_pytorch"), str(tmp_path / "cifar10-data")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "corrupted" in proc.stderr
