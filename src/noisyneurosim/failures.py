"""Known ways NeuroSim fails, each with what it means and the way out: one table.

A failed point's reason quotes what NeuroSim said (or did not say); the first
signature that matches adds one line of explanation, so a user reading
runs.csv, summary.md or `status` knows what to change without reading the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import paths


@dataclass(frozen=True)
class Signature:
    name: str
    pattern: str  # searched (case-sensitive) in the reason
    meaning: str
    way_out: str


SIGNATURES = (
    Signature(
        "no-space-left",
        r"No space left on device",
        "the disk holding the results (or NeuroSim's working folder) was full",
        "free space (`python -m noisyneurosim status` names the file system), then `python -m noisyneurosim retry`",
    ),
    Signature(
        "network-file-mismatch",
        r"network file disagrees with the layer traces",
        "the C++ core would size its matrices from the network file and read past the traces (undefined numbers)",
        "keep neurosim.correct_network on for models whose upstream file is known wrong; "
        "otherwise fix NetWork_<model>.csv",
    ),
    Signature(
        "silent-exit-255",
        r"exit code 255 with no output",
        "NeuroSim rejects some Param.cpp values before main() without printing anything",
        "use a supported technode (130, 90, 65, 45, 32, 22, 14, 10, 7, 5, 3, 2, 1); check the point's Param.cpp.diff",
    ),
    Signature(
        "subarray-too-large",
        r"SubArray Size is too large",
        "the sub-array is larger than the chip hierarchy the network's layers allow, and the core then crashes",
        "lower subArray (DenseNet40 with its corrected network and novelMapping: 64 rows or fewer at 8-bit weights)",
    ),
    Signature(
        "rram-below-22nm",
        r"RRAM-CIM is not supported",
        "NeuroSim models RRAM only at 22 nm and above",
        "use technode >= 22 with memcelltype RRAM, or another memcelltype",
    ),
    Signature(
        "hp-below-14nm",
        r"HP technology is not supported",
        "the HP roadmap has no device data at 14 nm and below",
        "use deviceroadmap LSTP, or technode >= 22",
    ),
    Signature(
        "temperature-below-14nm",
        r"only 300K operation is supported",
        "device data at 14 nm and below exist for 300 K only",
        "use temp 300, or technode >= 22",
    ),
    Signature(
        "non-finite",
        r"non-finite values",
        "NeuroSim's model broke down for this setting and printed inf/NaN (known for RRAM with operationmode 1, "
        "synchronous false, and a network file that disagrees with its traces)",
        "change the setting; the numbers of such a run are not results",
    ),
    Signature(
        "trace-file-missing",
        r"cannot be opened",
        "a layer trace the core was given does not exist",
        f"rerun the inference of this point (delete {paths.ACCURACY.format(acc='<acc_id>')})",
    ),
    Signature(
        "too-few-traces",
        r"exit code 134",
        "the core aborted on an uncaught exception (too few trace files for the network)",
        "check that trace_command.sh lists a weight and an input file per network row",
    ),
    Signature(
        "timed-out",
        r"timed out after",
        "the run passed its time limit and was killed",
        "raise timeouts.inference or timeouts.estimate (and the Slurm runtime of that rule with it)",
    ),
    Signature(
        "cuda-out-of-memory",
        r"CUDA out of memory",
        "the batch did not fit on the GPU",
        "lower batch_size",
    ),
)
_COMPILED = tuple((s, re.compile(s.pattern)) for s in SIGNATURES)


def match(reason: str) -> Signature | None:
    return next((s for s, rx in _COMPILED if rx.search(reason)), None)


def explain(reason: str, knobs: dict | None = None) -> str:
    """The reason with the first matching signature's meaning and way out; unchanged when none matches.
    With the point's knobs the way out names this point's own values where the table's words would mislead."""
    if not reason:
        return reason
    signature = match(reason)
    if signature is None:
        return reason
    return f"{reason} [{signature.meaning}; way out: {_way_out(signature, knobs)}]"


def _way_out(signature: Signature, knobs: dict | None) -> str:
    from .knobs import KNOBS

    if not knobs:
        return signature.way_out
    if signature.name == "silent-exit-255" and knobs.get("technode") in KNOBS["technode"].choices:
        return (
            f"technode {knobs['technode']} is one NeuroSim supports, so another Param.cpp value of this point is "
            f"what it rejects (temp {knobs.get('temp')} K, deviceroadmap {knobs.get('deviceroadmap')}, "
            f"memcelltype {knobs.get('memcelltype')}): compare its Param.cpp.diff with a point that ran"
        )
    if signature.name == "subarray-too-large" and knobs.get("model") == "DenseNet40":
        from .neurosim_rules import densenet_subarray_limit

        return (
            f"lower subArray to {densenet_subarray_limit(knobs)} rows or fewer (DenseNet40 with its corrected "
            f"network, novelMapping, wl_weight {knobs.get('wl_weight')}, cellBit {knobs.get('cellBit')})"
        )
    return signature.way_out
