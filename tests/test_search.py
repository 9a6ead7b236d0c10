"""Search studies: deterministic and resumable waves, failed settings told as failed, budgets that hold,
hardware values exploited, and a search in the workflow that reuses what exists and resumes."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import random

import pandas as pd
import pytest
from conftest import base_config
from runner import ran

from noisyneurosim import config as cfg
from noisyneurosim.search import Constraint, Costs, SearchSpec, Trial, front, hypervolume, params, propose, replay

SPACE = {"ADCprecision": [3, 4, 5, 6, 7], "vari": [0.0, 0.05, 0.1, 0.15, 0.2], "technode": [22, 32, 45, 65]}


def spec(**kw) -> SearchSpec:
    base = {
        "space": SPACE,
        "objectives": (("accuracy", "max"), ("tops_per_w", "max")),
        "budget": {"points": 40},
        "points_per_wave": 8,
        "inference_runs_per_wave": 2,
        "seed": 7,
    }
    return SearchSpec(**{**base, **kw})


def oracle(combo: dict) -> dict:
    """A trade-off: more ADC bits and less variation are more accurate; fewer bits and finer nodes efficient."""
    accuracy = 0.9 * (1 - 2.0 ** -combo["ADCprecision"]) - combo["vari"]
    tops = 1000 / combo["ADCprecision"] * 22 / combo["technode"]
    return {"accuracy": accuracy, "tops_per_w": tops}


def costs(fail=lambda combo: None, reject=lambda combo: None) -> Costs:
    return Costs(
        inference_hours=lambda combo: 1.0,
        estimate_hours=lambda combo: 0.01,
        inference_done=lambda combo: False,
        reject=reject,
    )


def evaluate(wave_trials: list[Trial], fail=lambda combo: None) -> list[Trial]:
    for t in wave_trials:
        if t.status != "pending":
            continue
        reason = fail(t.combo)
        if reason:
            t.status, t.reason = "failed", reason
        else:
            t.status, t.values = "ok", oracle(t.combo)
    return wave_trials


def search(s: SearchSpec, fail=lambda combo: None, reject=lambda combo: None, stop_after: int | None = None):
    history: list[Trial] = []
    waves = []
    wave = 0
    while stop_after is None or wave < stop_after:
        proposal = propose(s, copy.deepcopy(history), wave, costs(reject=reject))
        waves.append([(t.combo, t.status) for t in proposal.trials])
        if proposal.stop:
            return history, waves, proposal
        history += evaluate(proposal.trials, fail)
        wave += 1
    return history, waves, None


def needs_gp(sampler: str) -> None:
    """The gp sampler needs torch and scipy (the `gp` extra); CI installs them and sets NNS_REQUIRE_GP=1."""
    missing = [m for m in ("torch", "scipy") if importlib.util.find_spec(m) is None]
    if sampler == "gp" and missing:
        if os.environ.get("NNS_REQUIRE_GP") == "1":
            pytest.fail(f"NNS_REQUIRE_GP=1, but {' and '.join(missing)} is not installed")
        pytest.skip(f"sampler gp needs {' and '.join(missing)} (pip install -e '.[gp]')")


@pytest.mark.parametrize("sampler", ["ehvi", "tpe", "gp"])
def test_the_same_seed_proposes_the_same_settings_and_another_seed_others(sampler):
    needs_gp(sampler)
    _, first, _ = search(spec(sampler=sampler))
    _, again, _ = search(spec(sampler=sampler))
    _, other, _ = search(spec(seed=8, sampler=sampler))
    assert first == again
    assert first != other


@pytest.mark.parametrize("sampler", ["ehvi", "tpe", "gp"])
def test_an_interrupted_search_resumes_with_the_waves_it_would_have_proposed(sampler):
    needs_gp(sampler)
    history, waves, _ = search(spec(sampler=sampler))
    # interrupted after wave 2: the record holds waves 0-2 with their results; wave 3 is proposed afresh
    kept = [t for t in history if t.wave <= 2]
    resumed = propose(spec(sampler=sampler), copy.deepcopy(kept), 3, costs())
    assert [(t.combo, t.status) for t in resumed.trials] == waves[3]


@pytest.mark.parametrize("sampler", ["ehvi", "tpe", "gp"])
def test_a_constrained_search_spends_its_budget_and_its_front_meets_the_constraint(sampler):
    """A small space, so that the optimiser asks settings it had (each told to Optuna as pruned)."""
    needs_gp(sampler)
    small = {"ADCprecision": [3, 4, 5], "vari": [0.0, 0.1], "technode": [22, 32]}
    s = spec(space=small, constraints=(Constraint("accuracy", ">=", 0.75),), budget={"points": 12}, sampler=sampler)
    history, _, proposal = search(s)
    assert len(history) == 12 and "budget.points = 12 reached" in proposal.why
    on_front = front(s, history)
    assert on_front and all(t.values["accuracy"] >= 0.75 for t in on_front)
    assert any(t.values["accuracy"] < 0.75 for t in history)  # the constraint had something to exclude


@pytest.mark.parametrize("sampler", ["ehvi", "gp"])
def test_the_model_samplers_choose_the_inference_runs_and_learn_from_them(sampler):
    """With a model, the runs after the first two follow the results: here accuracy falls with vari and
    TOPS/W does not depend on it, so the runs it opens next lean to vari 0 far more than chance (1 in 5)."""
    needs_gp(sampler)
    s = spec(sampler=sampler, budget={"points": 64}, points_per_wave=4, inference_runs_per_wave=1)
    history, _, _ = search(s)
    runs = list(dict.fromkeys((t.combo["ADCprecision"], t.combo["vari"]) for t in history))
    next_runs = runs[2:10]
    assert len(next_runs) == 8
    assert sum(v == 0.0 for _, v in next_runs) >= 4  # tpe, the same seed: 3


def test_failed_and_rejected_settings_are_told_to_optuna_as_failed_and_never_proposed_again():
    def fail(combo):
        return "NeuroSim exited 255" if combo["technode"] == 65 else None

    def reject(combo):
        return "NeuroSim's rules reject it" if combo["ADCprecision"] == 3 and combo["vari"] == 0.2 else None

    history, waves, _ = search(spec(budget={"points": 60}), fail=fail, reject=reject)
    failed = [t for t in history if t.status == "failed"]
    assert failed, "the search never tried technode 65: the test shows nothing"
    study = replay(spec(budget={"points": 60}), history, len(waves))
    states = [t.state.name for t in study.trials]
    assert states.count("FAIL") == len(failed) + sum(t.status == "rejected" for t in history)
    assert [t.params for t in study.trials] == [params(spec(), t.combo) for t in history]
    proposed = [json.dumps(t.combo, sort_keys=True) for t in history]
    assert len(proposed) == len(set(proposed)), "a setting was proposed twice"


def test_each_wave_opens_few_inference_runs_and_fills_the_rest_with_hardware_values_of_runs_that_exist():
    history, waves, _ = search(spec(budget={"points": 48}))
    accuracy_part = spec().accuracy_part
    run = set()
    for wave in range(len(waves) - 1):
        trials = [t for t in history if t.wave == wave]
        new = {accuracy_part(t.combo) for t in trials} - run
        assert len(new) <= 2
        assert sum(t.new_inference_runs for t in trials) == len(new)
        run |= new
    assert len(history) == 48
    assert len(run) < len(history) / 3  # most settings reused an inference run


def test_budgets_hold_and_say_why_the_search_stopped():
    history, _, last = search(spec(budget={"points": 20}))
    assert len(history) == 20 and last.why.startswith("budget.points = 20 reached")
    history, _, last = search(spec(budget={"gpu_hours": 3.5}))
    assert sum(t.gpu_hours for t in history) <= 3.5
    assert sum(t.new_inference_runs for t in history) == 3
    assert "every run's hardware values are explored" in last.why
    # with the GPU spent, the hardware values of the three runs were all explored (4 technodes each)
    assert len(history) == 12


def test_hypervolume_agrees_with_optunas():
    import numpy as np
    from optuna._hypervolume import compute_hypervolume  # a private helper, fine for a cross-check

    rng = random.Random(3)
    for dims in (2, 3):
        points = [tuple(rng.random() for _ in range(dims)) for _ in range(25)]
        reference = (1.1,) * dims
        ours = hypervolume(points, reference)
        theirs = compute_hypervolume(np.array(points), np.array(reference))
        assert ours == pytest.approx(theirs, rel=1e-9)


BAD_SEARCHES = [
    ({"objectives": {"acuracy": "max"}}, "studies.s.search.objectives.acuracy: not a numeric runs.csv column"),
    ({"objectives": {"accuracy": "up"}}, "studies.s.search.objectives.accuracy = 'up': max or min"),
    ({"constraints": ["accuracy > maybe"]}, "studies.s.search.constraints[0] = 'accuracy > maybe'"),
    ({"budget": {"hours": 3}}, "studies.s.search.budget = {'hours': 3}: give one or more of points"),
    ({"budget": {"points": 0}}, "studies.s.search.budget.points = 0: must be a positive integer"),
    ({"space": {"vari": {"low": 0, "high": 1, "step": 1e-6}}}, "studies.s.search.space.vari"),
    ({"space": {"technode": [22, 28]}}, "studies.s.search.space.technode[1] = 28"),
    (
        {"space": {"ADCprecison": [4, 5]}},
        "studies.s.search.space.ADCprecison: unknown knob (did you mean 'ADCprecision'?)",
    ),
    ({"seed": -1}, "studies.s.search.seed = -1"),
    ({"sampler": "bayes"}, "studies.s.search.sampler = 'bayes': one of ehvi, tpe, gp"),
    ({"space": {"vari": [[0.1, 0.2]]}}, "studies.s.search.space.vari[0] = [0.1, 0.2]: must be a number"),
    ({"points_per_wave": 1000000000}, "studies.s.search.points_per_wave = 1000000000: at most 1,000"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SEARCHES, ids=[m.split(":")[0][17:] for _, m in BAD_SEARCHES])
def test_a_bad_search_is_named_with_its_key_and_value(standin, tmp_path, change, message):
    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}, **change}
    config = {**base_config(standin, tmp_path), "studies": {"s": {"search": search}}}
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    assert f"sweep.yaml: {message}" in str(err.value)


def test_a_budget_in_yaml_exponent_notation_is_a_number_as_for_knobs(standin, tmp_path):
    """YAML 1.1 reads 1e3 as text; knobs accept it (clkFreq: 1e9), so budgets do too."""
    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"gpu_hours": "1e3"}}
    config = {**base_config(standin, tmp_path), "studies": {"s": {"search": search}}}
    assert cfg.check(config, source="sweep.yaml").searches["s"].spec.budget == {"gpu_hours": 1000.0}


def test_the_gp_sampler_without_torch_is_refused_with_the_way_to_install_it(standin, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}}
    config = {**base_config(standin, tmp_path), "studies": {"s": {"search": {**search, "sampler": "gp"}}}}
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    text = str(err.value)
    assert "sweep.yaml: studies.s.search.sampler = gp: needs torch and scipy in the workflow's Python" in text
    assert (
        "which lacks torch" in text
        and "pip install 'noisyneurosim[gp]'" in text
        and "sampler: ehvi (nothing to install)" in text
    )


def test_a_study_searches_or_lists_points_not_both(standin, tmp_path):
    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}}
    config = {**base_config(standin, tmp_path), "studies": {"s": {"search": search, "grid": {"technode": [22, 32]}}}}
    with pytest.raises(cfg.ConfigError, match="studies.s.grid: a study searches or lists points, not both"):
        cfg.check(config, source="sweep.yaml")


SEARCH = {
    "space": {"ADCprecision": [4, 5, 6], "vari": [0.0, 0.1], "technode": [22, 32, 45]},
    "objectives": {"accuracy": "max", "tops_per_w": "max"},
    "budget": {"points": 10},
    "points_per_wave": 4,
    "inference_runs_per_wave": 1,
    "seed": 3,
}


def test_a_search_in_the_workflow_reuses_a_grids_runs_resumes_and_reports_its_front(make_workflow):
    studies = {
        "grid": {"grid": {"ADCprecision": [4, 5, 6], "vari": [0.0]}, "seeds": [1]},
        "front": {"search": copy.deepcopy(SEARCH), "seeds": [1]},
    }
    wf = make_workflow(studies)
    proc = wf.run()
    out = wf.workdir / "results/search/front"
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 10 and set(trials["status"]) == {"ok"}
    # the grid's three inference runs are the search's too: only settings with vari 0.1 need new ones
    new_runs = {(a, v) for a, v in zip(trials["ADCprecision"], trials["vari"], strict=True) if v == 0.1}
    assert ran(proc, "run_inference") == 3 + len(new_runs)
    assert trials["new_inference_runs"].sum() == len(new_runs)
    runs = wf.runs()
    assert set(runs[runs["study"] == "front"]["point_id"]) == {p for ids in trials["point_ids"] for p in ids.split()}
    assert (out / "front.png").stat().st_size > 10_000
    assert (wf.workdir / "results/summary.md").read_text().count("## Search front") == 1
    # the summary counts the runs the search added and those it took from the grid, as the jobs did
    grid_used = {a for a, v in zip(trials["ADCprecision"], trials["vari"], strict=True) if v == 0.0}
    said = (out / "summary.md").read_text()
    assert f"{len(new_runs)} inference run{'s' if len(new_runs) != 1 else ''} beyond the config's grid" in said
    assert f"and {len(grid_used)} of the grid's;" in said, said
    front_rows = pd.read_csv(out / "front.csv")
    assert len(front_rows) >= 1 and front_rows["on_front"].all()

    # interrupted before its last waves: they are proposed again, the same, and nothing is computed twice
    waves = sorted((out / "waves").glob("*.json"), key=lambda p: int(p.stem))
    before = {p.name: json.loads(p.read_text())["settings"] for p in waves}
    for p in waves[1:]:
        p.unlink()
    (out / "summary.md").unlink()
    proc = wf.run()
    assert {p.name: json.loads(p.read_text())["settings"] for p in sorted((out / "waves").glob("*.json"))} == before
    assert ran(proc, "run_inference") == 0 and ran(proc, "run_estimate") == 0
    assert ran(proc, "search_wave") == len(waves) - 1

    # a larger budget: the waves are proposed again (the same ones first), and only the new settings run
    wf.config["studies"]["front"]["search"]["budget"] = {"points": 14}
    proc = wf.run()
    trials_after = pd.read_csv(out / "trials.csv")
    assert len(trials_after) == 14
    assert list(trials_after["point_ids"][:10]) == list(trials["point_ids"])
    # the new settings' estimates run, except for those the grid has (ADCprecision 4-6, vari 0, technode 22)
    added = trials_after.iloc[10:]
    in_grid = ((added["vari"] == 0.0) & (added["technode"] == 22)).sum()
    assert ran(proc, "run_estimate") == 4 - in_grid


# ---------------------------------------------------------------------------------------------------------
# the default sampler (ehvi): runs valued by what they add to the front, no model once the GPU is spent


def test_a_run_is_worth_what_its_settings_add_to_the_front_not_its_best_value_of_each_objective():
    import numpy as np

    from noisyneurosim.acquisition import gain

    # to minimise; the front's corners (0, 1) and (1, 0), the reference (2, 2)
    front_now = np.array([[0.0, 1.0], [1.0, 0.0]])
    reference = np.array([2.0, 2.0])
    # each of its settings is beaten by a front setting, though its best of each objective, (0.05, 0.05) taken
    # apart, would beat the whole front
    corners = np.array([[0.05, 1.0], [1.0, 0.05]])
    middle = np.array([[0.5, 0.5]])  # fills the front's gap: adds the square (0.5 x 0.5) it dominates alone
    assert gain(front_now, corners, reference) == 0.0
    assert gain(front_now, middle, reference) == pytest.approx(0.25)
    assert gain(front_now, np.vstack([corners, middle]), reference) == pytest.approx(0.25)


def test_the_default_sampler_opens_the_run_that_adds_most_to_the_front(monkeypatch):
    """Given what each candidate run's settings are predicted to be, the run chosen is the one whose settings
    add most to the front; the wave's second choice goes elsewhere (the first is taken as if run)."""
    import numpy as np

    from noisyneurosim import acquisition

    s = spec(space={"ADCprecision": [3, 4, 5, 6], "vari": [0.0], "technode": [22, 45]}, sampler="ehvi")
    history = evaluate([Trial(combo={"ADCprecision": 3, "vari": 0.0, "technode": t}, wave=0) for t in (22, 45)])
    # normalised, to minimise (accuracy, TOPS/W): 4 bits sits inside the front though its best of each
    # objective beats the front's, 5 fills the front's gap, 6 extends it a little beyond its accuracy end
    predicted = {
        (4, 0.0): [[0.05, 1.0], [1.0, 0.05]],
        (5, 0.0): [[0.4, 0.4], [0.6, 0.3]],
        (6, 0.0): [[-0.05, 1.0]],
    }

    def predict(self, part):
        vectors = np.array([predicted[part]])
        meets = np.ones(vectors.shape[:2], dtype=bool)
        return vectors, meets, vectors, meets

    def fit(self):  # the front so far, normalised, to minimise: its corners (0, 1) and (1, 0)
        self.front, self.reference = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 2.0])
        self.front_volume, self.fitted = acquisition.volume(self.front, self.reference), True

    monkeypatch.setattr(acquisition.RunChooser, "_predict", predict)
    monkeypatch.setattr(acquisition.RunChooser, "_fit", fit)
    chooser = acquisition.RunChooser(s, history, seed=1)
    first = chooser.next({(3, 0.0)})
    second = chooser.next({(3, 0.0), first})
    assert (first, second) == ((5, 0.0), (6, 0.0))


def test_a_knob_whose_end_runs_agree_is_not_believed_flat_between_them():
    """One value per inference run: the run-level model averages over its lengthscales, so two runs at a
    knob's ends that agree leave its middle uncertain (a sweet spot there may be worth a run); the most
    likely lengthscales alone call the knob irrelevant and its middle certain."""
    import numpy as np

    from noisyneurosim.acquisition import Model

    # (ADC bits, input bits) as ranks: input bits 4 and 8 (ranks 0 and 1) give the same accuracy
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.5, 1.0], [1.0, 1.0]])
    y = np.array([0.58, 0.58, 0.66, 0.63, 0.66])
    middle = np.array([[0.0, 1 / 3], [0.0, 2 / 3]])
    _, certain = Model(x, y, prior_scale=0.06).predict(middle)
    mean, unsure = Model(x, y, prior_scale=0.06, average=True).predict(middle)
    assert (certain < 0.002).all()
    assert (unsure > 5 * certain).all() and (unsure > 0.005).all()
    assert np.allclose(mean, 0.58, atol=0.02)  # the same best guess, held less firmly
    assert np.allclose(Model(x, y, prior_scale=0.06, average=True).predict(x)[0], y, atol=0.01)


def test_the_first_run_is_the_noise_free_one_inside_each_precisions_range():
    """Before any result, the default sampler's first inference run has every non-ideality at its ideal value
    (the nearest one the space has) and every other numeric knob of 3+ values at neither end of its range;
    the seed chooses among those."""
    space = {"ADCprecision": [3, 4, 6, 8], "wl_activate": [4, 5, 6, 8], "t": [1e3, 0.0, 1e5], "technode": [22, 45]}
    first_runs = set()
    for seed in range(12):
        for vari in ([0.0, 0.05, 0.1, 0.2], [0.2, 0.1, 0.05]):
            s = spec(space={**space, "vari": vari}, inference_runs_per_wave=1, seed=seed)
            proposal = propose(s, [], 0, costs())
            runs = {s.accuracy_part(t.combo) for t in proposal.trials}
            assert len(runs) == 1, runs
            adc, wl_activate, t, chosen_vari = runs.pop()
            assert adc in (4, 6) and wl_activate in (5, 6), (adc, wl_activate)
            assert t == 0.0 and chosen_vari == min(vari), (t, chosen_vari)
            first_runs.add((adc, wl_activate))
    assert len(first_runs) == 4  # every inner combination is some seed's first run


@pytest.mark.parametrize("sampler", ["ehvi", "tpe", "gp"])
def test_no_model_is_fitted_once_the_gpu_budget_is_spent(monkeypatch, sampler):
    """A wave that can open no inference run fits nothing: the waves after the budget's last run only fill in
    hardware values, each proposed without a model of the runs (ehvi's processes, or Optuna's study)."""
    from noisyneurosim import acquisition
    from noisyneurosim import search as search_module

    needs_gp(sampler)
    fits = []
    current = {"wave": None}
    real_fit, real_study = acquisition.RunChooser._fit, search_module.accuracy_study

    def counted(self):
        fits.append(current["wave"])
        real_fit(self)

    def counted_study(*args):
        fits.append(current["wave"])
        return real_study(*args)

    monkeypatch.setattr(acquisition.RunChooser, "_fit", counted)
    monkeypatch.setattr(search_module, "accuracy_study", counted_study)
    s = spec(sampler=sampler, budget={"gpu_hours": 3.5}, points_per_wave=2, inference_runs_per_wave=1)
    history: list[Trial] = []
    opened = []
    for wave in range(50):
        current["wave"] = wave
        proposal = propose(s, copy.deepcopy(history), wave, costs())
        if proposal.stop:
            break
        if any(t.new_inference_runs for t in proposal.trials):
            opened.append(wave)
        history += evaluate(proposal.trials)
    assert len(opened) == 3 and wave > opened[-1] + 1  # the test shows something: waves after the last run
    # every fit served a wave that opened a run, once (ehvi's first run has nothing to fit: it is spread)
    assert set(fits) <= set(opened) and fits == sorted(set(fits))
    assert set(opened[1:]) <= set(fits)


def test_a_search_space_knob_that_cannot_change_accuracy_is_refused_with_the_grids_warning(standin, tmp_path):
    search = {"space": {"vari": [0.0, 0.05, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}}
    config = {**base_config(standin, tmp_path), "studies": {"s": {"search": search}}}
    config["defaults"] = {**config.get("defaults", {}), "model": "DenseNet40"}
    with pytest.raises(cfg.ConfigError) as err:
        cfg.check(config, source="sweep.yaml")
    text = str(err.value)
    assert (
        "sweep.yaml: studies.s.search.space.vari = [0.0, 0.05, 0.1]: vari is swept but cannot change accuracy" in text
    )
    assert "same accuracy" in text
    # where it can change accuracy for some settings (VGG8 in the space too): the grid's warning, no refusal
    search["space"]["model"] = ["VGG8", "DenseNet40"]
    sweep = cfg.check(config, source="sweep.yaml")
    assert any("vari is swept but cannot change accuracy here" in w for w in sweep.warnings)


def test_an_infeasible_setting_says_which_constraint_it_misses_and_the_summary_how_sure_to_be():
    from noisyneurosim.search_report import how_sure, missed, untried_neighbours, values_never_run

    s = spec(constraints=(Constraint("accuracy", ">=", 0.8), Constraint("tops_per_w", ">=", 10)))
    trial = Trial(combo={"ADCprecision": 3, "vari": 0.1, "technode": 22}, wave=0, status="ok")
    trial.values = {"accuracy": 0.7, "tops_per_w": 50.0}
    assert missed(s, trial) == "misses accuracy >= 0.8 (0.7)"
    # the front's accuracy setting (4 bits, vari 0.05) has neighbours never run: 3 and 5 bits, vari 0 and 0.1
    on_front = Trial(combo={"ADCprecision": 4, "vari": 0.05, "technode": 22}, wave=0, status="ok")
    ran_too = Trial(combo={"ADCprecision": 5, "vari": 0.05, "technode": 45}, wave=0, status="ok")
    assert sorted(untried_neighbours(s, [on_front, ran_too], [on_front])) == [(3, 0.05), (4, 0.0), (4, 0.1)]
    # values no run had: the model only interpolates there (the sweet spot's missed peak, README)
    rejected = Trial(combo={"ADCprecision": 3, "vari": 0.1, "technode": 22}, wave=0, status="rejected")
    never = {"ADCprecision": [3, 6, 7], "vari": [0.0, 0.1, 0.15, 0.2]}
    assert values_never_run(s, [on_front, ran_too, rejected]) == never
    assert values_never_run(s, []) == {}
    said = how_sure(s, [on_front, ran_too], [on_front], pd.DataFrame({"hypervolume": [0.5, 1.0]}))
    assert "No inference run had ADCprecision 3, 6, 7; vari 0, 0.1, 0.15, 0.2: there the model only" in said
