"""Accuracy to a stated precision: splitting a test set into jobs, the interval of pooled counts,
when to stop adding jobs, and what that is expected to save.

The jobs of one inference run (its knobs and seed) evaluate the first `population` test images (the
whole set, or `max_test_images`) in the test set's order. The interval (`accuracy_interval`, the one
definition that runs.csv, the summaries and the figures use) is about the dataset's whole test set of
`test_set` images: Wilson's score interval with the finite-population correction (variance times
(N - n) / (N - 1)), which has zero width only once every image of the test set has been evaluated; a
subset (`max_test_images`) says nothing certain about the test set. Stopping when the interval first
reaches the target is a sequential rule, which makes the nominal 95 % slightly optimistic; waves of
several jobs and a floor on the images (`min_images`) keep that cost small (README: accuracy).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


@dataclass(frozen=True)
class Split:
    """How one inference run is split and when it stops (config: accuracy, or a study's accuracy)."""

    images_per_job: int | None = None  # None: one job over the whole population
    halfwidth: float | None = None  # None: every job (the whole population)
    jobs_per_wave: int = 4
    min_images: int = 300
    prior: float = 0.5  # for the plan only: the accuracy expected (0.5 is the worst case)

    def jobs(self, population: int) -> int:
        return 1 if not self.images_per_job else math.ceil(population / self.images_per_job)

    def job_range(self, part: int, population: int) -> tuple[int, int]:
        """(first image, number of images) of job `part` (0-based), in the test set's order."""
        if not self.images_per_job:
            return 0, population
        first = part * self.images_per_job
        return first, max(0, min(self.images_per_job, population - first))

    def wave_parts(self, wave: int, population: int) -> list[int]:
        """The jobs of wave `wave`: all of them without a target, else `jobs_per_wave` at a time."""
        total = self.jobs(population)
        if self.halfwidth is None:
            return list(range(total)) if wave == 0 else []
        return list(range(wave * self.jobs_per_wave, min(total, (wave + 1) * self.jobs_per_wave)))

    def strictest(self, other: Split) -> Split:
        """Two studies share one inference run: the narrower target wins (None, the whole set, is narrowest)."""
        if self.images_per_job != other.images_per_job:
            raise ValueError("runs with different images_per_job are different runs")
        targets = [h for h in (self.halfwidth, other.halfwidth)]
        halfwidth = None if None in targets else min(targets)
        return Split(
            self.images_per_job,
            halfwidth,
            min(self.jobs_per_wave, other.jobs_per_wave),
            max(self.min_images, other.min_images),
            self.prior,
        )


def job_seed(seed: int, part: int) -> int:
    """The seed of job `part` of a run with `seed`: the run's own for the first job (whose traces the
    estimate uses, as unsplit), a fixed derivation for the others, so noise draws differ between jobs
    and a rerun draws the same."""
    if part == 0:
        return int(seed)
    digest = hashlib.sha256(f"noisyneurosim-job-seed:{int(seed)}:{int(part)}".encode()).hexdigest()
    return int(digest[:8], 16) % (2**31 - 1) + 1


def wilson(correct: int, total: int, population: int | None = None, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for correct/total, with the finite-population correction when the
    sample is drawn from `population` images (zero width when total == population)."""
    if total <= 0:
        return 0.0, 1.0
    p = correct / total
    n = float(total)
    if population is not None and population > 1:
        if total >= population:
            return p, p
        n = total * (population - 1) / (population - total)  # the sample size with the same variance
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_interval(correct: int, total: int, test_set: int) -> tuple[float, float]:
    """The 95 % interval of an inference run's accuracy on its dataset's whole test set of `test_set` images,
    from `total` of them evaluated: zero width only when all were."""
    return wilson(correct, total, test_set)


def halfwidth_of(correct: int, total: int, population: int | None = None) -> float:
    low, high = wilson(correct, total, population)
    return (high - low) / 2


def images_needed(accuracy: float, halfwidth: float, population: int) -> int:
    """Images after which an accuracy near `accuracy` has a 95 % interval of at most `halfwidth`
    (normal approximation with the finite-population correction)."""
    n0 = Z95 * Z95 * accuracy * (1 - accuracy) / (halfwidth * halfwidth)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def decide(parts: list[dict], split: Split, population: int, test_set: int | None = None) -> dict:
    """After a wave: pool the jobs so far and say whether to stop, and why. `test_set`: the dataset's whole
    test set, which the interval is about (default: the population, when that is the whole set)."""
    failed = [p for p in parts if p.get("status") != "ok"]
    correct = sum(int(p.get("correct") or 0) for p in parts if p.get("status") == "ok")
    total = sum(int(p.get("total") or 0) for p in parts if p.get("status") == "ok")
    low, high = accuracy_interval(correct, total, test_set or population)
    used_up = len(parts) >= split.jobs(population)
    decision = {"correct": correct, "total": total, "low": low, "high": high, "halfwidth": (high - low) / 2}
    if failed:
        return {**decision, "stop": True, "stopped": "a job failed"}
    if split.halfwidth is not None and total >= split.min_images and decision["halfwidth"] <= split.halfwidth:
        return {**decision, "stop": True, "stopped": "target reached"}
    if used_up:
        return {**decision, "stop": True, "stopped": "test set used up" if split.halfwidth else "whole test set"}
    return {**decision, "stop": False, "stopped": ""}


def expected_images(split: Split, population: int, accuracy: float | None = None) -> int:
    """Images one run is expected to evaluate (the plan): whole waves until the interval of an
    accuracy near the prior reaches the target."""
    if split.halfwidth is None:
        return population
    need = max(
        split.min_images, images_needed(split.prior if accuracy is None else accuracy, split.halfwidth, population)
    )
    per_job = split.images_per_job or population
    per_wave = per_job * split.jobs_per_wave
    return min(population, math.ceil(need / per_wave) * per_wave)


# copied from the first job into the pooled record: where and how the run (and its traces) ran
FIRST_JOB_FIELDS = ("returncode", "command", "where", "test_set")


def pool(parts: list[dict], split: Split, population: int, log_of=None, test_set: int | None = None) -> dict:
    """One accuracy per run: correct and total summed over its jobs, the interval of the pooled
    counts, why it stopped, every job's seed; failed when any job failed (naming it and its log)."""
    parts = sorted(parts, key=lambda p: int(p.get("part", 0)))
    decision = decide(parts, split, population, test_set)
    record = {k: parts[0].get(k) for k in FIRST_JOB_FIELDS if parts and k in parts[0]}
    failed = [p for p in parts if p.get("status") != "ok"]
    if failed:
        bad = failed[0]
        first = int(bad.get("first_image") or 0)
        where = f"job {int(bad.get('part', 0)) + 1} of {len(parts)}"
        if split.images_per_job:
            where += f" (test images {first}-{first + split.images_per_job - 1})"
        log = f"; log: {log_of(int(bad.get('part', 0)))}" if log_of else ""
        record.update(status="failed", reason=f"{where}: {bad.get('reason', 'no result')}{log}")
    else:
        record.update(status="ok", reason="")
    total, correct = decision["total"], decision["correct"]
    losses = [(float(p["loss"]), int(p["total"])) for p in parts if p.get("status") == "ok" and "loss" in p]
    record.update(
        correct=correct,
        total=total,
        accuracy=correct / total if total and not failed else None,
        loss=sum(loss * n for loss, n in losses) / sum(n for _, n in losses) if losses else None,
        accuracy_low=decision["low"] if not failed else None,
        accuracy_high=decision["high"] if not failed else None,
        population=population,
        test_set_images=test_set or population,  # what the interval is about (the whole test set)
        jobs=len(parts),
        stopped=decision["stopped"],
        target=split.halfwidth,
        job_seeds=[p.get("args", {}).get("seed") for p in parts],
        seconds=sum(float(p.get("seconds") or 0) for p in parts),
        parts=[
            {
                k: p.get(k)
                for k in ("part", "first_image", "correct", "total", "status", "seconds", "started_at", "ended_at")
            }
            | {"seed": p.get("args", {}).get("seed"), "partition": (p.get("where") or {}).get("slurm_partition")}
            for p in parts
        ],
    )
    return record
