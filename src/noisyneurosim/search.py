"""Search studies: the front of a design space within a GPU budget, proposed by Optuna (ask and tell).

A search proposes points in waves, each a Snakemake checkpoint like an inference run's accuracy waves.
Wave w is a function of the study's spec and of the results of waves 0..w-1 only: they are replayed into
a fresh Optuna study whose sampler is seeded with the study's seed and w. So the same config proposes the
same points, an interrupted search resumes at the first wave whose file is missing, and the wave files are
the one record (Optuna's journal in the results is written from them, for Optuna's own tools).

Hardware-only knobs are cheap: one inference run feeds every hardware value. Each wave therefore opens at
most `inference_runs_per_wave` new inference runs and fills its other slots with hardware values for
accuracy settings whose inference exists (or is in the wave), best first (Optuna's partially fixed trials).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .checks import check_knob_map, short
from .knobs import FLOAT_TEXT, INFERENCE_NAMES, TRAIN_NAMES
from .settings import GPU_HOUR_IN_CORE_HOURS
from .study_keys import (
    BUDGET_KEYS,
    DIRECTIONS,
    GP_INSTALL,
    MAX_RANGE_VALUES,
    OBJECTIVE_COLUMNS,
    SAMPLERS,
    SEARCH_KEYS,
)

CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=)\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$")
ATTEMPTS_PER_SLOT = 20  # asks per wave slot before the wave is closed (duplicates, rejected settings)
ASKED_OUT = "no new setting found in this wave's asks (the space may be explored)"
DEFAULT_SAMPLER = SEARCH_KEYS["sampler"].default


@dataclass(frozen=True)
class Constraint:
    column: str
    op: str  # ">=" or "<="
    bound: float

    def violation(self, value: float) -> float:
        """Optuna's convention: <= 0 when met."""
        return self.bound - value if self.op == ">=" else value - self.bound

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class SearchSpec:
    space: dict  # knob -> list of values, in the config's order
    objectives: tuple  # (column, "max" | "min")
    constraints: tuple = ()
    budget: dict = field(default_factory=dict)
    points_per_wave: int = SEARCH_KEYS["points_per_wave"].default
    inference_runs_per_wave: int = SEARCH_KEYS["inference_runs_per_wave"].default
    seed: int = SEARCH_KEYS["seed"].default
    sampler: str = DEFAULT_SAMPLER

    @property
    def accuracy_knobs(self) -> tuple:
        """The searched knobs that decide the inference run (the others only the hardware estimate)."""
        return tuple(k for k in self.space if k in INFERENCE_NAMES or k in TRAIN_NAMES)

    @property
    def hardware_knobs(self) -> tuple:
        return tuple(k for k in self.space if k not in self.accuracy_knobs)

    @property
    def columns(self) -> tuple:
        return tuple(dict.fromkeys([c for c, _ in self.objectives] + [c.column for c in self.constraints]))

    def size(self) -> int:
        return math.prod(len(v) for v in self.space.values())

    def accuracy_part(self, combo: dict) -> tuple:
        return tuple(combo[k] for k in self.accuracy_knobs)

    def runs_of(self, trials: list) -> set[tuple]:
        """The accuracy settings of these trials that have an inference run (a rejected setting ran nothing)."""
        return {self.accuracy_part(t.combo) for t in trials if t.status != "rejected"}


# ---------------------------------------------------------------------------------------------------------
# the config's search: mapping


def check_spec(where: str, raw: Any, problems: list[str]) -> SearchSpec:
    """A study's `search:` mapping, checked like every knob; problems name the key and the value."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with {', '.join(SEARCH_KEYS)}, got {short(raw)}")
        return SearchSpec(space={}, objectives=())
    for key in raw:
        if key not in SEARCH_KEYS:
            problems.append(f"{where}.{key}: unknown key; allowed: {', '.join(SEARCH_KEYS)}")
    space = _check_space(f"{where}.space", raw.get("space"), problems)
    objectives = _check_objectives(f"{where}.objectives", raw.get("objectives"), problems)
    constraints = _check_constraints(f"{where}.constraints", raw.get("constraints", []), problems)
    budget = _check_budget(f"{where}.budget", raw.get("budget"), problems)
    per_wave, runs, seed = (
        _check_count(f"{where}.{name}", raw.get(name, SEARCH_KEYS[name].default), problems)
        for name in ("points_per_wave", "inference_runs_per_wave", "seed")
    )
    sampler = _check_sampler(f"{where}.sampler", raw.get("sampler", DEFAULT_SAMPLER), problems)
    return SearchSpec(
        space, tuple(objectives), tuple(constraints), budget, per_wave, min(runs, per_wave), seed, sampler
    )


def _check_constraints(where: str, raw: Any, problems: list[str]) -> list[Constraint]:
    if not isinstance(raw, list):
        problems.append(f'{where} = {short(raw)}: a list like ["accuracy >= 0.88"]')
        return []
    constraints = []
    for i, text in enumerate(raw):
        m = CONSTRAINT.match(text) if isinstance(text, str) else None
        if not m:
            problems.append(f'{where}[{i}] = {short(text)}: write "<column> >= <number>" or "<= <number>"')
        elif m.group(1) not in OBJECTIVE_COLUMNS:
            problems.append(f"{where}[{i}] = {short(text)}: {m.group(1)} is not a numeric runs.csv column")
        else:
            constraints.append(Constraint(m.group(1), m.group(2), float(m.group(3))))
    return constraints


def _check_sampler(where: str, value: Any, problems: list[str]) -> str:
    import importlib.util

    if value not in SAMPLERS:
        problems.append(f"{where} = {short(value)}: one of {', '.join(SAMPLERS)}")
        return DEFAULT_SAMPLER
    missing = [m for m in SAMPLERS[value] if importlib.util.find_spec(m) is None]
    if missing:
        problems.append(
            f"{where} = {value}: needs {' and '.join(SAMPLERS[value])} in the workflow's Python "
            f"({sys.executable}), which lacks {' and '.join(missing)}: {GP_INSTALL}, or sampler: {DEFAULT_SAMPLER} "
            "(nothing to install)"
        )
    return value


def _check_space(where: str, raw: Any, problems: list[str]) -> dict:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: must map knobs to a list of values or {{low, high, step}}, got {short(raw)}")
        return {}
    lists = {}
    for name, values in raw.items():
        if isinstance(values, dict):
            values = _expand_range(f"{where}.{name}", values, problems)
            if values is None:
                continue
        lists[name] = values
    space = check_knob_map(where, lists, problems, lists=True)
    if space and not any(len(v) > 1 for v in space.values()):
        problems.append(f"{where}: every knob has one value; a search needs at least one knob with two")
    return space


def _expand_range(where: str, spec: dict, problems: list[str]) -> list | None:
    keys = {"low", "high", "step"}
    if set(spec) != keys:
        problems.append(f"{where} = {short(spec)}: a range is {{low, high, step}}")
        return None
    low, high, step = spec["low"], spec["high"], spec["step"]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in spec.values())
    if not numbers or step <= 0 or high < low:
        problems.append(f"{where} = {short(spec)}: low <= high and step > 0, all numbers")
        return None
    count = math.floor((high - low) / step + 1e-9) + 1
    if count > MAX_RANGE_VALUES:
        problems.append(
            f"{where} = {short(spec)}: {count:,} values, more than {MAX_RANGE_VALUES:,}; take a larger step"
        )
        return None
    integers = all(isinstance(v, int) for v in spec.values())
    return [low + i * step if integers else round(low + i * step, 12) for i in range(count)]


def _check_objectives(where: str, raw: Any, problems: list[str]) -> list:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: must map runs.csv columns to max or min, e.g. {{accuracy: max, tops_per_w: max}}")
        return []
    out = []
    for column, direction in raw.items():
        if column not in OBJECTIVE_COLUMNS:
            problems.append(f"{where}.{column}: not a numeric runs.csv column; e.g. accuracy, tops_per_w, area_um2")
        elif direction not in DIRECTIONS:
            problems.append(f"{where}.{column} = {short(direction)}: max or min")
        else:
            out.append((column, direction))
    return out


def _check_budget(where: str, raw: Any, problems: list[str]) -> dict:
    if not isinstance(raw, dict) or not raw or any(k not in BUDGET_KEYS for k in raw):
        problems.append(f"{where} = {short(raw)}: give one or more of {', '.join(BUDGET_KEYS)} (each given must hold)")
        return {}
    out = {}
    for key, value in raw.items():
        if isinstance(value, str) and FLOAT_TEXT.match(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e3 as text; knobs accept it, so budgets do
            value = int(value) if key == "points" and value.is_integer() else value
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not number or value <= 0 or (key == "points" and not isinstance(value, int)):
            problems.append(
                f"{where}.{key} = {short(value)}: must be a positive {'integer' if key == 'points' else 'number'}"
            )
        else:
            out[key] = value
    return out


def _check_count(where: str, value: Any, problems: list[str]) -> int:
    """An integer key of the search within its catalogue bounds; its lowest value where it is not."""
    key = SEARCH_KEYS[where.rpartition(".")[2]]
    integer = isinstance(value, int) and not isinstance(value, bool)
    if integer and key.minimum <= value <= key.maximum:
        return value
    if key.must:  # one message for every wrong value
        why = key.must
    elif integer and value > key.maximum:
        why = f"at most {key.maximum:,} (each setting of a wave is its jobs)"
    else:
        why = "must be a positive integer"
    problems.append(f"{where} = {short(value)}: {why}")
    return key.minimum


# ---------------------------------------------------------------------------------------------------------
# what was tried, and what it cost


@dataclass
class Trial:
    """One searched setting (run with every seed of the study): what a wave file records and its results."""

    combo: dict
    wave: int
    status: str = "pending"  # ok | failed | rejected | pending
    values: dict = field(default_factory=dict)  # column -> mean over seeds
    reason: str = ""
    new_inference_runs: int = 0
    gpu_hours: float = 0.0
    cpu_hours: float = 0.0
    points: list = field(default_factory=list)  # the Point records, one per seed
    rows: list = field(default_factory=list)  # their runs.csv rows, once read

    def feasible(self, spec: SearchSpec) -> bool:
        return self.status == "ok" and all(c.violation(self.values[c.column]) <= 0 for c in spec.constraints)


@dataclass(frozen=True)
class Costs:
    """What a proposed setting costs; the workflow's cost table, answered for one search study."""

    inference_hours: Callable[[dict], float]  # GPU hours of its inference runs if they are new
    estimate_hours: Callable[[dict], float]  # CPU core-hours of its estimates
    inference_done: Callable[[dict], bool]  # its inference runs exist already (another study, a grid)
    reject: Callable[[dict], str | None]  # why NeuroSim cannot run it, or None
    points_per_setting: int = 1  # the study's seeds


@dataclass
class Wave:
    wave: int
    trials: list  # the proposed Trials (status pending) and rejected ones
    stop: bool
    why: str


def spent(trials: list[Trial], points_per_setting: int) -> dict:
    """The budget used so far, as planned when each setting was proposed (deterministic, unlike timings)."""
    run = [t for t in trials if t.status != "rejected"]
    gpu = sum(t.gpu_hours for t in run)
    cpu = sum(t.cpu_hours for t in run)
    return {
        "points": len(run) * points_per_setting,
        "gpu_hours": gpu,
        "core_hours": cpu + GPU_HOUR_IN_CORE_HOURS * gpu,
        "inference_runs": sum(t.new_inference_runs for t in run),
    }


# ---------------------------------------------------------------------------------------------------------
# proposing a wave


def _wave_seed(seed: int, wave: int) -> int:
    digest = hashlib.sha256(f"{seed}:{wave}".encode()).hexdigest()
    return int(digest[:8], 16)


def _key(combo: dict) -> str:
    return json.dumps(combo, sort_keys=True)


def _study(spec: SearchSpec, wave: int):
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    sampler = _sampler(
        spec,
        _wave_seed(spec.seed, wave),
        gp=not spec.hardware_knobs,  # every trial is an inference run: gp chooses them
        n_startup_trials=min(10, spec.points_per_wave),
    )
    return optuna.create_study(directions=[DIRECTIONS[d] for _, d in spec.objectives], sampler=sampler)


def _sampler(spec: SearchSpec, seed: int, *, gp: bool, **tpe_options):
    """The one place a study's sampler is chosen: Optuna's Gaussian process where the spec asks for gp and
    it chooses this study's trials (`gp`), else TPE with these options."""
    import optuna

    if spec.sampler == "gp" and gp:
        return _gp_sampler(spec, seed)
    # constant liar: settings proposed in this wave but not yet run are not proposed again
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True, **tpe_options)


def _set_constraints(trial, spec: SearchSpec, violation: Callable[[Constraint], float]) -> None:
    """Optuna's constraints (<= 0 when met), set on a trial before it is told: its samplers read them."""
    for c in spec.constraints:
        trial.set_constraint(str(c), violation(c))


def _gp_sampler(spec: SearchSpec, seed: int):
    """Optuna's Gaussian-process sampler: a model of each objective over the knobs from the first two runs
    on (benchmarks/search.py: fewer inference runs reach the front than with TPE)."""
    import optuna
    import torch

    # its matrices are small: on a few busy cores torch's thread pool made a replayed search about 3x slower
    # than one thread, with identical proposals (issue #29)
    torch.set_num_threads(1)
    return optuna.samplers.GPSampler(seed=seed, n_startup_trials=2)


def _ordinal(values: list) -> bool:
    return len(values) >= 3 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def params(spec: SearchSpec, combo: dict) -> dict:
    """A setting (or part of one) in Optuna's terms: a numeric knob of three or more values by its rank
    among them (so that neighbouring values inform each other), any other by its value."""
    return {k: sorted(spec.space[k]).index(v) if _ordinal(spec.space[k]) else v for k, v in combo.items()}


def _suggest(trial, spec: SearchSpec, knobs: tuple | None = None) -> dict:
    combo = {}
    for name in knobs or spec.space:
        values = spec.space[name]
        if _ordinal(values):
            ordered = sorted(values)
            combo[name] = ordered[trial.suggest_int(name, 0, len(ordered) - 1)]
        else:
            combo[name] = trial.suggest_categorical(name, values)
    return combo


def tell(study, spec: SearchSpec, trial, result: Trial) -> None:
    """Tell Optuna one result: failed and rejected settings as failed, not dropped."""
    import optuna

    if result.status == "ok":
        _set_constraints(trial, spec, lambda c: c.violation(result.values[c.column]))
        study.tell(trial, [result.values[c] for c, _ in spec.objectives])
    elif result.status in ("failed", "rejected"):
        trial.set_user_attr("reason", result.reason[:500])
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:  # pending: proposed in this wave
        pass


def replay(spec: SearchSpec, history: list[Trial], wave: int):
    """A fresh Optuna study holding every earlier result, in the order it was proposed."""
    study = _study(spec, wave)
    replay_into(study, spec, history)
    return study


def replay_into(study, spec: SearchSpec, trials: list[Trial], before_tell: Callable | None = None) -> None:
    """Each result asked and told to `study`, in order (`before_tell(trial, result)` may mark the trial):
    the one loop behind a wave's replay and the journal written after the search."""
    for result in trials:
        study.enqueue_trial(params(spec, result.combo))
        trial = study.ask()
        _suggest(trial, spec)
        if before_tell is not None:
            before_tell(trial, result)
        tell(study, spec, trial, result)


def accuracy_study(spec: SearchSpec, history: list[Trial], wave: int):
    """A fresh Optuna study over the accuracy knobs alone: one trial per accuracy setting run so far, valued
    by the best of each objective among its hardware values (the feasible ones when there are), failed
    when none of its settings finished."""
    import optuna

    sampler = _sampler(
        spec,
        _wave_seed(spec.seed, wave) + 2,
        gp=True,  # the accuracy settings are the inference runs
        # TPE: few accuracy settings are ever run: model them from the second on, the knobs jointly
        # (benchmarks/search.py: the best of the TPE variants measured)
        n_startup_trials=1,
        multivariate=True,
    )
    study = optuna.create_study(directions=[DIRECTIONS[d] for _, d in spec.objectives], sampler=sampler)
    groups: dict[tuple, list[Trial]] = {}
    for t in history:
        if t.status != "rejected":
            groups.setdefault(spec.accuracy_part(t.combo), []).append(t)
    for part, trials in groups.items():
        study.enqueue_trial(params(spec, dict(zip(spec.accuracy_knobs, part, strict=True))))
        trial = study.ask()
        _suggest(trial, spec, spec.accuracy_knobs)
        ok = [t for t in trials if t.status == "ok"]
        if not ok:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        pool = [t for t in ok if t.feasible(spec)] or ok
        best = [(max if d == "max" else min)(t.values[c] for t in pool) for c, d in spec.objectives]
        _set_constraints(trial, spec, lambda c, ok=ok: min(c.violation(t.values[c.column]) for t in ok))
        study.tell(trial, best)
    return study


class RunChoice:
    """Which accuracy settings get the wave's new inference runs. Built on the wave's first ask, so a wave
    that has no GPU hours left fits no model (ehvi's Gaussian processes, gp's, TPE's study)."""

    def __init__(self, spec: SearchSpec, history: list[Trial], wave: int, rng: random.Random):
        self.spec, self.history, self.wave, self.rng = spec, history, wave, rng
        self.chooser = None

    def next(self, taken: set) -> tuple | None:
        if self.chooser is None:
            if self.spec.sampler == "ehvi":
                from .acquisition import RunChooser

                self.chooser = RunChooser(self.spec, self.history, _wave_seed(self.spec.seed, self.wave) + 2)
            else:
                self.chooser = accuracy_study(self.spec, self.history, self.wave)
        if self.spec.sampler == "ehvi":
            return self.chooser.next(taken)
        return _ask_accuracy(self.chooser, self.spec, taken, self.rng)


def _run_affordable(spec: SearchSpec, used: dict, costs: Costs, taken: set, limit_points: int | None) -> bool:
    """Whether some accuracy setting not run yet fits the budget: asked before anything is fitted for one."""
    first = {k: spec.space[k][0] for k in spec.hardware_knobs}
    for part in itertools.product(*(spec.space[k] for k in spec.accuracy_knobs)):
        if part in taken:
            continue
        combo = {k: {**first, **dict(zip(spec.accuracy_knobs, part, strict=True))}[k] for k in spec.space}
        gpu = 0.0 if costs.inference_done(combo) else costs.inference_hours(combo)
        if not _over_budget(spec, used, costs.points_per_setting, gpu, costs.estimate_hours(combo), limit_points):
            return True
    return False


def _ask_accuracy(study, spec: SearchSpec, taken: set, rng: random.Random) -> tuple | None:
    """An accuracy setting not run yet, from the accuracy study (or at random when it asks one that is)."""
    trial = study.ask()
    part = tuple(_suggest(trial, spec, spec.accuracy_knobs).values())
    if part not in taken:
        return part  # its trial stays running: the next ask of this wave goes elsewhere
    study.tell(trial, state=_pruned())
    left = [p for p in itertools.product(*(spec.space[k] for k in spec.accuracy_knobs)) if p not in taken]
    return rng.choice(left) if left else None


def anchors(spec: SearchSpec, history: list[Trial]) -> list[tuple]:
    """Accuracy settings already run, best first: those on the (feasible) front, then by rank."""
    ok = [t for t in history if t.status == "ok"]
    ranks = nondominated_ranks(spec, ok)
    best: dict[tuple, tuple] = {}
    for order, (t, rank) in enumerate(zip(ok, ranks, strict=True)):
        part = spec.accuracy_part(t.combo)
        score = (0 if t.feasible(spec) else 1, rank, order)
        if part not in best or score < best[part]:
            best[part] = score
    return sorted(best, key=lambda p: best[p])


def propose(spec: SearchSpec, history: list[Trial], wave: int, costs: Costs, limit_points: int | None = None) -> Wave:
    """The settings of wave `wave`, given every earlier result; an empty wave with stop=True ends the search."""
    study = replay(spec, history, wave)
    rng = random.Random(_wave_seed(spec.seed, wave) + 1)
    # GPU hours go to accuracy settings chosen by their own model: in the whole space's study the hardware
    # values' spread would hide them (ehvi chooses them in a space of accuracy knobs alone as well)
    chosen_apart = spec.accuracy_knobs and (spec.hardware_knobs or spec.sampler == "ehvi")
    accuracy = RunChoice(spec, history, wave, rng) if chosen_apart else None
    used = spent(history, costs.points_per_setting)
    seen = {_key(t.combo) for t in history}
    run_before = spec.runs_of(history)
    ranked = anchors(spec, history)
    hardware_space = math.prod(len(spec.space[k]) for k in spec.hardware_knobs)
    per_part = _count_by_part(spec, history)
    proposed: list[Trial] = []
    new_runs, why, attempts = 0, "", 0
    slots = spec.points_per_wave
    while len([t for t in proposed if t.status == "pending"]) < slots:
        attempts += 1
        asked_out = attempts > ATTEMPTS_PER_SLOT * slots
        budget_why = _over_budget(spec, used, costs.points_per_setting, 0.0, 0.0, limit_points)
        if asked_out or budget_why:
            why = (why or ASKED_OUT) if asked_out else budget_why
            break
        wave_parts = [spec.accuracy_part(t.combo) for t in proposed if t.status == "pending"]
        open_parts = [
            p for p in dict.fromkeys(ranked + wave_parts) if per_part.get(p, 0) < hardware_space and spec.hardware_knobs
        ]
        explore = new_runs < spec.inference_runs_per_wave and _gpu_left(spec, used) > 0
        if explore and not _run_affordable(spec, used, costs, run_before | set(wave_parts), limit_points):
            explore, new_runs, used["gpu_hours_closed"] = False, spec.inference_runs_per_wave, True
        if not explore and not open_parts:
            why = why or "the budget allows no new inference run and every run's hardware values are explored"
            break
        part = None
        if explore and accuracy is not None:  # which accuracy setting next: the accuracy knobs' own model
            part = accuracy.next(run_before | set(wave_parts))
            if part is None:  # every accuracy setting is run: hardware values only from here
                new_runs = spec.inference_runs_per_wave
                continue
        elif not explore:  # a hardware value for an accuracy setting that is run (or in this wave)
            part = open_parts[(attempts - 1) % len(open_parts)]
        fixed = dict(zip(spec.accuracy_knobs, part, strict=True)) if part is not None else {}
        trial, combo = _ask_setting(study, spec, fixed, seen, rng)  # its hardware values: the whole space's
        if combo is None:
            if not fixed:
                why = "every setting of the space is proposed"
                break
            per_part[spec.accuracy_part(fixed)] = hardware_space  # its hardware values are all taken
            continue
        part = spec.accuracy_part(combo)
        new = part not in run_before and part not in wave_parts and not costs.inference_done(combo)
        gpu = costs.inference_hours(combo) if new else 0.0
        cpu = costs.estimate_hours(combo)
        result = Trial(combo=combo, wave=wave, new_inference_runs=costs.points_per_setting if new else 0)
        seen.add(_key(combo))
        reason = costs.reject(combo)
        if reason:
            result.status, result.reason = "rejected", reason
            tell(study, spec, trial, result)
            proposed.append(result)
            continue
        budget_why = _over_budget(spec, used, costs.points_per_setting, gpu, cpu, limit_points)
        if budget_why:
            study.tell(trial, state=_pruned())
            seen.discard(_key(combo))
            if new:  # no GPU left for it: the wave goes on with hardware values only
                new_runs = spec.inference_runs_per_wave
                used["gpu_hours_closed"] = True
                continue
            why = budget_why
            break
        result.gpu_hours, result.cpu_hours = gpu, cpu
        _charge(used, costs.points_per_setting, gpu, cpu)
        new_runs += 1 if new else 0
        per_part[part] = per_part.get(part, 0) + 1
        proposed.append(result)  # its trial stays running in this study: the journal shows it as asked
    pending = [t for t in proposed if t.status == "pending"]
    return Wave(wave=wave, trials=proposed, stop=not pending, why=why if not pending else "")


def _ask_setting(study, spec: SearchSpec, fixed: dict, seen: set, rng: random.Random) -> tuple:
    """The whole space's study asked for a setting (with `fixed` knobs kept); one asked before is swapped for
    an unseen one at random. (trial, combo), or (None, None) when no unseen setting is left."""
    if fixed:
        study.enqueue_trial(params(spec, fixed))
    trial = study.ask()
    combo = _suggest(trial, spec)
    if _key(combo) not in seen:
        return trial, combo
    study.tell(trial, state=_pruned())
    combo = _unseen(spec, seen, fixed, rng)
    if combo is None:
        return None, None
    study.enqueue_trial(params(spec, combo))
    trial = study.ask()
    _suggest(trial, spec)
    return trial, combo


def _charge(used: dict, points: int, gpu: float, cpu: float) -> None:
    used["points"] += points
    used["gpu_hours"] += gpu
    used["core_hours"] += cpu + GPU_HOUR_IN_CORE_HOURS * gpu


def _pruned():
    import optuna

    return optuna.trial.TrialState.PRUNED


def _count_by_part(spec: SearchSpec, trials: list[Trial]) -> dict:
    out: dict = {}
    for t in trials:
        part = spec.accuracy_part(t.combo)
        out[part] = out.get(part, 0) + 1
    return out


def _unseen(spec: SearchSpec, seen: set, fixed: dict, rng: random.Random) -> dict | None:
    """A setting not proposed before, uniformly at random (with `fixed` knobs kept); None when none is left."""
    free = [k for k in spec.space if k not in fixed]
    free_size = math.prod(len(spec.space[k]) for k in free)
    if free_size <= 4096:  # small: enumerate, so "none left" is certain
        left = []
        for values in itertools.product(*(spec.space[k] for k in free)):
            combo = {k: fixed.get(k) for k in spec.space}
            combo.update(zip(free, values, strict=True))
            if _key(combo) not in seen:
                left.append(combo)
        return rng.choice(left) if left else None
    for _ in range(1000):
        combo = {k: fixed[k] if k in fixed else rng.choice(spec.space[k]) for k in spec.space}
        if _key(combo) not in seen:
            return combo
    return None


def _gpu_left(spec: SearchSpec, used: dict) -> float:
    if used.get("gpu_hours_closed"):
        return 0.0
    left = [spec.budget[k] - used[k] for k in ("gpu_hours", "core_hours") if k in spec.budget]
    return min(left) if left else math.inf


def _over_budget(spec, used, points_per_setting, gpu, cpu, limit_points) -> str:
    after = {
        "points": used["points"] + points_per_setting,
        "gpu_hours": used["gpu_hours"] + gpu,
        "core_hours": used["core_hours"] + cpu + GPU_HOUR_IN_CORE_HOURS * gpu,
    }
    for key in BUDGET_KEYS:
        if key in spec.budget and after[key] > spec.budget[key] + 1e-12:
            return f"budget.{key} = {spec.budget[key]:g} reached ({used[key]:.4g} used)"
    if limit_points is not None and after["points"] > limit_points:
        return f"limits.max_points = {limit_points:,} reached"
    return ""


# ---------------------------------------------------------------------------------------------------------
# the front and its hypervolume


def minimised(spec: SearchSpec, trial: Trial) -> tuple:
    """A result's objectives as values to minimise."""
    return tuple(trial.values[c] if d == "min" else -trial.values[c] for c, d in spec.objectives)


def dominates(a: tuple, b: tuple) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and a != b


def nondominated_ranks(spec: SearchSpec, trials: list[Trial]) -> list[int]:
    """0 for the front, 1 for the front of the rest, ... (feasible and infeasible ranked apart)."""
    vectors = [minimised(spec, t) for t in trials]
    ranks = [-1] * len(trials)
    rank = 0
    left = set(range(len(trials)))
    while left:
        front = {i for i in left if not any(dominates(vectors[j], vectors[i]) for j in left if j != i)}
        for i in front:
            ranks[i] = rank
        left -= front
        rank += 1
    return ranks


def front(spec: SearchSpec, trials: list[Trial]) -> list[Trial]:
    """The feasible results no other feasible result dominates."""
    ok = [t for t in trials if t.feasible(spec)]
    vectors = [minimised(spec, t) for t in ok]
    return [t for i, t in enumerate(ok) if not any(dominates(vectors[j], vectors[i]) for j in range(len(ok)) if j != i)]


def hypervolume(vectors: list[tuple], reference: tuple) -> float:
    """The volume dominated by `vectors` (to minimise) and bounded by `reference` (exact, by slicing)."""
    points = [v for v in vectors if all(x < r for x, r in zip(v, reference, strict=True))]
    if not points:
        return 0.0
    if len(reference) == 1:
        return reference[0] - min(p[0] for p in points)
    points.sort(key=lambda p: p[-1])
    volume = 0.0
    for i, p in enumerate(points):
        upper = points[i + 1][-1] if i + 1 < len(points) else reference[-1]
        if upper > p[-1]:
            volume += (upper - p[-1]) * hypervolume([q[:-1] for q in points[: i + 1]], reference[:-1])
    return volume


def reference_point(spec: SearchSpec, trials: list[Trial], margin: float = 0.1) -> tuple | None:
    """The worst feasible value of each objective, a tenth of its range beyond: what the hypervolume is
    measured against (so the front's end points count)."""
    ok = [minimised(spec, t) for t in trials if t.feasible(spec)]
    if not ok:
        return None
    ref = []
    for axis in zip(*ok, strict=True):
        span = max(axis) - min(axis)
        ref.append(max(axis) + margin * (span or abs(max(axis)) or 1.0))
    return tuple(ref)
