"""Every setting that is not a knob: one catalogue (type, default, range or pattern, doc) that drives the
config checks, the schema, the defaults and `Settings.from_config`, as knobs.py does for knobs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import paths
from .precision import Split

# seconds per test image on one GPU; seconds per hardware estimate on one core (NOTES.md, and measured:
# DenseNet40 with its corrected network takes 45-65 s on one core of a 2-core machine)
# seconds per training epoch on one GPU (the whole training set and the test after it): not measured on
# a GPU; VGG8 took 5.3 s per epoch of 32 images (+16 tested) on 2 CPU cores here, about 0.15 s per
# image, and a V100 is assumed 25x faster; DenseNet40's and ResNet18's are guesses. Set yours.
# megabytes of one run's layer traces as kept (gzip -1): DenseNet40 measured (65 MB raw); VGG8's and
# ResNet18's are guesses from their layer sizes.
GPU_HOUR_IN_CORE_HOURS = 24  # RWTH's accounting: one GPU hour is charged as 24 core-hours
DEFAULT_COST = {
    "VGG8": {
        "gpu_seconds_per_image": 0.3,
        "cpu_seconds_per_estimate": 200,
        "gpu_seconds_per_epoch": 300,
        "trace_megabytes": 20,
    },
    "DenseNet40": {
        "gpu_seconds_per_image": 0.05,
        "cpu_seconds_per_estimate": 60,
        "gpu_seconds_per_epoch": 400,
        "trace_megabytes": 3.5,
    },
    "ResNet18": {
        "gpu_seconds_per_image": 0.05,
        "cpu_seconds_per_estimate": 600,
        "gpu_seconds_per_epoch": 3600,
        "trace_megabytes": 60,
    },
}
COST_KEYS = tuple(DEFAULT_COST["VGG8"])
DEFAULT_SEEDS = (117,)
VERSIONS_KEY = "neurosim_versions"  # top level: other NeuroSim versions by label; a study's: those it runs on
SYNTHETIC_DATASETS = ("cifar10", "cifar100")
# switches for one run (`--config KEY=true`): they decide no result, so no job reruns for them and the
# recorded config leaves them out
RUN_SWITCHES = ("allow_gpu_redo", "allow_queued_jobs")


def recorded_config(config: dict) -> dict:
    """The config as results record it (results/config.yaml, the points record): without the run switches."""
    return {key: value for key, value in config.items() if key not in RUN_SWITCHES}


FULL_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# https://host/owner/name(.git) or git@host:owner/name(.git); nothing else reaches git.
REPO_URL = re.compile(
    r"^(https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*"
    r"|git@[A-Za-z0-9.-]+:[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)$"
)
GIT_BRANCH = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Words that reach a command line (interpreter, module names): no shell syntax at all.
SAFE_WORD = re.compile(r"^[A-Za-z0-9_./+=:@~-]+$")
SAFE_COMMAND = re.compile(r"^\s*[A-Za-z0-9_./+=:@~-]+(\s+[A-Za-z0-9_./+=:@~-]+)*\s*$")  # SAFE_WORDs, spaced
SAFE_PATH = re.compile(r"^[^\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Setting:
    """One key of a settings section: what it holds, its default, what is allowed, what it means."""

    key: str  # the key path in the config: "neurosim.commit", "max_test_images"
    kind: str  # "bool", "int", "number", "text", "words" (a list of SAFE_WORDs)
    default: Any
    doc: str
    nullable: bool = False  # null allowed: the same as absent
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None
    pattern: re.Pattern | None = None  # text: the whole value must match
    must: str = ""  # what the value must be, in words, where the range or pattern does not say it
    wrong: str = ""  # the whole message after "key = value: ", where "must be ..." reads worse

    @property
    def section(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    def requirement(self) -> str:
        """What the value must be, in words: "a positive integer", "a number between 0 and 1"."""
        if self.must:
            return self.must
        if self.kind == "bool":
            return "true or false"
        noun = "integer" if self.kind == "int" else "number"
        low = self.exclusive_minimum if self.exclusive_minimum is not None else self.minimum
        if self.maximum is None and self.exclusive_maximum is None and (low == 0 or low == 1 and noun == "integer"):
            return f"a positive {noun}"
        if self.exclusive_minimum is not None and self.exclusive_maximum is not None:
            return f"a {noun} between {self.exclusive_minimum:g} and {self.exclusive_maximum:g}"
        bounds = [f"above {self.exclusive_minimum:g}"] if self.exclusive_minimum is not None else []
        bounds += [f"at least {self.minimum:g}"] if self.minimum is not None else []
        bounds += [f"at most {self.maximum:g}"] if self.maximum is not None else []
        bounds += [f"below {self.exclusive_maximum:g}"] if self.exclusive_maximum is not None else []
        return f"a {noun} {' and '.join(bounds)}".strip()

    def problem(self, value: Any) -> str | None:
        """Why `value` is not allowed here (the text after "key = value: "), or None."""
        if value is None and self.nullable:
            return None
        if not self._allowed(value):
            return self.wrong or f"must be {self.requirement()}"
        return None

    def _allowed(self, value: Any) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "words":
            return isinstance(value, list) and all(isinstance(w, str) and SAFE_WORD.match(w) for w in value)
        if self.kind == "text":
            return isinstance(value, str) and bool(value) and (self.pattern is None or bool(self.pattern.match(value)))
        kinds = int if self.kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            return False
        return (
            (self.minimum is None or value >= self.minimum)
            and (self.exclusive_minimum is None or value > self.exclusive_minimum)
            and (self.maximum is None or value <= self.maximum)
            and (self.exclusive_maximum is None or value < self.exclusive_maximum)
        )

    def schema(self) -> dict:
        """This setting in the JSON schema."""
        types = {"bool": "boolean", "int": "integer", "number": "number", "text": "string", "words": "array"}
        kind = types[self.kind]
        out: dict = {"type": [kind, "null"] if self.nullable else kind}
        if self.kind == "words":
            out["items"] = {"type": "string", "pattern": SAFE_WORD.pattern}
        if self.kind == "text":
            out["minLength"] = 1
        if self.pattern is not None:
            out["pattern"] = self.pattern.pattern
        for key, bound in (
            ("minimum", self.minimum),
            ("exclusiveMinimum", self.exclusive_minimum),
            ("maximum", self.maximum),
            ("exclusiveMaximum", self.exclusive_maximum),
        ):
            if bound is not None:
                out[key] = bound
        out["description"] = self.doc
        return out


def _positive_seconds(key: str, default: float, doc: str) -> Setting:
    return Setting(key, "number", default, doc, exclusive_minimum=0)


_CATALOGUE = (
    Setting(
        "neurosim.repo",
        "text",
        None,
        "NeuroSim's git repository",
        nullable=True,
        pattern=REPO_URL,
        wrong="not an accepted repository URL (https://host/owner/name or git@host:owner/name)",
    ),
    Setting(
        "neurosim.commit",
        "text",
        "local",
        "the pinned commit (full hash); 'local' for a plain folder",
        nullable=True,
        pattern=FULL_COMMIT,
        must="a full 40-character lowercase hex commit hash",
    ),
    Setting(
        "neurosim.path",
        "text",
        None,
        "a local NeuroSim checkout, bare mirror or plain folder",
        nullable=True,
        pattern=SAFE_PATH,
        must="a folder path (no control characters)",
    ),
    Setting(
        "neurosim.branch",
        "text",
        None,
        "the branch that holds the commit (asked for where a server refuses a commit by hash)",
        nullable=True,
        pattern=GIT_BRANCH,
        must="a branch name (letters, digits and _ . / -)",
    ),
    Setting(
        "neurosim.label",
        "text",
        None,
        f"the version's name in {paths.RUNS} (default: branch or repository, and the short commit)",
        nullable=True,
        pattern=LABEL,
        must="a name of letters, digits and _ . - (at most 64, starting with a letter or digit)",
    ),
    Setting(
        "neurosim.overlay",
        "text",
        None,
        "a folder of a group's own NeuroSim files, laid out like NeuroSim's tree, put over the fetched copy",
        nullable=True,
        pattern=SAFE_PATH,
        must="a folder path (no control characters)",
    ),
    Setting("neurosim.correct_network", "bool", True, "correct known-wrong network files from the layer traces"),
    Setting("neurosim.check_reproducible", "bool", True, "run each model's first estimate twice and compare"),
    Setting(
        "python.command",
        "text",
        "python",
        "NeuroSim's interpreter, optionally with plain arguments",
        pattern=SAFE_COMMAND,
        must="an interpreter name or path, optionally with plain arguments (letters, digits and _ . / + = : @ -)",
    ),
    Setting(
        "python.envmodules", "words", (), "environment modules for NeuroSim's rules", must="a list of module names"
    ),
    Setting(
        "python.conda",
        "text",
        "workflow/envs/neurosim.yaml",
        "conda environment file for NeuroSim's rules",
        pattern=SAFE_PATH,
        must="a path to an environment file",
    ),
    Setting(
        "datasets.root",
        "text",
        "resources/datasets",
        "where datasets are staged",
        pattern=SAFE_PATH,
        must="a folder path (no control characters)",
    ),
    Setting("datasets.download", "bool", True, "download a dataset that is not staged"),
    Setting("datasets.synthetic", "bool", False, "generate a synthetic test set instead of the real one"),
    Setting("datasets.synthetic_test_images", "int", 100, "synthetic test images generated", minimum=1),
    Setting("max_test_images", "int", None, "evaluate only the first N test images", nullable=True, minimum=1),
    Setting("allow_gpu_redo", "bool", False, "let this run redo finished GPU work though nothing deciding changed"),
    Setting(
        "allow_queued_jobs",
        "bool",
        False,
        "let this run submit to Slurm though jobs of an earlier run of the folder are queued or running",
    ),
    # a training job's epochs: well inside a GPU job under 24 h (CLAIX asks for that); null: one job
    Setting("training.epochs_per_job", "int", 50, "epochs per training job", nullable=True, minimum=1),
    Setting(
        "training.max_train_images", "int", None, "train on the first N training images only", nullable=True, minimum=1
    ),
    # seconds; each below the cluster time limit of its rule in profiles/slurm (checked when the workflow starts)
    _positive_seconds("timeouts.inference", 21600.0, "time limit of an inference run, in seconds"),
    _positive_seconds("timeouts.estimate", 1200.0, "time limit of a hardware estimate, in seconds"),
    _positive_seconds("timeouts.build", 600.0, "time limit of a build, in seconds"),
    _positive_seconds("timeouts.training", 21600.0, "time limit of a training job, in seconds"),
    # a sweep larger or dearer than this is refused before anything starts: a typo in a grid must not
    # cost a month's quota, nor planning a million points minutes. The shipped study: 48 points, 40 GPU h.
    Setting("limits.max_points", "int", 20000, "the most points a sweep may expand to", minimum=1),
    Setting(
        "limits.max_gpu_hours", "number", 1000.0, "the most GPU hours a sweep's plan may cost", exclusive_minimum=0
    ),
    # splitting an inference run into jobs and stopping at a stated precision (precision.py); the
    # defaults are precision.Split's. Also allowed in a study (studies.<name>.accuracy).
    Setting(
        "accuracy.images_per_job",
        "int",
        Split.images_per_job,
        "test images per inference job",
        nullable=True,
        minimum=1,
    ),
    Setting(
        "accuracy.halfwidth",
        "number",
        Split.halfwidth,
        "stop once the 95 % interval is this narrow",
        nullable=True,
        exclusive_minimum=0,
        maximum=0.5,
    ),
    Setting("accuracy.jobs_per_wave", "int", Split.jobs_per_wave, "inference jobs started together", minimum=1),
    Setting("accuracy.min_images", "int", Split.min_images, "test images before a run may stop", minimum=1),
    Setting(
        "accuracy.prior",
        "number",
        Split.prior,
        "the accuracy expected, for the plan",
        exclusive_minimum=0,
        exclusive_maximum=1,
    ),
    *(
        Setting(f"cost.<model>.{key}", "number", None, f"the plan's {key.replace('_', ' ')}", exclusive_minimum=0)
        for key in COST_KEYS
    ),
)
SETTINGS = {s.key: s for s in _CATALOGUE}
# The keys of each section (the top level is ""), as the config checks and the schema take them.
SECTION_KEYS: dict[str, dict[str, Setting]] = {}
for _s in _CATALOGUE:
    SECTION_KEYS.setdefault(_s.section, {})[_s.name] = _s
COST_SETTINGS = SECTION_KEYS.pop("cost.<model>")  # per model; checked and described per model entry


def default(key: str) -> Any:
    return SETTINGS[key].default


def section_defaults(section: str) -> dict:
    return {name: s.default for name, s in SECTION_KEYS[section].items()}


@dataclass(frozen=True)
class Settings:
    """The settings of one checked config, each under the catalogue's default where absent."""

    repo: str | None = default("neurosim.repo")
    commit: str = default("neurosim.commit")  # the pinned commit, or "local" for an unversioned folder
    path: str | None = default("neurosim.path")
    branch: str | None = default("neurosim.branch")
    overlay: str | None = default("neurosim.overlay")
    label: str = "neurosim"  # the version's name (neurosim.label, or derived from the source)
    # other NeuroSim versions a study may also run on (neurosim_versions), by label
    other_versions: tuple = ()
    correct_network: bool = default("neurosim.correct_network")
    check_reproducible: bool = default("neurosim.check_reproducible")
    python_command: str = default("python.command")
    envmodules: tuple[str, ...] = default("python.envmodules")
    conda: str = default("python.conda")
    datasets_root: str = default("datasets.root")
    download: bool = default("datasets.download")
    synthetic_test_images: int = 0  # 0: the real dataset
    max_test_images: int | None = default("max_test_images")
    allow_gpu_redo: bool = default("allow_gpu_redo")  # redo finished GPU work though nothing deciding changed
    allow_queued_jobs: bool = default("allow_queued_jobs")  # submit though an earlier run's jobs are queued
    max_train_images: int | None = default("training.max_train_images")  # None: the whole training set
    epochs_per_job: int | None = default("training.epochs_per_job")  # None: a training run in one job
    accuracy: dict = field(default_factory=dict)  # the config's accuracy section (a study's overrides it)
    timeouts: dict = field(default_factory=lambda: section_defaults("timeouts"))
    limits: dict = field(default_factory=lambda: section_defaults("limits"))
    cost: dict = field(default_factory=lambda: {m: dict(c) for m, c in DEFAULT_COST.items()})

    @property
    def version(self):
        """The sweep's own NeuroSim version (versions.Version)."""
        from .versions import Version

        return Version(self.label, self.commit, self.repo, self.path, self.branch, self.overlay)

    def versions(self) -> dict:
        """Every version a study may name, by label: the sweep's own first."""
        return {v.label: v for v in (self.version, *self.other_versions)}

    @property
    def data_root(self) -> str:
        # a synthetic set never shares a folder with the real one
        return f"{self.datasets_root}/synthetic" if self.synthetic_test_images else self.datasets_root

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        """From a config that passed the checks (types are right; absent keys take the catalogue's defaults)."""

        def value(key: str) -> Any:
            section, _, name = key.rpartition(".")
            given = (config.get(section) or {}) if section else config
            return given.get(name, default(key))

        cost = {m: dict(c) for m, c in DEFAULT_COST.items()}
        for model, entry in (config.get("cost") or {}).items():
            cost[model].update(entry or {})
        from .versions import Version, default_label

        def version(source: dict, commit: str):
            return dict(
                commit=commit,
                repo=source.get("repo"),
                path=source.get("path"),
                branch=source.get("branch"),
                overlay=source.get("overlay"),
                label=source.get("label")
                or default_label(source.get("repo"), source.get("path"), source.get("branch"), commit),
            )

        main = version(config.get("neurosim") or {}, value("neurosim.commit") or default("neurosim.commit"))
        others = tuple(
            Version(**version({**(source or {}), "label": label}, (source or {}).get("commit") or "local"))
            for label, source in (config.get(VERSIONS_KEY) or {}).items()
        )
        return cls(
            **main,
            other_versions=others,
            correct_network=value("neurosim.correct_network"),
            check_reproducible=value("neurosim.check_reproducible"),
            python_command=value("python.command"),
            envmodules=tuple(value("python.envmodules")),
            conda=value("python.conda"),
            datasets_root=value("datasets.root"),
            download=value("datasets.download"),
            synthetic_test_images=int(value("datasets.synthetic_test_images")) if value("datasets.synthetic") else 0,
            max_test_images=value("max_test_images"),
            allow_gpu_redo=value("allow_gpu_redo"),
            allow_queued_jobs=value("allow_queued_jobs"),
            max_train_images=value("training.max_train_images"),
            epochs_per_job=value("training.epochs_per_job"),
            accuracy=dict(config.get("accuracy") or {}),
            timeouts={name: float(value(f"timeouts.{name}")) for name in SECTION_KEYS["timeouts"]},
            limits={name: value(f"limits.{name}") for name in SECTION_KEYS["limits"]},
            cost=cost,
        )
