"""Expanding a sweep: grids, points, seeds, coupled knobs, warnings and the plan."""

import pytest

from noisyneurosim.config import ConfigError, check
from noisyneurosim.plan import plan

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def config(studies, **extra):
    return {
        "neurosim": {"repo": "https://github.com/neurosim/DNN_NeuroSim_V1.4.git", "commit": COMMIT},
        "studies": studies,
        **extra,
    }


def test_grid_is_full_factorial_times_seeds():
    sweep = check(config({"s": {"grid": {"ADCprecision": [3, 4, 5], "vari": [0.0, 0.1]}, "seeds": [1, 2]}}))
    assert len(sweep.points) == 12
    assert {(p.knobs["ADCprecision"], p.knobs["vari"], p.seed) for p in sweep.points} == {
        (a, v, s) for a in (3, 4, 5) for v in (0.0, 0.1) for s in (1, 2)
    }
    assert sweep.points[0].swept == ("ADCprecision", "vari")


def test_explicit_points_are_added_to_the_grid():
    sweep = check(config({"s": {"grid": {"technode": [22]}, "points": [{"technode": 45, "SARADC": True}]}}))
    assert [(p.knobs["technode"], p.knobs["SARADC"]) for p in sweep.points] == [(22, False), (45, True)]


def test_readable_enumeration_names():
    sweep = check(config({"s": {"grid": {"memcelltype": ["RRAM", "SRAM", 3]}, "points": None}}))
    assert sorted(p.knobs["memcelltype"] for p in sweep.points) == [1, 2, 3]


def test_coupled_knobs_set_both_sides():
    sweep = check(
        config(
            {"s": {"grid": {"ADCprecision": [6], "onoffratio": [20.0], "subArray": [64]}, "points": None}},
            defaults={"parallelRead": 64, "resistanceOn": 50e3},
        )
    )
    p = sweep.points[0]
    assert p.knobs["levelOutput"] == 64
    assert p.knobs["resistanceOff"] == pytest.approx(1e6)
    assert p.knobs["numColSubArray"] == 64
    assert p.param_values()["levelOutput"] == 64 and p.inference_args()["ADCprecision"] == 6


def test_disagreeing_halves_are_an_error_unless_decoupled():
    bad = config({"s": {"grid": {"ADCprecision": [5]}}}, defaults={"levelOutput": 16})
    with pytest.raises(ConfigError, match=r"levelOutput = 16 disagrees with ADCprecision = 5"):
        check(bad)
    bad["studies"]["s"]["decouple"] = ["ADCprecision"]
    assert check(bad).points[0].knobs["levelOutput"] == 16


def test_hardware_only_knobs_share_one_inference_run():
    sweep = check(config({"s": {"grid": {"technode": [22, 45], "SARADC": [True, False]}, "seeds": [1]}}))
    assert len(sweep.accuracy_settings()) == 1
    assert len(sweep.hardware_settings()) == 4
    assert len(sweep.estimates()) == 4


def test_accuracy_knobs_share_builds():
    sweep = check(config({"s": {"grid": {"vari": [0.0, 0.1, 0.2]}, "seeds": [1, 2]}}))
    assert len(sweep.accuracy_settings()) == 6 and len(sweep.hardware_settings()) == 1


def test_same_setting_in_two_studies_is_computed_once():
    sweep = check(config({"a": {"grid": {"vari": [0.1]}}, "b": {"grid": {"vari": [0.1, 0.2]}}}))
    assert len(sweep.points) == 3 and len(sweep.estimates()) == 2


def test_ids_are_stable_and_change_with_the_commit():
    one = check(config({"s": {"grid": {"vari": [0.1]}}}))
    again = check(config({"s": {"grid": {"vari": [0.1]}}}))
    assert one.points[0].acc_id == again.points[0].acc_id and one.points[0].hw_id == again.points[0].hw_id
    other = config({"s": {"grid": {"vari": [0.1]}}})
    other["neurosim"]["commit"] = "f" * 40
    assert check(other).points[0].acc_id != one.points[0].acc_id


def test_knobs_that_cannot_act_are_warned_about():
    sweep = check(
        config({"s": {"grid": {"vari": [0.0, 0.1], "onoffratio": [10.0, 20.0]}}}, defaults={"model": "DenseNet40"})
    )
    text = "\n".join(sweep.warnings)
    assert "vari is swept but cannot change accuracy" in text and "DenseNet40" in text
    assert "onoffratio is swept" in text
    fp = check(config({"s": {"grid": {"vari": [0.0, 0.1]}}}, defaults={"mode": "FP"}))
    assert any("FP mode" in w for w in fp.warnings)
    sram = check(config({"s": {"grid": {"cellBit": [1, 2]}}}, defaults={"memcelltype": "SRAM"}))
    assert any("1-bit SRAM" in w for w in sram.warnings)
    quiet = check(config({"s": {"grid": {"vari": [0.0, 0.1]}}}))
    assert quiet.warnings == []


def test_plan_counts_and_cost():
    sweep = check(
        config(
            {"s": {"grid": {"vari": [0.0, 0.1], "technode": [22, 45]}, "seeds": [1]}},
            max_test_images=100,
            cost={"VGG8": {"gpu_seconds_per_image": 36, "cpu_seconds_per_estimate": 900}},
        )
    )
    p = plan(sweep)
    assert (p["points"], p["builds"], p["inference_runs"], p["estimates"]) == (4, 2, 2, 4)
    assert p["gpu_hours"] == pytest.approx(2 * 100 * 36 / 3600)
    # four estimates, and one more: the reproducibility guard runs one estimate per model twice
    assert p["reproducibility_checks"] == 1
    assert p["cpu_core_hours"] == pytest.approx((4 + 1) * 900 / 3600)
    # what the cluster charges: a GPU hour as 24 core-hours, CPU jobs their core-hours
    assert p["charged_core_hours"] == pytest.approx(24 * p["gpu_hours"] + p["cpu_core_hours"])


def test_local_path_may_be_a_checkout_or_a_bare_mirror(standin, tmp_path):
    import subprocess

    path, commit = standin
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(path), str(mirror)], check=True)
    for where in (path, mirror):
        sweep = check({"neurosim": {"path": str(where), "commit": commit}, "studies": {"s": {}}})
        assert len(sweep.points) == 1


def test_env_modules_without_a_module_command_stop_before_submitting():
    import os

    from snakemake.exceptions import WorkflowError
    from snakemake_interface_executor_plugins.settings import DeploymentMethod

    from noisyneurosim.pipeline import check_env_modules

    bare = {"PATH": "/usr/bin:/bin"}  # a shell where no module system was set up
    with pytest.raises(WorkflowError, match="`module` is not a command.*CUDA/11.3.1"):
        check_env_modules({DeploymentMethod.ENV_MODULES}, ["CUDA/11.3.1"], environ=bare)
    check_env_modules({DeploymentMethod.CONDA}, ["CUDA/11.3.1"], environ=bare)  # not asked for: fine
    check_env_modules({DeploymentMethod.ENV_MODULES}, [], environ=bare)  # nothing to load: fine
    if os.path.exists("/usr/share/modules/init/bash"):
        check_env_modules(
            {DeploymentMethod.ENV_MODULES},
            ["CUDA/11.3.1"],
            environ={**bare, "BASH_ENV": "/usr/share/modules/init/bash"},
        )


def test_cluster_time_limits_must_nest_around_neurosims_own():
    from noisyneurosim.cluster import limits_that_do_not_nest

    timeouts = {"inference": 23400.0, "estimate": 1200.0, "build": 600.0}
    problems = limits_that_do_not_nest({"run_inference": 390, "run_estimate": 30, "build_base": 20}, timeouts)
    assert len(problems) == 1
    assert "rule run_inference asks the cluster for 390 min (23400 s) but timeouts.inference is 23400 s" in problems[0]
    assert "retried instead of recorded as timed out" in problems[0]
    assert limits_that_do_not_nest({"run_inference": 390}, {**timeouts, "inference": 21600.0}) == []
