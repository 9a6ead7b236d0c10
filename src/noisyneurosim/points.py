"""The points of a sweep: one knob setting under one seed, and the ids of the jobs it needs.

A point's ids are hashes of what decides each job's result, so points of different studies (a grid's,
a search's) that share a setting share its inference run, build and estimate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .knobs import INFERENCE_NAMES, PARAM_NAMES, TEST_IMAGES, TRAIN_ARGUMENTS, TRAIN_PREFIX, TRAINING_SHAPED_BY, trained
from .precision import Split
from .settings import Settings


@dataclass(frozen=True)
class Point:
    study: str
    point_id: str
    seed: int
    knobs: dict  # every knob, resolved and coupled
    swept: tuple  # knobs that vary within the study
    acc_id: str  # the inference run it needs
    hw_id: str  # the build it needs
    split: dict = field(default_factory=dict)  # how its inference run is split and stopped (precision.Split)
    train_id: str = ""  # the training run whose checkpoint it uses; "" for the shipped checkpoint
    version: str = ""  # the NeuroSim version it runs on (its label); "" for the sweep's own (neurosim:)
    commit: str = ""  # that version's fetched copy (its commit, and where its overlay lives): builds, estimates
    inference_commit: str = ""  # the copy its inference runs in (an earlier version's with the same Python side)
    core: str = ""  # what its C++ side's content adds to its build's id ("" where the commit says it all)

    @classmethod
    def make(
        cls,
        study: str,
        seed: int,
        knobs: dict,
        swept: tuple,
        run_identity: dict,
        split: Split | None = None,
        *,
        version: str = "",
        source_key: str | None = None,
        core_content: str = "",
    ) -> Point:
        """run_identity names the inference run: the commit (a version shares an earlier one's run where the
        Python side is the same, versions.inference_anchors) and the content a commit does not say; its
        "checkout" is where the run reads it. source_key (the version's copy) and core_content name builds."""
        identity = dict(run_identity)
        checkout = identity.pop("checkout", run_identity["commit"])
        source_key = source_key or run_identity["commit"]
        args = {**{k: knobs[k] for k in INFERENCE_NAMES}, "seed": seed}
        split = split or Split()
        identity.pop("max_train_images", None)  # the training run's, part of its own identity
        if split.images_per_job:  # other jobs evaluate other images: another run (the target is not)
            identity["images_per_job"] = split.images_per_job
        train_id = ""
        if trained(knobs):  # a trained checkpoint: which run, and which of its checkpoints
            train_id = stable_hash("t", {"args": training_arguments(knobs), **deciding_identity(run_identity)})
            identity["checkpoint"] = {"training": train_id, "choice": knobs["train.checkpoint"]}
        return cls(
            study=study,
            # the sweep's own version keeps the ids points had before versions could be compared
            point_id=stable_hash("p", {"knobs": knobs, "seed": seed, **({"neurosim": version} if version else {})}),
            seed=seed,
            knobs=knobs,
            swept=tuple(swept),
            acc_id=stable_hash("a", {"args": args, **identity}),
            hw_id=stable_hash(
                "h",
                {
                    "param": {k: knobs[k] for k in PARAM_NAMES},
                    "commit": source_key,
                    **({"core": core_content} if core_content else {}),
                },
            ),
            split=dict(vars(split)),
            train_id=train_id,
            version=version,
            commit=source_key,
            inference_commit=checkout,
            core=core_content,
        )

    @property
    def accuracy_split(self) -> Split:
        return Split(**self.split)

    def inference_args(self) -> dict:
        return {**{k: self.knobs[k] for k in INFERENCE_NAMES}, "seed": self.seed}

    def param_values(self) -> dict:
        return {k: self.knobs[k] for k in PARAM_NAMES}

    def training_args(self) -> dict:
        return training_arguments(self.knobs)

    def as_record(self) -> dict:
        return {
            "study": self.study,
            "point_id": self.point_id,
            "seed": self.seed,
            "knobs": self.knobs,
            "swept": list(self.swept),
            "acc_id": self.acc_id,
            "hw_id": self.hw_id,
            "split": self.split,
            "train_id": self.train_id,
            "version": self.version,
            "commit": self.commit,
            "inference_commit": self.inference_commit,
            "core": self.core,
        }

    @classmethod
    def from_record(cls, record: dict) -> Point:
        return cls(**{**record, "swept": tuple(record["swept"])})  # records before versions lack version, commit


@dataclass
class Sweep:
    config: dict
    source: str
    points: list[Point]
    settings: Settings = field(default_factory=Settings)
    warnings: list[str] = field(default_factory=list)
    searches: dict = field(default_factory=dict)  # study -> SearchStudy: points proposed while the workflow runs
    _splits: dict | None = field(default=None, repr=False, compare=False)

    @property
    def commit(self) -> str:
        return self.settings.commit

    def accuracy_settings(self) -> dict[str, Point]:
        return {p.acc_id: p for p in self.points}

    def splits(self) -> dict[str, Split]:
        """How each inference run is split and stopped; a run shared by studies takes the strictest target.
        Computed once (input functions ask per job; a sweep's points never change)."""
        if self._splits is None:
            out: dict[str, Split] = {}
            for p in self.points:
                out[p.acc_id] = out[p.acc_id].strictest(p.accuracy_split) if p.acc_id in out else p.accuracy_split
            self._splits = out
        return self._splits

    def training_settings(self) -> dict[str, Point]:
        """One point per training run (studies with train:); its training knobs are the run's."""
        return {p.train_id: p for p in self.points if p.train_id}

    def hardware_settings(self) -> dict[str, Point]:
        return {p.hw_id: p for p in self.points}

    def estimates(self) -> dict[tuple[str, str], Point]:
        return {(p.acc_id, p.hw_id): p for p in self.points}

    def reproducibility_pairs(self) -> dict[str, tuple[str, str]]:
        """The estimate run twice per model: that of the model's first point (none when the guard is off)."""
        if not self.settings.check_reproducible:
            return {}
        pairs: dict[str, tuple[str, str]] = {}
        for p in self.points:
            pairs.setdefault(p.knobs["model"], (p.acc_id, p.hw_id))
        return pairs


def deciding_identity(run_identity: dict) -> dict:
    """What decides a run besides its arguments: the run identity without the copy its inference reads."""
    return {k: v for k, v in run_identity.items() if k != "checkout"}


def training_arguments(knobs: dict) -> dict:
    """train.py's arguments for a trained point: the inference knobs that shape training, and train.*"""
    return {
        **{k: knobs[k] for k in TRAINING_SHAPED_BY},
        **{k.removeprefix(TRAIN_PREFIX): knobs[k] for k in TRAIN_ARGUMENTS},
    }


def stable_hash(prefix: str, payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, default=repr)
    return prefix + hashlib.sha1(text.encode()).hexdigest()[:10]


def test_set_size(knobs: dict, settings: Settings) -> int:
    """The images of the dataset's whole test set (the synthetic one's, where that is used): what an
    accuracy interval is about (precision.accuracy_interval)."""
    return settings.synthetic_test_images or TEST_IMAGES[knobs["dataset"]]


def test_images_of(knobs: dict, settings: Settings) -> int:
    """The test images an inference run with these knobs may use: the set, or its first max_test_images."""
    full = test_set_size(knobs, settings)
    return min(full, settings.max_test_images) if settings.max_test_images else full


def test_images(point: Point, settings: Settings) -> int:
    """How many test images one inference run of this point may evaluate (all of them without a target)."""
    return test_images_of(point.knobs, settings)
