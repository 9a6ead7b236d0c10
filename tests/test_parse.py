"""The parser reads NeuroSim's real outputs (../shared samples) with the right status and numbers."""

import json
import math
import subprocess
import sys

import pytest

from noisyneurosim.parse import CHIP_LINES, parse_accuracy, parse_hardware

# (sample, exit code it was produced with, expected status, text the reason must contain)
SAMPLES = [
    ("small_default", 0, "ok", ""),
    ("small_layerbylayer", 0, "ok", ""),
    ("small_rram22_sar_nomux", 0, "ok", ""),
    ("vgg8_synthetic", 0, "ok", ""),
    ("inference_densenet40_cpu", 0, "ok", ""),
    ("small_rram_seq", 0, "failed", "non-finite"),
    ("small_technode28", 255, "failed", "no output"),
    ("small_missing_file", 1, "failed", "the fileone cannot be opened"),
    ("tiny_subarray256_too_large", 139, "failed", "SubArray Size is too large"),
]


def read(samples, name):
    out = (samples / f"{name}.stdout").read_text()
    err_path = samples / f"{name}.stderr"
    return out, err_path.read_text() if err_path.exists() else ""


@pytest.mark.parametrize("name,code,status,reason", SAMPLES)
def test_every_sample_gets_the_right_status(shared_samples, name, code, status, reason):
    out, err = read(shared_samples, name)
    result = parse_hardware(out, code, err)
    assert result["status"] == status, result["reason"]
    assert reason in result["reason"]
    if status == "ok":
        assert set(CHIP_LINES) <= set(result["chip"])
        assert all(math.isfinite(v) for v in result["chip"].values())


def test_pipelined_numbers(shared_samples):
    result = parse_hardware(*read(shared_samples, "small_default")[:1], 0)
    chip = result["chip"]
    assert result["process"] == "Pipelined"
    assert chip["chip_area_um2"] == pytest.approx(6.76819e6)
    assert chip["cim_array_area_um2"] == pytest.approx(1.13682e6)
    assert chip["adc_area_um2"] == pytest.approx(831589)
    assert chip["latency_ns"] == pytest.approx(18979.9)
    assert chip["dynamic_energy_pj"] == pytest.approx(1.47976e6)
    assert chip["leakage_power_uw"] == pytest.approx(103.405)
    assert chip["tops_per_w"] == pytest.approx(16.1737)
    assert chip["tops"] == pytest.approx(1.54043)
    assert chip["fps"] == pytest.approx(52687.3)
    assert chip["tops_per_mm2"] == pytest.approx(0.227598)
    # the chip breakdown after the summary, not a layer's
    assert chip["adc_energy_pj"] == pytest.approx(999117)
    assert chip["other_latency_ns"] == pytest.approx(13573.7)
    assert chip["memory_utilization_pct"] == pytest.approx(52.6367)
    assert chip["runtime_s"] == 4
    assert result["floorplan"]["subarray_size"] == "128x128"
    assert result["floorplan"]["clk_period_s"] == pytest.approx(1.6974e-9)
    layers = result["layers"]
    assert [layer["layer"] for layer in layers] == [1, 2, 3, 4]
    assert layers[1]["read_dynamic_energy_pj"] == pytest.approx(1.00825e6)
    assert layers[3]["tiles"] == 4 and layers[0]["utilization"] == pytest.approx(0.210938)
    assert layers[2]["adc_latency_ns"] == pytest.approx(977.705)


def test_layer_by_layer_labels(shared_samples):
    result = parse_hardware(read(shared_samples, "small_layerbylayer")[0], 0)
    assert result["process"] == "Layer-by-Layer"
    assert result["chip"]["latency_ns"] == pytest.approx(37030.4)
    assert result["chip"]["leakage_energy_pj"] == pytest.approx(5470.77)
    assert result["chip"]["tops_per_w"] == pytest.approx(16.1359)


def test_vgg8_has_eight_layers(shared_samples):
    result = parse_hardware(read(shared_samples, "vgg8_synthetic")[0], 0)
    assert len(result["layers"]) == 8
    assert result["chip"]["runtime_s"] > 100


def test_accuracy_is_correct_over_total(shared_samples):
    err = (shared_samples / "inference_densenet40_cpu.stderr").read_text()
    assert parse_accuracy(err) == {
        "status": "ok",
        "reason": "",
        "loss": 2.8621,
        "correct": 0,
        "total": 4,
        "accuracy": 0.0,
    }


def test_accuracy_not_the_rounded_percentage():
    text = "Test set: Average loss: 0.3000, Accuracy: 9151/10000 (92%)\n"
    assert parse_accuracy(text)["accuracy"] == pytest.approx(0.9151)


def test_no_test_set_line_is_a_failure():
    result = parse_accuracy("Traceback (most recent call last):\nRuntimeError: CUDA error\n")
    assert result["status"] == "failed" and "Test set" in result["reason"]


def test_truncated_output_is_incomplete(shared_samples):
    out = read(shared_samples, "small_default")[0]
    result = parse_hardware(out[: len(out) // 2], 0)
    assert result["status"] == "failed" and "incomplete" in result["reason"]


def test_killed_by_signal_is_named():
    assert "SIGKILL" in parse_hardware("FloorPlan\n", -9)["reason"]


def test_parse_log_command(shared_samples):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "noisyneurosim",
            "parse-log",
            str(shared_samples / "small_rram_seq.stdout"),
            "--returncode",
            "0",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["status"] == "failed" and "non-finite" in result["reason"]


def test_a_warning_of_the_maintained_core_is_a_note_on_an_ok_point(shared_samples):
    """The maintained V1.4's main.cpp prints a WARNING line (technode <= 14 off 300 K) and carries on."""
    warning = "WARNING!: TECHNOLOGY NODE UNDER 14NM IS ONLY SUPPORTED AT 300K TEMPERATURE!"
    plain = parse_hardware(read(shared_samples, "small_default")[0], 0)
    lines = read(shared_samples, "small_default")[0].splitlines()
    warned = parse_hardware("\n".join([*lines[:3], warning, *lines[3:]]), 0)
    assert plain["warnings"] == [] and warned["warnings"] == [warning]
    assert warned["status"] == "ok" and warned["chip"] == plain["chip"]
