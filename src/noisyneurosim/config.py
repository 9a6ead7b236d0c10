"""Reading, checking and expanding config/sweep.yaml.

Every problem names the file, the key path and the value, and all problems
are reported together before anything runs.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .checks import TRAIN_KEY, check_knob_map, coerce_knob, cut, did_you_mean, short
from .knobs import (
    BUILT_IN,
    COUPLINGS,
    EXTRA_KEY,
    EXTRA_TYPES,
    INFERENCE,
    KNOBS,
    MODEL_DATASETS,
    NOT_KNOBS,
    PARAM,
    TRAIN_NAMES,
    coupled_value,
    extra_knobs,
    register_extra,
    values_agree,
)
from .neurosim_rules import point_rules, point_warnings
from .points import Point, Sweep, test_images_of
from .precision import Split
from .search import SearchSpec, check_spec
from .settings import COST_SETTINGS, LABEL, RUN_SWITCHES, SECTION_KEYS, SYNTHETIC_DATASETS, VERSIONS_KEY, Settings
from .study_keys import SEARCH_KEY, STUDY_KEYS
from .versions import VERSION_SOURCE_KEYS, content, inference_anchors

TOP_LEVEL_KEYS = {
    "neurosim": "where NeuroSim comes from (repo + commit, or path)",
    VERSIONS_KEY: "other NeuroSim versions by label, for studies that compare versions",
    EXTRA_KEY: "a group's own knobs: inference.py arguments or Param.cpp variables of its files",
    "python": "NeuroSim's own Python environment",
    "datasets": "where datasets are staged",
    "max_test_images": "limit on test images per inference run",
    "allow_gpu_redo": "let this run redo finished GPU work though nothing that decides it changed",
    "allow_queued_jobs": "let this run submit to Slurm though jobs of an earlier run of the folder are queued",
    "accuracy": "splitting inference runs into jobs; stopping at a stated precision",
    "training": "training jobs: epochs per job, a limit on training images",
    "timeouts": "per-job time limits in seconds",
    "limits": "the largest sweep (points, GPU hours) the workflow starts",
    "cost": "per-model cost table for the plan",
    "defaults": "knob values shared by every point",
    "studies": "named studies",
}
NEUROSIM_KEYS = set(SECTION_KEYS["neurosim"])
DATASET_KEYS = set(SECTION_KEYS["datasets"])
STUDY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class ConfigError(Exception):
    """All problems found in a config, one per line."""

    SHOWN = 40  # problems listed; each line cut at LINE characters
    LINE = 600

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = [p if len(p) <= self.LINE else f"{p[: self.LINE]}... (cut)" for p in problems[: self.SHOWN]]
        more = [f"... and {len(problems) - self.SHOWN} more"] if len(problems) > self.SHOWN else []
        super().__init__(
            f"{len(problems)} problem(s) in the configuration; nothing was run:\n"
            + "\n".join(f"  - {p}" for p in [*lines, *more])
        )


@dataclass(frozen=True)
class StudyContext:
    """What turns one knob combination of a study into its points: a grid's, an explicit point's or a search's."""

    study: str
    where: str
    defaults: dict
    decouple: tuple
    trains: bool
    split: Split
    seeds: tuple
    swept: tuple
    run_identity: dict
    settings: Settings
    own_accuracy: tuple = ()  # the accuracy keys the study sets itself (named in messages)
    version: str = ""  # the NeuroSim version's label; "" for the sweep's own
    source_key: str | None = None  # that version's fetched copy (its builds, estimates); None: run_identity's
    core_content: str = ""  # what its C++ side adds to a build's id (a plain folder's or overlay's content)

    def points(self, label: str, combo: dict, problems: list[str], warns: list[str]) -> list[Point]:
        """One point per seed, after NeuroSim's rules and the split's; problems are appended, not raised."""
        where, settings, split = self.where, self.settings, self.split
        before = len(problems)
        knobs = _resolve_point(label, where, combo, self.defaults, list(self.decouple), problems, trains=self.trains)
        for key, msg in point_rules(knobs):
            problems.append(f"{label}: {key} = {short(knobs[key])}: {msg}")
        if settings.synthetic_test_images and knobs["dataset"] not in SYNTHETIC_DATASETS:
            problems.append(
                f"{label}: dataset = {short(knobs['dataset'])}: datasets.synthetic generates "
                f"{' and '.join(SYNTHETIC_DATASETS)} test sets only"
            )
        for _, msg in point_warnings(knobs, self.swept):
            if f"{where}: {msg}" not in warns:
                warns.append(f"{where}: {msg}")
        population = test_images_of(knobs, settings)
        key_path = f"{where}.accuracy" if "images_per_job" in self.own_accuracy else "accuracy"
        if split.images_per_job and split.images_per_job > population:
            problems.append(
                f"{label}: {key_path}.images_per_job = {split.images_per_job}: more than the "
                f"{population} test images of each run (dataset {knobs['dataset']}"
                + (", max_test_images" if settings.max_test_images else "")
                + (", datasets.synthetic_test_images" if settings.synthetic_test_images else "")
                + ")"
            )
        if split.images_per_job and split.images_per_job < min(knobs["batch_size"], population):
            problems.append(
                f"{label}: {key_path}.images_per_job = {split.images_per_job}: fewer than batch_size "
                f"({knobs['batch_size']}); the first job, which writes the layer traces, would see a smaller "
                "first batch than the unsplit run and its hardware estimate would differ. Give images_per_job "
                "at least batch_size"
            )
        if len(problems) > before:
            return []
        return [
            Point.make(
                self.study,
                seed,
                knobs,
                self.swept,
                self.run_identity,
                split,
                version=self.version,
                source_key=self.source_key,
                core_content=self.core_content,
            )
            for seed in self.seeds
        ]


@dataclass(frozen=True)
class SearchStudy:
    """A study with `search:`: its spec, and how a proposed setting becomes ordinary points."""

    spec: SearchSpec
    context: StudyContext

    def resolve(self, combo: dict) -> tuple[list[Point], str]:
        """The setting's points (one per seed), or why NeuroSim cannot run it."""
        problems: list[str] = []
        label = _combo_label(self.context.where, 0, combo).replace(" point 1 ", " setting ")
        points = self.context.points(label, combo, problems, [])
        return points, "; ".join(problems)


def _combo_label(where: str, index: int, combo: dict) -> str:
    return f"{where} point {index + 1} ({', '.join(f'{k}={short(v, 30)}' for k, v in combo.items()) or 'defaults'})"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {short(key)} (first on line {seen[key] + 1})", key_node.start_mark
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
        raise ConfigError([f"{path}:{where}: YAML syntax error: {cut(problem)}"]) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a 5000-digit number, nesting too deep
        raise ConfigError([f"{path}: a value cannot be read: {cut(str(exc))}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be a mapping of keys, not {type(data).__name__}"])
    return data


def _check_section(where: str, value: Any, keys: set, problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be a mapping, got {short(value)}")
        return {}
    for key in value:
        if key not in keys:
            problems.append(f"{where}.{key}: unknown key{did_you_mean(key, keys)}; allowed: {', '.join(sorted(keys))}")
    return value


def _check_source(ns: dict, problems: list[str], base: Path, where: str = "neurosim") -> None:
    """Which of repo + commit or path is given, and that a path is a NeuroSim folder (the values' own
    form is checked with the other settings)."""
    if not ns:
        problems.append(f"{where}: missing; give repo + commit, or path")
        return
    repo, commit, path = ns.get("repo"), ns.get("commit"), ns.get("path")
    _check_overlay(ns.get("overlay"), problems, base, where)
    if repo is None and path is None:
        problems.append(f"{where}: give either repo (with commit) or path")
    if repo is not None and path is not None:
        problems.append(f"{where}: give repo or path, not both")
    if repo is not None and commit is None:
        problems.append(f"{where}.commit: missing; a repo needs a pinned full 40-hex commit")
    if path is None or SECTION_KEYS["neurosim"]["path"].problem(path):
        return
    folder = _existing_folder(base, path, f"{where}.path", problems)
    if folder is None:
        return
    bare_git = (folder / "HEAD").is_file() and (folder / "objects").is_dir()
    if not bare_git and not (folder / "Inference_pytorch" / "NeuroSIM").is_dir():
        problems.append(
            f"{where}.path = {short(path)}: not a NeuroSim checkout (no Inference_pytorch/NeuroSIM) "
            "nor a bare git mirror"
        )


EXTRA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXTRA_FIELDS = {"side", "type", "default", "minimum", "maximum", "unit", "doc"}


def _check_extra_knobs(given: Any, problems: list[str]) -> tuple:
    """extra_knobs: each a new name, a side, a type and a default within its range."""
    if given is None:
        return ()
    if not isinstance(given, dict):
        problems.append(f"{EXTRA_KEY}: must be a mapping of knob names, got {short(given)}")
        return ()
    good = {}
    for name, spec in given.items():
        where = f"{EXTRA_KEY}.{name}"
        before = len(problems)
        if not isinstance(name, str) or not EXTRA_NAME.match(name):
            problems.append(f"{where}: a knob name is a letter or _, then letters, digits or _ (as in Python)")
        elif name in BUILT_IN or name in NOT_KNOBS or name in ("seed", "logdir"):
            problems.append(
                f"{where}: {name} is a knob NoisyNeuroSIM already has (or sets itself); name yours otherwise"
            )
        spec = _check_section(where, spec, EXTRA_FIELDS, problems)
        side, kind = spec.get("side"), spec.get("type")
        if side not in (INFERENCE, PARAM):
            problems.append(f"{where}.side = {short(side)}: must be inference (an inference.py argument) or param")
        if kind not in EXTRA_TYPES:
            problems.append(f"{where}.type = {short(kind)}: must be one of {', '.join(EXTRA_TYPES)}")
        for bound in ("minimum", "maximum"):
            if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], int | float)):
                problems.append(f"{where}.{bound} = {short(spec[bound])}: must be a number")
        default = spec.get("default")
        if "default" not in spec or isinstance(default, bool) or not isinstance(default, int | float):
            problems.append(f"{where}.default = {short(default)}: must be a number (the value where no study sets it)")
        elif kind == "int" and int(default) != default:
            problems.append(f"{where}.default = {short(default)}: must be an integer (type int)")
        if len(problems) == before:
            good[name] = spec
    extras = extra_knobs(good)
    for knob in extras:  # the default within the range given
        if coerce_knob_value(knob, knob.default):
            problems.append(
                f"{EXTRA_KEY}.{knob.name}.default = {knob.default!r}: {coerce_knob_value(knob, knob.default)}"
            )
    return extras


def coerce_knob_value(knob, value) -> str:
    """Why a value is outside a knob's range ("" when it is inside)."""
    if knob.minimum is not None and value < knob.minimum:
        return f"below the minimum {knob.minimum:g}"
    if knob.maximum is not None and value > knob.maximum:
        return f"above the maximum {knob.maximum:g}"
    return ""


def _group_param_values(version, base: Path) -> dict:
    """A group's own Param.cpp (an overlay's, a plain folder's) decides the hardware knobs a config leaves
    unset: its values are the defaults of that version's points (upstream's are the catalogue's)."""
    from . import overlay as group_files
    from .versions import readable_file

    text = readable_file(version, "Inference_pytorch/NeuroSIM/Param.cpp", base)
    values = {}
    for name, value in group_files.param_values(text or "").items():
        typed, problem = coerce_knob(name, value)
        if problem is None and not values_agree(typed, KNOBS[name].default):
            values[name] = typed
    return values


def _check_extras_in_files(extras: tuple, versions: list, base: Path, problems: list[str]) -> None:
    """Each extra knob where its side reads it: inference.py's argument, Param.cpp's unconditional assignment.
    Files read here where they are on this machine (an overlay, a plain folder); a fetched copy is checked
    when fetched."""
    from .versions import readable_file

    for version in versions:
        for knob in extras:
            name = "inference.py" if knob.side == INFERENCE else "NeuroSIM/Param.cpp"
            text = readable_file(version, f"Inference_pytorch/{name}", base)
            if text is None:
                continue
            missing = knob.missing_in(text)
            if missing:
                problems.append(f"{EXTRA_KEY}.{knob.name}: {missing} of version {version.label}")


def _existing_folder(base: Path, value: str, key: str, problems: list[str]) -> Path | None:
    """The folder a key names (relative to the workflow folder), or None with the problem said."""
    folder = (base / value).expanduser()
    if not folder.is_dir():
        problems.append(f"{key} = {short(value)}: no such folder")
        return None
    return folder


def _check_overlay(overlay, problems: list[str], base: Path, where: str) -> None:
    """A group's own files: a folder, laid out like NeuroSim's tree, with every anchor the adaptations need."""
    from . import overlay as group_files

    if overlay is None or SECTION_KEYS["neurosim"]["overlay"].problem(overlay):
        return
    folder = _existing_folder(base, overlay, f"{where}.overlay", problems)
    if folder is None:
        return
    if not group_files.files(folder):
        problems.append(f"{where}.overlay = {short(overlay)}: the folder is empty")
    problems += group_files.problems(folder, f"{where}.overlay")


def _check_versions(config: dict, problems: list[str], base: Path) -> None:
    """neurosim_versions: each a source like neurosim's, under a label; every version's commit its own."""
    given = config.get(VERSIONS_KEY)
    if given is None:
        return
    if not isinstance(given, dict) or not given:
        problems.append(f"{VERSIONS_KEY}: must be a mapping of version labels to sources, got {short(given)}")
        return
    allowed = {k: SECTION_KEYS["neurosim"][k] for k in VERSION_SOURCE_KEYS}
    for label, source in given.items():
        where = f"{VERSIONS_KEY}.{label}"
        if not isinstance(label, str) or not LABEL.match(label):
            problems.append(f"{where}: {SECTION_KEYS['neurosim']['label'].must}")
            continue
        source = _check_section(where, source, set(allowed), problems)
        _check_values(f"{where}.", source, allowed, problems)
        _check_source(source, problems, base, where)


def _run_identity(common: dict, anchor, contents: dict) -> dict:
    """What decides a version's inference runs besides their arguments: the commit of the version whose runs
    it shares, that version's content where a commit does not say it (a plain folder, an overlay), and the
    checkout the runs read."""
    if anchor is None:  # the config has problems: no points are made
        return common
    python = contents[anchor.label].python if anchor.label in contents else ""
    return {**common, "commit": anchor.commit, **({"python": python} if python else {}), "checkout": anchor.key}


def _check_version_names(settings: Settings, problems: list[str]) -> None:
    """Labels and commits tell versions apart: results are kept per commit."""
    versions = [settings.version, *settings.other_versions]
    labels = [v.label for v in versions]
    if labels.count(settings.label) > 1:
        problems.append(
            f"{VERSIONS_KEY}.{settings.label}: the label of the sweep's own version (neurosim); name it otherwise"
        )
    by_commit: dict[str, str] = {}
    for v in versions:
        if v.commit in by_commit:
            problems.append(
                f"{VERSIONS_KEY}.{v.label}.commit = {v.commit}: the commit of {by_commit[v.commit]} too; versions "
                "differ by commit (give a plain folder a commit of its own as its name)"
            )
        by_commit.setdefault(v.commit, v.label)


def _study_versions(where: str, spec: dict, settings: Settings, problems: list[str]) -> list[str]:
    """The versions a study runs on: its neurosim_versions, or the sweep's own."""
    if VERSIONS_KEY not in spec:
        return [settings.label]
    given, known = spec[VERSIONS_KEY], settings.versions()
    if not isinstance(given, list) or not given or not all(isinstance(v, str) for v in given):
        problems.append(f"{where}.{VERSIONS_KEY}: must be a list of version labels, got {short(given)}")
        return [settings.label]
    for label in given:
        if label not in known:
            problems.append(
                f"{where}.{VERSIONS_KEY}: {short(label)} is no version{did_you_mean(label, known)}; known: "
                f"{', '.join(known)} (neurosim.label and the keys of {VERSIONS_KEY})"
            )
    if len(set(given)) < len(given):
        problems.append(f"{where}.{VERSIONS_KEY}: lists a version twice ({short(given)})")
    for key in (SEARCH_KEY, TRAIN_KEY):
        if key in spec and given != [settings.label]:
            problems.append(
                f"{where}.{VERSIONS_KEY}: a study with {key}: runs on the sweep's own version (neurosim, "
                f"{settings.label}) only; compare versions in a grid study"
            )
    return [label for label in dict.fromkeys(given) if label in known] or [settings.label]


def _check_values(where: str, section: dict, settings: dict, problems: list[str]) -> None:
    """Each given value of a section against its catalogue entry (settings.py)."""
    for key, value in section.items():
        if key in settings:
            why = settings[key].problem(value)
            if why:
                problems.append(f"{where}{key} = {short(value)}: {why}")


def load(path: str | Path, *, base: Path | None = None) -> Sweep:
    data = load_yaml(path)
    return check(data, source=str(path), base=base or Path.cwd())


def _check_settings(config: dict, problems: list[str], base: Path) -> None:
    """Everything but the knobs: where NeuroSim and the data come from, limits, the cost table."""
    for key in config:
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{key}: unknown top-level key{did_you_mean(key, TOP_LEVEL_KEYS)}")
    for key in RUN_SWITCHES:
        allow = config.get(key, False)
        if isinstance(allow, str) and allow.lower() in ("true", "false"):  # --config KEY=true gives a string
            config[key] = allow.lower() == "true"
    _check_values("", {k: v for k, v in config.items() if k in SECTION_KEYS[""]}, SECTION_KEYS[""], problems)
    for section in ("neurosim", "python", "datasets", "training", "limits", "timeouts"):
        given = _check_section(section, config.get(section), set(SECTION_KEYS[section]), problems)
        _check_values(f"{section}.", given, SECTION_KEYS[section], problems)
        if section == "neurosim":
            _check_source(given, problems, base)
    _check_versions(config, problems, base)
    _check_accuracy("accuracy", config.get("accuracy"), problems)
    cost = config.get("cost") or {}
    if not isinstance(cost, dict):
        problems.append(f"cost: must be a mapping of model names, got {short(cost)}")
        cost = {}
    for model, entry in cost.items():
        if model not in MODEL_DATASETS:
            problems.append(f"cost.{model}: unknown model{did_you_mean(model, MODEL_DATASETS)}")
            continue
        entry = _check_section(f"cost.{model}", entry, set(COST_SETTINGS), problems)
        _check_values(f"cost.{model}.", entry, COST_SETTINGS, problems)


def _check_accuracy(where: str, section: Any, problems: list[str]) -> dict:
    """accuracy (or a study's): the split of inference runs into jobs and the precision to stop at."""
    section = _check_section(where, section, set(SECTION_KEYS["accuracy"]), problems)
    _check_values(f"{where}.", section, SECTION_KEYS["accuracy"], problems)
    return section


def _study_split(where: str, spec: dict, settings: Settings, problems: list[str]) -> Split:
    """The config's accuracy section with the study's own on top."""
    own = _check_accuracy(f"{where}.accuracy", spec.get("accuracy"), problems)
    merged = {**settings.accuracy, **own}
    try:
        split = Split(**merged)
    except TypeError:
        return Split()
    if split.halfwidth is not None and not split.images_per_job:
        source = f"{where}.accuracy" if "halfwidth" in own else "accuracy"
        problems.append(
            f"{source}.halfwidth = {short(split.halfwidth)}: stopping at a precision needs accuracy.images_per_job "
            "(a run in one job cannot stop early)"
        )
    return split


def _study_combos(where: str, spec: dict, problems: list[str]) -> tuple[list[dict], list[str], list[int], list]:
    """A study's knob combinations (grid, then explicit points), its named axes, seeds and decoupled knobs."""
    if "description" in spec and not isinstance(spec["description"], str):
        problems.append(f"{where}.description = {short(spec['description'])}: must be text")
    grid = check_knob_map(f"{where}.grid", spec.get("grid"), problems, lists=True)
    explicit = []
    raw_points = spec.get("points")
    if raw_points is not None and not isinstance(raw_points, list):
        problems.append(f"{where}.points: must be a list of knob mappings, got {short(raw_points)}")
    elif raw_points is not None:
        if not raw_points:
            problems.append(f"{where}.points: empty list; remove it or give points")
        for i, item in enumerate(raw_points):
            explicit.append(check_knob_map(f"{where}.points[{i}]", item, problems, lists=False))
    if "grid" in spec and not spec.get("grid"):
        problems.append(f"{where}.grid: empty grid; give at least one knob with values")
    seeds = spec.get("seeds", list(STUDY_KEYS["seeds"].default))
    if not isinstance(seeds, list) or not seeds:
        problems.append(f"{where}.seeds = {short(seeds)}: must be a non-empty list of integers")
        seeds = []
    else:
        for i, s in enumerate(seeds):
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                problems.append(f"{where}.seeds[{i}] = {short(s)}: seeds are non-negative integers")
            elif s > STUDY_KEYS["seeds"].maximum:
                problems.append(
                    f"{where}.seeds[{i}] = {short(s)}: above what torch.manual_seed accepts (at most 2**63 - 1)"
                )
        seeds = [s for s in seeds if isinstance(s, int) and not isinstance(s, bool)]
        if len(set(seeds)) != len(seeds):
            problems.append(f"{where}.seeds = {short(seeds)}: repeated seed")
    decouple = spec.get("decouple", [])
    couplings = STUDY_KEYS["decouple"].choices
    if not isinstance(decouple, list) or any(d not in couplings for d in decouple):
        problems.append(f"{where}.decouple = {short(decouple)}: a list of {', '.join(couplings)}")
        decouple = []
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())] if grid else []
    combos += explicit
    if not combos and "grid" not in spec and raw_points is None:
        combos = [{}]  # a study of the defaults alone
    # the study's axes in the order the user wrote them: grid first, then explicit points
    named = list(dict.fromkeys([*grid, *(k for c in explicit for k in c)]))
    return combos, named, seeds, decouple


def _resolve_point(
    label: str, where: str, combo: dict, defaults: dict, decouple: list, problems: list[str], *, trains: bool
) -> dict:
    """Every knob of one combination: catalogue defaults, then `defaults`, then the combination; coupled.
    Training knobs only for a study that trains (the others use the shipped checkpoint)."""
    given = {k: v for k, v in {**defaults, **combo}.items() if trains or k not in TRAIN_NAMES}
    knobs = {name: knob.default for name, knob in KNOBS.items() if trains or name not in TRAIN_NAMES}
    knobs.update(given)
    for acc_knob, hw_knob in COUPLINGS.items():
        if acc_knob in decouple:
            continue
        wanted = coupled_value(acc_knob, knobs)
        if hw_knob in given and not values_agree(given[hw_knob], wanted):
            problems.append(
                f"{label}: {hw_knob} = {short(given[hw_knob])} disagrees with {acc_knob} = {short(knobs[acc_knob])} "
                f"(which sets {hw_knob} = {short(wanted)}); drop {hw_knob} or add {acc_knob} to {where}.decouple"
            )
        knobs[hw_knob] = wanted
    return knobs


def _check_search_accuracy_knobs(
    where: str, spec: SearchSpec, context: StudyContext, problems: list[str], warns: list[str]
) -> None:
    """A searched knob that cannot change accuracy (NeuroSim's rules, as for a grid): each of its values
    opens an inference run of its own with the same accuracy. Refused where that holds for every setting of
    the space, before any GPU hour; the grid's warning where it holds for some (model, mode or inference
    searched too). A search's points do not exist when the config is read, so the space is asked here."""
    deciding = [k for k in ("model", "mode", "inference") if k in spec.space]
    first = {k: values[0] for k, values in spec.space.items()}
    inert: dict[str, list[str]] = {}
    cases = list(itertools.product(*(spec.space[k] for k in deciding)))
    for values in cases:
        combo = {**first, **dict(zip(deciding, values, strict=True))}
        knobs = _resolve_point(where, where, combo, context.defaults, list(context.decouple), [], trains=context.trains)
        for name, message in point_warnings(knobs, context.swept):
            if message.startswith(f"{name} is swept but cannot change accuracy"):
                inert.setdefault(name, []).append(message)
    for name, messages in inert.items():
        if len(messages) < len(cases):
            warns.append(f"{where}.{SEARCH_KEY}: {messages[0]}")
            continue
        problems.append(
            f"{where}.{SEARCH_KEY}.space.{name} = {short(spec.space[name])}: {messages[0]}; each value would "
            "open an inference run (GPU hours) with the same accuracy. Give it one value, or search it where it "
            "matters (VGG8, mode WAGE, inference 1)"
        )


def check(config: dict, *, source: str = "config", base: Path | None = None) -> Sweep:
    """Validate a config mapping and expand it into points, once; raise ConfigError with every problem."""
    base = base or Path.cwd()
    problems: list[str] = []
    extras = _check_extra_knobs(config.get(EXTRA_KEY), problems)
    register_extra(extras)  # checked, planned, labelled and tabulated like the built-in knobs from here on
    _check_settings(config, problems, base)
    defaults = check_knob_map("defaults", config.get("defaults"), problems, lists=False)
    studies = config.get("studies")
    if not isinstance(studies, dict) or not studies:
        problems.append(f"studies: must be a non-empty mapping of study names, got {short(studies)}")
        studies = {}
    settings = Settings.from_config(config) if not problems else Settings()
    if not problems:
        _check_version_names(settings, problems)
    versions = _SweepVersions.read(studies, settings, extras, base, problems)
    _refuse_too_many_points(studies, settings, source, problems)
    expanded = _Expanded()
    for study, spec in studies.items():
        _expand_study(study, spec, defaults, settings, versions, problems, expanded)
    if not problems:
        _check_plain_folder(settings, expanded.points, base, problems)
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    return Sweep(
        config=config,
        source=source,
        points=expanded.points,
        settings=settings,
        warnings=expanded.warnings,
        searches=expanded.searches,
    )


@dataclass(frozen=True)
class _SweepVersions:
    """The NeuroSim versions the studies run on, and what each adds to its points."""

    of_study: dict  # study -> the labels of the versions it runs on
    anchors: dict  # label -> the version whose inference runs it shares
    group_defaults: dict  # label -> the hardware knobs its own Param.cpp sets
    contents: dict  # label -> its content (versions.Content), where versions are compared or a folder is plain
    run_identity: dict  # what else decides an inference run's outcome besides its arguments

    @classmethod
    def read(cls, studies: dict, settings: Settings, extras: tuple, base: Path, problems: list[str]) -> _SweepVersions:
        # the versions each study runs on, and the commit naming each version's inference runs
        of_study = {
            study: _study_versions(f"studies.{study}", spec, settings, problems)
            for study, spec in studies.items()
            if isinstance(spec, dict)
        }
        named = {x for xs in of_study.values() for x in xs}
        used = [v for label, v in settings.versions().items() if label in named]
        anchors = {v.label: v for v in used}
        if not problems:
            _check_extras_in_files(extras, used, base, problems)
        group_defaults = {v.label: _group_param_values(v, base) for v in used} if not problems else {}
        contents = {}
        if not problems:
            try:
                if any(len(v) > 1 for v in of_study.values()):
                    anchors = inference_anchors(used, base)
                contents = {v.label: content(v, base) for v in used}
            except RuntimeError as exc:  # a fetch that failed: git's words and the way out
                problems.append(f"{VERSIONS_KEY}: comparing versions reads each one's Python side, and {exc}")
        run_identity = {"commit": settings.commit, "max_test_images": settings.max_test_images}
        if settings.synthetic_test_images:
            run_identity["synthetic_test_images"] = settings.synthetic_test_images  # other images: another run
        if settings.max_train_images:
            run_identity["max_train_images"] = settings.max_train_images  # a training run's only
        return cls(of_study, anchors, group_defaults, contents, run_identity)


def _refuse_too_many_points(studies: dict, settings: Settings, source: str, problems: list[str]) -> None:
    """Counted before anything is expanded: a typo in a grid costs nothing."""
    sizes = {study: _expected_points(spec) for study, spec in studies.items()}
    if sum(sizes.values()) > settings.limits["max_points"]:
        largest = ", ".join(f"studies.{s}: {n:,}" for s, n in sorted(sizes.items(), key=lambda x: -x[1])[:3])
        problems.append(
            f"the studies expand to {sum(sizes.values()):,} points ({largest}), more than limits.max_points = "
            f"{settings.limits['max_points']:,}; nothing was expanded. Raise limits.max_points to run a sweep "
            "this large"
        )
        raise ConfigError([f"{source}: {p}" for p in problems])


@dataclass
class _Expanded:
    """What the studies expand to so far: their points, the warnings, the search studies."""

    points: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    searches: dict = field(default_factory=dict)


def _expand_study(
    study: Any,
    spec: Any,
    defaults: dict,
    settings: Settings,
    versions: _SweepVersions,
    problems: list[str],
    expanded: _Expanded,
) -> None:
    """One study's points (a grid's, explicit ones) or its search, on each version it runs on."""
    where = f"studies.{study}"
    if not isinstance(study, str) or not STUDY_NAME.match(study):
        problems.append(f"{where}: study names are a letter then letters, digits, _ or - (at most 64)")
        return
    spec = _check_section(where, spec, set(STUDY_KEYS), problems)
    search = None
    if SEARCH_KEY in spec:
        search = check_spec(f"{where}.{SEARCH_KEY}", spec[SEARCH_KEY], problems)
        for key in ("grid", "points"):
            if key in spec:
                problems.append(
                    f"{where}.{key}: a study searches or lists points, not both; put the {key} in a study of "
                    "its own (points shared with it are run once)"
                )
    combos, named, seeds, decouple = _study_combos(where, spec, problems)
    if search is not None:
        combos, named = [{k: v[0] for k, v in search.space.items()}], list(search.space)
    split = _study_split(where, spec, settings, problems)
    # a study trains its checkpoints when it has a train: mapping or sweeps a training knob
    trains = TRAIN_KEY in spec or any(k in TRAIN_NAMES for c in combos for k in c)
    own_train = check_knob_map(where, {TRAIN_KEY: spec[TRAIN_KEY]}, problems, lists=False) if TRAIN_KEY in spec else {}
    study_defaults = {**defaults, **own_train}
    swept = tuple(k for k in named if len({repr(c.get(k, study_defaults.get(k))) for c in combos}) > 1)
    if search is not None:
        swept = tuple(k for k, values in search.space.items() if len(values) > 1)
    contexts = [
        StudyContext(
            study=study,
            where=where,
            defaults={**versions.group_defaults.get(label, {}), **study_defaults},
            decouple=tuple(decouple),
            trains=trains,
            split=split,
            seeds=tuple(seeds),
            swept=swept,
            run_identity=_run_identity(versions.run_identity, versions.anchors.get(label), versions.contents),
            settings=settings,
            own_accuracy=tuple(spec.get("accuracy") or {}),
            version="" if label == settings.label else label,
            source_key=settings.versions()[label].key,
            core_content=versions.contents[label].core if label in versions.contents else "",
        )
        for label in versions.of_study.get(study, [settings.label])
    ]
    if search is not None:
        _check_search_accuracy_knobs(where, search, contexts[0], problems, expanded.warnings)
        expanded.searches[study] = SearchStudy(search, contexts[0])
        return
    seen_here: set = set()
    for context, (ci, combo) in itertools.product(contexts, enumerate(combos)):
        for point in context.points(_combo_label(where, ci, combo), combo, problems, expanded.warnings):
            if point.point_id in seen_here:
                problems.append(
                    f"{_combo_label(where, ci, combo)}: duplicates an earlier point of {study} (seed {point.seed})"
                )
                continue
            seen_here.add(point.point_id)
            expanded.points.append(point)


def _check_plain_folder(settings: Settings, points: list[Point], base: Path, problems: list[str]) -> None:
    """A plain folder (not git) as neurosim.path must hold every file the sweep's jobs read, checked now:
    a missing main.cpp would otherwise fail the build after every inference had run."""
    from .adapt import missing_files

    if not settings.path:
        return
    from .fetch import is_repository

    folder = (base / settings.path).expanduser()
    if is_repository(folder):
        return  # a git checkout or mirror: verified complete at the commit when fetched
    missing = missing_files(
        folder,
        models={p.knobs["model"] for p in points},
        shipped={p.knobs["model"] for p in points if not p.train_id},
        training=any(p.train_id for p in points),
    )
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        problems.append(
            f"neurosim.path = {short(settings.path)}: this NeuroSim folder lacks {shown}, which this sweep's "
            "jobs need; point it at a complete copy"
        )


def _expected_points(spec: Any) -> int:
    """How many points a study would expand to, counted without expanding it (malformed parts count as
    one: the checks name them)."""
    if not isinstance(spec, dict):
        return 0

    def count(values):
        return len(values) if isinstance(values, list) else 1

    grid = spec.get("grid") if isinstance(spec.get("grid"), dict) else {}
    combos = math.prod(
        math.prod(count(v) for v in values.values()) if isinstance(values, dict) else count(values)
        for values in grid.values()
    )
    combos = (combos if grid else 0) + (len(spec["points"]) if isinstance(spec.get("points"), list) else 0)
    return max(combos, 1) * max(count(spec.get("seeds", [0])), 1)
