"""Reading, checking and expanding config/sweep.yaml.

Every problem names the file, the key path and the value, and all problems
are reported together before anything runs.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .knobs import (
    COUPLINGS,
    INFERENCE_NAMES,
    KNOBS,
    PARAM,
    PARAM_NAMES,
    SUPPORTED_TECHNODES,
    coupled_value,
    values_agree,
)

TOP_LEVEL_KEYS = {
    "neurosim": "where NeuroSim comes from (repo + commit, or path)",
    "python": "NeuroSim's own Python environment",
    "datasets": "where datasets are staged",
    "max_test_images": "limit on test images per inference run",
    "timeouts": "per-job time limits in seconds",
    "cost": "per-model cost table for the plan",
    "defaults": "knob values shared by every point",
    "studies": "named studies",
}
STUDY_KEYS = {"grid", "points", "seeds", "decouple", "description"}
NEUROSIM_KEYS = {"repo", "commit", "path", "correct_network", "check_reproducible"}
PYTHON_KEYS = {"command", "envmodules", "conda"}
DATASET_KEYS = {"root", "download", "synthetic", "synthetic_test_images"}
SYNTHETIC_TEST_IMAGES = 100  # default size of a synthetic test set (datasets.synthetic)
SYNTHETIC_DATASETS = ("cifar10", "cifar100")
TIMEOUT_KEYS = {"inference", "estimate", "build"}
COST_KEYS = {"gpu_seconds_per_image", "cpu_seconds_per_estimate"}

FULL_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# https://host/owner/name(.git) or git@host:owner/name(.git); nothing else reaches git.
REPO_URL = re.compile(
    r"^(https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*"
    r"|git@[A-Za-z0-9.-]+:[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)$"
)
# Words that reach a command line (interpreter, module names): no shell syntax at all.
SAFE_WORD = re.compile(r"^[A-Za-z0-9_./+=:@~-]+$")
SAFE_PATH = re.compile(r"^[^\x00-\x1f\x7f]+$")
STUDY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
FLOAT_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
TEST_IMAGES = {"cifar10": 10000, "cifar100": 10000, "imagenet": 50000}
MODEL_DATASETS = {"VGG8": ("cifar10",), "DenseNet40": ("cifar10",), "ResNet18": ("imagenet",)}
# Knobs whose effect on accuracy exists only in VGG8 + WAGE + inference 1.
CROSSBAR_ONLY_KNOBS = ("vari", "onoffratio", "cellBit", "subArray", "parallelRead")


class ConfigError(Exception):
    """All problems found in a config, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the configuration; nothing was run:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass
class Point:
    study: str
    point_id: str
    seed: int
    knobs: dict  # every knob, resolved and coupled
    swept: tuple  # knobs that vary within the study
    acc_id: str = ""
    hw_id: str = ""

    def inference_args(self) -> dict:
        args = {k: self.knobs[k] for k in INFERENCE_NAMES}
        args["seed"] = self.seed
        return args

    def param_values(self) -> dict:
        return {k: self.knobs[k] for k in PARAM_NAMES}


@dataclass
class Sweep:
    config: dict
    source: str
    points: list[Point]
    warnings: list[str] = field(default_factory=list)

    @property
    def commit(self) -> str:
        return source_commit(self.config)

    def accuracy_settings(self) -> dict[str, Point]:
        return {p.acc_id: p for p in self.points}

    def hardware_settings(self) -> dict[str, Point]:
        return {p.hw_id: p for p in self.points}

    def estimates(self) -> dict[tuple[str, str], Point]:
        return {(p.acc_id, p.hw_id): p for p in self.points}


def source_commit(config: dict) -> str:
    ns = config.get("neurosim", {})
    return ns.get("commit") or "local"


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if str(word).lower() in lowered:
            close = [lowered[str(word).lower()]]
    return f" (did you mean '{close[0]}'?)" if close else ""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{path}:{where}: YAML syntax error: {problem}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be a mapping of keys, not {type(data).__name__}"])
    return data


def coerce_knob(name: str, value: Any) -> tuple[Any, str | None]:
    """Return (typed value, problem). Values never stay text for Param.cpp."""
    knob = KNOBS[name]
    allowed = knob.describe_allowed()
    if knob.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"must be true or false, got {value!r}"
    if knob.names and isinstance(value, str):
        if value in knob.names:
            return knob.names[value], None
        return None, f"{value!r} is not one of {allowed}{_did_you_mean(value, knob.names)}"
    if knob.side != PARAM and knob.kind == "choice" and isinstance(knob.choices[0], str):
        if isinstance(value, str) and value in knob.choices:
            return value, None
        return None, f"{value!r} is not one of {allowed}{_did_you_mean(value, knob.choices)}"
    if isinstance(value, bool):
        return None, f"must be a number ({allowed}), got {value!r}"
    if knob.kind == "float":
        if isinstance(value, str) and FLOAT_TEXT.match(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e9 as text
        if not isinstance(value, (int, float)):
            return None, f"must be a number ({allowed}), got {value!r}"
        value = float(value)
        if not math.isfinite(value):
            return None, f"must be finite, got {value!r}"
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return None, f"must be an integer ({allowed}), got {value!r}"
    if knob.choices and value not in knob.choices:
        extra = ""
        if name == "technode":
            extra = "; NeuroSim exits with code 255 and prints nothing for other nodes"
        return None, f"{value!r} is not one of {allowed}{extra}"
    if knob.minimum is not None and value < knob.minimum:
        return None, f"{value!r} is below the minimum {knob.minimum:g}"
    if knob.maximum is not None and value > knob.maximum:
        return None, f"{value!r} is above the maximum {knob.maximum:g}"
    if knob.exclusive_minimum is not None and value <= knob.exclusive_minimum:
        return None, f"{value!r} must be greater than {knob.exclusive_minimum:g}"
    return value, None


def _check_knob_map(where: str, mapping: Any, problems: list[str], *, lists: bool) -> dict:
    """Check a mapping knob -> value (or -> list of values); return the typed one."""
    typed: dict = {}
    if mapping is None:
        return typed
    if not isinstance(mapping, dict):
        problems.append(f"{where}: must be a mapping of knob names, got {mapping!r}")
        return typed
    for name, value in mapping.items():
        key = f"{where}.{name}"
        if name not in KNOBS:
            hint = _did_you_mean(name, KNOBS)
            if name in ("numRowSubArray", "seed"):
                hint = " (set by subArray)" if name == "numRowSubArray" else " (use the study's seeds list)"
            problems.append(f"{key}: unknown knob{hint}")
            continue
        if lists:
            if not isinstance(value, list):
                problems.append(f"{key}: a grid axis must be a list of values, got {value!r}")
                continue
            if not value:
                problems.append(f"{key}: empty list of values; give at least one")
                continue
            out = []
            for i, item in enumerate(value):
                v, err = coerce_knob(name, item)
                if err:
                    problems.append(f"{key}[{i}] = {item!r}: {err}")
                else:
                    out.append(v)
            if len(set(map(repr, out))) != len(out):
                problems.append(f"{key} = {value!r}: repeated value")
            typed[name] = out
        else:
            v, err = coerce_knob(name, value)
            if err:
                problems.append(f"{key} = {value!r}: {err}")
            else:
                typed[name] = v
    return typed


def _check_section(where: str, value: Any, keys: set, problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be a mapping, got {value!r}")
        return {}
    for key in value:
        if key not in keys:
            problems.append(f"{where}.{key}: unknown key{_did_you_mean(key, keys)}; allowed: {', '.join(sorted(keys))}")
    return value


def _check_source(ns: dict, problems: list[str], base: Path) -> None:
    if not ns:
        problems.append("neurosim: missing; give repo + commit, or path")
        return
    repo, commit, path = ns.get("repo"), ns.get("commit"), ns.get("path")
    if repo is None and path is None:
        problems.append("neurosim: give either repo (with commit) or path")
    if repo is not None and path is not None:
        problems.append("neurosim: give repo or path, not both")
    if repo is not None:
        if not isinstance(repo, str) or not REPO_URL.match(repo):
            problems.append(
                f"neurosim.repo = {repo!r}: not an accepted repository URL "
                "(https://host/owner/name or git@host:owner/name)"
            )
        if commit is None:
            problems.append("neurosim.commit: missing; a repo needs a pinned full 40-hex commit")
    if commit is not None and (not isinstance(commit, str) or not FULL_COMMIT.match(commit)):
        problems.append(f"neurosim.commit = {commit!r}: must be a full 40-character lowercase hex commit hash")
    if path is not None:
        if not isinstance(path, str) or not path:
            problems.append(f"neurosim.path = {path!r}: must be a folder path")
        elif not SAFE_PATH.match(path):
            problems.append(f"neurosim.path = {path!r}: control characters are not allowed")
        elif not (base / path).expanduser().is_dir():
            problems.append(f"neurosim.path = {path!r}: no such folder")
        else:
            folder = (base / path).expanduser()
            bare_git = (folder / "HEAD").is_file() and (folder / "objects").is_dir()
            if not bare_git and not (folder / "Inference_pytorch" / "NeuroSIM").is_dir():
                problems.append(
                    f"neurosim.path = {path!r}: not a NeuroSim checkout (no Inference_pytorch/NeuroSIM) "
                    "nor a bare git mirror"
                )


def _check_positive_number(where: str, value: Any, problems: list[str], *, integer=False, allow_none=True):
    if value is None and allow_none:
        return
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        problems.append(f"{where} = {value!r}: must be {kind}")


def point_rules(knobs: dict) -> list[tuple[str, str]]:
    """NeuroSim's own rules (NOTES.md, 'Settings NeuroSim rejects'): (key, message)."""
    out = []
    tn = knobs["technode"]
    if knobs["memcelltype"] == 2 and tn < 22:
        out.append(("technode", f"RRAM (memcelltype 2) is not supported below 22 nm, got technode {tn}"))
    if knobs["deviceroadmap"] == 1 and tn <= 14:
        out.append(("deviceroadmap", f"the HP roadmap is not supported at 14 nm and below (technode {tn})"))
    if knobs["temp"] != 300 and tn <= 14:
        out.append(("temp", f"temp must be 300 K at 14 nm and below (technode {tn}), got {knobs['temp']}"))
    cb, ww = knobs["cellBit"], knobs["wl_weight"]
    if cb > ww:
        out.append(("cellBit", f"cellBit {cb} exceeds wl_weight {ww}"))
    elif ww % cb:
        out.append(("cellBit", f"cellBit {cb} does not divide wl_weight {ww}; the accuracy side slices weights by wl_weight/cellBit"))
    if knobs["parallelRead"] > knobs["subArray"]:
        out.append(("parallelRead", f"parallelRead {knobs['parallelRead']} exceeds subArray {knobs['subArray']}"))
    elif cb > 1 and knobs["parallelRead"] != knobs["subArray"]:
        out.append(("parallelRead", f"cellBit {cb} > 1 needs parallelRead == subArray ({knobs['parallelRead']} != {knobs['subArray']})"))
    ds, model = knobs["dataset"], knobs["model"]
    if ds not in MODEL_DATASETS[model]:
        out.append(("dataset", f"{model} ships a checkpoint for {', '.join(MODEL_DATASETS[model])}, not {ds}"))
    if model == "ResNet18" and knobs["mode"] != "FP":
        out.append(("mode", "ResNet18 has only an FP checkpoint; use mode FP"))
    return out


def point_warnings(knobs: dict, swept: tuple) -> list[tuple[str, str]]:
    out = []
    no_crossbar = knobs["model"] != "VGG8" or knobs["mode"] == "FP" or knobs["inference"] == 0
    if no_crossbar:
        why = (
            "inference is 0"
            if knobs["inference"] == 0
            else f"{knobs['model']} in {knobs['mode']} mode models only quantisation and one ADC step"
        )
        for name in CROSSBAR_ONLY_KNOBS:
            if name in swept:
                out.append((name, f"{name} is swept but cannot change accuracy here ({why})"))
    if knobs["memcelltype"] == 1 and "cellBit" in swept:
        out.append(("cellBit", "cellBit is swept on SRAM; NeuroSim's hardware model always uses 1-bit SRAM cells"))
    if knobs["memcelltype"] == 2 and knobs["operationmode"] == 1:
        out.append(("operationmode", "RRAM with operationmode 1 can exit 0 with inf/nan results (recorded as failed)"))
    if not knobs["synchronous"]:
        out.append(("synchronous", "synchronous = false can exit 0 with inf/nan results (recorded as failed)"))
    if knobs["model"] == "DenseNet40" and knobs["novelMapping"] and knobs["operationmode"] in (1, 2):
        # NeuroSim's floorplan: novel-mapped layers need 2^ceil(log2(columns)) >= 2 x subArray; the corrected
        # DenseNet40's widest 3x3 layer has 12 output channels x ceil(wl_weight / cellBit) columns
        cell_bits = 1 if knobs["memcelltype"] == 1 else knobs["cellBit"]
        limit = 2 ** math.ceil(math.log2(12 * math.ceil(knobs["wl_weight"] / cell_bits))) // 2
        if knobs["subArray"] > limit:
            out.append(("subArray", f"DenseNet40 (network corrected, novelMapping) fits sub-arrays of at most {limit} "
                                    f"rows here; NeuroSim stops with 'SubArray Size is too large' for subArray "
                                    f"{knobs['subArray']}"))
    return out


def _stable_hash(prefix: str, payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, default=repr)
    return prefix + hashlib.sha1(text.encode()).hexdigest()[:10]


def load(path: str | Path, *, base: Path | None = None) -> Sweep:
    data = load_yaml(path)
    return check(data, source=str(path), base=base or Path.cwd())


def check(config: dict, *, source: str = "config", base: Path | None = None) -> Sweep:
    """Validate a config mapping and expand it into points; raise ConfigError."""
    base = base or Path.cwd()
    problems: list[str] = []
    for key in config:
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{key}: unknown top-level key{_did_you_mean(key, TOP_LEVEL_KEYS)}")
    ns = _check_section("neurosim", config.get("neurosim"), NEUROSIM_KEYS, problems)
    _check_source(ns, problems, base)
    py = _check_section("python", config.get("python"), PYTHON_KEYS, problems)
    if "command" in py and (
        not isinstance(py["command"], str) or not py["command"].split()
        or not all(SAFE_WORD.match(w) for w in py["command"].split())
    ):
        problems.append(
            f"python.command = {py['command']!r}: must be an interpreter name or path, optionally with "
            "plain arguments (letters, digits and _ . / + = : @ -)"
        )
    if "envmodules" in py and (
        not isinstance(py["envmodules"], list)
        or not all(isinstance(m, str) and SAFE_WORD.match(m) for m in py["envmodules"])
    ):
        problems.append(f"python.envmodules = {py['envmodules']!r}: must be a list of module names")
    if "conda" in py and (not isinstance(py["conda"], str) or not SAFE_PATH.match(py["conda"])):
        problems.append(f"python.conda = {py.get('conda')!r}: must be a path to an environment file")
    ds = _check_section("datasets", config.get("datasets"), DATASET_KEYS, problems)
    if "root" in ds and (not isinstance(ds["root"], str) or not SAFE_PATH.match(ds["root"])):
        problems.append(f"datasets.root = {ds['root']!r}: must be a folder path (no control characters)")
    for key in ("download", "synthetic"):
        if key in ds and not isinstance(ds[key], bool):
            problems.append(f"datasets.{key} = {ds[key]!r}: must be true or false")
    _check_positive_number("datasets.synthetic_test_images", ds.get("synthetic_test_images"), problems, integer=True)
    for key in ("correct_network", "check_reproducible"):
        if key in ns and not isinstance(ns[key], bool):
            problems.append(f"neurosim.{key} = {ns[key]!r}: must be true or false")
    _check_positive_number("max_test_images", config.get("max_test_images"), problems, integer=True)
    timeouts = _check_section("timeouts", config.get("timeouts"), TIMEOUT_KEYS, problems)
    for key, value in timeouts.items():
        _check_positive_number(f"timeouts.{key}", value, problems)
    cost = config.get("cost") or {}
    if not isinstance(cost, dict):
        problems.append(f"cost: must be a mapping of model names, got {cost!r}")
        cost = {}
    for model, entry in cost.items():
        if model not in MODEL_DATASETS:
            problems.append(f"cost.{model}: unknown model{_did_you_mean(model, MODEL_DATASETS)}")
            continue
        entry = _check_section(f"cost.{model}", entry, COST_KEYS, problems)
        for key, value in entry.items():
            _check_positive_number(f"cost.{model}.{key}", value, problems)

    defaults = _check_knob_map("defaults", config.get("defaults"), problems, lists=False)
    studies = config.get("studies")
    if not isinstance(studies, dict) or not studies:
        problems.append(f"studies: must be a non-empty mapping of study names, got {studies!r}")
        studies = {}

    points: list[Point] = []
    warns: list[str] = []
    for study, spec in studies.items():
        where = f"studies.{study}"
        if not isinstance(study, str) or not STUDY_NAME.match(study):
            problems.append(f"{where}: study names are a letter then letters, digits, _ or - (at most 64)")
            continue
        spec = _check_section(where, spec, STUDY_KEYS, problems)
        if "description" in spec and not isinstance(spec["description"], str):
            problems.append(f"{where}.description = {spec['description']!r}: must be text")
        grid = _check_knob_map(f"{where}.grid", spec.get("grid"), problems, lists=True)
        explicit = []
        raw_points = spec.get("points")
        if raw_points is not None and not isinstance(raw_points, list):
            problems.append(f"{where}.points: must be a list of knob mappings, got {raw_points!r}")
        elif raw_points is not None:
            if not raw_points:
                problems.append(f"{where}.points: empty list; remove it or give points")
            for i, item in enumerate(raw_points):
                explicit.append(_check_knob_map(f"{where}.points[{i}]", item, problems, lists=False))
        if "grid" in spec and not spec.get("grid"):
            problems.append(f"{where}.grid: empty grid; give at least one knob with values")
        seeds = spec.get("seeds", [117])
        if not isinstance(seeds, list) or not seeds:
            problems.append(f"{where}.seeds = {seeds!r}: must be a non-empty list of integers")
            seeds = []
        else:
            for i, s in enumerate(seeds):
                if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                    problems.append(f"{where}.seeds[{i}] = {s!r}: seeds are non-negative integers")
            if len(set(map(repr, seeds))) != len(seeds):
                problems.append(f"{where}.seeds = {seeds!r}: repeated seed")
        decouple = spec.get("decouple", [])
        if not isinstance(decouple, list) or any(d not in COUPLINGS for d in decouple):
            problems.append(f"{where}.decouple = {decouple!r}: a list of {', '.join(COUPLINGS)}")
            decouple = []

        combos = []
        if grid:
            names = list(grid)
            combos += [dict(zip(names, vals)) for vals in itertools.product(*grid.values())]
        combos += explicit
        if not combos and "grid" not in spec and raw_points is None:
            combos = [{}]  # a study of the defaults alone
        # the study's axes in the order the user wrote them: grid first, then explicit points
        named = list(dict.fromkeys([*grid, *(k for c in explicit for k in c)]))
        swept = tuple(k for k in named if len({repr(c.get(k, defaults.get(k))) for c in combos}) > 1)
        seen_here: set = set()
        for ci, combo in enumerate(combos):
            given = {**defaults, **combo}
            knobs = {name: knob.default for name, knob in KNOBS.items()}
            knobs.update(given)
            label = f"{where} point {ci + 1} ({', '.join(f'{k}={v}' for k, v in combo.items()) or 'defaults'})"
            for acc_knob, hw_knob in COUPLINGS.items():
                if acc_knob in decouple:
                    continue
                wanted = coupled_value(acc_knob, knobs)
                if hw_knob in given and not values_agree(given[hw_knob], wanted):
                    problems.append(
                        f"{label}: {hw_knob} = {given[hw_knob]!r} disagrees with {acc_knob} = {knobs[acc_knob]!r} "
                        f"(which sets {hw_knob} = {wanted!r}); drop {hw_knob} or add {acc_knob} to {where}.decouple"
                    )
                knobs[hw_knob] = wanted
            for key, msg in point_rules(knobs):
                problems.append(f"{label}: {key} = {knobs[key]!r}: {msg}")
            if ds.get("synthetic") and knobs["dataset"] not in SYNTHETIC_DATASETS:
                problems.append(
                    f"{label}: dataset = {knobs['dataset']!r}: datasets.synthetic generates "
                    f"{' and '.join(SYNTHETIC_DATASETS)} test sets only"
                )
            for key, msg in point_warnings(knobs, swept):
                text = f"{where}: {msg}"
                if text not in warns:
                    warns.append(text)
            for seed in seeds:
                if not isinstance(seed, int) or isinstance(seed, bool):
                    continue
                pid = _stable_hash("p", {"knobs": knobs, "seed": seed})
                if pid in seen_here:
                    problems.append(f"{label}: duplicates an earlier point of {study} (seed {seed})")
                    continue
                seen_here.add(pid)
                points.append(Point(study=study, point_id=pid, seed=seed, knobs=knobs, swept=swept))
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])

    commit = source_commit(config)
    limit = config.get("max_test_images")
    synthetic = synthetic_test_images(config)
    for p in points:
        acc = p.inference_args()
        identity = {"args": acc, "commit": commit, "max_test_images": limit}
        if synthetic:
            identity["synthetic_test_images"] = synthetic  # other images: another run
        p.acc_id = _stable_hash("a", identity)
        p.hw_id = _stable_hash("h", {"param": p.param_values(), "commit": commit})
    return Sweep(config=config, source=source, points=points, warnings=warns)


def synthetic_test_images(config: dict) -> int:
    """How many synthetic test images the config asks for; 0 when it uses the real dataset."""
    ds = config.get("datasets") or {}
    return int(ds.get("synthetic_test_images", SYNTHETIC_TEST_IMAGES)) if ds.get("synthetic") else 0


def test_images(point: Point, config: dict) -> int:
    full = synthetic_test_images(config) or TEST_IMAGES[point.knobs["dataset"]]
    limit = config.get("max_test_images")
    return min(full, limit) if limit else full
