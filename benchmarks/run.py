"""NoisyNeuroSIM benchmarks: one command, one table.

    python benchmarks/run.py            # all eight, about 10 minutes on 2 cores
    python benchmarks/run.py --quick    # smaller sizes, about 1 minute

Each benchmark compares side by side in one run, so the ratio holds on a
noisy machine. The stand-in NeuroSim (tests/standin) keeps NeuroSim's own
minutes out of the figures: what is measured is the pipeline. Set
NNS_NEUROSIM_PATH to a local NeuroSim checkout to also time its real build.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "src"))
sys.path.insert(0, str(PROJECT / "tests" / "standin"))

from standin_repo import make_standin  # noqa: E402

from noisyneurosim import config as cfg  # noqa: E402
from noisyneurosim.knobs import KNOBS, PARAM_NAMES  # noqa: E402
from noisyneurosim.plan import plan  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def record(name: str, figure: str, target: str, ok: bool | None) -> None:
    verdict = "n/a" if ok is None else ("met" if ok else "MISSED")
    ROWS.append((name, figure, target, verdict))
    print(f"  {name}: {figure}  [{target}: {verdict}]", flush=True)


def measured(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds and peak memory (MiB) of a command, run in a fresh child."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.monotonic()\n"
        "p = subprocess.run(json.loads(sys.argv[1]), capture_output=True, text=True)\n"
        "w = time.monotonic() - t\n"
        "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'wall': w, 'mib': m, 'rc': p.returncode, 'err': p.stderr[-3000:] + p.stdout[-3000:]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(cmd)], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    if data["rc"] != 0:
        raise RuntimeError(f"{cmd[:4]} failed:\n{data['err']}")
    return data["wall"], data["mib"], data["err"]


def workflow_config(repo: tuple[Path, str], root: Path, studies: dict, **extra) -> Path:
    path, commit = repo
    config = {
        "neurosim": {"path": str(path), "commit": commit},
        "python": {"command": sys.executable},
        "datasets": {"root": str(root / "datasets")},
        "max_test_images": 20,
        "defaults": {"model": "VGG8", "inference": 1, "batch_size": 10},
        "studies": studies,
        **extra,
    }
    root.mkdir(parents=True, exist_ok=True)
    file = root / "sweep.yaml"
    file.write_text(yaml.safe_dump(config, sort_keys=False))
    return file


def snakemake(workdir: Path, config_file: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(PROJECT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config_file),
        *extra,
    ]


def grid_for(points: int) -> dict:
    """A hardware x accuracy grid of about `points` points (vari x clkFreq)."""
    side = int(math.sqrt(points))
    return {
        "vari": [round(0.001 * i, 3) for i in range(side)],
        "clkFreq": [1e9 + 1e6 * i for i in range(points // side)],
    }


def bench_planning(repo, tmp: Path, sizes) -> None:
    print("1. planning (dry run)", flush=True)
    for n in sizes:
        work = tmp / f"plan{n}"
        config_file = workflow_config(repo, work, {"big": {"grid": grid_for(n), "seeds": [1]}})
        wall, mib, text = measured(snakemake(work, config_file, "--dry-run", "--quiet", "rules"))
        jobs = int(re.search(r"^total\s+(\d+)", text, re.M).group(1))
        bare = tmp / f"bare{n}"
        bare.mkdir()
        (bare / "Snakefile").write_text(
            f"rule all:\n    input:\n        expand('out/{{i}}.txt', i=range({jobs - 1})),\n\n\n"
            "rule make:\n    output:\n        'out/{i}.txt'\n    shell:\n        'touch {output}'\n"
        )
        bwall, bmib, _ = measured(
            [
                sys.executable,
                "-m",
                "snakemake",
                "--directory",
                str(bare),
                "--snakefile",
                str(bare / "Snakefile"),
                "--dry-run",
                "--quiet",
                "rules",
            ]
        )
        ratio = (wall / jobs) / (bwall / jobs)
        ok = ratio <= 2 and (n < 10000 or wall < 60)
        record(
            f"plan {n:,} points ({jobs:,} jobs)",
            f"{wall:.1f} s, {mib:.0f} MiB; bare Snakefile {bwall:.1f} s, {bmib:.0f} MiB; {ratio:.2f}x per job",
            "<= 2x bare per job" + ("; < 60 s" if n >= 10000 else ""),
            ok,
        )


def bench_work_avoided(repo, tmp: Path) -> None:
    print("2. work avoided", flush=True)
    studies = {
        "cross": {
            "grid": {"vari": [0.0, 0.1], "ADCprecision": [4, 5], "technode": [22, 45], "SARADC": [True, False]},
            "seeds": [1, 2],
        }
    }
    work = tmp / "avoid"
    config_file = workflow_config(repo, work, studies)
    sweep = cfg.load(config_file)
    p = plan(sweep)
    acc = len({tuple(sorted(pt.inference_args().items())) for pt in sweep.points})
    hw = len({tuple(sorted(pt.param_values().items())) for pt in sweep.points})
    record(
        "GPU inference jobs",
        f"{p['inference_runs']} for {p['points']} points (naive: {p['points']})",
        "= distinct accuracy settings",
        p["inference_runs"] == acc,
    )
    record(
        "C++ builds",
        f"{p['builds']} for {p['points']} points (naive: {p['points']})",
        "= distinct hardware settings",
        p["builds"] == hw,
    )
    record(
        "hardware estimates",
        f"{p['estimates']}",
        "= distinct (accuracy, hardware) pairs",
        p["estimates"] == p["points"],
    )
    subprocess.run(snakemake(work, config_file, "--cores", "2"), check=True, capture_output=True)
    studies["cross"]["grid"]["vari"].append(0.2)
    config_file = workflow_config(repo, work, studies)
    grown = cfg.load(config_file)
    new_points = len(grown.points) - p["points"]
    new_acc = len(set(grown.accuracy_settings()) - set(sweep.accuracy_settings()))
    proc = subprocess.run(snakemake(work, config_file, "--cores", "2"), check=True, capture_output=True, text=True)
    estimates = len(re.findall(r"^(?:local)?rule run_estimate:", proc.stderr, re.M))
    inference = len(re.findall(r"^(?:local)?rule run_inference:", proc.stderr, re.M))
    builds = len(re.findall(r"^(?:local)?rule build_hardware:", proc.stderr, re.M))
    record(
        "re-run after adding a vari value",
        f"{estimates} estimates, {inference} inference runs, {builds} builds for {new_points} new points",
        "nothing already done",
        estimates == new_points and builds == 0 and inference == new_acc,
    )


def bench_build(repo, tmp: Path) -> None:
    print("3. build cost", flush=True)
    from noisyneurosim.build import build_base, build_hardware
    from noisyneurosim.fetch import fetch

    defaults = {n: KNOBS[n].default for n in PARAM_NAMES}

    def compare(label: str, checkout: Path) -> None:
        base = tmp / f"{label}-base"
        t = time.monotonic()
        build_base(checkout, base, jobs=2, log=subprocess.DEVNULL)
        clean = time.monotonic() - t
        t = time.monotonic()
        build_hardware(
            base, tmp / f"{label}-hw", {**defaults, "technode": 45}, commit="bench", jobs=2, log=subprocess.DEVNULL
        )
        incremental = time.monotonic() - t
        record(
            f"{label}: new hardware setting vs clean build",
            f"{incremental:.2f} s vs {clean:.2f} s ({100 * incremental / clean:.0f} %)",
            "< 10 % of a clean build",
            incremental < 0.1 * clean,
        )

    fetch(tmp / "fetched", repo=None, commit=repo[1], path=str(repo[0]))
    compare("stand-in", tmp / "fetched" / "checkout")
    real = os.environ.get("NNS_NEUROSIM_PATH")
    if real:
        fetch(tmp / "real", repo=None, commit=None, path=real)
        compare("NeuroSim", tmp / "real" / "checkout")
    else:
        record(
            "NeuroSim: new hardware setting vs clean build",
            "skipped (set NNS_NEUROSIM_PATH)",
            "< 10 % of a clean build",
            None,
        )


def _workflow_seconds(repo, work: Path, n: int) -> float:
    studies = {"trivial": {"grid": {"clkFreq": [1e9 + 1e6 * i for i in range(n)]}, "seeds": [1]}}
    config_file = workflow_config(repo, work, studies)
    t = time.monotonic()
    subprocess.run(snakemake(work, config_file, "--cores", "1"), check=True, capture_output=True)
    return time.monotonic() - t


def _direct_seconds(repo, work: Path, n: int) -> float:
    """The same commands, one after the other, without Snakemake."""
    from noisyneurosim.build import build_base, build_hardware
    from noisyneurosim.config import check
    from noisyneurosim.fetch import fetch
    from noisyneurosim.neurosim import network_file, run_estimate, run_inference

    studies = {"trivial": {"grid": {"clkFreq": [1e9 + 1e6 * i for i in range(n)]}, "seeds": [1]}}
    sweep = check(yaml.safe_load(workflow_config(repo, work, studies).read_text()))
    t = time.monotonic()
    fetch(work / "src", repo=None, commit=repo[1], path=str(repo[0]))
    checkout = work / "src" / "checkout"
    subprocess.run(
        [sys.executable, "-c", "from models import dataset; dataset.get_cifar10(batch_size=1)"],
        cwd=checkout / "Inference_pytorch",
        check=True,
        capture_output=True,
        env=dict(os.environ, NNS_DATA_ROOT=str(work / "data"), NNS_DOWNLOAD="1"),
    )
    build_base(checkout, work / "base", jobs=1, log=subprocess.DEVNULL)
    run_inference(
        checkout=checkout,
        workdir=work / "work",
        args=sweep.points[0].inference_args(),
        python=sys.executable,
        data_root=str(work / "data"),
        synthetic=0,
        max_test_images=20,
        timeout=None,
        stdout_path=work / "i.out",
        stderr_path=work / "i.err",
    )
    for i, p in enumerate(sweep.points):
        build_hardware(work / "base", work / f"hw{i}", p.param_values(), commit="x", log=subprocess.DEVNULL)
        run_estimate(
            build=work / f"hw{i}",
            workdir=work / "work",
            model="VGG8",
            network_file=network_file(checkout, "VGG8"),
            correct_network=True,
            network_path=work / f"e{i}.network.csv",
            timeout=None,
            stdout_path=work / f"e{i}.out",
            stderr_path=work / f"e{i}.err",
        )
    return time.monotonic() - t


def bench_overhead(repo, tmp: Path, n: int) -> None:
    """Marginal cost of one more point (two jobs: a build and an estimate), from sweeps of n and 2n."""
    print("4. per-job overhead", flush=True)
    wf = [_workflow_seconds(repo, tmp / f"wf{k}", k) for k in (n, 2 * n)]
    direct = [_direct_seconds(repo, tmp / f"direct{k}", k) for k in (n, 2 * n)]
    per_point = ((wf[1] - wf[0]) - (direct[1] - direct[0])) / n
    record(
        f"overhead per point, {n} -> {2 * n} trivial points (local executor)",
        f"workflow {wf[0]:.1f} -> {wf[1]:.1f} s, direct {direct[0]:.1f} -> {direct[1]:.1f} s: "
        f"{per_point:.2f} s per point (2 jobs)",
        "< 0.5 s per point",
        per_point < 0.5,
    )


def bench_aggregation(tmp: Path, sizes) -> None:
    print("5. aggregation", flush=True)
    samples = PROJECT.parent / "shared" / "neurosim" / "samples"
    if not samples.is_dir():
        record("aggregation", "skipped (../shared/neurosim/samples absent)", "< 30 s for 10,000", None)
        return
    from noisyneurosim.aggregate import collect
    from noisyneurosim.files import write_json
    from noisyneurosim.parse import parse_hardware

    outputs = [
        (samples / f"{n}.stdout").read_text()
        for n in ("small_default", "small_layerbylayer", "small_rram22_sar_nomux", "vgg8_synthetic")
    ]
    per_item = []
    for n in sizes:
        base = tmp / f"agg{n}"
        side = int(math.sqrt(n))
        config = {
            "neurosim": {"repo": "https://github.com/neurosim/DNN_NeuroSim_V1.4.git", "commit": "0" * 40},
            "studies": {
                "s": {
                    "grid": {
                        "vari": [0.001 * i for i in range(side)],
                        "clkFreq": [1e9 + 1e6 * i for i in range(n // side)],
                    }
                }
            },
        }
        sweep = cfg.check(config)
        logs = base / "logs"
        logs.mkdir(parents=True)
        for i in range(len(sweep.points)):  # stored NeuroSim outputs, copies of real samples
            (logs / f"{i}.stdout").write_text(outputs[i % len(outputs)])
        t = time.monotonic()
        for i, p in enumerate(sweep.points):
            result = parse_hardware((logs / f"{i}.stdout").read_text(), 0)
            write_json(base / f"results/estimates/{p.acc_id}/{p.hw_id}.json", result)
            write_json(
                base / f"results/inference/{p.acc_id}/accuracy.json",
                {"status": "ok", "correct": 9, "total": 10, "accuracy": 0.9},
            )
        collect(sweep, base, runs_csv=base / "runs.csv", layers_csv=base / "layers.csv")
        seconds = time.monotonic() - t
        per_item.append(seconds / len(sweep.points))
        record(
            f"parse + aggregate {len(sweep.points):,} outputs",
            f"{seconds:.1f} s ({1000 * seconds / len(sweep.points):.2f} ms each)",
            "< 30 s for 10,000" if len(sweep.points) >= 10000 else "linear",
            seconds < 30 or len(sweep.points) < 10000,
        )
    if len(per_item) > 1:
        growth = per_item[-1] / per_item[0]
        record(
            "aggregation growth",
            f"per-output time x{growth:.2f} from smallest to largest",
            "linear (<= 1.5x)",
            growth <= 1.5,
        )


def bench_scheduler(repo, tmp: Path, n: int) -> None:
    print("6. scheduler load", flush=True)
    profile = yaml.safe_load((PROJECT / "profiles/slurm/config.yaml").read_text())
    size = profile["group-components"]["estimates"]
    studies = {"many": {"grid": {"clkFreq": [1e9 + 1e6 * i for i in range(n)]}, "seeds": [1]}}
    work = tmp / "sched"
    config_file = workflow_config(repo, work, studies)
    groups = [f"{k}={v}" for k, v in profile["groups"].items()]
    components = [f"{k}={v}" for k, v in profile["group-components"].items()]
    proc = subprocess.run(
        snakemake(work, config_file, "--dry-run", "--groups", *groups, "--group-components", *components),
        check=True,
        capture_output=True,
        text=True,
    )
    submissions = len(re.findall(r"Group job estimates", proc.stdout + proc.stderr))
    record(
        f"Slurm submissions for {n:,} estimates",
        f"{submissions} (packing {size} per job)",
        f"<= {math.ceil(n / size)}",
        submissions <= math.ceil(n / size),
    )


def _pooled(work: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((work / "results/inference").glob("*/accuracy.json"))]


def bench_images_to_a_target(repo, tmp: Path) -> None:
    """Images evaluated at accuracy.halfwidth 0.01 and 0.02 against the whole test set, for a study
    whose accuracies span about 0.1 to 0.9 (the stand-in's, on its 10,000 images); and against the
    fewest images a fixed sample size per point would need for the same interval (an oracle that
    knows each point's accuracy)."""
    from noisyneurosim.precision import images_needed

    print("7. accuracy to a stated precision (images evaluated)", flush=True)
    population = 10000
    studies = {"span": {"grid": {"vari": [0.0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75]}, "seeds": [117]}}
    defaults = {"model": "VGG8", "inference": 1, "batch_size": 200}
    used = {}
    whole_accuracy = None
    for label, accuracy in (
        ("whole test set", None),
        ("halfwidth 0.01", {"images_per_job": 200, "halfwidth": 0.01, "jobs_per_wave": 2, "min_images": 300}),
        ("halfwidth 0.02", {"images_per_job": 200, "halfwidth": 0.02, "jobs_per_wave": 2, "min_images": 300}),
    ):
        work = tmp / f"target-{label.replace(' ', '')}"
        extra = {"max_test_images": None, "defaults": defaults} | ({"accuracy": accuracy} if accuracy else {})
        config_file = workflow_config(repo, work, studies, **extra)
        measured(snakemake(work, config_file, "--cores", "2"))
        pooled = _pooled(work)
        used[label] = sum(p["total"] for p in pooled)
        if accuracy is None:
            whole_accuracy = [p["accuracy"] for p in pooled]
            lo, hi = min(whole_accuracy), max(whole_accuracy)
            record("study's accuracies (whole test set)", f"{lo:.2f} to {hi:.2f}", "span about 0.1 to 0.9", None)
            continue
        fewest = sum(
            max(accuracy["min_images"], images_needed(a, accuracy["halfwidth"], population)) for a in whole_accuracy
        )
        saving = used["whole test set"] / used[label]
        wanted = 2 if accuracy["halfwidth"] == 0.01 else 4
        record(
            f"images at {label} vs whole set",
            f"{used[label]:,} of {used['whole test set']:,} ({saving:.1f}x fewer)",
            f">= {wanted}x fewer",
            saving >= wanted,
        )
        record(
            f"images at {label} vs a fixed size per point",
            f"{used[label]:,} vs {fewest:,} ({used[label] / fewest:.2f}x)",
            "<= 1.25x",
            used[label] / fewest <= 1.25,
        )


def bench_split_wall_time(repo, tmp: Path, k: int) -> None:
    """One point's inference split into k jobs on k slots against one job (a per-image delay in the
    stand-in stands for the GPU); the inference wall time is from the first job's start to the last's end."""
    print("8. split inference wall time", flush=True)
    studies = {"one": {"grid": {"vari": [0.1]}, "seeds": [117]}}
    defaults = {"model": "VGG8", "inference": 1, "batch_size": 200}
    env = {**os.environ, "STANDIN_SECONDS_PER_IMAGE": "0.004"}
    walls = {}
    for jobs in (1, k):
        work = tmp / f"wall{jobs}"
        accuracy = {"images_per_job": 10000 // jobs} if jobs > 1 else {}
        config_file = workflow_config(repo, work, studies, max_test_images=None, defaults=defaults, accuracy=accuracy)
        measured(snakemake(work, config_file, "--cores", str(k)), env=env)
        (pooled,) = _pooled(work)
        walls[jobs] = max(p["ended_at"] for p in pooled["parts"]) - min(p["started_at"] for p in pooled["parts"])
    ratio = walls[k] / (walls[1] / k)
    record(
        f"inference wall time, {k} jobs on {k} slots",
        f"{walls[k]:.1f} s vs {walls[1]:.1f} s in one job ({ratio:.2f}x the ideal 1/{k})",
        "<= 1.3x ideal",
        ratio <= 1.3,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="nns-bench-") as name:
        tmp = Path(name)
        repo = make_standin(tmp / "standin")
        bench_planning(repo, tmp, [100, 1000] if args.quick else [100, 1000, 10000])
        bench_work_avoided(repo, tmp)
        bench_build(repo, tmp)
        bench_overhead(repo, tmp, 5 if args.quick else 20)
        bench_aggregation(tmp, [500, 2000] if args.quick else [1000, 5000, 10000])
        bench_scheduler(repo, tmp, 200 if args.quick else 1000)
        bench_images_to_a_target(repo, tmp)
        bench_split_wall_time(repo, tmp, 4)
    print()
    print("| benchmark | figure | target | verdict |")
    print("|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
