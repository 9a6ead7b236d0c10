"""Running the workflow as a user does: the one place that builds a snakemake command line for the tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def snakemake_command(workdir: Path, *args: str, configfile: Path | None = None, cores: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(PROJECT / "Snakefile"), "--directory", str(workdir)]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]
    if cores is not None:
        cmd += ["--cores", str(cores)]
    return cmd + list(args)


def run_snakemake(workdir: Path, *args: str, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake_command(workdir, *args, **kw), capture_output=True, text=True, timeout=timeout)


def ran(proc, rule: str) -> int:
    """How many jobs of a rule Snakemake started, from its output."""
    return len(re.findall(rf"^(?:local)?(?:rule|checkpoint) {rule}:", proc.stderr, re.M))


def row(runs, **knobs):
    """The one row of runs.csv with these knob values."""
    hit = runs
    for key, value in knobs.items():
        hit = hit[hit[key] == value]
    assert len(hit) == 1, f"{len(hit)} rows for {knobs}"
    return hit.iloc[0]


def processes_in(workdir, word: bytes) -> list[int]:
    """This test's processes with `word` as one argument of their command line that run in its folder (from
    /proc): never another copy of the workflow, or another test, on the same machine."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if word in cmdline and cwd.startswith(str(workdir)):
            pids.append(int(pid))
    return pids


def inference_processes(workdir) -> list[int]:
    """The NeuroSim inference processes running in a workflow folder."""
    return processes_in(workdir, b"inference.py")
