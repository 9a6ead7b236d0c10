"""Every setting that is not a knob, resolved once from a checked config, with every default in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

# seconds per test image on one GPU; seconds per hardware estimate on one core (NOTES.md, and measured:
# DenseNet40 with its corrected network takes 45-65 s on one core of a 2-core machine)
# seconds per training epoch on one GPU (the whole training set and the test after it): not measured on
# a GPU; VGG8 took 5.3 s per epoch of 32 images (+16 tested) on 2 CPU cores here, about 0.15 s per
# image, and a V100 is assumed 25x faster; DenseNet40's and ResNet18's are guesses. Set yours.
# megabytes of one run's layer traces as kept (gzip -1): DenseNet40 measured (65 MB raw); VGG8's and
# ResNet18's are guesses from their layer sizes.
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
# seconds; each below the cluster time limit of its rule in profiles/slurm (checked when the workflow starts)
DEFAULT_TIMEOUTS = {"inference": 21600.0, "estimate": 1200.0, "build": 600.0, "training": 21600.0}
DEFAULT_EPOCHS_PER_JOB = 50  # a training job's epochs: well inside a GPU job under 24 h (CLAIX asks for that)
DEFAULT_SEEDS = (117,)
# a sweep larger or dearer than this is refused before anything starts (limits.*): a typo in a grid must
# not cost a month's quota, nor planning a million points minutes. The shipped study: 48 points, 40 GPU h.
DEFAULT_LIMITS = {"max_points": 20000, "max_gpu_hours": 1000.0}
DEFAULT_DATASETS_ROOT = "resources/datasets"
DEFAULT_CONDA = "workflow/envs/neurosim.yaml"
SYNTHETIC_TEST_IMAGES = 100
SYNTHETIC_DATASETS = ("cifar10", "cifar100")

_BOOL = {"type": "boolean"}
_POSITIVE = {"type": "number", "exclusiveMinimum": 0}
# accuracy: splitting an inference run into jobs and stopping at a stated precision (precision.py);
# the defaults of precision.Split apply to absent keys. Also allowed in a study (studies.<name>.accuracy).
ACCURACY_KEYS = {
    "images_per_job": {"type": ["integer", "null"], "minimum": 1},
    "halfwidth": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 0.5},
    "jobs_per_wave": {"type": "integer", "minimum": 1},
    "min_images": {"type": "integer", "minimum": 1},
    "prior": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
}
# The keys of each settings section with the JSON-schema type of their value: the config checks take
# the key names from here, the generated schema the types (config/README.md describes each).
SECTION_KEYS = {
    "neurosim": {
        "repo": {"type": "string"},
        "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "path": {"type": "string"},
        "correct_network": _BOOL,
        "check_reproducible": _BOOL,
    },
    "python": {
        "command": {"type": "string", "minLength": 1},
        "envmodules": {"type": "array", "items": {"type": "string"}},
        "conda": {"type": "string"},
    },
    "datasets": {
        "root": {"type": "string", "minLength": 1},
        "download": _BOOL,
        "synthetic": _BOOL,
        "synthetic_test_images": {"type": "integer", "minimum": 1},
    },
    "training": {
        "epochs_per_job": {"type": ["integer", "null"], "minimum": 1},
        "max_train_images": {"type": ["integer", "null"], "minimum": 1},
    },
    "timeouts": {key: _POSITIVE for key in DEFAULT_TIMEOUTS},
    "limits": {
        "max_points": {"type": "integer", "minimum": 1},
        "max_gpu_hours": _POSITIVE,
    },
    "accuracy": ACCURACY_KEYS,
}


@dataclass(frozen=True)
class Settings:
    repo: str | None = None
    commit: str = "local"  # the pinned commit, or "local" for an unversioned folder
    path: str | None = None
    correct_network: bool = True
    check_reproducible: bool = True
    python_command: str = "python"
    envmodules: tuple[str, ...] = ()
    conda: str = DEFAULT_CONDA
    datasets_root: str = DEFAULT_DATASETS_ROOT
    download: bool = True
    synthetic_test_images: int = 0  # 0: the real dataset
    max_test_images: int | None = None
    allow_gpu_redo: bool = False  # a run may redo finished GPU work though nothing deciding changed (reruns.py)
    max_train_images: int | None = None  # training images per epoch (None: the whole training set)
    epochs_per_job: int | None = DEFAULT_EPOCHS_PER_JOB  # None: a training run in one job
    accuracy: dict = field(default_factory=dict)  # the config's accuracy section (a study's overrides it)
    timeouts: dict = field(default_factory=lambda: dict(DEFAULT_TIMEOUTS))
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    cost: dict = field(default_factory=lambda: {m: dict(c) for m, c in DEFAULT_COST.items()})

    @property
    def data_root(self) -> str:
        # a synthetic set never shares a folder with the real one
        return f"{self.datasets_root}/synthetic" if self.synthetic_test_images else self.datasets_root

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        """From a config that passed the checks (types are right; absent keys take the defaults above)."""
        ns = config.get("neurosim") or {}
        py = config.get("python") or {}
        ds = config.get("datasets") or {}
        tr = config.get("training") or {}
        cost = {m: dict(c) for m, c in DEFAULT_COST.items()}
        for model, entry in (config.get("cost") or {}).items():
            cost[model].update(entry or {})
        return cls(
            repo=ns.get("repo"),
            commit=ns.get("commit") or "local",
            path=ns.get("path"),
            correct_network=ns.get("correct_network", True),
            check_reproducible=ns.get("check_reproducible", True),
            python_command=py.get("command", "python"),
            envmodules=tuple(py.get("envmodules", ())),
            conda=py.get("conda", DEFAULT_CONDA),
            datasets_root=ds.get("root", DEFAULT_DATASETS_ROOT),
            download=ds.get("download", True),
            synthetic_test_images=int(ds.get("synthetic_test_images", SYNTHETIC_TEST_IMAGES))
            if ds.get("synthetic")
            else 0,
            max_test_images=config.get("max_test_images"),
            allow_gpu_redo=config.get("allow_gpu_redo", False),
            max_train_images=tr.get("max_train_images"),
            epochs_per_job=tr.get("epochs_per_job", DEFAULT_EPOCHS_PER_JOB),
            accuracy=dict(config.get("accuracy") or {}),
            timeouts={**DEFAULT_TIMEOUTS, **{k: float(v) for k, v in (config.get("timeouts") or {}).items()}},
            limits={**DEFAULT_LIMITS, **(config.get("limits") or {})},
            cost=cost,
        )
