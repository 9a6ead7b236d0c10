"""The checks a config's knob mappings get wherever they stand (defaults, a grid, points, a search's space),
and the short forms of values every config message uses.

Below config.py and search.py, which both check knobs with it: one check, so a search's space is as strict
as a grid.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from typing import Any

from .knobs import FLOAT_TEXT, KNOBS, NOT_KNOBS, PARAM, REJECTION_NOTES, TRAIN_NAMES, TRAIN_PREFIX

TRAIN_KEY = "train"  # the mapping of training knobs, under their train.py names
EPOCHS_TEXT = re.compile(r"^\s*\d+\s*(,\s*\d+\s*)*$")


class _BoundedRepr(reprlib.Repr):
    """repr() with every size bounded: nested lists, long strings, huge integers (whose repr() raises)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 3, 6, 6, 6, 6
        self.maxstring, self.maxother = 60, 60

    def repr_int(self, x, level):
        return f"<an integer of {x.bit_length()} bits>" if x.bit_length() > 128 else repr(x)


_BOUNDED = _BoundedRepr()


def cut(text: str, limit: int = 200) -> str:
    """A message's own text (not a value), cut with its length."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def short(value: Any, limit: int = 100) -> str:
    """A value for a message, cut with its length: a config error never echoes a huge value."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = _BOUNDED.repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... (cut)"


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if str(word).lower() in lowered:
            close = [lowered[str(word).lower()]]
    return f" (did you mean '{close[0]}'?)" if close else ""


def coerce_knob(name: str, value: Any) -> tuple[Any, str | None]:
    """Return (typed value, problem). Values never stay text for Param.cpp."""
    knob = KNOBS[name]
    allowed = knob.describe_allowed()
    if knob.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"must be true or false, got {short(value)}"
    if knob.kind == "epochs":  # train.py reads them as text: "140,180"
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, str) and EPOCHS_TEXT.match(value):
            value = [int(v) for v in value.split(",")]
        if not isinstance(value, list) or not value or not all(type(v) is int and v >= 0 for v in value):
            return None, f"must be {allowed}, got {short(value)}"
        return ",".join(str(v) for v in value), None
    if knob.names and isinstance(value, str):
        if value in knob.names:
            return knob.names[value], None
        return None, f"{short(value)} is not one of {allowed}{did_you_mean(value, knob.names)}"
    if knob.side != PARAM and knob.kind == "choice" and isinstance(knob.choices[0], str):
        if isinstance(value, str) and value in knob.choices:
            return value, None
        return None, f"{short(value)} is not one of {allowed}{did_you_mean(value, knob.choices)}"
    if isinstance(value, bool):
        return None, f"must be a number ({allowed}), got {short(value)}"
    if knob.kind == "float":
        if isinstance(value, str) and FLOAT_TEXT.match(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e9 as text
        if not isinstance(value, (int, float)):
            return None, f"must be a number ({allowed}), got {short(value)}"
        value = float(value)
        if not math.isfinite(value):
            return None, f"must be finite, got {short(value)}"
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return None, f"must be an integer ({allowed}), got {short(value)}"
    if knob.choices and value not in knob.choices:
        note = f"; {REJECTION_NOTES[name]}" if name in REJECTION_NOTES else ""
        return None, f"{short(value)} is not one of {allowed}{note}"
    if knob.minimum is not None and value < knob.minimum:
        return None, f"{short(value)} is below the minimum {knob.minimum:g}"
    if knob.maximum is not None and value > knob.maximum:
        return None, f"{short(value)} is above the maximum {knob.maximum:g}"
    if knob.exclusive_minimum is not None and value <= knob.exclusive_minimum:
        return None, f"{short(value)} must be greater than {knob.exclusive_minimum:g}"
    return value, None


def check_knob_map(where: str, mapping: Any, problems: list[str], *, lists: bool) -> dict:
    """Check a mapping knob -> value (or -> list of values); return the typed one."""
    typed: dict = {}
    if mapping is None:
        return typed
    if not isinstance(mapping, dict):
        problems.append(f"{where}: must be a mapping of knob names, got {short(mapping)}")
        return typed
    for name, value in with_training_names(where, mapping, problems).items():
        key = f"{where}.{name}"
        if name not in KNOBS:
            hint = f" ({NOT_KNOBS[name]})" if name in NOT_KNOBS else did_you_mean(name, KNOBS)
            if TRAIN_PREFIX + str(name) in KNOBS:
                hint = f" (a training knob: write it under {where}.{TRAIN_KEY})"
            problems.append(f"{key}: unknown knob{hint}")
            continue
        if lists:
            if not isinstance(value, list):
                problems.append(f"{key}: a grid axis must be a list of values, got {short(value)}")
                continue
            if not value:
                problems.append(f"{key}: empty list of values; give at least one")
                continue
            out = []
            for i, item in enumerate(value):
                v, err = coerce_knob(name, item)
                if err:
                    problems.append(f"{key}[{i}] = {short(item)}: {err}")
                else:
                    out.append(v)
            if len(set(map(repr, out))) != len(out):
                problems.append(f"{key} = {short(value)}: repeated value")
            if out:  # an axis none of whose values holds is named above, and expands to nothing
                typed[name] = out
        else:
            v, err = coerce_knob(name, value)
            if err:
                problems.append(f"{key} = {short(value)}: {err}")
            else:
                typed[name] = v
    return typed


def with_training_names(where: str, mapping: dict, problems: list[str]) -> dict:
    """A knob mapping with its `train:` mapping spread out as train.<name> knobs."""
    out = {k: v for k, v in mapping.items() if k != TRAIN_KEY}
    block = mapping.get(TRAIN_KEY)
    if TRAIN_KEY not in mapping or block is None:
        return out
    if not isinstance(block, dict):
        problems.append(f"{where}.{TRAIN_KEY}: must be a mapping of train.py's arguments, got {short(block)}")
        return out
    names = [n.removeprefix(TRAIN_PREFIX) for n in TRAIN_NAMES]
    for name, value in block.items():
        if name not in names:
            problems.append(
                f"{where}.{TRAIN_KEY}.{name}: not a training knob{did_you_mean(name, names)}; "
                f"allowed: {', '.join(names)}"
            )
            continue
        out[TRAIN_PREFIX + name] = value
    return out
