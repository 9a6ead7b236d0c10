"""The network file (`NeuroSIM/NetWork_<model>.csv`) against the layer traces it is run with.

The C++ core sizes every layer's matrices from the network file and reads the
traces into them; where the two disagree it reads past what the trace holds, and
its numbers are undefined (NaN, or different from one run to the next). Each row
of the file is: input height, input width, input channels, kernel height, kernel
width, output channels, pooling flag, stride. A layer's weight trace has
input channels x kernel area rows and output-channel columns; its input trace
has the same number of rows. Those three counts are what is checked.

Upstream ships network files that are known to disagree with their own models;
for those, the correction (output channels = weight columns, nothing else) is
derived from the traces, applied when `neurosim.correct_network` is on, and
recorded with every point that used it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

OUTPUT_CHANNELS = 5  # column of a network-file row the correction may change

# model -> what is wrong with upstream's network file (read from upstream's model code and its traces)
KNOWN_WRONG = {
    "DenseNet40": (
        "upstream's NetWork_DenseNet40.csv gives the 18 3x3 convolutions of the dense blocks the channel count "
        "after concatenation (36, 48, ... 132) as output channels, while the model computes, and inference.py "
        "traces, 12 (the growth rate)"
    ),
}


@dataclass(frozen=True)
class LayerTrace:
    layer: int  # 1-based, as NeuroSim prints it
    weight_file: str
    input_file: str
    weight_rows: int
    weight_cols: int
    input_rows: int


@dataclass(frozen=True)
class Mismatch:
    layer: int
    what: str  # which count disagrees
    network: int
    trace: int
    file: str

    @property
    def correctable(self) -> bool:
        return self.what == "output channels (weight columns)"

    def describe(self, model: str, network_name: str) -> str:
        return f"{model} layer {self.layer}: {self.what} {self.network} in {network_name}, {self.trace} in {self.file}"


class NetworkMismatch(ValueError):
    """The network file disagrees with the traces and may not (or cannot) be corrected."""


def read_rows(path: Path) -> list[list[int]]:
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        try:
            values = [int(float(f)) for f in fields]
        except ValueError:
            raise NetworkMismatch(f"{path} line {number}: not a row of numbers: {line.strip()!r}") from None
        if len(values) < 8:
            raise NetworkMismatch(f"{path} line {number}: {len(values)} fields, a network row has 8")
        rows.append(values)
    return rows


def _shape(path: Path) -> tuple[int, int]:
    """(rows, columns) counted the way the C++ core counts them: lines, and fields of the first line."""
    rows, cols = 0, 0
    with open(path, errors="replace") as fh:
        for line in fh:
            if rows == 0:
                cols = len(line.rstrip("\r\n").split(","))
            rows += 1
    return rows, cols


def trace_files(trace_command: Path) -> list[tuple[str, str]]:
    """(weight file, input file) per layer, in the order trace_command.sh passes them."""
    tokens = shlex.split(Path(trace_command).read_text())
    if len(tokens) < 8 or not tokens[0].endswith("main"):
        raise ValueError(f"{trace_command}: not a NeuroSim trace command")
    files = tokens[6:]
    return list(zip(files[0::2], files[1::2], strict=True))


def read_traces(trace_command: Path, workdir: Path) -> list[LayerTrace]:
    out = []
    for i, (weight, inputs) in enumerate(trace_files(trace_command), start=1):
        w_rows, w_cols = _shape(Path(workdir) / weight)
        in_rows, _ = _shape(Path(workdir) / inputs)
        out.append(LayerTrace(i, weight.removeprefix("./"), inputs.removeprefix("./"), w_rows, w_cols, in_rows))
    return out


def compare(rows: list[list[int]], traces: list[LayerTrace]) -> list[Mismatch]:
    if len(rows) != len(traces):
        return [Mismatch(0, "number of layers", len(rows), len(traces), "trace_command.sh")]
    out = []
    for row, t in zip(rows, traces, strict=True):
        weight_rows = row[2] * row[3] * row[4]
        if t.weight_rows != weight_rows:
            out.append(
                Mismatch(
                    t.layer, "input channels x kernel area (weight rows)", weight_rows, t.weight_rows, t.weight_file
                )
            )
        if t.weight_cols != row[OUTPUT_CHANNELS]:
            out.append(
                Mismatch(
                    t.layer, "output channels (weight columns)", row[OUTPUT_CHANNELS], t.weight_cols, t.weight_file
                )
            )
        if t.input_rows != weight_rows:
            out.append(
                Mismatch(t.layer, "input channels x kernel area (input rows)", weight_rows, t.input_rows, t.input_file)
            )
    return out


def summarise(mismatches: list[Mismatch], model: str, network_name: str, shown: int = 3) -> str:
    text = "; ".join(m.describe(model, network_name) for m in mismatches[:shown])
    if len(mismatches) > shown:
        text += f"; and {len(mismatches) - shown} more"
    return text


def _classifier_changes(rows: list[list[int]], mismatches: list[Mismatch]) -> list[dict]:
    """Upstream's files describe a classifier for one dataset (10 classes); a checkpoint trained for another
    (CIFAR-100) has that dataset's classes as outputs of its last layer, and nothing else differs there."""
    from .knobs import CLASSES

    counts = set(CLASSES.values())
    return [
        {
            "layer": m.layer,
            "field": f"output channels (classifier of {m.trace} classes)",
            "upstream": m.network,
            "used": m.trace,
        }
        for m in mismatches
        if m.layer == len(rows) and m.correctable and m.trace in counts and m.network in counts
    ]


def resolve(
    network: Path, trace_command: Path, workdir: Path, *, model: str, correct: bool
) -> tuple[list[list[int]], dict]:
    """The network rows to run with, and the record of which description that is.

    Raises NetworkMismatch when the file disagrees with the traces and the
    correction is off, not known for this model, or would not be enough.
    The classifier of a network trained for another dataset's classes is always described as trained.
    """
    name = Path(network).name
    rows = read_rows(network)
    mismatches = compare(rows, read_traces(trace_command, workdir))
    classifier = _classifier_changes(rows, mismatches)
    if classifier:
        rows = [list(r) for r in rows]
        rows[-1][OUTPUT_CHANNELS] = classifier[0]["used"]
        mismatches = [m for m in mismatches if m.layer != len(rows) or not m.correctable]
    if not mismatches:
        return rows, {"network": "corrected" if classifier else "upstream", "network_changes": classifier}
    why = f"the network file disagrees with the layer traces: {summarise(mismatches, model, name)}"
    if model not in KNOWN_WRONG:
        raise NetworkMismatch(f"{why} (not a known upstream error: check the model and {name})")
    if not correct:
        raise NetworkMismatch(f"{why}; {KNOWN_WRONG[model]}; neurosim.correct_network: true runs it corrected")
    if not all(m.correctable for m in mismatches):
        rest = [m for m in mismatches if not m.correctable]
        raise NetworkMismatch(
            "the network file disagrees with the layer traces beyond the known correction: "
            + summarise(rest, model, name)
        )
    corrected = [list(r) for r in rows]
    changes = list(classifier)
    for m in mismatches:
        corrected[m.layer - 1][OUTPUT_CHANNELS] = m.trace
        changes.append({"layer": m.layer, "field": "output channels", "upstream": m.network, "used": m.trace})
    return corrected, {"network": "corrected", "network_changes": changes}


def write_rows(path: Path, rows: list[list[int]]) -> None:
    from .files import atomic_write

    atomic_write(path, "".join(",".join(str(v) for v in row) + "\n" for row in rows))


def describe_changes(changes: list[dict]) -> str:
    """One line for a table cell: 'layer 3 output channels 36->12; layer 5 ...'."""
    return "; ".join(f"layer {c['layer']} {c['field']} {c['upstream']}->{c['used']}" for c in changes)


def check_report(layer_record: Path, network: Path) -> tuple[list[str], bool]:
    """Lines for `python -m noisyneurosim check-traces`, and whether everything agrees."""
    layer_record = Path(layer_record)
    trace_command = layer_record / "trace_command.sh"
    # trace_command.sh names the files relative to the folder inference.py ran in
    traces = read_traces(trace_command, layer_record.parent)
    rows = read_rows(network)
    mismatches = compare(rows, traces)
    model = layer_record.name.removeprefix("layer_record_")
    lines = [f"{network}: {len(rows)} layers; {trace_command}: {len(traces)} layers"]
    bad = {m.layer for m in mismatches}
    for t in traces:
        if t.layer not in bad:
            lines.append(f"  layer {t.layer}: ok ({t.weight_rows} x {t.weight_cols} weights)")
        for m in (m for m in mismatches if m.layer == t.layer):
            lines.append(f"  MISMATCH {m.describe(model, Path(network).name)}")
    if any(m.layer == 0 for m in mismatches):
        lines.append(f"  MISMATCH {mismatches[0].describe(model, Path(network).name)}")
    if mismatches:
        hint = f" ({KNOWN_WRONG[model]})" if model in KNOWN_WRONG else ""
        lines.append(f"{len(mismatches)} mismatch(es) in {len(bad)} layer(s){hint}")
    else:
        lines.append("every layer agrees")
    return lines, not mismatches
