"""The reproducibility guard: one estimate per model run again on the same input, compared number for number.

NeuroSim's core is meant to be deterministic; where it reads memory it never
filled (a network file that disagrees with the traces, an uninitialised flag),
it is not, and nothing in its output says so. Running one estimate per model a
second time and comparing every parsed number is cheap next to a sweep, and it
turns "nobody would notice" into a mark on every point of that model.
"""

from __future__ import annotations

import json
from pathlib import Path

from .files import json_safe, read_json
from .neurosim import record_not_run, run_core, trace_arguments

IGNORED = {"runtime_s"}  # NeuroSim's own wall-clock line differs between any two runs


def _numbers(result: dict) -> dict:
    """Every number of a parsed result, keyed by where it stands, as the estimate JSON holds them (NaN -> null)."""
    result = json.loads(json.dumps(json_safe(result), default=str))
    out = {f"chip {k}": v for k, v in (result.get("chip") or {}).items() if k not in IGNORED}
    for layer in result.get("layers") or []:
        out.update({f"layer{layer['layer']} {k}": v for k, v in layer.items() if k != "layer"})
    out["exit code"] = result.get("returncode")
    return out


def differences(first: dict, second: dict) -> list[str]:
    a, b = _numbers(first), _numbers(second)
    return [
        f"{key}: {a.get(key)} then {b.get(key)}" for key in sorted(set(a) | set(b), key=str) if a.get(key) != b.get(key)
    ]


def check(
    *,
    model: str,
    acc_id: str,
    hw_id: str,
    estimate: Path,
    network: Path,
    build: Path,
    workdir: Path,
    timeout: float | None,
    stdout_path: Path,
    stderr_path: Path,
) -> dict:
    record = {"model": model, "acc_id": acc_id, "hw_id": hw_id, "checked": False, "identical": None, "differences": []}
    first = read_json(estimate) or {}
    if first.get("returncode") is None:
        record_not_run("the estimate chosen for the check did not run the core", stdout_path, stderr_path)
        return {
            **record,
            "note": f"not checked: estimate {acc_id}/{hw_id} did not run the core ({first.get('reason', '')})",
        }
    second = run_core(
        Path(build).resolve() / "main",
        Path(network).resolve(),
        trace_arguments(workdir, model),
        workdir,
        timeout,
        stdout_path,
        stderr_path,
    )
    if second.get("returncode") is None:
        return {**record, "note": f"not checked: the second run did not finish ({second['reason']})"}
    found = differences(first, second)
    note = (
        f"the same estimate ({acc_id}/{hw_id}) run twice gave identical numbers"
        if not found
        else f"the C++ core gave different numbers for the same input ({acc_id}/{hw_id}): "
        + "; ".join(found[:3])
        + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
    )
    return {**record, "checked": True, "identical": not found, "differences": found, "note": note}
