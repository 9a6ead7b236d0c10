"""NeuroSim's own rules: settings it rejects (errors) and settings it accepts but that mislead (warnings).

Each rule is what NeuroSim would otherwise do at run time, often silently
(NOTES.md, "Settings NeuroSim rejects"); the config checks apply them to every
point before any job exists. Each returns (knob, message).
"""

from __future__ import annotations

import math

from .knobs import CROSSBAR_ONLY_KNOBS, MODEL_DATASETS, TRAINABLE, trained


def point_rules(knobs: dict) -> list[tuple[str, str]]:
    """NeuroSim's own rules (NOTES.md, 'Settings NeuroSim rejects'): (key, message)."""
    out = []
    tn = knobs["technode"]
    if knobs["memcelltype"] == 2 and tn < 22:
        out.append(("technode", f"RRAM (memcelltype 2) is not supported below 22 nm, got technode {tn}"))
    if knobs["deviceroadmap"] == 1 and tn <= 14:
        out.append(("deviceroadmap", f"the HP roadmap is not supported at 14 nm and below (technode {tn})"))
    if knobs["temp"] != 300 and tn <= 14:
        out.append(("temp", f"temp must be 300 K at 14 nm and below (technode {tn}), got {knobs['temp']}"))
    cb, ww = knobs["cellBit"], knobs["wl_weight"]
    if cb > ww:
        out.append(("cellBit", f"cellBit {cb} exceeds wl_weight {ww}"))
    elif ww % cb:
        out.append(
            (
                "cellBit",
                f"cellBit {cb} does not divide wl_weight {ww}; the accuracy side slices weights by wl_weight/cellBit",
            )
        )
    if knobs["parallelRead"] > knobs["subArray"]:
        out.append(("parallelRead", f"parallelRead {knobs['parallelRead']} exceeds subArray {knobs['subArray']}"))
    elif cb > 1 and knobs["parallelRead"] != knobs["subArray"]:
        out.append(
            (
                "parallelRead",
                f"cellBit {cb} > 1 needs parallelRead == subArray ({knobs['parallelRead']} != {knobs['subArray']})",
            )
        )
    ds, model = knobs["dataset"], knobs["model"]
    if trained(knobs):  # trained by the workflow: no shipped checkpoint needed
        if model not in TRAINABLE:
            out.append(
                (
                    "model",
                    f"{model} cannot be trained by the workflow: inference.py loads it from torchvision's URL, "
                    f"not from a checkpoint file (trainable: {', '.join(TRAINABLE)})",
                )
            )
        elif ds not in TRAINABLE[model]:
            out.append(("dataset", f"train.py trains {model} on {', '.join(TRAINABLE[model])}, not {ds}"))
    elif ds not in MODEL_DATASETS[model]:
        out.append(("dataset", f"{model} ships a checkpoint for {', '.join(MODEL_DATASETS[model])}, not {ds}"))
    if model == "ResNet18" and knobs["mode"] != "FP" and not trained(knobs):
        out.append(("mode", "ResNet18 has only an FP checkpoint; use mode FP"))
    return out


def point_warnings(knobs: dict, swept: tuple) -> list[tuple[str, str]]:
    out = []
    no_crossbar = knobs["model"] != "VGG8" or knobs["mode"] == "FP" or knobs["inference"] == 0
    if no_crossbar:
        why = (
            "inference is 0"
            if knobs["inference"] == 0
            else f"{knobs['model']} in {knobs['mode']} mode models only quantisation and one ADC step"
        )
        for name in CROSSBAR_ONLY_KNOBS:
            if name in swept:
                out.append((name, f"{name} is swept but cannot change accuracy here ({why})"))
    if trained(knobs):
        epochs, schedule = knobs["train.epochs"], knobs["train.decreasing_lr"]
        if not any(int(e) < epochs for e in schedule.split(",")):
            out.append(
                (
                    "train.decreasing_lr",
                    f"train.decreasing_lr {schedule} has no epoch below train.epochs {epochs}: "
                    "grad_scale never decreases",
                )
            )
    else:
        for name in ("wl_grad", "wl_error"):
            if name in swept:
                out.append((name, f"{name} is swept but only shapes training, and this study has no train:"))
    if knobs["memcelltype"] == 1 and "cellBit" in swept:
        out.append(("cellBit", "cellBit is swept on SRAM; NeuroSim's hardware model always uses 1-bit SRAM cells"))
    if knobs["memcelltype"] == 2 and knobs["operationmode"] == 1:
        out.append(("operationmode", "RRAM with operationmode 1 can exit 0 with inf/nan results (recorded as failed)"))
    if not knobs["synchronous"]:
        out.append(("synchronous", "synchronous = false can exit 0 with inf/nan results (recorded as failed)"))
    if knobs["model"] == "DenseNet40" and knobs["novelMapping"] and knobs["operationmode"] in (1, 2):
        limit = densenet_subarray_limit(knobs)
        if knobs["subArray"] > limit:
            out.append(
                (
                    "subArray",
                    f"DenseNet40 (network corrected, novelMapping) fits sub-arrays of at most {limit} "
                    f"rows here; NeuroSim stops with 'SubArray Size is too large' for subArray "
                    f"{knobs['subArray']}",
                )
            )
    return out


def densenet_subarray_limit(knobs: dict) -> int:
    """The most sub-array rows the corrected DenseNet40 fits with novelMapping. NeuroSim's floorplan: novel-
    mapped layers need 2^ceil(log2(columns)) >= 2 x subArray; the widest 3x3 layer has 12 output channels x
    ceil(wl_weight / cellBit) columns (SRAM cells hold one bit whatever cellBit says)."""
    cell_bits = 1 if knobs["memcelltype"] == 1 else knobs["cellBit"]
    return 2 ** math.ceil(math.log2(12 * math.ceil(knobs["wl_weight"] / cell_bits))) // 2
