"""The JSON schema (2020-12) of config/sweep.yaml, generated from the knob catalogue.

workflow/schemas/config.schema.yaml is this output; a test keeps them equal.
"""

from __future__ import annotations

import yaml

from .checks import EPOCHS_TEXT
from .knobs import BUILT_IN, EXTRA_KEY, KNOBS, MODEL_DATASETS, TRAIN_NAMES, TRAIN_PREFIX, Knob
from .settings import COST_SETTINGS, LABEL, SECTION_KEYS, VERSIONS_KEY, Setting
from .study_keys import BUDGET_KEYS, DIRECTIONS, OBJECTIVE_COLUMNS, REQUIRED_SEARCH_KEYS, SEARCH_KEYS, STUDY_KEYS, Key
from .versions import VERSION_SOURCE_KEYS

NUMBER_TEXT = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def knob_schema(knob: Knob) -> dict:
    if knob.kind == "epochs":
        epoch = {"type": "integer", "minimum": 0}
        return {
            "anyOf": [
                epoch,
                {"type": "array", "minItems": 1, "items": epoch},
                {"type": "string", "pattern": EPOCHS_TEXT.pattern},
            ],
            "description": knob.doc,
        }
    if knob.kind == "bool":
        return {"type": "boolean", "description": knob.doc}
    if knob.names:
        return {"enum": [*knob.names, *knob.choices], "description": knob.doc}
    if knob.kind == "choice":
        return {"enum": list(knob.choices), "description": knob.doc}
    s: dict = {"type": "integer" if knob.kind == "int" else "number", "description": knob.doc}
    for key, attr in (("minimum", "minimum"), ("maximum", "maximum"), ("exclusiveMinimum", "exclusive_minimum")):
        if getattr(knob, attr) is not None:
            s[key] = getattr(knob, attr)
    if knob.kind == "float":
        # YAML 1.1 reads 1e9 as text; such text is accepted and converted
        return {"anyOf": [s, {"type": "string", "pattern": NUMBER_TEXT}], "description": knob.doc}
    return s


def _mapping(properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _settings(settings: dict[str, Setting]) -> dict:
    return _mapping({name: setting.schema() for name, setting in settings.items()})


def build(knobs: dict | None = None) -> dict:
    """The schema of a config whose catalogue is `knobs` (default: this config's, a group's own knobs in it)."""
    knobs = KNOBS if knobs is None else knobs

    def value(name):
        return {"$ref": f"#/$defs/knobs/{name}"}

    def axis(name):
        return {"type": "array", "minItems": 1, "items": value(name)}

    # training knobs are written under train:, by train.py's names
    train_values = _mapping({n.removeprefix(TRAIN_PREFIX): value(n) for n in TRAIN_NAMES})
    train_axes = _mapping({n.removeprefix(TRAIN_PREFIX): axis(n) for n in TRAIN_NAMES})
    plain = [name for name in knobs if name not in TRAIN_NAMES]
    knob_props = {**{name: value(name) for name in plain}, "train": {"$ref": "#/$defs/train_values"}}
    axis_props = {**{name: axis(name) for name in plain}, "train": train_axes}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "NoisyNeuroSIM sweep configuration (see config/README.md)",
        "type": "object",
        "additionalProperties": False,
        "required": ["neurosim", "studies"],
        "properties": {
            **{section: _settings(keys) for section, keys in SECTION_KEYS.items() if section},
            **{name: setting.schema() for name, setting in SECTION_KEYS[""].items()},
            "cost": {
                "type": "object",
                "propertyNames": {"enum": list(MODEL_DATASETS)},
                "additionalProperties": _settings(COST_SETTINGS),
            },
            VERSIONS_KEY: {
                "type": "object",
                "propertyNames": {"pattern": LABEL.pattern},
                "additionalProperties": _settings({k: SECTION_KEYS["neurosim"][k] for k in VERSION_SOURCE_KEYS}),
            },
            # a group's own knobs: checked in full by config.py (side, type, default, range)
            EXTRA_KEY: {"type": "object", "additionalProperties": {"type": "object"}},
            "defaults": {"$ref": "#/$defs/knob_values"},
            "studies": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": _mapping(_study(plain, axis, axis_props)),
            },
        },
        "$defs": {
            "knob_values": _mapping(knob_props),
            "train_values": train_values,
            "knobs": {name: knob_schema(knob) for name, knob in knobs.items()},
        },
    }


def _study(plain: list, axis, axis_props: dict) -> dict:
    """A study's keys, in the catalogue's order (study_keys.py; checked in full by config.py)."""
    seeds = STUDY_KEYS["seeds"]
    fragments = {
        "description": {"type": "string"},
        "grid": {"type": "object", "additionalProperties": False, "properties": axis_props},
        "points": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/knob_values"}},
        "seeds": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "integer", "minimum": seeds.minimum, "maximum": seeds.maximum},
        },
        "decouple": {"type": "array", "items": {"enum": list(STUDY_KEYS["decouple"].choices)}},
        "accuracy": _settings(SECTION_KEYS["accuracy"]),
        "train": {"anyOf": [{"$ref": "#/$defs/train_values"}, {"type": "null"}]},
        "search": _search(plain, axis),
        VERSIONS_KEY: {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": LABEL.pattern}},
    }
    return {name: fragments[name] for name in STUDY_KEYS}


def _integer(key: Key) -> dict:
    return {"type": "integer", "minimum": key.minimum, "maximum": key.maximum}


def _search(plain: list, axis) -> dict:
    """A study's search: mapping, in the catalogue's order (checked in full by search.check_spec)."""
    number = {"type": "number"}
    positive = {"type": "number", "exclusiveMinimum": 0}
    span = {**_mapping({"low": number, "high": number, "step": positive}), "required": ["low", "high", "step"]}
    count = {"type": "integer", "minimum": 1}
    budget = {"points": count, "gpu_hours": positive, "core_hours": positive}
    fragments = {
        "space": _mapping({name: {"anyOf": [axis(name), span]} for name in plain}),
        "objectives": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": list(OBJECTIVE_COLUMNS)},
            "additionalProperties": {"enum": list(DIRECTIONS)},
        },
        "constraints": {"type": "array", "items": {"type": "string"}},
        "budget": {**_mapping({key: budget[key] for key in BUDGET_KEYS}), "minProperties": 1},
        "points_per_wave": _integer(SEARCH_KEYS["points_per_wave"]),
        "inference_runs_per_wave": _integer(SEARCH_KEYS["inference_runs_per_wave"]),
        "seed": _integer(SEARCH_KEYS["seed"]),
        "sampler": {"enum": list(SEARCH_KEYS["sampler"].choices)},
    }
    return {**_mapping({name: fragments[name] for name in SEARCH_KEYS}), "required": list(REQUIRED_SEARCH_KEYS)}


class _NoAliases(yaml.SafeDumper):
    """Shared type fragments are written out where they are used: the file is read by people."""

    def ignore_aliases(self, data):
        return True


def as_yaml() -> str:
    header = (
        "# Generated by `python -m noisyneurosim schema`; edit src/noisyneurosim/knobs.py "
        "(knobs), study_keys.py (a study's and its search's keys) or settings.py (other keys) instead.\n"
    )
    return header + yaml.dump(build(BUILT_IN), Dumper=_NoAliases, sort_keys=False, width=100)
