"""Accuracy to a stated precision: job ranges, job seeds, the interval, the stopping rule, the plan."""

import math

import pytest

from noisyneurosim.precision import Split, decide, expected_images, images_needed, job_seed, wilson


def test_jobs_take_the_test_set_in_order_and_the_last_one_takes_the_rest():
    split = Split(images_per_job=3000)
    assert split.jobs(10000) == 4
    assert [split.job_range(k, 10000) for k in range(4)] == [(0, 3000), (3000, 3000), (6000, 3000), (9000, 1000)]
    assert Split().job_range(0, 10000) == (0, 10000) and Split().jobs(10000) == 1


def test_the_first_job_keeps_the_runs_seed_and_the_others_differ_reproducibly():
    seeds = [job_seed(117, k) for k in range(50)]
    assert seeds[0] == 117
    assert len(set(seeds)) == 50  # noise draws differ between jobs
    assert seeds == [job_seed(117, k) for k in range(50)]  # and a rerun draws the same
    assert job_seed(118, 1) != job_seed(117, 1)
    assert all(0 < s < 2**31 for s in seeds)


def test_wilson_interval_with_and_without_the_finite_population():
    low, high = wilson(90, 100)
    assert low == pytest.approx(0.8256, abs=1e-4) and high == pytest.approx(0.9448, abs=1e-4)  # textbook values
    assert wilson(9000, 10000, population=10000) == (0.9, 0.9)  # the whole population: no uncertainty left
    narrow = wilson(4500, 5000, population=10000)
    wide = wilson(4500, 5000)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert wilson(0, 0) == (0.0, 1.0)


def test_images_needed_matches_the_issue_figures_for_cifar10():
    # +-1 point of a 95 % interval on 10,000 test images: about 2,600 near 0.9 and 0.1, 4,900 near 0.5
    assert images_needed(0.9, 0.01, 10000) == pytest.approx(2600, rel=0.02)
    assert images_needed(0.1, 0.01, 10000) == images_needed(0.9, 0.01, 10000)
    assert images_needed(0.5, 0.01, 10000) == pytest.approx(4900, rel=0.02)


def parts(*counts):
    return [{"status": "ok", "correct": c, "total": t} for c, t in counts]


def test_waves_stop_when_the_interval_is_narrow_enough_or_the_set_is_used_up():
    split = Split(images_per_job=500, halfwidth=0.02, jobs_per_wave=2, min_images=300)
    assert split.wave_parts(0, 10000) == [0, 1] and split.wave_parts(9, 10000) == [18, 19]
    assert split.wave_parts(10, 10000) == []
    first = decide(parts((450, 500), (455, 500)), split, 10000)  # 0.905 on 1,000: +-1.8 points
    assert first["stop"] and first["stopped"] == "target reached" and first["halfwidth"] <= 0.02
    coin = decide(parts((250, 500), (240, 500)), split, 10000)  # near 0.5: not yet
    assert not coin["stop"] and coin["total"] == 1000
    assert decide(parts(*[(250, 500)] * 20), split, 10000)["stopped"] == "target reached"  # exact at 10,000
    tiny = Split(images_per_job=100, halfwidth=0.2, jobs_per_wave=1, min_images=300)
    assert not decide(parts((100, 100)), tiny, 10000)["stop"]  # the floor keeps a tiny sample from stopping


def test_a_failed_job_stops_the_run():
    split = Split(images_per_job=500, halfwidth=0.01, jobs_per_wave=2)
    decision = decide([{"status": "ok", "correct": 1, "total": 500}, {"status": "failed"}], split, 10000)
    assert decision["stop"] and decision["stopped"] == "a job failed"


def test_without_a_target_every_job_runs_in_one_wave():
    split = Split(images_per_job=2500)
    assert split.wave_parts(0, 10000) == [0, 1, 2, 3] and split.wave_parts(1, 10000) == []
    assert decide(parts(*[(2000, 2500)] * 4), split, 10000)["stopped"] == "whole test set"
    assert expected_images(split, 10000) == 10000


def test_the_plan_expects_whole_waves_up_to_the_target():
    split = Split(images_per_job=500, halfwidth=0.01, jobs_per_wave=2)
    assert expected_images(split, 10000) == 5000  # 4,900 at the worst-case prior 0.5, in waves of 1,000
    assert expected_images(Split(500, 0.01, 2, prior=0.9), 10000) == 3000
    assert expected_images(Split(500, 0.001, 2), 10000) == 10000  # never more than the set
    assert math.isclose(expected_images(Split(500, 0.02, 2), 10000) / 10000, 0.2)


def test_a_run_shared_by_two_studies_takes_the_narrower_target():
    a, b = Split(500, 0.02, 4, 300), Split(500, 0.01, 2, 500)
    both = a.strictest(b)
    assert (both.halfwidth, both.jobs_per_wave, both.min_images) == (0.01, 2, 500)
    assert a.strictest(Split(500, None)).halfwidth is None
    with pytest.raises(ValueError):
        a.strictest(Split(1000, 0.02))
