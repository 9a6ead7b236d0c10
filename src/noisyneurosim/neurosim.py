"""Running NeuroSim: inference (accuracy and layer traces), the hardware estimate, dataset staging.

No shell is involved: every command is an argument list, so no value from
the config is ever interpreted by a shell.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tarfile
import time
from pathlib import Path

from .adapt import CORE, ROOT
from .files import atomic_write
from .network import NetworkMismatch, resolve, write_rows
from .parse import parse_accuracy, parse_hardware
from .process import run, where


def prepare_workdir(checkout: Path, workdir: Path) -> None:
    """A private working directory, so parallel runs never share layer_record_<model>/; inference.py
    loads ./log/<model>.pth from the checkout's log/ (a trained checkpoint's view has that one there)."""
    src = Path(checkout).resolve() / ROOT
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copy2(src / "inference.py", workdir / "inference.py")
    for entry in shared_folders(src):
        (workdir / entry.name).symlink_to(entry, target_is_directory=True)
    (workdir / "log").mkdir()
    for ckpt in (src / "log").glob("*.pth"):
        (workdir / "log" / ckpt.name).symlink_to(ckpt)


# In a trained checkpoint's view of the checkout: why there is no trained checkpoint to load
NOT_TRAINED = "NOT_TRAINED"


def shared_folders(src: Path) -> list[Path]:
    """The folders of the adapted Inference_pytorch a private working directory links to (its code);
    not the checkpoints, the core, or anything a run writes."""
    return [
        entry
        for entry in sorted(src.iterdir())
        if entry.is_dir() and entry.name not in ("log", "NeuroSIM") and not entry.name.startswith((".", "layer_record"))
    ]


def script_command(python: str, script: str, args: dict) -> list[str]:
    """NeuroSim's Python running one of its scripts with these arguments (an argument list, no shell)."""
    cmd = shlex.split(python) + [script]
    for key, value in args.items():
        cmd += [f"--{key}", str(value)]
    return cmd


def record_not_run(reason: str, *logs: Path) -> None:
    """The logs of a job that had nothing to run say why."""
    for log in logs:
        atomic_write(log, f"not run: {reason}\n")


def failed_estimate(reason: str) -> dict:
    """The record of a hardware estimate that gave no numbers, as aggregate.py reads it."""
    return {"status": "failed", "reason": reason, "chip": {}, "layers": [], "where": where()}


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
    first_image: int = 0,
    traces: bool = True,
) -> dict:
    """One inference job: `max_test_images` images (None: all) from `first_image` on, in the test
    set's order; with `traces`, the layer traces of its first batch for the estimate. A trained
    checkpoint's view of the checkout (training.make_view) whose training failed is not run."""
    not_trained = Path(checkout) / ROOT / NOT_TRAINED
    if not_trained.is_file():
        reason = not_trained.read_text().strip()
        record_not_run(reason, stdout_path, stderr_path)
        Path(workdir).mkdir(parents=True, exist_ok=True)
        return {"status": "failed", "reason": reason, "where": where(), "first_image": int(first_image)}
    prepare_workdir(checkout, Path(workdir))
    cmd = script_command(python, "inference.py", args)
    env = dataset_env(Path(data_root).resolve(), download=False, synthetic=synthetic)
    for name in ("NNS_MAX_TEST_IMAGES", "NNS_TEST_OFFSET", "NNS_NO_TRACES"):
        env.pop(name, None)
    if max_test_images:
        env["NNS_MAX_TEST_IMAGES"] = str(int(max_test_images))
        if first_image:
            env["NNS_TEST_OFFSET"] = str(int(first_image))
    elif first_image:
        raise ValueError("a first image other than 0 needs a number of images")
    if not traces:
        env["NNS_NO_TRACES"] = "1"
    started_at = time.time()
    code, problem, seconds = run(
        cmd, cwd=workdir, env=env, timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path
    )
    ended_at = time.time()
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
    elif result["status"] == "ok" and traces and not trace.is_file():
        result = {**result, "status": "failed", "reason": "no layer traces written (trace_command.sh missing)"}
    elif result["status"] != "ok" and "ERROR" in text:
        err = next(line for line in text.splitlines() if "ERROR" in line)
        result["reason"] = f"{result['reason']}; {err.strip()}"
    result.update({"returncode": code, "seconds": round(seconds, 3), "command": cmd, "where": where()})
    result["test_set"] = f"synthetic ({synthetic} images)" if synthetic else "real"
    result["first_image"] = int(first_image)
    result["started_at"], result["ended_at"] = started_at, ended_at  # epoch seconds: jobs side by side or not
    return result


# what NeuroSim's scripts import before anything else
PYTHON_PROBE = "import torch, torchvision, numpy"


def python_argv(python: str, modules=()) -> list[str]:
    """NeuroSim's Python as an argument list; with environment modules, loaded first as the jobs load
    them (Snakemake's env-modules: `module load ...` in bash, then the command)."""
    cmd = shlex.split(python)
    if not modules:
        return cmd
    return ["bash", "-c", f'module load {" ".join(map(shlex.quote, modules))} && exec {shlex.join(cmd)} "$@"', "--"]


def dataset_env(root: Path, *, download: bool, synthetic: int) -> dict:
    """What the adapted models/dataset.py reads: where the data is, whether it may download, whether it is synthetic."""
    env = dict(os.environ, NNS_DATA_ROOT=str(root), NNS_IMAGENET_ROOT=str(root / "imagenet"))
    env["NNS_DOWNLOAD"] = "1" if download and not synthetic else "0"
    env["NNS_SYNTHETIC"] = "1" if synthetic else "0"
    return env


def network_file(checkout: Path, model: str) -> Path:
    """Upstream's description of a model's layers, in the fetched copy."""
    return Path(checkout) / CORE / f"NetWork_{model}.csv"


def trace_command(workdir: Path, model: str) -> Path:
    return Path(workdir) / f"layer_record_{model}" / "trace_command.sh"


def pack_traces(workdir: Path, model: str, archive: Path, before_publish=None) -> dict:
    """Keep a run's layer traces (layer_record_<model>/) as a gzip archive (level 1: DenseNet40's 65 MB
    become about 3.5 MB in a second). An empty archive where the run wrote none (it failed).
    `before_publish` may stop the final rename (files.atomic_write_bytes)."""
    folder = trace_command(workdir, model).parent
    tmp = archive.with_name(archive.name + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
        if folder.is_dir():
            tar.add(folder, arcname=folder.name)
    if before_publish is not None:
        try:
            before_publish()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    os.replace(tmp, archive)
    raw = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0
    return {"traces_bytes": raw, "traces_archive_bytes": archive.stat().st_size}


def unpack_traces(archive: Path, workdir: Path) -> None:
    """The traces as inference wrote them, byte for byte, in a working directory for the core."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(workdir, filter="data")


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
    network_file: Path,
    correct_network: bool,
    network_path: Path,
    timeout: float | None,
    stdout_path: Path,
    stderr_path: Path,
) -> dict:
    """Check the traces against upstream's network file, write the description used to network_path, run the core."""
    build = Path(build).resolve()
    try:
        argv = trace_arguments(workdir, model)
        rows, network = resolve(
            network_file, trace_command(workdir, model), workdir, model=model, correct=correct_network
        )
    except (OSError, ValueError) as exc:
        # NetworkMismatch is a ValueError: the core would read past the traces, so it is not run
        kind = "" if isinstance(exc, NetworkMismatch) else "layer traces unusable: "
        record_not_run(f"{kind}{exc}", stdout_path, stderr_path)
        return failed_estimate(f"{kind}{exc}")
    write_rows(network_path, rows)
    result = run_core(build / "main", Path(network_path).resolve(), argv, workdir, timeout, stdout_path, stderr_path)
    result.update(network)
    return result


def run_core(
    main: Path, network: Path, argv: list[str], workdir: Path, timeout, stdout_path: Path, stderr_path: Path
) -> dict:
    cmd = [str(main), str(network), *argv]
    code, problem, seconds = run(
        cmd, cwd=workdir, env=dict(os.environ), timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path
    )
    if problem:
        result = {**failed_estimate(problem), "returncode": None}
    else:
        result = parse_hardware(stdout_path.read_text(errors="replace"), code, stderr_path.read_text(errors="replace"))
    result["seconds"] = round(seconds, 3)
    result["where"] = where()
    return result


def stage_dataset(
    *,
    checkout: Path,
    dataset: str,
    root: Path,
    python: str,
    download: bool,
    synthetic: int,
    flag: Path,
    stdout_path: Path,
    stderr_path: Path,
    modules=(),
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
    loader = f"{PYTHON_PROBE}; from models import dataset; dataset.get_{dataset}(batch_size=1)"
    code, problem, _ = run(
        python_argv(python, modules) + ["-c", loader],
        cwd=Path(checkout) / ROOT,
        env=dataset_env(root, download=download, synthetic=synthetic),
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
