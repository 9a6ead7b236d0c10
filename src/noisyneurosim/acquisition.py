"""Which inference run next: the one whose settings are expected to add the most to the front.

The search's default sampler (`ehvi`). GPU hours buy inference runs, and one run feeds every hardware value
of its accuracy setting, so a candidate run is valued by the expected hypervolume improvement (EHVI) of all
its settings together: a Gaussian process per objective (and per constrained column) predicts each of its
hardware values, posterior samples of them are added to the current front, and what they add is averaged.
A run whose best value of each objective is good but whose settings sit inside the front adds nothing; one
that extends the front's trade-off where it is thin is worth a run.

Built on numpy alone (the workflow's install has it through pandas), deterministic for a given seed, and
single-threaded in effect (small matrices: no thread pool pays off).
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np

from .knobs import KNOBS

LENGTHSCALES = (0.15, 0.3, 0.5, 0.8, 1.3, 2.5, 6.0)  # in units of a knob's whole range
NOISE_RATIOS = (1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2)  # noise variance over signal variance
ADDITIVE_WEIGHTS = (0.0, 0.5, 0.9)  # the kernel's share that treats each input on its own
SAMPLES = 16  # posterior samples per candidate run (the estimate's noise, against the proposal's time)
MAX_HARDWARE_VALUES = 128  # hardware values predicted per candidate run (a seeded sample beyond)
MAX_TRAINING_POINTS = 256  # settings a hardware model is fitted to (a seeded sample beyond)
AVERAGED_COMPONENTS = 50  # lengthscale settings a run-level model averages over at most (the most probable)
AVERAGED_FULL_GRID = 3  # inputs up to which every combination of LENGTHSCALES is weighed (beyond: one at a time)
REFERENCE_MARGIN = 0.1  # the reference point: a tenth of each objective's observed range beyond its worst
LOG_SPAN = 4.0  # a positive column spanning more than this factor is modelled on a log scale


def numeric(values: list) -> bool:
    """Whether a knob's values are numbers (booleans are not): by position in their range, not by name."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def encode(space: dict, knobs: tuple, combos: list[dict]) -> np.ndarray:
    """Settings as points in [0, 1]^d: a numeric knob by its value's position in its range (3+ values by
    rank), any other knob one column per value (two values: one column)."""
    columns = []
    for name in knobs:
        values = space[name]
        if numeric(values) and len(values) >= 2:
            ordered = sorted(values)
            columns.append([ordered.index(c[name]) / (len(ordered) - 1) for c in combos])
        elif len(values) == 2:
            columns.append([float(c[name] == values[1]) for c in combos])
        elif len(values) > 2:
            for v in values:
                columns.append([float(c[name] == v) for c in combos])
    if not columns:
        return np.zeros((len(combos), 0))
    return np.array(columns, dtype=float).T


def _matern52_of(d: np.ndarray) -> np.ndarray:
    r = math.sqrt(5) * d
    return (1 + r + r * r / 3) * np.exp(-r)


def _matern52(a: np.ndarray, b: np.ndarray, lengthscales: np.ndarray, additive: float = 0.0) -> np.ndarray:
    """Matern 5/2 over all inputs jointly, mixed with its mean over each input alone (weight `additive`): with
    a handful of runs, knobs that act each on their own generalise from fewer of them."""
    if a.shape[1] == 0:
        return np.ones((len(a), len(b)))
    scaled = np.abs(a[:, None, :] - b[None, :, :]) / lengthscales
    joint = _matern52_of(np.sqrt((scaled**2).sum(-1)))
    if additive <= 0.0:
        return joint
    return (1 - additive) * joint + additive * _matern52_of(scaled).mean(-1)


class Model:
    """A Gaussian process of one column: Matern 5/2 with one lengthscale per input, its hyperparameters by
    the largest marginal likelihood on a small grid (coordinate search; no optimiser to install).

    `average`: predictions averaged over the lengthscales, each weighed by its evidence (Bayesian model
    averaging on the same grid) instead of the single most likely one. For a column measured once per
    inference run: with a handful of runs the most likely lengthscales can declare a knob irrelevant (two
    runs at its ends that agree) and predict every run between them with near certainty; the search then
    never runs a knob's sweet spot (benchmarks/search.py, sweet_spot: the input bits' peak at 6; README,
    "How well it does")."""

    def __init__(self, x: np.ndarray, y: np.ndarray, prior_scale: float, average: bool = False):
        self.x = x
        self.mean = float(y.mean())
        spread = float(y.std())
        self.scale = spread if spread > 1e-12 else prior_scale
        self.y = (y - self.mean) / self.scale
        self.lengthscales = np.full(x.shape[1], 0.5)
        self.noise = 1e-3
        self.additive = 0.0
        self.components: list[tuple[float, Model]] = []  # (weight, model) when averaged
        if len(y) >= 3 and spread > 1e-12:
            self._fit()
            if average and x.shape[1]:
                self._average()
        self._factor()

    def _evidence(self, lengthscales: np.ndarray, noise: float, additive: float) -> float:
        """The log marginal likelihood with the signal variance profiled out (its best value given the rest)."""
        k = _matern52(self.x, self.x, lengthscales, additive) + noise * np.eye(len(self.x))
        try:
            chol = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            return -math.inf
        alpha = np.linalg.solve(chol, self.y)
        n = len(self.y)
        signal = max(float(alpha @ alpha) / n, 1e-12)
        # a weak prior towards lengthscale 0.5: with a handful of runs the evidence alone overfits
        prior = -0.5 * float((np.log(lengthscales / 0.5) ** 2).sum()) / 4.0
        return -0.5 * n * math.log(signal) - float(np.log(np.diag(chol)).sum()) + prior

    def _fit(self) -> None:
        best = self._evidence(self.lengthscales, self.noise, self.additive)
        for _ in range(2):
            for dim in range(self.x.shape[1]):
                for value in LENGTHSCALES:
                    trial = self.lengthscales.copy()
                    trial[dim] = value
                    score = self._evidence(trial, self.noise, self.additive)
                    if score > best + 1e-9:
                        best, self.lengthscales = score, trial
            for noise, additive in itertools.product(NOISE_RATIOS, ADDITIVE_WEIGHTS):
                score = self._evidence(self.lengthscales, noise, additive)
                if score > best + 1e-9:
                    best, self.noise, self.additive = score, noise, additive

    def _average(self) -> None:
        """The lengthscale settings near the most likely one, weighed by their evidence (noise and the
        additive share as fitted): every combination for a few inputs, else one input varied at a time."""
        dims = self.x.shape[1]
        if dims <= AVERAGED_FULL_GRID:
            settings = [np.array(c) for c in itertools.product(LENGTHSCALES, repeat=dims)]
        else:
            settings = [self.lengthscales.copy()]
            for dim, value in itertools.product(range(dims), LENGTHSCALES):
                trial = self.lengthscales.copy()
                trial[dim] = value
                settings.append(trial)
        scores = np.array([self._evidence(ls, self.noise, self.additive) for ls in settings])
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        keep = [i for i in np.argsort(-weights, kind="stable")[:AVERAGED_COMPONENTS] if weights[i] > 1e-4]
        total = float(weights[keep].sum())
        for i in keep:
            part = copy.copy(self)
            part.lengthscales, part.components = settings[i], []
            part._factor()
            self.components.append((float(weights[i]) / total, part))

    def _factor(self) -> None:
        k = _matern52(self.x, self.x, self.lengthscales, self.additive) + self.noise * np.eye(len(self.x))
        self.chol = np.linalg.cholesky(k + 1e-10 * np.eye(len(self.x)))
        self.alpha = np.linalg.solve(self.chol.T, np.linalg.solve(self.chol, self.y))
        self.signal = max(float(self.y @ self.alpha) / len(self.y), 1e-6) if self.y.any() else 1.0

    def sample(self, x: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Joint posterior samples at the rows of x (one per row of `draws`, standard normal), and the mean
        (of the most likely lengthscales: a model fitted for many settings is not averaged).
        Joint, not one draw per setting: a run's hardware values share their model's error, and independent
        draws would make a run with many uncertain values look better than it is (the best of many draws)."""
        k = _matern52(x, self.x, self.lengthscales, self.additive)
        v = np.linalg.solve(self.chol, k.T)
        covariance = self.signal * (_matern52(x, x, self.lengthscales, self.additive) - v.T @ v)
        covariance = (covariance + covariance.T) / 2 + 1e-9 * np.eye(len(x))
        values, vectors = np.linalg.eigh(covariance)
        root = vectors * np.sqrt(np.maximum(values, 0.0))
        mean = self.mean + self.scale * (k @ self.alpha)
        return mean[None, :] + self.scale * draws @ root.T, mean

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation at x, in the column's own units (of the mixture, when averaged)."""
        if self.components:
            parts = [(w, *m.predict(x)) for w, m in self.components]
            mean = sum(w * mu for w, mu, _ in parts)
            second = sum(w * (sd * sd + mu * mu) for w, mu, sd in parts)
            return mean, np.sqrt(np.maximum(second - mean * mean, 0.0))
        k = _matern52(x, self.x, self.lengthscales, self.additive)
        mean = k @ self.alpha
        v = np.linalg.solve(self.chol, k.T)
        variance = np.maximum(self.signal * (1.0 - (v * v).sum(0)), 1e-12)
        return self.mean + self.scale * mean, self.scale * np.sqrt(variance)


# ---------------------------------------------------------------------------------------------------------
# the front's hypervolume, fast enough to value every candidate run many times per wave


def nondominated(points: np.ndarray) -> np.ndarray:
    """The rows (to minimise) no other row dominates."""
    if len(points) == 0:
        return points
    le = (points[:, None, :] <= points[None, :, :]).all(-1)
    lt = (points[:, None, :] < points[None, :, :]).any(-1)
    dominated = (le & lt).any(0)
    return points[~dominated]


def volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume of rows to minimise, bounded by the reference (exact: slices along the last axis)."""
    points = points[(points < reference).all(1)]
    if len(points) == 0:
        return 0.0
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    if points.shape[1] == 2:
        order = points[np.argsort(points[:, 0], kind="stable")]
        best = np.minimum.accumulate(order[:, 1])
        right = np.append(order[1:, 0], reference[0])
        return float(((right - order[:, 0]) * (reference[1] - best)).sum())
    points = points[np.argsort(points[:, -1], kind="stable")]
    total = 0.0
    for i in range(len(points)):
        upper = points[i + 1, -1] if i + 1 < len(points) else reference[-1]
        if upper > points[i, -1]:
            total += (upper - points[i, -1]) * volume(points[: i + 1, :-1], reference[:-1])
    return total


def gain(front: np.ndarray, added: np.ndarray, reference: np.ndarray, front_volume: float | None = None) -> float:
    """The hypervolume `added` adds to `front` (rows to minimise; `front_volume`: its own, if known)."""
    if len(added) == 0:
        return 0.0
    if len(front):
        beaten = (front[None, :, :] <= added[:, None, :]).all(-1).any(1)
        added = added[~beaten]
    added = added[(added < reference).all(1)]
    if len(added) == 0:
        return 0.0
    union = nondominated(np.vstack([front, added]) if len(front) else added)
    before = volume(front, reference) if front_volume is None else front_volume
    return volume(union, reference) - before


# ---------------------------------------------------------------------------------------------------------
# valuing the candidate runs


def hardware_values(space: dict, hardware_knobs: tuple, rng: np.random.Generator) -> list[dict]:
    """The hardware settings each candidate run is predicted at (all of them, or a seeded sample)."""
    combos = [dict(zip(hardware_knobs, v, strict=True)) for v in itertools.product(*(space[k] for k in hardware_knobs))]
    if len(combos) > MAX_HARDWARE_VALUES:
        keep = sorted(rng.choice(len(combos), MAX_HARDWARE_VALUES, replace=False))
        combos = [combos[i] for i in keep]
    return combos


class RunChooser:
    """The accuracy settings to run next, best first, from every result so far (fitted once per wave, when
    the wave first asks: a wave with no GPU hours left fits nothing)."""

    def __init__(self, spec, history: list, seed: int):
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self.ok = [t for t in history if t.status == "ok"]
        self.run = [spec.accuracy_part(t.combo) for t in history if t.status != "rejected"]
        self.fitted = False

    def next(self, taken: set) -> tuple | None:
        """The best accuracy setting not in `taken` (run, or chosen earlier in this wave); None if none is left."""
        candidates = self._candidates(taken)
        if not candidates:
            return None
        if not self.ok:  # nothing to learn from yet: spread the first runs over the space
            return self._spread(candidates, taken)
        if not self.fitted:
            self._fit()
        scores = [self._expected_gain(part) for part in candidates]
        best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
        if scores[best][0] <= 0.0 and scores[best][1] <= 0.0:
            return self._spread(candidates, taken)
        chosen = candidates[best]
        self._believe(chosen)  # the next choice of this wave goes where this one is not expected to help
        return chosen

    def _candidates(self, taken: set) -> list[tuple]:
        spec = self.spec
        parts = [p for p in itertools.product(*(spec.space[k] for k in spec.accuracy_knobs)) if p not in taken]
        if len(parts) > 512:  # a huge accuracy space: a seeded sample is valued, not every setting
            keep = sorted(self.rng.choice(len(parts), 512, replace=False))
            parts = [parts[i] for i in keep]
        return parts

    def _spread(self, candidates: list[tuple], taken: set) -> tuple:
        """The candidate farthest from every accuracy setting run or chosen (the first: `_first`)."""
        knobs = self.spec.accuracy_knobs
        done = [dict(zip(knobs, p, strict=True)) for p in list(taken) + self.run]
        if not done:
            return self._first(candidates)
        x = encode(self.spec.space, knobs, [dict(zip(knobs, p, strict=True)) for p in candidates])
        seen = encode(self.spec.space, knobs, done)
        distance = np.sqrt(((x[:, None, :] - seen[None, :, :]) ** 2).sum(-1)).min(1)
        ties = np.flatnonzero(distance >= distance.max() - 1e-12)
        return candidates[int(ties[self.rng.integers(len(ties))])]

    def _first(self, candidates: list[tuple]) -> tuple:
        """The first run, before any result: every non-ideality at its ideal value (nearest to it; the noise-free
        run a noise study is read against) and every other numeric knob of three or more values inside its range,
        at neither end; a seeded one of these. From inside, a smooth model reaches a range's ends; from two ends
        that agree it rules out a peak between them, and the search never runs it (benchmarks/search.py's sweet
        spot; README, "How well it does")."""
        allowed = []
        for name in self.spec.accuracy_knobs:
            values = self.spec.space[name]
            ideal = getattr(KNOBS.get(name), "ideal", None)
            if ideal is not None and numeric(values):
                nearest = min(abs(v - ideal) for v in values)
                allowed.append({v for v in values if abs(v - ideal) <= nearest})
            elif numeric(values) and len(values) >= 3:
                allowed.append(set(values) - {min(values), max(values)})
            else:
                allowed.append(set(values))
        pool = [p for p in candidates if all(v in ok for v, ok in zip(p, allowed, strict=True))] or candidates
        return pool[int(self.rng.integers(len(pool)))]

    def _fit(self) -> None:
        """One model per column (objectives and constrained columns), in minimised, log-where-wide units."""
        spec = self.spec
        self.columns = list(spec.columns)
        self.log = {}
        self.models = {}
        self.run_level = {}
        groups: dict[tuple, list] = {}
        for t in self.ok:
            groups.setdefault(spec.accuracy_part(t.combo), []).append(t)
        for column in self.columns:
            raw = np.array([t.values[column] for t in self.ok], dtype=float)
            self.log[column] = bool((raw > 0).all() and raw.max() > LOG_SPAN * raw.min())
            values = {p: [self._unit(column, t.values[column]) for t in ts] for p, ts in groups.items()}
            same = all(max(v) - min(v) <= 1e-12 * max(1.0, abs(max(v))) for v in values.values())
            self.run_level[column] = same or not spec.hardware_knobs
            if self.run_level[column]:
                parts = list(values)
                x = encode(spec.space, spec.accuracy_knobs, [self._part_combo(p) for p in parts])
                y = np.array([float(np.mean(values[p])) for p in parts])
            else:
                trials = self.ok
                if len(trials) > MAX_TRAINING_POINTS:
                    keep = sorted(self.rng.choice(len(trials), MAX_TRAINING_POINTS, replace=False))
                    trials = [trials[i] for i in keep]
                x = encode(spec.space, tuple(spec.space), [t.combo for t in trials])
                y = np.array([self._unit(column, t.values[column]) for t in trials])
            # one value per run: few values, so the model averages over its lengthscales
            prior_scale = 0.1 * abs(float(y.mean())) + 1e-3
            self.models[column] = Model(x, y, prior_scale=prior_scale, average=self.run_level[column])
        self._frame()
        self.fitted = True

    def _part_combo(self, part: tuple) -> dict:
        return dict(zip(self.spec.accuracy_knobs, part, strict=True))

    def _unit(self, column: str, value: float) -> float:
        """A value in the unit its model works in: the log of a positive column spanning a wide range."""
        if self.log.get(column):
            return math.log(value) if value > 0 else -math.inf
        return value

    def _frame(self) -> None:
        """The objectives' scale (observed range), the reference point and the current feasible front."""
        spec = self.spec
        # the front is valued in the objectives' own units, as the user asked for them (the models may work
        # on a log scale; their samples are taken back)
        units = np.array([[t.values[c] for c, _ in spec.objectives] for t in self.ok])
        signs = np.array([1.0 if d == "min" else -1.0 for _, d in spec.objectives])
        minimised = units * signs
        self.signs = signs
        self.low = minimised.min(0)
        span = minimised.max(0) - self.low
        prior = 0.1 * np.abs(minimised.mean(0)) + 1e-3
        self.span = np.where(span > 1e-12, span, prior)
        self.reference = np.full(len(signs), 1.0 + REFERENCE_MARGIN)
        feasible = [i for i, t in enumerate(self.ok) if t.feasible(spec)]
        self.front = nondominated((minimised[feasible] - self.low) / self.span)
        self.front_volume = volume(self.front, self.reference)
        hardware = hardware_values(spec.space, spec.hardware_knobs, self.rng)
        self.hardware = hardware[:MAX_HARDWARE_VALUES]
        shape = (SAMPLES, len(self.hardware))
        # common random numbers: every candidate is valued on the same draws, so their order is not noise
        self.draws = {c: self.rng.standard_normal(shape) for c in self.columns}
        self.run_draws = {c: self.rng.standard_normal((SAMPLES, 1)) for c in self.columns}
        self.samples: dict[tuple, tuple] = {}

    def _bound(self, constraint) -> float:
        if self.log.get(constraint.column):
            return math.log(constraint.bound) if constraint.bound > 0 else -math.inf
        return constraint.bound

    def _predict(self, part: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sampled and mean objective vectors (normalised, to minimise) of the run's settings, and which of
        them meet the constraints: (samples x settings x objectives), (samples x settings), and the means'."""
        if part in self.samples:
            return self.samples[part]
        spec = self.spec
        combos = [{**h, **self._part_combo(part)} for h in self.hardware]
        sampled, means = {}, {}
        for column in self.columns:
            model = self.models[column]
            if self.run_level[column]:
                mean, std = model.predict(encode(spec.space, spec.accuracy_knobs, [self._part_combo(part)]))
                sampled[column] = mean[0] + std[0] * np.broadcast_to(self.run_draws[column], self.draws[column].shape)
                means[column] = np.full(len(combos), mean[0])
            else:
                sampled[column], means[column] = model.sample(
                    encode(spec.space, tuple(spec.space), combos), self.draws[column]
                )
        out = []
        for values in (sampled, {c: m[None, :] for c, m in means.items()}):
            own = [np.exp(values[c]) if self.log[c] else values[c] for c, _ in spec.objectives]
            vectors = np.stack(own, -1) * self.signs
            vectors = (vectors - self.low) / self.span
            meets = np.ones(vectors.shape[:2], dtype=bool)
            for c in spec.constraints:
                bound = self._bound(c)
                meets &= values[c.column] >= bound if c.op == ">=" else values[c.column] <= bound
            out += [vectors, meets]
        self.samples[part] = tuple(out)
        return self.samples[part]

    def _expected_gain(self, part: tuple) -> tuple[float, float]:
        """(the hypervolume the run's settings are expected to add, their mean spread as a tie-break)."""
        vectors, meets, _, _ = self._predict(part)
        gains = [gain(self.front, vectors[s][meets[s]], self.reference, self.front_volume) for s in range(len(vectors))]
        return float(np.mean(gains)), float(vectors.std(0).mean())

    def _believe(self, part: tuple) -> None:
        """Take the chosen run's predicted means as if they were results (the wave's next choice goes elsewhere)."""
        _, _, means, meets = self._predict(part)
        believed = means[0][meets[0]]
        if len(believed):
            self.front = nondominated(np.vstack([self.front, believed]) if len(self.front) else believed)
            self.front_volume = volume(self.front, self.reference)
