"""Running a NeuroSim process: its own process group, dies with its job, killed whole on timeout.

An outside kill (Slurm, the OOM killer, a user) is not a result: it raises
Interrupted, so nothing is recorded and the job is rerun.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def where() -> dict:
    """Where this job ran: recorded with every result, so a user can see node, Slurm job and GPU."""
    import socket

    return {
        "host": socket.gethostname(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID", ""),
        "slurm_partition": os.environ.get("SLURM_JOB_PARTITION", ""),
        "gpus": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
        "modules": os.environ.get("LOADEDMODULES", ""),
    }


class Interrupted(RuntimeError):
    """NeuroSim was killed from outside (Slurm, the OOM killer, a user): not a result, so no record."""


_EXTERNAL_SIGNALS = {-signal.SIGKILL, -signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP}


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the job process dies, so no NeuroSim run is orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run(cmd: list[str], *, cwd, env, timeout: float | None, stdout_path: Path, stderr_path: Path):
    """Run cmd in its own process group; on timeout kill the whole group."""
    started = time.monotonic()
    stdout_path.parent.mkdir(parents=True, exist_ok=True)
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        try:
            proc = subprocess.Popen(
                cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True, preexec_fn=_die_with_parent
            )
        except OSError as exc:
            return None, f"cannot start {cmd[0]!r}: {exc.strerror}", time.monotonic() - started
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None, f"timed out after {timeout:g} s (killed)", time.monotonic() - started
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    if code in _EXTERNAL_SIGNALS:
        raise Interrupted(f"{cmd[0]} was killed by {signal.Signals(-code).name} from outside; not recorded")
    return code, "", time.monotonic() - started
