"""Building the C++ core: the unmodified core once, then one relink per hardware setting."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .adapt import CORE
from .param_patch import UpstreamChanged, patch_param_cpp, unified_diff
from .process import where


def _make(folder: Path, jobs: int, log, timeout: float | None = None) -> None:
    """make in its own process group; past `timeout` (timeouts.build) the whole group is killed."""
    proc = subprocess.Popen(
        ["make", f"-j{max(1, jobs)}"], cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"make in {folder} timed out after {timeout:g} s (timeouts.build) and was killed") from None
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    if code != 0 or not (folder / "main").is_file():
        raise RuntimeError(f"make failed in {folder} with exit code {code}; see the build log")


def build_base(checkout: Path, dest: Path, *, jobs: int = 1, log=None, timeout: float | None = None) -> None:
    """Compile the unmodified C++ core once; hardware builds reuse its objects."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(Path(checkout) / CORE, dest, symlinks=True)
    _make(dest, jobs, log, timeout)


def build_hardware(
    base: Path, dest: Path, values: dict, *, commit: str, jobs: int = 1, log=None, timeout: float | None = None
) -> dict:
    """Copy the base build (objects and times kept), patch Param.cpp, relink."""
    started = time.monotonic()
    dest = Path(dest)
    staging = dest.with_name(dest.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(base, staging, symlinks=True, copy_function=shutil.copy2)
    param = staging / "Param.cpp"
    with open(param, newline="") as fh:
        original = fh.read()
    try:
        patched = patch_param_cpp(original, values, where=f"{CORE}/Param.cpp (commit {commit})")
    except UpstreamChanged:
        shutil.rmtree(staging)
        raise
    if patched != original:
        param.write_text(patched, newline="")
        # make decides by time: Param.o older than the patched Param.cpp, which is older than .depend
        # (a value edit changes no #include, so .depend need not be regenerated over every source).
        # All three lie in the past, so make sees no clock skew.
        now = time.time()
        for name, age in (("Param.o", 2), ("Param.cpp", 1), (".depend", 0)):
            if (staging / name).exists():
                os.utime(staging / name, (now - age, now - age))
    _make(staging, jobs, log, timeout)
    (staging / "Param.cpp.diff").write_text(unified_diff(original, patched), newline="")
    for obj in staging.glob("*.o"):
        obj.unlink()  # the base build keeps the objects; a hardware build needs only main
    record = {"commit": commit, "param": values, "seconds": round(time.monotonic() - started, 3), "where": where()}
    (staging / "build.json").write_text(json.dumps(record, indent=2, default=str))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(staging, dest)
    return record
