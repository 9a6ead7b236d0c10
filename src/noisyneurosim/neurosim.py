"""Driving NeuroSim: fetch, build, run inference, run the hardware estimate.

No shell is involved: every command is an argument list, so no value from
the config is ever interpreted by a shell.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .adapt import ROOT, apply_adaptations, write_record
from .files import atomic_write, write_json  # noqa: F401  (write_json: used by the rule scripts)
from .network import NetworkMismatch, resolve, write_rows
from .param_patch import UpstreamChanged, patch_param_cpp, unified_diff
from .parse import parse_accuracy, parse_hardware

CORE = f"{ROOT}/NeuroSIM"


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


def _git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def fetch(dest: Path, *, repo: str | None, commit: str | None, path: str | None) -> str:
    """Put a verified, adapted copy of NeuroSim at dest/checkout; return its commit."""
    dest = Path(dest)
    checkout = dest / "checkout"
    if checkout.exists():
        shutil.rmtree(checkout)
    dest.mkdir(parents=True, exist_ok=True)
    source = repo if repo else str(Path(path).expanduser().resolve())
    is_git = repo is not None or subprocess.run(
        ["git", "-C", source, "rev-parse", "--git-dir"], capture_output=True
    ).returncode == 0  # a checkout or a bare mirror
    if is_git:
        # "--" ends options: a repository string can never be read as one.
        _git("clone", "--quiet", "--no-checkout", "--", source, str(checkout))
        if commit:
            # commit is a checked 40-hex hash, never an option
            _git("-c", "advice.detachedHead=false", "checkout", "--quiet", commit, cwd=checkout)
        else:
            _git("checkout", "--quiet", "HEAD", cwd=checkout)
        head = _git("rev-parse", "HEAD", cwd=checkout)
        if commit and head != commit:
            raise RuntimeError(f"fetched commit {head} is not the pinned commit {commit}")
    else:
        shutil.copytree(source, checkout, symlinks=True)
        head = commit or "unversioned"
    applied = apply_adaptations(checkout, head)
    check_param_names(checkout, head)
    write_record(dest / "adaptations.json", head, applied)
    return head


def check_param_names(checkout: Path, commit: str) -> None:
    """Every knob NoisyNeuroSIM may patch needs an unconditional assignment; stop before any build."""
    from .knobs import PARAM_NAMES
    from .param_patch import find_unconditional

    path = Path(checkout) / CORE / "Param.cpp"
    lines = path.read_text(errors="replace").splitlines(keepends=True)
    missing = [name for name in PARAM_NAMES if find_unconditional(lines, name) is None]
    if missing:
        raise UpstreamChanged(
            f"upstream changed: no unconditional assignment of {', '.join(missing)} "
            f"in {CORE}/Param.cpp (commit {commit})"
        )


def _make(folder: Path, jobs: int, log) -> None:
    result = subprocess.run(["make", f"-j{max(1, jobs)}"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not (folder / "main").is_file():
        raise RuntimeError(f"make failed in {folder} with exit code {result.returncode}; see the build log")


def build_base(checkout: Path, dest: Path, *, jobs: int = 1, log=None) -> None:
    """Compile the unmodified C++ core once; hardware builds reuse its objects."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(Path(checkout) / CORE, dest, symlinks=True)
    _make(dest, jobs, log)


def build_hardware(base: Path, dest: Path, values: dict, *, commit: str, jobs: int = 1, log=None) -> dict:
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
        # make decides by time: the patched file must be newer than its object
        os.utime(param, None)
        obj = staging / "Param.o"
        if obj.exists():
            t = param.stat().st_mtime - 1
            os.utime(obj, (t, t))
        # a value edit changes no #include: keep make from regenerating .depend over every source
        depend = staging / ".depend"
        if depend.exists():
            t = param.stat().st_mtime + 1
            os.utime(depend, (t, t))
    _make(staging, jobs, log)
    (staging / "Param.cpp.diff").write_text(unified_diff(original, patched), newline="")
    for obj in staging.glob("*.o"):
        obj.unlink()  # the base build keeps the objects; a hardware build needs only main
    record = {"commit": commit, "param": values, "seconds": round(time.monotonic() - started, 3), "where": where()}
    (staging / "build.json").write_text(json.dumps(record, indent=2, default=str))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(staging, dest)
    return record


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


def _run(cmd: list[str], *, cwd, env, timeout: float | None, stdout_path: Path, stderr_path: Path):
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


def prepare_workdir(checkout: Path, workdir: Path) -> None:
    """A private working directory, so parallel runs never share layer_record_<model>/."""
    src = Path(checkout).resolve() / ROOT
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copy2(src / "inference.py", workdir / "inference.py")
    for entry in src.iterdir():
        if entry.is_dir() and entry.name not in ("log", "NeuroSIM") and not entry.name.startswith((".", "layer_record")):
            (workdir / entry.name).symlink_to(entry, target_is_directory=True)
    (workdir / "log").mkdir()
    for ckpt in (src / "log").glob("*.pth"):
        (workdir / "log" / ckpt.name).symlink_to(ckpt)


def run_inference(
    *,
    checkout: Path,
    workdir: Path,
    args: dict,
    python: str,
    data_root: str,
    synthetic: int,
    max_test_images: int | None,
    timeout: float | None,
    stdout_path: Path,
    stderr_path: Path,
) -> dict:
    prepare_workdir(checkout, Path(workdir))
    cmd = shlex.split(python) + ["inference.py"]
    for key, value in args.items():
        cmd += [f"--{key}", str(value)]
    env = _dataset_env(Path(data_root).resolve(), download=False, synthetic=synthetic)
    if max_test_images:
        env["NNS_MAX_TEST_IMAGES"] = str(int(max_test_images))
    else:
        env.pop("NNS_MAX_TEST_IMAGES", None)
    code, problem, seconds = _run(
        cmd, cwd=workdir, env=env, timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path
    )
    text = stderr_path.read_text(errors="replace") + "\n" + stdout_path.read_text(errors="replace")
    result = parse_accuracy(text)
    trace = Path(workdir) / f"layer_record_{args['model']}" / "trace_command.sh"
    if problem:
        result = {"status": "failed", "reason": problem}
    elif code != 0:
        # the last line of stderr is usually the exception that ended the run
        err_lines = [line for line in stderr_path.read_text(errors="replace").splitlines() if line.strip()]
        out_lines = [line for line in stdout_path.read_text(errors="replace").splitlines() if line.strip()]
        last = (err_lines or out_lines or [""])[-1]
        result = {"status": "failed", "reason": f"inference.py exit code {code}: {last[:300]}"}
    elif result["status"] == "ok" and not trace.is_file():
        result = {**result, "status": "failed", "reason": "no layer traces written (trace_command.sh missing)"}
    elif result["status"] != "ok" and "ERROR" in text:
        err = next(line for line in text.splitlines() if "ERROR" in line)
        result["reason"] = f"{result['reason']}; {err.strip()}"
    result.update({"returncode": code, "seconds": round(seconds, 3), "command": cmd, "where": where()})
    result["test_set"] = f"synthetic ({synthetic} images)" if synthetic else "real"
    return result


def _dataset_env(root: Path, *, download: bool, synthetic: int) -> dict:
    """What the adapted models/dataset.py reads: where the data is, whether it may download, whether it is synthetic."""
    env = dict(os.environ, NNS_DATA_ROOT=str(root), NNS_IMAGENET_ROOT=str(root / "imagenet"))
    env["NNS_DOWNLOAD"] = "1" if download and not synthetic else "0"
    env["NNS_SYNTHETIC"] = "1" if synthetic else "0"
    return env


def trace_command(workdir: Path, model: str) -> Path:
    return Path(workdir) / f"layer_record_{model}" / "trace_command.sh"


def trace_arguments(workdir: Path, model: str) -> list[str]:
    """The argv inference.py prepared for the C++ core, minus the binary and network file."""
    trace = trace_command(workdir, model)
    tokens = shlex.split(trace.read_text())
    if len(tokens) < 8 or not tokens[0].endswith("main"):
        raise ValueError(f"{trace}: not a NeuroSim trace command")
    return tokens[2:]


def run_estimate(
    *,
    build: Path,
    workdir: Path,
    model: str,
    correct_network: bool,
    network_path: Path,
    timeout: float | None,
    stdout_path: Path,
    stderr_path: Path,
) -> dict:
    """Check the traces against the network file, write the description used to network_path, run the core."""
    build = Path(build).resolve()
    try:
        argv = trace_arguments(workdir, model)
        rows, network = resolve(
            build / f"NetWork_{model}.csv", trace_command(workdir, model), workdir, model=model, correct=correct_network
        )
    except (OSError, ValueError) as exc:
        # NetworkMismatch is a ValueError: the core would read past the traces, so it is not run
        kind = "" if isinstance(exc, NetworkMismatch) else "layer traces unusable: "
        stdout_path.write_text("")
        stderr_path.write_text(f"not run: {kind}{exc}\n")
        return {"status": "failed", "reason": f"{kind}{exc}", "chip": {}, "layers": [], "where": where()}
    write_rows(network_path, rows)
    result = run_core(build / "main", Path(network_path).resolve(), argv, workdir, timeout, stdout_path, stderr_path)
    result.update(network)
    return result


def run_core(main: Path, network: Path, argv: list[str], workdir: Path, timeout, stdout_path: Path, stderr_path: Path) -> dict:
    cmd = [str(main), str(network), *argv]
    code, problem, seconds = _run(
        cmd, cwd=workdir, env=dict(os.environ), timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path
    )
    if problem:
        result = {"status": "failed", "reason": problem, "chip": {}, "layers": [], "returncode": None}
    else:
        result = parse_hardware(
            stdout_path.read_text(errors="replace"), code, stderr_path.read_text(errors="replace")
        )
    result["seconds"] = round(seconds, 3)
    result["where"] = where()
    return result


def stage_dataset(
    *, checkout: Path, dataset: str, root: Path, python: str, download: bool, synthetic: int, flag: Path,
    stdout_path: Path, stderr_path: Path,
) -> None:
    """Make the dataset present under root (downloaded, or generated when synthetic), then prove that
    NeuroSim's own loader reads it; then write the flag."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if synthetic:
        from . import synthetic as synthetic_set

        synthetic_set.write(dataset, root, synthetic)
    elif dataset == "imagenet" and not (root / "imagenet").is_dir():
        raise RuntimeError(f"ImageNet cannot be downloaded; put it under {root / 'imagenet'}")
    loader = f"from models import dataset; dataset.get_{dataset}(batch_size=1)"
    code, problem, _ = _run(
        shlex.split(python) + ["-c", loader],
        cwd=Path(checkout) / ROOT,
        env=_dataset_env(root, download=download, synthetic=synthetic),
        timeout=None,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
    )
    if problem or code != 0:
        raise RuntimeError(
            f"staging {dataset} under {root} failed ({problem or f'exit code {code}'}); see {stderr_path}"
        )
    what = f"synthetic {dataset} ({synthetic} test images, accuracy meaningless)" if synthetic else dataset
    atomic_write(flag, f"{what} staged under {root}\n")
