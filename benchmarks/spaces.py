"""Design spaces for the search benchmark: the grid results of four shapes, computed from the stand-in's
formulas instead of run through the workflow (a 1,024-point grid takes about 20 minutes on 2 cores; these
take a second, and the search only ever reads a grid's values).

Every space has the same 1,024 settings: accuracy knobs ADCprecision x wl_activate x vari (64 inference
runs) and hardware knobs technode x numColMuxed x SARADC (16 values). Accuracy follows the stand-in's toy
model (tests/standin/.../models/_toy.py: VGG8, WAGE, its checkpoint's 0.93, every other knob at its default)
as the expected value over test images; TOPS/W and TOPS follow NeuroSIM/Chip.cpp and main.cpp of the
stand-in for VGG8's three layers (pipelined, SRAM, 128 x 128 sub-arrays), with the traces' expected input
activity (0.2 + 0.5 vari) and weight sum. The shapes change these formulas where said:

- monotone: the stand-in as it is: more ADC and input bits buy accuracy with energy and time, variation
  only costs.
- saturating: accuracy saturates in ADC bits and a little variation is nearly free at high ADC resolution,
  while variation saves energy (a lower read voltage tolerates it): the front spreads over many runs.
- sweet_spot: accuracy peaks at 6 input bits, and the 45 nm node wins throughput at high ADC resolution.
- noisy_cliffs: the stand-in with measurement noise (1.5 % accuracy per run, 5 % per hardware value) and
  cliffs where accuracy collapses to chance (few input bits with variation, 3 ADC bits with much of it).
"""

from __future__ import annotations

import hashlib
import itertools
import math

ACCURACY_SPACE = {
    "ADCprecision": [3, 4, 6, 8],
    "wl_activate": [4, 5, 6, 8],
    "vari": [0.0, 0.05, 0.1, 0.2],
}
HARDWARE_SPACE = {
    "technode": [22, 45],
    "numColMuxed": [1, 4, 16, 64],
    "SARADC": [True, False],
}
SPACE = {**ACCURACY_SPACE, **HARDWARE_SPACE}
OBJECTIVES = {"accuracy": "max", "tops_per_w": "max", "tops": "max"}
CHANCE = 0.1  # ten classes: the accuracy a collapsed network keeps

VGG8_LAYERS = ((27, 16), (144, 32), (2048, 10))  # rows (input channels x kernel area), columns
BASE_ACCURACY = 0.93  # the stand-in's VGG8 checkpoint
WL_WEIGHT = 8
SUB_ARRAY = 128


def standin_accuracy(adc: int, wl_activate: int, vari: float) -> float:
    """models/_toy.py's probability(): VGG8, WAGE, inference 1, defaults elsewhere (onoffratio 10)."""
    p = BASE_ACCURACY * (1 - 0.5 * 2.0 ** -(adc - 1))
    p *= (1 - 2.0**-WL_WEIGHT) * (1 - 2.0**-wl_activate)
    p *= math.exp(-3.0 * vari) * (1 - 0.1 / 10)
    return max(0.0, min(1.0, p))


def standin_hardware(combo: dict, energy_scale: float = 1.0) -> tuple[float, float]:
    """TOPS/W and TOPS of NeuroSIM/Chip.cpp's EstimateLayer and main.cpp's summary (pipelined)."""
    node = combo["technode"] / 22.0
    adc_bits = combo["ADCprecision"]
    sar = combo["SARADC"]
    muxed = combo["numColMuxed"]
    activity = 0.2 + 0.5 * combo["vari"]
    adc_step = 0.3 * adc_bits if sar else 0.1 * 2.0**adc_bits / 8.0
    cycles = combo["wl_activate"] * muxed * 1  # numRowParallel = parallelRead = subArray
    energy = leak = latency = cells = 0.0
    for rows, cols in VGG8_LAYERS:
        arrays = math.ceil(rows / SUB_ARRAY) * math.ceil(cols * WL_WEIGHT / SUB_ARRAY)
        layer_latency = cycles * adc_step * (1 + 0.01 * node) + 0.05 * cycles * math.log2(SUB_ARRAY)
        layer_latency += 2.0 * cycles * node
        layer_energy = arrays * cols * adc_bits * (1.5 if sar else 2.5) * node / muxed * (1 + activity)
        layer_energy += arrays * cols * 0.4 * node * combo["wl_activate"] / 8.0
        layer_energy += arrays * rows * 0.2 * node * (1 + 1e-6 * 0.5 * rows * cols) * 1.1
        leak += arrays * 0.05 * node * (1 / 17) * 17.0 * layer_latency * 1e-3
        energy += layer_energy * energy_scale
        latency = max(latency, layer_latency)
        cells += rows * cols * WL_WEIGHT
    ops = 2.0 * cells / WL_WEIGHT * 1e3
    return ops / ((energy + leak) * 1e-12) * 1e-12, ops / (latency * 1e-9) * 1e-12


def _noise(*key) -> float:
    """A deterministic draw from N(0, 1) for a key (the same setting measures the same)."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    u1 = (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 2)
    u2 = int.from_bytes(digest[8:16], "big") / 2**64
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def monotone(combo: dict) -> dict:
    tops_per_w, tops = standin_hardware(combo)
    accuracy = standin_accuracy(combo["ADCprecision"], combo["wl_activate"], combo["vari"])
    return {"accuracy": accuracy, "tops_per_w": tops_per_w, "tops": tops}


def saturating(combo: dict) -> dict:
    adc, vari = combo["ADCprecision"], combo["vari"]
    # variation hurts less the finer the ADC resolves (4 ADC bits: the stand-in's penalty; 8 bits: 1/16)
    accuracy = BASE_ACCURACY * (1 - 2.0 ** -(adc + 1)) * (1 - 2.0 ** -(combo["wl_activate"] + 1))
    accuracy *= math.exp(-3.0 * vari * 2.0 ** -(adc - 4))
    tops_per_w, tops = standin_hardware(combo, energy_scale=1 - 2.5 * vari)  # variation tolerated: less energy
    return {"accuracy": accuracy, "tops_per_w": tops_per_w, "tops": tops}


def sweet_spot(combo: dict) -> dict:
    tops_per_w, tops = standin_hardware(combo)
    accuracy = standin_accuracy(combo["ADCprecision"], 8, combo["vari"])
    accuracy *= math.exp(-0.08 * (combo["wl_activate"] - 6) ** 2)  # too few bits quantise, too many add noise
    if combo["technode"] == 45:  # its wider wires settle the fine ADC steps faster
        tops *= 2.6 * (1 + 0.25 * (combo["ADCprecision"] - 3)) / 2.0
    return {"accuracy": accuracy, "tops_per_w": tops_per_w, "tops": tops}


def noisy_cliffs(combo: dict) -> dict:
    adc, act, vari = combo["ADCprecision"], combo["wl_activate"], combo["vari"]
    values = monotone(combo)
    accuracy = values["accuracy"] * (1 + 0.015 * _noise("accuracy", adc, act, vari))
    if (act <= 4 and vari >= 0.1) or (adc == 3 and vari >= 0.2) or (adc == 4 and act == 5 and vari >= 0.05):
        accuracy = CHANCE + 0.01 * abs(_noise("cliff", adc, act, vari))
    hardware = tuple(sorted(combo.items()))
    values["accuracy"] = min(1.0, accuracy)
    values["tops_per_w"] *= math.exp(0.05 * _noise("tops_per_w", hardware))
    values["tops"] *= math.exp(0.05 * _noise("tops", hardware))
    return values


SHAPES = {"monotone": monotone, "saturating": saturating, "sweet_spot": sweet_spot, "noisy_cliffs": noisy_cliffs}


def grid(shape: str) -> dict[tuple, dict]:
    """Every setting of the space (knob values in SPACE's order) and its objective values."""
    formula = SHAPES[shape]
    return {values: formula(dict(zip(SPACE, values, strict=True))) for values in itertools.product(*SPACE.values())}
