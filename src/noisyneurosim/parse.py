"""Reading what NeuroSim prints: the C++ core's report and inference.py's accuracy line.

A hardware result is ``ok`` only when the exit code is 0, the report is
complete and every number in it is finite; anything else is ``failed`` with a
reason a user can act on.
"""

from __future__ import annotations

import contextlib
import math
import re
import signal

NUMBER = r"([-+]?(?:inf|nan|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))"

# Chip-level lines. The wording depends on pipeline vs layer-by-layer mode,
# so each metric lists every form it takes.
CHIP_LINES = {
    "chip_area_um2": [r"^ChipArea : " + NUMBER + r"um\^2"],
    "cim_array_area_um2": [r"^Chip total CIM array : " + NUMBER + r"um\^2"],
    "ic_area_um2": [r"^Total IC Area on chip \(Global and Tile/PE local\): " + NUMBER + r"um\^2"],
    "adc_area_um2": [r"^Total ADC \(or S/As and precharger for SRAM\) Area on chip : " + NUMBER + r"um\^2"],
    "accumulation_area_um2": [r"^Total Accumulation Circuits .* on chip : " + NUMBER + r"um\^2"],
    "other_area_um2": [r"^Other Peripheries .* : " + NUMBER + r"um\^2"],
    "clock_period_ns": [r"^Chip clock period is: " + NUMBER + r"ns"],
    "latency_ns": [
        r"^Chip pipeline-system-clock-cycle \(per image\) is: " + NUMBER + r"ns",
        r"^Chip layer-by-layer readLatency \(per image\) is: " + NUMBER + r"ns",
    ],
    "dynamic_energy_pj": [
        r"^Chip pipeline-system readDynamicEnergy \(per image\) is: " + NUMBER + r"pJ",
        r"^Chip total readDynamicEnergy is: " + NUMBER + r"pJ",
    ],
    "leakage_energy_pj": [
        r"^Chip pipeline-system leakage Energy \(per image\) is: " + NUMBER + r"pJ",
        r"^Chip total leakage Energy is: " + NUMBER + r"pJ",
    ],
    "leakage_power_uw": [
        r"^Chip pipeline-system leakage Power \(per image\) is: " + NUMBER + r"uW",
        r"^Chip total leakage Power is: " + NUMBER + r"uW",
    ],
    "buffer_latency_ns": [
        r"^Chip pipeline-system buffer readLatency \(per image\) is: " + NUMBER + r"ns",
        r"^Chip buffer readLatency is: " + NUMBER + r"ns",
    ],
    "buffer_energy_pj": [
        r"^Chip pipeline-system buffer readDynamicEnergy \(per image\) is: " + NUMBER + r"pJ",
        r"^Chip buffer readDynamicEnergy is: " + NUMBER + r"pJ",
    ],
    "ic_latency_ns": [
        r"^Chip pipeline-system ic readLatency \(per image\) is: " + NUMBER + r"ns",
        r"^Chip ic readLatency is: " + NUMBER + r"ns",
    ],
    "ic_energy_pj": [
        r"^Chip pipeline-system ic readDynamicEnergy \(per image\) is: " + NUMBER + r"pJ",
        r"^Chip ic readDynamicEnergy is: " + NUMBER + r"pJ",
    ],
    "tops_per_w": [r"^Energy Efficiency TOPS/W \((?:Pipelined|Layer-by-Layer) Process\): " + NUMBER],
    "tops": [r"^Throughput TOPS \((?:Pipelined|Layer-by-Layer) Process\): " + NUMBER],
    "fps": [r"^Throughput FPS \((?:Pipelined|Layer-by-Layer) Process\): " + NUMBER],
    "tops_per_mm2": [r"^Compute efficiency TOPS/mm\^2 \((?:Pipelined|Layer-by-Layer) Process\): " + NUMBER],
}
# NeuroSim's breakdown of read latency and read dynamic energy, per layer and for the chip
BREAKDOWN_METRICS = (
    "adc_latency_ns",
    "accumulation_latency_ns",
    "other_latency_ns",
    "adc_energy_pj",
    "accumulation_energy_pj",
    "other_energy_pj",
)
CHIP_METRICS = (
    tuple(CHIP_LINES)
    + BREAKDOWN_METRICS
    + (
        "memory_utilization_pct",
        "runtime_s",
    )
)
_CHIP_RE = {k: [re.compile(p) for p in v] for k, v in CHIP_LINES.items()}

LAYER_LINES = {
    "read_latency_ns": re.compile(r"^layer(\d+)'s readLatency is: " + NUMBER + "ns"),
    "read_dynamic_energy_pj": re.compile(r"^layer(\d+)'s readDynamicEnergy is: " + NUMBER + "pJ"),
    "leakage_power_uw": re.compile(r"^layer(\d+)'s leakagePower is: " + NUMBER + "uW"),
    "leakage_energy_pj": re.compile(r"^layer(\d+)'s leakageEnergy is: " + NUMBER + "pJ"),
    "buffer_latency_ns": re.compile(r"^layer(\d+)'s buffer latency is: " + NUMBER + "ns"),
    "buffer_energy_pj": re.compile(r"^layer(\d+)'s buffer readDynamicEnergy is: " + NUMBER + "pJ"),
    "ic_latency_ns": re.compile(r"^layer(\d+)'s ic latency is: " + NUMBER + "ns"),
    "ic_energy_pj": re.compile(r"^layer(\d+)'s ic readDynamicEnergy is: " + NUMBER + "pJ"),
}
BREAKDOWN = re.compile(
    r"^-+ (ADC|Accumulation Circuits|Other Peripheries) .*?(readLatency|readDynamicEnergy) is : " + NUMBER + r"(ns|pJ)"
)
BREAKDOWN_KEY = {
    ("ADC", "readLatency"): "adc_latency_ns",
    ("Accumulation Circuits", "readLatency"): "accumulation_latency_ns",
    ("Other Peripheries", "readLatency"): "other_latency_ns",
    ("ADC", "readDynamicEnergy"): "adc_energy_pj",
    ("Accumulation Circuits", "readDynamicEnergy"): "accumulation_energy_pj",
    ("Other Peripheries", "readDynamicEnergy"): "other_energy_pj",
}
LAYER_HEADER = re.compile(r"^-+ Estimation of Layer (\d+) -+")
FLOORPLAN_LIST_HEADERS = {
    "# of tile used for each layer": "tiles",
    "Speed-up of each layer": "speed_up",
    "Utilization of each layer": "utilization",
}
FLOORPLAN_ITEM = re.compile(r"^layer(\d+): " + NUMBER + r"\s*$")
FLOORPLAN_FACTS = {
    "tile_storage": re.compile(r"^Desired Conventional Mapped Tile Storage Size: (\S+)"),
    "pe_storage": re.compile(r"^Desired Conventional PE Storage Size: (\S+)"),
    "novel_tile_storage": re.compile(r"^Desired Novel Mapped Tile Storage Size: (\S+)"),
    "subarray_size": re.compile(r"^User-defined SubArray Size: (\S+)"),
}
UTILISATION = re.compile(r"^Memory Utilization of Whole Chip: " + NUMBER + r" %")
CLK = re.compile(r"^clkPeriod: " + NUMBER)
RUNTIME = re.compile(r"^Total Run-time of NeuroSim: " + NUMBER + r" seconds")
PROCESS = re.compile(r"^Energy Efficiency TOPS/W \((Pipelined|Layer-by-Layer) Process\)")
DONE = "Hardware Performance Done"
ERROR_LINE = re.compile(r"^\s*(ERROR|Error)\b.*")
# said and carried on (the maintained V1.4 warns at 14 nm and below off 300 K): a note on the point, no failure
WARNING_LINE = re.compile(r"^\s*(WARNING|Warning)\b.*")

ACCURACY = re.compile(r"Test set: Average loss: " + NUMBER + r", Accuracy: (\d+)/(\d+) \(")


def _num(text: str) -> float:
    return float(text)


class _CoreOutput:
    """What the C++ core's standard output says, read line by line: the floorplan, each layer, the
    chip summary; with every error line and every value that is not finite."""

    def __init__(self):
        self.chip: dict = {}
        self.layers: dict[int, dict] = {}
        self.floorplan: dict = {}
        self.current_layer: int | None = None
        self.in_summary = False
        self.list_name: str | None = None  # the floorplan list being read (one value per layer)
        self.nonfinite: list[str] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.process = None

    def put(self, target: dict, key: str, raw: str, where: str) -> None:
        value = _num(raw)
        if not math.isfinite(value):
            self.nonfinite.append(f"{where}{key}={raw}")
        target[key] = value

    def layer(self, index: int) -> dict:
        return self.layers.setdefault(index, {})

    def read(self, line: str) -> None:
        if ERROR_LINE.match(line):
            self.errors.append(line.strip())
        if WARNING_LINE.match(line) and line.strip() not in self.warnings:
            self.warnings.append(line.strip())
        if self._floorplan(line) or self._structure(line):
            return
        for key, rx in LAYER_LINES.items():
            if m := rx.match(line):
                self.put(self.layer(int(m.group(1))), key, m.group(2), f"layer{m.group(1)} ")
                break
        if self._breakdown(line):
            return
        self._summary(line)

    def _floorplan(self, line: str) -> bool:
        """The clock, the per-layer lists before the layers and the floorplan's facts; True when done."""
        if m := CLK.match(line):
            self.put(self.floorplan, "clk_period_s", m.group(1), "")
            return True
        for header, name in FLOORPLAN_LIST_HEADERS.items():
            if header in line:
                self.list_name = name
        if self.list_name and (m := FLOORPLAN_ITEM.match(line)):
            self.layer(int(m.group(1)))[self.list_name] = _num(m.group(2))
            return True
        for key, rx in FLOORPLAN_FACTS.items():
            if m := rx.match(line):
                self.floorplan[key] = m.group(1)
        return False

    def _structure(self, line: str) -> bool:
        """Lines that say where we are: memory utilisation, a layer's header, the summary's start."""
        if m := UTILISATION.match(line):
            self.put(self.chip, "memory_utilization_pct", m.group(1), "")
            self.list_name = None
            return True
        if m := LAYER_HEADER.match(line):
            self.current_layer = int(m.group(1))
            self.list_name = None
            return True
        if line.startswith("-----") and "Summary" in line:
            self.in_summary = True
            self.current_layer = None
            return True
        return False

    def _breakdown(self, line: str) -> bool:
        """ADC / accumulation / other latency and energy: the chip's in the summary, else the layer's."""
        if not (m := BREAKDOWN.match(line)):
            return False
        key = BREAKDOWN_KEY[(m.group(1), m.group(2))]
        if self.in_summary:
            self.put(self.chip, key, m.group(3), "chip ")
        elif self.current_layer is not None:
            self.put(self.layer(self.current_layer), key, m.group(3), f"layer{self.current_layer} ")
        return True

    def _summary(self, line: str) -> None:
        if self.in_summary:
            for key, rxs in _CHIP_RE.items():
                if any((m := rx.match(line)) for rx in rxs):
                    self.put(self.chip, key, m.group(1), "chip ")
                    break
        if m := PROCESS.match(line):
            self.process = m.group(1)
        if m := RUNTIME.match(line):
            self.chip["runtime_s"] = _num(m.group(1))


def _exit_reason(returncode: int, errors: list[str], stdout: str) -> str:
    """A non-zero exit code in words: the signal that ended the core, and its first error line."""
    what = f"exit code {returncode}"
    sig = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else None
    if sig:
        with contextlib.suppress(ValueError):  # not a signal number after all
            what += f" ({signal.Signals(sig).name})"
    if errors:
        return f"{what}: {errors[0]}"
    return f"{what} with no output" if not stdout.strip() else what


def _verdict(out: _CoreOutput, stdout: str, returncode: int | None) -> tuple[str, str]:
    """ok only with exit code 0, no error line, finite values and a complete report."""
    if returncode not in (0, None):
        return "failed", _exit_reason(returncode, out.errors, stdout)
    if not stdout.strip():
        return "failed", "no output"
    if out.errors:
        return "failed", out.errors[0]
    if out.nonfinite:
        shown = ", ".join(out.nonfinite[:4]) + (f" and {len(out.nonfinite) - 4} more" if len(out.nonfinite) > 4 else "")
        return "failed", f"non-finite values: {shown}"
    if not (DONE in stdout and all(k in out.chip for k in CHIP_LINES)):
        missing = [k for k in CHIP_LINES if k not in out.chip]
        return "failed", f"incomplete output (missing {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''})"
    return "ok", ""


def parse_hardware(stdout: str, returncode: int | None = None, stderr: str = "") -> dict:
    """Parse the C++ core's standard output into chip metrics, layers and a status."""
    out = _CoreOutput()
    for line in stdout.splitlines():
        line = line.rstrip()
        if line:
            out.read(line)
    out.errors += [line.strip() for line in stderr.splitlines() if line.strip() and ERROR_LINE.match(line)]
    status, reason = _verdict(out, stdout, returncode)
    return {
        "status": status,
        "reason": reason,
        "returncode": returncode,
        "process": out.process,
        "warnings": out.warnings,
        "chip": out.chip,
        "floorplan": out.floorplan,
        "layers": [{"layer": i, **out.layers[i]} for i in sorted(out.layers)],
    }


def parse_accuracy(text: str) -> dict:
    """Accuracy as correct/total from inference.py's 'Test set:' line (the percentage is rounded)."""
    matches = ACCURACY.findall(text)
    if not matches:
        return {"status": "failed", "reason": "no 'Test set:' line in the inference log"}
    loss, correct, total = matches[-1]
    correct, total = int(correct), int(total)
    if total <= 0:
        return {"status": "failed", "reason": f"Test set line reports {correct}/{total} images"}
    return {
        "status": "ok",
        "reason": "",
        "loss": float(loss),
        "correct": correct,
        "total": total,
        "accuracy": correct / total,
    }
