"""A group's own NeuroSim files: tracked by content in a plain folder and in an overlay, their anchors
checked before any job, and their new knobs swept like the built-in ones."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import Workflow, base_config
from runner import ran
from standin_repo import STANDIN

from noisyneurosim.config import ConfigError, check

GPU_AND_CPU = ("run_inference", "build_base", "build_hardware", "run_estimate")
COUNTING = "        correct += modelCF.correct(index, label)\n"


def jobs(proc) -> dict:
    return {rule: ran(proc, rule) for rule in GPU_AND_CPU}


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def plain_sweep(tmp_path):
    """A finished two-point sweep on a plain folder (no git), as a group keeps its NeuroSim."""
    folder = tmp_path / "our-neurosim"
    shutil.copytree(STANDIN, folder, ignore=shutil.ignore_patterns("*.o", "main", ".depend", "__pycache__"))
    config = base_config((folder, "local"), tmp_path / "wf")
    del config["neurosim"]["commit"]
    config["studies"] = {"s": {"grid": {"ADCprecision": [4, 6]}, "seeds": [1]}}
    wf = Workflow(tmp_path / "wf", config, from_inside=True)
    wf.run()
    return wf, folder


def test_a_changed_inference_py_in_a_plain_folder_reruns_inference_and_estimates_only(plain_sweep):
    wf, folder = plain_sweep
    before = wf.runs().sort_values("ADCprecision")
    assert jobs(wf.run("-n")) == dict.fromkeys(GPU_AND_CPU, 0)  # finished: nothing to do
    # the group's inference.py now counts every other image only
    edit(
        folder / "Inference_pytorch/inference.py",
        COUNTING,
        "        correct += 0 if int(index) % 2 else modelCF.correct(index, label)\n",
    )
    proc = wf.run()
    assert jobs(proc) == {"run_inference": 2, "build_base": 0, "build_hardware": 0, "run_estimate": 2}
    after = wf.runs().sort_values("ADCprecision")
    assert (after["accuracy"].to_numpy() < before["accuracy"].to_numpy()).all()
    assert list(after["hw_id"]) == list(before["hw_id"]) and list(after["acc_id"]) != list(before["acc_id"])


def test_a_changed_param_cpp_constant_reruns_builds_and_estimates_only(plain_sweep):
    wf, folder = plain_sweep
    before = wf.runs().sort_values("ADCprecision")
    # a value the institute fixed: the group's file decides it where the config does not
    edit(folder / "Inference_pytorch/NeuroSIM/Param.cpp", "readPulseWidth = 10e-9;", "readPulseWidth = 20e-9;")
    proc = wf.run()
    assert jobs(proc) == {"run_inference": 0, "build_base": 1, "build_hardware": 2, "run_estimate": 2}
    after = wf.runs().sort_values("ADCprecision")
    assert list(after["readPulseWidth"]) == [20e-9, 20e-9]
    assert list(after["accuracy"]) == list(before["accuracy"]) and list(after["acc_id"]) == list(before["acc_id"])
    assert (after["latency_ns"].to_numpy() > before["latency_ns"].to_numpy()).all()


def test_a_folder_finished_before_content_ids_reruns_nothing(plain_sweep):
    """Results made before content was hashed have no baseline: the content they meet is taken as theirs."""
    wf, _ = plain_sweep
    for baseline in (wf.workdir / "resources/neurosim").glob("*/baseline.json"):
        baseline.unlink()
    assert jobs(wf.run("-n")) == dict.fromkeys(GPU_AND_CPU, 0)


def our_inference(folder) -> None:
    """The group's inference.py: upstream's with a new argument that scales how many images count."""
    path = folder / "Inference_pytorch/inference.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (STANDIN / "Inference_pytorch/inference.py").read_text()
    text = text.replace(
        "parser.add_argument('--target', type=float, default=0)\n",
        "parser.add_argument('--target', type=float, default=0)\n"
        "parser.add_argument('--noise_scale', type=float, default=1.0)\n",
    )
    path.write_text(
        text.replace(
            COUNTING,
            "        correct += modelCF.correct(index, label) if int(index) % 10 < 10 * args.noise_scale else 0\n",
        )
    )


NOISE_SCALE = {"side": "inference", "type": "float", "default": 1.0, "minimum": 0, "maximum": 1, "doc": "Our noise."}


def test_an_overlay_and_its_own_knob_are_swept_with_provenance(standin, tmp_path):
    overlay = tmp_path / "ours"
    our_inference(overlay)
    config = base_config(standin, tmp_path / "wf")
    config["neurosim"]["overlay"] = str(overlay)
    config["extra_knobs"] = {"noise_scale": NOISE_SCALE}
    config["studies"] = {"s": {"grid": {"noise_scale": [1.0, 0.5]}, "seeds": [1]}}
    wf = Workflow(tmp_path / "wf", config)
    proc = wf.run()
    assert ran(proc, "run_inference") == 2 and ran(proc, "build_hardware") == 1
    runs = wf.runs().sort_values("noise_scale")
    assert list(runs["noise_scale"]) == [0.5, 1.0] and set(runs["status"]) == {"ok"}
    assert runs["accuracy"].iloc[0] < runs["accuracy"].iloc[1]
    # provenance: each overlaid file with its hash and its diff against upstream
    fetched = next((wf.workdir / "resources/neurosim").glob("*/adaptations.json"))
    laid = json.loads(fetched.read_text())["overlay"]
    assert [e["file"] for e in laid] == ["Inference_pytorch/inference.py"]
    assert "+parser.add_argument('--noise_scale'" in laid[0]["diff"] and len(laid[0]["sha256"]) == 64
    recorded = (wf.workdir / "results/config.yaml").read_text()
    assert f"Inference_pytorch/inference.py sha256 {laid[0]['sha256']}" in recorded
    # the institute's Param.cpp joins the overlay: builds and estimates again, no inference
    param = overlay / "Inference_pytorch/NeuroSIM/Param.cpp"
    param.parent.mkdir(parents=True)
    param.write_text((STANDIN / "Inference_pytorch/NeuroSIM/Param.cpp").read_text().replace("10e-9;", "20e-9;", 1))
    proc = wf.run()
    assert jobs(proc) == {"run_inference": 0, "build_base": 1, "build_hardware": 1, "run_estimate": 2}
    again = wf.runs().sort_values("noise_scale")
    assert list(again["accuracy"]) == list(runs["accuracy"]) and list(again["readPulseWidth"]) == [20e-9] * 2
    laid = {e["file"]: e for e in json.loads(fetched.read_text())["overlay"]}
    assert laid["Inference_pytorch/NeuroSIM/Param.cpp"]["param_values_from_overlay"] == {
        "readPulseWidth": ["10e-9", "20e-9"]
    }
    # a search over the group's knob runs like one over a built-in knob
    config["studies"] = {
        "look": {
            "search": {
                "space": {"noise_scale": [0.25, 0.5, 0.75, 1.0]},
                "objectives": {"accuracy": "max"},
                "budget": {"points": 2},
                "points_per_wave": 1,
            },
            "seeds": [1],
        }
    }
    wf.run()
    trials = __import__("pandas").read_csv(wf.workdir / "results/search/look/trials.csv")
    assert len(trials) == 2 and set(trials["noise_scale"]) <= {0.25, 0.5, 0.75, 1.0}


def test_an_overlaid_file_without_an_adaptations_anchor_is_named_before_any_job(standin, tmp_path):
    overlay = tmp_path / "ours"
    our_inference(overlay)
    path = overlay / "Inference_pytorch/inference.py"
    path.write_text(
        path.read_text().replace("call([\"/bin/bash\", './layer_record_'+str(args.model)+'/trace_command.sh'])", "")
    )
    config = base_config(standin, tmp_path / "wf")
    config["neurosim"]["overlay"] = str(overlay)
    config["studies"] = {"s": {"grid": {"vari": [0.0]}, "seeds": [1]}}
    with pytest.raises(ConfigError) as err:
        check(config, source="sweep.yaml", base=tmp_path)
    message = str(err.value)
    assert "neurosim.overlay: Inference_pytorch/inference.py of the overlay lacks" in message
    assert "'no-estimate-inside-inference'" in message and "trace_command" in message


def test_an_extra_knob_its_files_lack_is_named(standin, tmp_path):
    config = base_config(standin, tmp_path / "wf")
    config["neurosim"]["overlay"] = str(tmp_path / "ours")
    our_inference(tmp_path / "ours")
    config["studies"] = {"s": {"grid": {"vari": [0.0]}, "seeds": [1]}}
    for extra, expected in (
        ({"noise_scal": NOISE_SCALE}, "extra_knobs.noise_scal: no argument --noise_scal (parser.add_argument"),
        ({"vari": NOISE_SCALE}, "extra_knobs.vari: vari is a knob NoisyNeuroSIM already has"),
        ({"x": {**NOISE_SCALE, "side": "both"}}, "extra_knobs.x.side = 'both': must be inference"),
    ):
        config["extra_knobs"] = extra
        with pytest.raises(ConfigError) as err:
            check(yaml.safe_load(yaml.safe_dump(config)), source="sweep.yaml", base=tmp_path)
        assert expected in str(err.value)
